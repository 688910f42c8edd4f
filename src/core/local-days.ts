// Local days in an IANA time zone, with the zone's own rules (Intl): a day
// of 23 or 25 hours (DST) and zones with half- or quarter-hour offsets are
// exact; a wall-clock time a DST gap skips means the first instant after.
// Days are written YYYY-MM-DD. Reports are made per local day, and the
// portal's roll-ups are kept per local day, so both read these.

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isDay(s: string): boolean {
  const m = DAY.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function wallClock(t: number, tz: string): { y: number; mo: number; d: number; h: number; mi: number } {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    });
    formats.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  return { y: Number(p.year), mo: Number(p.month), d: Number(p.day), h: Number(p.hour), mi: Number(p.minute) };
}

/** Local wall time minus UTC at instant t (ms). */
function offsetAt(t: number, tz: string): number {
  const w = wallClock(t, tz);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi) - Math.floor(t / 60_000) * 60_000;
}

/** The first instant whose local wall time is at or after `day` `hour`:00 in `tz`. */
export function localInstant(day: string, hour: number, tz: string): number {
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, mo - 1, d, hour);
  // The zone's offset before and after any transition near this time: in a repeated hour both
  // fit (the earlier is the first), in a skipped one neither does, and the answer is the
  // moment of the jump, which the offset before gives.
  const before = wall - offsetAt(wall - 12 * 3_600_000, tz);
  const after = wall - offsetAt(wall + 12 * 3_600_000, tz);
  const fits = (t: number) => t + offsetAt(t, tz) === wall;
  if (fits(before) && fits(after)) return Math.min(before, after);
  if (fits(before)) return before;
  if (fits(after)) return after;
  return before;
}

export function dayOfInstant(t: number, tz: string): string {
  const w = wallClock(t, tz);
  return `${w.y}-${String(w.mo).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
}

export function addDays(day: string, n: number): string {
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, mo - 1, d + n)).toISOString().slice(0, 10);
}

/** Days from `first` to `last`, inclusive. */
export function daysOf(first: string, last: string): string[] {
  const out: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) out.push(d);
  return out;
}

/**
 * The local day of many instants, fast: the last few days' bounds are kept,
 * so a batch's detections (mostly one or two days) cost a comparison each,
 * not an Intl call.
 */
export class LocalDays {
  readonly timeZone: string;
  private readonly known: Array<{ day: string; from: number; until: number }> = [];

  constructor(timeZone: string) {
    this.timeZone = timeZone;
  }

  dayOf(t: number): string {
    for (const k of this.known) if (t >= k.from && t < k.until) return k.day;
    const day = dayOfInstant(t, this.timeZone);
    const k = { day, from: localInstant(day, 0, this.timeZone), until: localInstant(addDays(day, 1), 0, this.timeZone) };
    this.known.unshift(k);
    if (this.known.length > 4) this.known.pop();
    return day;
  }
}
