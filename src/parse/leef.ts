// IBM LEEF 1.0 / 2.0:
//   LEEF:1.0|Vendor|Product|Version|EventID|<attrs, tab-delimited>
//   LEEF:2.0|Vendor|Product|Version|EventID|<delimiter>|<attrs>
// The 2.0 delimiter is one character or its hex form (x09, 0x5E). Relays such
// as rsyslog rewrite a tab as "#011"; that form is accepted too. Never throws.

export interface LeefHeader {
  version: string;
  vendor: string;
  product: string;
  deviceVersion: string;
  eventId: string;
  delimiter: string;
  attrStart: number;
}

export interface LeefEvent extends Omit<LeefHeader, 'attrStart' | 'delimiter'> {
  attrs: Record<string, string>;
}

function delimiterFrom(field: string): string | undefined {
  if (field.length === 1) return field;
  const hex = /^(?:0?x)([0-9A-Fa-f]{2,4})$/.exec(field);
  if (!hex) return undefined;
  const code = parseInt(hex[1]!, 16);
  return code > 0 ? String.fromCharCode(code) : undefined;
}

export function parseLeefHeader(msg: string): LeefHeader | undefined {
  if (!msg.startsWith('LEEF:')) return undefined;
  const fields: string[] = [];
  let start = 5;
  const want = msg.startsWith('LEEF:2') ? 6 : 5;
  while (fields.length < want) {
    const i = msg.indexOf('|', start);
    if (i < 0) return undefined;
    fields.push(msg.slice(start, i));
    start = i + 1;
  }
  const [version, vendor, product, deviceVersion, eventId, delim] = fields as
    [string, string, string, string, string, string | undefined];
  if (!/^[12]\.0$/.test(version)) return undefined;
  let delimiter = '\t';
  if (delim !== undefined) {
    const d = delimiterFrom(delim);
    if (d === undefined) return undefined;
    delimiter = d;
  }
  return { version, vendor, product, deviceVersion, eventId, delimiter, attrStart: start };
}

export function parseLeefAttributes(text: string, delimiter: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  let sep = delimiter;
  if (sep === '\t' && !text.includes('\t') && text.includes('#011')) sep = '#011';
  for (const part of text.split(sep)) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out[part.slice(0, eq).trim()] = part.slice(eq + 1);
  }
  return out;
}

/** The values of the named attributes only, as parseLeefAttributes gives them. */
export function pickLeefAttributes(text: string, delimiter: string, keys: readonly string[]): Record<string, string> {
  const all = parseLeefAttributes(text, delimiter);
  const out: Record<string, string> = Object.create(null);
  for (const key of keys) if (key in all) out[key] = all[key]!;
  return out;
}

export function parseLeef(msg: string): LeefEvent | undefined {
  const h = parseLeefHeader(msg);
  if (!h) return undefined;
  const { attrStart, delimiter, ...header } = h;
  return { ...header, attrs: parseLeefAttributes(msg.slice(attrStart), delimiter) };
}
