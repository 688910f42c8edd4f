// The log formats, in the order a line is tried against them: the detection
// event formats inside a message (CEF, LEEF), then the syslog envelopes
// around it (RFC 5424, RFC 3164), then raw. Every format name a record's
// "fmt" may carry, how a line is classified and what an event is parsed
// into come from this one list: a new format is one entry here.

import { parseCefExtension, parseCefHeader, pickCefExtension, type CefEvent, type CefHeader } from './cef.ts';
import { parseLeefAttributes, parseLeefHeader, pickLeefAttributes, type LeefEvent, type LeefHeader } from './leef.ts';
import { parseRfc3164, parseRfc5424, type SyslogHeader } from './syslog-header.ts';

/** A detection event format: its header is enough to classify; the event is completed from it on demand. */
export interface EventFormat<H, E> {
  readonly name: string;
  header(message: string): H | undefined;
  event(message: string, header: H): E;
  /** Only the named fields of the event's body (CEF extension, LEEF attributes), as event() gives them. */
  fields(message: string, header: H, keys: readonly string[]): Record<string, string>;
}

const cef: EventFormat<CefHeader, CefEvent> = {
  name: 'cef',
  header: parseCefHeader,
  event: (message, h) => ({
    version: h.version, vendor: h.vendor, product: h.product, deviceVersion: h.deviceVersion, eventId: h.eventId,
    name: h.name, severity: h.severity, ext: parseCefExtension(message.slice(h.extStart)),
  }),
  fields: (message, h, keys) => pickCefExtension(message.slice(h.extStart), keys),
};

const leef: EventFormat<LeefHeader, LeefEvent> = {
  name: 'leef',
  header: parseLeefHeader,
  event: (message, h) => ({
    version: h.version, vendor: h.vendor, product: h.product, deviceVersion: h.deviceVersion, eventId: h.eventId,
    attrs: parseLeefAttributes(message.slice(h.attrStart), h.delimiter),
  }),
  fields: (message, h, keys) => pickLeefAttributes(message.slice(h.attrStart), h.delimiter, keys),
};

export const EVENT_FORMATS = { cef, leef } as const;
export type EventFormatName = keyof typeof EVENT_FORMATS;
export type EventOf<K extends EventFormatName> = (typeof EVENT_FORMATS)[K] extends EventFormat<unknown, infer E> ? E : never;
export type HeaderOf<K extends EventFormatName> = (typeof EVENT_FORMATS)[K] extends EventFormat<infer H, unknown> ? H : never;

/** The syslog envelopes, tried in this order (RFC 5424 is the stricter). */
export const SYSLOG_FORMATS: ReadonlyArray<{ name: SyslogHeader['kind']; header(line: string): SyslogHeader | undefined }> = [
  { name: 'rfc5424', header: parseRfc5424 },
  { name: 'rfc3164', header: parseRfc3164 },
];

/** Every value of a record's "fmt", in classification order (a unit test holds it to the two lists above). */
export const FORMATS = ['cef', 'leef', 'rfc5424', 'rfc3164', 'raw'] as const;
export type Format = (typeof FORMATS)[number];
