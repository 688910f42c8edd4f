// The periods reports cover, in the portal's time zone, as TMSP made them:
// a day (its daily administrative report is made at 02:00 the next day), a
// week from Sunday to Saturday (made on the following Sunday), a month (made
// on the 1st of the next month); on a day when several are due they are made
// daily, weekly, monthly. Local days are found with the zone's own rules
// (Intl), so a day of 23 or 25 hours (DST) and zones with half-hour offsets
// are exact; a wall-clock time a DST gap skips means the first instant after.

import { isTimeZone } from '../../settings/rules.ts';

export const REPORT_TYPES = ['daily', 'weekly', 'monthly'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

export interface Period {
  type: ReportType;
  /** First and last local day, YYYY-MM-DD. */
  first: string;
  last: string;
  /** The instants it covers: [from, until). */
  from: number;
  until: number;
  timeZone: string;
}

/** The hour of the morning after a period when its report is made. */
export const MAKE_HOUR = 2;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isDay(s: string): boolean {
  const m = DAY.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

export { isTimeZone };

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

function weekday(day: string): number {
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, mo - 1, d)).getUTCDay();
}

/** The period of `type` that holds local day `day`. */
export function periodOf(type: ReportType, day: string, tz: string): Period {
  let first = day;
  let last = day;
  if (type === 'weekly') {
    first = addDays(day, -weekday(day));
    last = addDays(first, 6);
  } else if (type === 'monthly') {
    first = `${day.slice(0, 7)}-01`;
    last = addDays(`${addDays(first, 31).slice(0, 7)}-01`, -1);
  }
  return { type, first, last, from: localInstant(first, 0, tz), until: localInstant(addDays(last, 1), 0, tz), timeZone: tz };
}

/** When a period's report is made: MAKE_HOUR on the local day after it. */
export function makeAt(p: Period): number {
  return localInstant(addDays(p.last, 1), MAKE_HOUR, p.timeZone);
}

/**
 * The periods whose reports are due by `now` and were not made, oldest
 * first and daily, weekly, monthly within a day: what a portal that was down
 * makes when it comes back. `made` tells which were; `horizonDays` bounds
 * how far back it looks, so a long outage costs a bounded catch-up.
 */
export function duePeriods(now: number, tz: string, made: (p: Period) => boolean, horizonDays = 62): Period[] {
  const out: Period[] = [];
  const today = dayOfInstant(now, tz);
  for (let back = horizonDays; back >= 1; back--) {
    const day = addDays(today, -back);
    for (const type of REPORT_TYPES) {
      const p = periodOf(type, day, tz);
      if (p.last !== day) continue;
      if (makeAt(p) <= now && !made(p)) out.push(p);
    }
  }
  return out;
}
