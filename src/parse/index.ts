// Classify and parse one line, with the formats of formats.ts. classify() is
// the hot path: it reads headers only and keeps what it found, so an event
// is completed from it later without parsing the header again (a detection is
// classified by ingest, and its objects extracted by the SMS room, from one
// parse). Nothing here throws, whatever the bytes: anything unrecognised is
// "raw". The agent and the portal parse with this same code.

import type { CefEvent } from './cef.ts';
import { EVENT_FORMATS, SYSLOG_FORMATS, type EventFormatName, type Format, type HeaderOf } from './formats.ts';
import type { LeefEvent } from './leef.ts';
import type { SyslogHeader } from './syslog-header.ts';

export type { CefEvent } from './cef.ts';
export type { LeefEvent } from './leef.ts';
export type { SyslogHeader } from './syslog-header.ts';
export { FORMATS, type EventFormatName, type Format, type HeaderOf } from './formats.ts';

/** What classification found: the format, the syslog header and the event header (when a detection). */
export interface Classified {
  format: Format;
  syslog: SyslogHeader | undefined;
  /** The message after the syslog header (the whole line when there is none). */
  message: string;
  /** A detection event's format and header, to complete the event from. */
  event: { name: EventFormatName; header: unknown } | undefined;
}

export interface ParsedLine {
  format: Format;
  syslog: SyslogHeader | undefined;
  message: string;
  cef?: CefEvent;
  leef?: LeefEvent;
}

function envelope(line: string): SyslogHeader | undefined {
  for (const f of SYSLOG_FORMATS) {
    const h = f.header(line);
    if (h) return h;
  }
  return undefined;
}

export function classifyLine(line: string): Classified {
  try {
    const syslog = envelope(line);
    const message = syslog ? line.slice(syslog.msgStart) : line;
    for (const name of Object.keys(EVENT_FORMATS) as EventFormatName[]) {
      const header = EVENT_FORMATS[name].header(message);
      if (header) return { format: name, syslog, message, event: { name, header } };
    }
    return { format: syslog ? syslog.kind : 'raw', syslog, message, event: undefined };
  } catch {
    return { format: 'raw', syslog: undefined, message: line, event: undefined };
  }
}

export function classify(line: string): Format {
  return classifyLine(line).format;
}

/** The whole line parsed: from a classification already made, or from the text. */
export function parse(input: string | Classified): ParsedLine {
  const c = typeof input === 'string' ? classifyLine(input) : input;
  const out: ParsedLine = { format: c.format, syslog: c.syslog, message: c.message };
  if (!c.event) return out;
  try {
    const { name, header } = c.event;
    const f = EVENT_FORMATS[name] as { event(message: string, header: unknown): CefEvent | LeefEvent };
    (out as unknown as Record<string, unknown>)[name] = f.event(c.message, header);
    return out;
  } catch {
    return { format: 'raw', syslog: undefined, message: c.message };
  }
}

/**
 * A classified detection's header and the named fields of its body, without
 * completing the whole event: what the SMS room reads from every detection.
 * Undefined for a line that is not a detection.
 */
export function eventFields<K extends EventFormatName>(c: Classified & { event: { name: K } }, keys: readonly string[]):
  { header: HeaderOf<K>; fields: Record<string, string> } | undefined {
  try {
    const { name, header } = c.event;
    const f = EVENT_FORMATS[name] as { fields(message: string, header: unknown, keys: readonly string[]): Record<string, string> };
    return { header: header as HeaderOf<K>, fields: f.fields(c.message, header, keys) };
  } catch {
    return undefined;
  }
}
