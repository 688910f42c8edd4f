// ArcSight CEF: CEF:Version|Vendor|Product|DeviceVersion|EventClassId|Name|Severity|Extension
// Header fields escape "\|" and "\\"; extension values escape "\=", "\\", "\n", "\r".
// A value runs until the next " key=". Never throws.

export interface CefHeader {
  version: string;
  vendor: string;
  product: string;
  deviceVersion: string;
  eventId: string;
  name: string;
  severity: string;
  /** Offset of the extension in the message. */
  extStart: number;
}

export interface CefEvent extends Omit<CefHeader, 'extStart'> {
  /** Extension fields; csN/cnN/... are also available under their csNLabel names. */
  ext: Record<string, string>;
}

function unescapeHeader(s: string): string {
  return s.includes('\\') ? s.replace(/\\([|\\])/g, '$1') : s;
}

/** Split the seven header fields; undefined when this is not CEF. */
export function parseCefHeader(msg: string): CefHeader | undefined {
  if (!msg.startsWith('CEF:')) return undefined;
  const fields: string[] = [];
  let start = 4;
  for (let i = 4; i < msg.length && fields.length < 7; i++) {
    const c = msg.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 124 /* | */) {
      fields.push(unescapeHeader(msg.slice(start, i)));
      start = i + 1;
    }
  }
  if (fields.length < 7 || !/^\d+(\.\d+)?$/.test(fields[0]!)) return undefined;
  const [version, vendor, product, deviceVersion, eventId, name, severity] = fields as
    [string, string, string, string, string, string, string];
  return { version, vendor, product, deviceVersion, eventId, name, severity, extStart: start };
}

/** A key is 1 to 64 of [A-Za-z0-9_.[\]-], at the start or after white space, before "=". */
const MAX_KEY = 64;

function isKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 91 || c === 93 || c === 45;
}

const SPACE = /\s/;

/** White space as a regular expression's \s means it. */
function isSpace(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c < 128 ? c === 32 || (c >= 9 && c <= 13) : SPACE.test(s[i]!);
}

function unescapeValue(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([=\\nr|])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

const LABELLED = /^(c[sn]\d|cfp\d|c6a\d|flexString\d|flexNumber\d|deviceCustomDate\d)Label$/;

/**
 * Calls field(keyStart, eq, valueEnd) for each key=value of an extension, in
 * order: a scan from "=" to "=" (a key cannot hold a backslash, so "\\="
 * never ends a value). The value is ext.slice(eq + 1, valueEnd).trimEnd().
 */
function scanExtension(ext: string, field: (keyStart: number, eq: number, valueEnd: number) => void): void {
  let prevKey = -1;
  let prevEq = -1;
  for (let eq = ext.indexOf('='); eq !== -1; eq = ext.indexOf('=', eq + 1)) {
    let k = eq;
    while (k > 0 && eq - k <= MAX_KEY && isKeyChar(ext.charCodeAt(k - 1))) k--;
    if (k === eq || eq - k > MAX_KEY || (k > 0 && !isSpace(ext, k - 1))) continue;
    if (prevEq >= 0) field(prevKey, prevEq, k);
    prevKey = k;
    prevEq = eq;
  }
  if (prevEq >= 0) field(prevKey, prevEq, ext.length);
}

const valueAt = (ext: string, eq: number, end: number) => unescapeValue(ext.slice(eq + 1, end).trimEnd());

export function parseCefExtension(ext: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  let labels = false;
  scanExtension(ext, (k, eq, end) => {
    const key = ext.slice(k, eq);
    out[key] = valueAt(ext, eq, end);
    if (!labels && key.endsWith('Label')) labels = true;
  });
  // Apart, in its own function: its loop in here made V8 compile the scan 2.5 times slower.
  if (labels) applyLabels(out);
  return out;
}

/**
 * The values of the named keys only, exactly as parseCefExtension gives them:
 * what reading a few fields of every detection on the hot path costs, without
 * building the whole event. (A csNLabel naming one of the keys is rare; then
 * the whole extension is parsed.)
 */
export function pickCefExtension(ext: string, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  let labelled = false;
  scanExtension(ext, (k, eq, end) => {
    for (const key of keys) {
      if (key.length === eq - k && ext.startsWith(key, k)) out[key] = valueAt(ext, eq, end);
    }
    if (eq - k > 5 && ext.startsWith('Label', eq - 5) && keys.includes(valueAt(ext, eq, end)) && LABELLED.test(ext.slice(k, eq))) {
      labelled = true;
    }
  });
  if (!labelled) return out;
  const all = parseCefExtension(ext);
  const picked: Record<string, string> = Object.create(null);
  for (const key of keys) if (key in all) picked[key] = all[key]!;
  return picked;
}

/** csNLabel=Name csN=value → Name=value, without overwriting real keys. */
function applyLabels(out: Record<string, string>): void {
  for (const name of Object.keys(out)) {
    const lm = name.endsWith('Label') ? LABELLED.exec(name) : null;
    if (!lm) continue;
    const label = out[name]!;
    const value = out[lm[1]!];
    if (value !== undefined && label !== '' && !(label in out)) out[label] = value;
  }
}

export function parseCef(msg: string): CefEvent | undefined {
  const h = parseCefHeader(msg);
  if (!h) return undefined;
  const { extStart, ...header } = h;
  return { ...header, ext: parseCefExtension(msg.slice(extStart)) };
}
