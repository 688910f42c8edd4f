// The periods reports cover, in the portal's time zone, as TMSP made them:
// a day (its daily administrative report is made at 02:00 the next day), a
// week from Sunday to Saturday (made on the following Sunday), a month (made
// on the 1st of the next month); on a day when several are due they are made
// daily, weekly, monthly. Local days come from core/local-days.ts, DST and
// half-hour zones included.

import { addDays, dayOfInstant, daysOf, isDay, localInstant } from '../../core/local-days.ts';
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

export { addDays, dayOfInstant, daysOf, isDay, isTimeZone, localInstant };

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
