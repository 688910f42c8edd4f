// When a detection happened, as the appliance wrote it: Deep Discovery's
// "Mar 09 2015 17:05:21 GMT+08:00" (CEF rt, LEEF devTime), milliseconds
// since the epoch (CEF allows it), or ISO 8601. Undefined when it is none of
// these or lies outside 2000-2100, and the record's receive time stands in.

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};
const DD = /^([A-Za-z]{3}) +(\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?: (?:GMT|UTC)?([+-])(\d{2}):?(\d{2}))?(?: (?:GMT|UTC|Z))?$/;
const LO = Date.UTC(2000, 0, 1);
const HI = Date.UTC(2100, 0, 1);

export function eventTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = parse(s.trim());
  return t !== undefined && t >= LO && t < HI ? t : undefined;
}

function parse(s: string): number | undefined {
  if (/^\d{12,13}$/.test(s)) return Number(s);
  const m = DD.exec(s);
  if (m) {
    const month = MONTHS[m[1]!.toLowerCase()];
    if (month === undefined) return undefined;
    const [d, y, hh, mm, ss] = [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
    if (d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60) return undefined;
    const ms = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
    const offset = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) : 0;
    return Date.UTC(y, month, d, hh, mm, ss, ms) - offset * 60_000;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s)) {
    const t = Date.parse(s);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}
