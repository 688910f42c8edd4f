// How times, sizes and counts read on the pages. Times are always UTC: the
// admins of one fleet sit in different zones, and an appliance's logs and a
// colleague's mail quote UTC, so a page in local time would not match either.

const UNITS: ReadonlyArray<[number, string]> = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'min'], [1000, 's']];

/** "3 min ago"; "never" for no time. A time slightly ahead (clock skew) reads "just now", not "in 2 s". */
export function ago(t: number | null | undefined, now: number): string {
  if (t === null || t === undefined) return 'never';
  const d = now - t;
  if (d < 5000) return d < -60_000 ? `in ${span(-d)}` : 'just now';
  return `${span(d)} ago`;
}

/** The largest unit only, rounded down: "59 s", "3 min", "5 h", "2 d". */
function span(ms: number): string {
  for (const [size, unit] of UNITS) if (ms >= size) return `${Math.floor(ms / size)} ${unit}`;
  return '0 s';
}

/** A length of time from seconds, two units at most: "45 s", "5 min", "1 h 30 min", "3 d 4 h". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  let ms = Math.round(seconds) * 1000;
  if (ms < 1000) return `${Math.max(0, Math.round(seconds * 1000))} ms`;
  const parts: string[] = [];
  for (const [size, unit] of UNITS) {
    if (ms >= size && parts.length < 2) {
      parts.push(`${Math.floor(ms / size)} ${unit}`);
      ms %= size;
    } else if (parts.length > 0) break;
  }
  return parts.join(' ');
}

/** ISO 8601 to the second, for titles and machine-readable attributes: 2024-05-01T12:34:56Z. */
export function iso(t: number | null | undefined): string {
  if (t === null || t === undefined || !Number.isFinite(t)) return '';
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** For table cells: 2024-05-01 12:34:56 (UTC, said once in the column heading). */
export function stamp(t: number | null | undefined): string {
  return iso(t).replace('T', ' ').replace('Z', '');
}

/** The value a datetime-local input takes for a time, in UTC: 2024-05-01T12:34. */
export function datetimeLocal(t: number): string {
  return iso(t).slice(0, 16);
}

/**
 * A datetime-local input's value (YYYY-MM-DDTHH:MM, seconds optional) read
 * as UTC; undefined when it is not one, or names a day that does not exist
 * (2024-02-31 would otherwise roll over into March).
 */
export function parseDatetimeLocal(v: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v);
  if (!m) return undefined;
  const t = Date.parse(`${v}${m[6] === undefined ? ':00' : ''}Z`);
  if (!Number.isFinite(t)) return undefined;
  return iso(t).slice(0, 19) === `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}` ? t : undefined;
}

/** 1,234,567 */
export function count(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const [whole, frac] = String(n).split('.') as [string, string?];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** 0 B, 980 B, 1.5 KiB, 12 MiB: three significant digits at most. */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v >= 100 ? Math.round(v) : v >= 10 ? v.toFixed(1).replace(/\.0$/, '') : v.toFixed(2).replace(/\.?0+$/, '')} ${units[i]}`;
}

/** host:port, with IPv6 addresses bracketed so the port is not read as part of them. */
export function hostPort(host: string | null, port: number | null): string {
  if (host === null && port === null) return '—';
  const h = host === null ? '?' : host.includes(':') ? `[${host}]` : host;
  return port === null ? h : `${h}:${port}`;
}

/** CEF's severity bands (0-3 low, 4-6 medium, 7-8 high, 9-10 very high). */
export function severityBand(s: number): 'low' | 'medium' | 'high' | 'very-high' {
  return s >= 9 ? 'very-high' : s >= 7 ? 'high' : s >= 4 ? 'medium' : 'low';
}
