// Classify and parse one line. classify() is the hot path: it reads headers
// only. parse() adds the CEF extension / LEEF attributes. Both share the same
// header code, so they always agree on the format. Neither throws, whatever
// the bytes: anything unrecognised is "raw".

import type { Format } from '../../protocol/record.ts';
import { parseCef, parseCefHeader, type CefEvent } from './cef.ts';
import { parseLeef, parseLeefHeader, type LeefEvent } from './leef.ts';
import { parseRfc3164, parseRfc5424, type SyslogHeader } from './syslog-header.ts';

export type { CefEvent } from './cef.ts';
export type { LeefEvent } from './leef.ts';
export type { SyslogHeader } from './syslog-header.ts';

export interface ParsedLine {
  format: Format;
  syslog: SyslogHeader | undefined;
  message: string;
  cef?: CefEvent;
  leef?: LeefEvent;
}

function header(line: string): SyslogHeader | undefined {
  return parseRfc5424(line) ?? parseRfc3164(line);
}

export function classify(line: string): Format {
  try {
    const h = header(line);
    const message = h ? line.slice(h.msgStart) : line;
    if (parseCefHeader(message)) return 'cef';
    if (parseLeefHeader(message)) return 'leef';
    return h ? h.kind : 'raw';
  } catch {
    return 'raw';
  }
}

export function parse(line: string): ParsedLine {
  try {
    const syslog = header(line);
    const message = syslog ? line.slice(syslog.msgStart) : line;
    const cef = parseCef(message);
    if (cef) return { format: 'cef', syslog, message, cef };
    const leef = parseLeef(message);
    if (leef) return { format: 'leef', syslog, message, leef };
    return { format: syslog ? syslog.kind : 'raw', syslog, message };
  } catch {
    return { format: 'raw', syslog: undefined, message: line };
  }
}
