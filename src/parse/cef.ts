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

const EXT_KEY = /(?:^|\s)([A-Za-z0-9_.[\]-]{1,64})=/g;

function unescapeValue(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([=\\nr|])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

export function parseCefExtension(ext: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const keys: Array<[string, number, number]> = []; // key, key start, value start
  EXT_KEY.lastIndex = 0;
  for (let m = EXT_KEY.exec(ext); m; m = EXT_KEY.exec(ext)) {
    // "\=" inside a value never matches: a key cannot contain a backslash.
    const eq = m.index + m[0].length - 1;
    keys.push([m[1]!, eq - m[1]!.length, eq + 1]);
  }
  for (let k = 0; k < keys.length; k++) {
    const [key, , vStart] = keys[k]!;
    const vEnd = k + 1 < keys.length ? keys[k + 1]![1] : ext.length;
    out[key] = unescapeValue(ext.slice(vStart, vEnd).trimEnd());
  }
  // csNLabel=Name csN=value → Name=value, without overwriting real keys.
  for (const key of Object.keys(out)) {
    const lm = /^(c[sn]\d|cfp\d|c6a\d|flexString\d|flexNumber\d|deviceCustomDate\d)Label$/.exec(key);
    if (!lm) continue;
    const label = out[key]!;
    const value = out[lm[1]!];
    if (value !== undefined && label !== '' && !(label in out)) out[label] = value;
  }
  return out;
}

export function parseCef(msg: string): CefEvent | undefined {
  const h = parseCefHeader(msg);
  if (!h) return undefined;
  const { extStart, ...header } = h;
  return { ...header, ext: parseCefExtension(msg.slice(extStart)) };
}
