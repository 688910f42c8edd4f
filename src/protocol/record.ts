// The record: one JSON object per line (NDJSON), shared by agent and portal.
//
//   {"t":1763791200000,"src":"syslog","fmt":"cef","line":"<original line>"}
//
// t    receive time, milliseconds since the epoch
// src  "syslog" for socket sources, "file:<path>" for followed files
// fmt  cef | leef | rfc5424 | rfc3164 | raw
// line the original line byte-for-byte when it is valid UTF-8; otherwise the
//      key is "b64" and holds the original bytes in base64, so nothing is
//      ever altered by a lossy decode.

import { FORMATS, type Format } from '../parse/formats.ts';

export { FORMATS, type Format };

export interface DecodedRecord {
  t: number;
  src: string;
  fmt: Format;
  line: Buffer;
}

/** JSON text of the source, computed once per source rather than per record. */
export function sourcePrefix(src: string): string {
  return `,"src":${JSON.stringify(src)},"fmt":"`;
}

/**
 * Encode one record. `prefix` comes from sourcePrefix(); `text` is the line
 * decoded when it is valid UTF-8, else undefined. Kept as plain string
 * concatenation: it is the hot path, and JSON.stringify of one string is the
 * only escaping needed.
 */
export function encodeRecord(t: number, prefix: string, fmt: Format, text: string | undefined, raw: Buffer): string {
  if (text !== undefined) return `{"t":${t}${prefix}${fmt}","line":${JSON.stringify(text)}}\n`;
  return `{"t":${t}${prefix}${fmt}","b64":"${raw.toString('base64')}"}\n`;
}

/** Decode one NDJSON line; undefined when it is not a record. */
export function decodeRecord(text: string): DecodedRecord | undefined {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null) return undefined;
  const r = o as Record<string, unknown>;
  if (typeof r.t !== 'number' || typeof r.src !== 'string' || !FORMATS.includes(r.fmt as Format)) return undefined;
  let line: Buffer;
  if (typeof r.line === 'string') line = Buffer.from(r.line, 'utf8');
  else if (typeof r.b64 === 'string') line = Buffer.from(r.b64, 'base64');
  else return undefined;
  return { t: r.t, src: r.src, fmt: r.fmt as Format, line };
}
