// Syslog headers: RFC 5424 and RFC 3164 (with the usual liberties real
// senders take). Both find where the message starts; neither throws.

export interface SyslogHeader {
  kind: 'rfc5424' | 'rfc3164';
  pri: number | undefined;
  version?: number;
  timestamp?: string;
  hostname?: string;
  app?: string;
  procid?: string;
  msgid?: string;
  structuredData?: string;
  /** Offset of the message (MSG) in the line. */
  msgStart: number;
}

/** `<PRI>` at the start: returns [pri, end offset] or undefined. */
function readPri(s: string): [number, number] | undefined {
  if (s.charCodeAt(0) !== 60 /* < */) return undefined;
  let v = 0;
  let i = 1;
  for (; i < s.length && i <= 4; i++) {
    const c = s.charCodeAt(i);
    if (c === 62 /* > */) break;
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
  }
  if (i === 1 || i > 4 || s.charCodeAt(i) !== 62 || v > 191) return undefined;
  return [v, i + 1];
}

/** Next space-delimited token starting at i: [token, index after it]. */
function token(s: string, i: number): [string, number] | undefined {
  if (i >= s.length) return undefined;
  const j = s.indexOf(' ', i);
  const end = j < 0 ? s.length : j;
  if (end === i) return undefined;
  return [s.slice(i, end), end];
}

const RFC5424_TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2}))$/;

/** Length of the STRUCTURED-DATA field at i ("-" or [..][..]), or -1. */
function structuredDataEnd(s: string, i: number): number {
  if (s[i] === '-') return i + 1;
  let k = i;
  if (s[k] !== '[') return -1;
  while (s[k] === '[') {
    k++;
    let inQuote = false;
    for (; k < s.length; k++) {
      const c = s[k];
      if (inQuote) {
        if (c === '\\') k++;
        else if (c === '"') inQuote = false;
      } else if (c === '"') inQuote = true;
      else if (c === ']') break;
    }
    if (k >= s.length) return -1;
    k++; // past ']'
  }
  return k;
}

export function parseRfc5424(s: string): SyslogHeader | undefined {
  const pri = readPri(s);
  if (!pri) return undefined;
  let i = pri[1];
  const ver = token(s, i);
  if (!ver || !/^[1-9][0-9]?$/.test(ver[0]) || s[ver[1]] !== ' ') return undefined;
  const fields: string[] = [];
  i = ver[1] + 1;
  for (let n = 0; n < 5; n++) {
    const t = token(s, i);
    if (!t || s[t[1]] !== ' ') return undefined;
    fields.push(t[0]);
    i = t[1] + 1;
  }
  const [ts, hostname, app, procid, msgid] = fields as [string, string, string, string, string];
  if (ts !== '-' && !RFC5424_TS.test(ts)) return undefined;
  const sdEnd = structuredDataEnd(s, i);
  if (sdEnd < 0 || (sdEnd < s.length && s[sdEnd] !== ' ')) return undefined;
  const nil = (v: string) => (v === '-' ? undefined : v);
  let msgStart = sdEnd < s.length ? sdEnd + 1 : s.length;
  if (s.charCodeAt(msgStart) === 0xfeff) msgStart++; // BOM marks a UTF-8 MSG
  return {
    kind: 'rfc5424', pri: pri[0], version: Number(ver[0]), timestamp: nil(ts), hostname: nil(hostname),
    app: nil(app), procid: nil(procid), msgid: nil(msgid),
    structuredData: s[i] === '-' ? undefined : s.slice(i, sdEnd), msgStart,
  };
}

// Mmm dd hh:mm:ss, optionally with a year or milliseconds, or an ISO timestamp.
const BSD_TS = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-3]\d (\d{4} )?\d\d:\d\d:\d\d(\.\d{1,6})?(?= |$)/;
const ISO_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?(?= |$)/;

export function parseRfc3164(s: string): SyslogHeader | undefined {
  const pri = readPri(s);
  let i = pri ? pri[1] : 0;
  const rest = s.slice(i, i + 40);
  const m = BSD_TS.exec(rest) ?? ISO_TS.exec(rest);
  if (!m) {
    // "<13>message" with no timestamp is still a syslog message; a bare line is not.
    return pri ? { kind: 'rfc3164', pri: pri[0], msgStart: i } : undefined;
  }
  const timestamp = m[0];
  i += timestamp.length;
  if (s[i] === ' ') i++;
  let hostname: string | undefined;
  const t = token(s, i);
  // A first token ending in ':' or carrying '[pid]' is a tag: the sender left out the host.
  if (t && !t[0].endsWith(':') && !t[0].includes('[') && t[1] < s.length) {
    hostname = t[0];
    i = t[1] + 1;
  }
  let app: string | undefined;
  let procid: string | undefined;
  const tag = /^([A-Za-z0-9_./-]{1,48})(\[([^\]\s]{1,32})\])?: ?/.exec(s.slice(i, i + 96));
  // CEF:0|... and LEEF:1.0|... look like tags; they are the payload, not a tag.
  if (tag && tag[1] !== 'CEF' && tag[1] !== 'LEEF') {
    app = tag[1];
    procid = tag[3];
    i += tag[0].length;
  }
  return { kind: 'rfc3164', pri: pri?.[0], timestamp, hostname, app, procid, msgStart: i };
}
