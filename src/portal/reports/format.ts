// How a report's numbers, times and periods read, wherever it is shown (its
// page, its document, its PDF). Unlike the portal's pages, which say UTC,
// a report speaks the time zone it was made in (the model's timeZone): it
// is about the local days of the people who read it, and its header names
// the zone once.

import { count } from '../markup/format.ts';
import { dayOfInstant } from './periods.ts';
import type { CountVsPrevious, DailyModel, ReportModel } from './model.ts';

export { count };

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const clocks = new Map<string, Intl.DateTimeFormat>();

function clockParts(t: number, tz: string): Record<string, string> {
  let f = clocks.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    clocks.set(tz, f);
  }
  return Object.fromEntries(f.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
}

/** "14:05" on `day` (a local day of the report), "29 Nov 14:05" on another. */
export function clock(t: number | null | undefined, tz: string, day?: string): string {
  if (t === null || t === undefined || !Number.isFinite(t)) return '—';
  const p = clockParts(t, tz);
  const hm = `${p.hour}:${p.minute}`;
  return day !== undefined && dayOfInstant(t, tz) === day ? hm : `${p.day} ${MONTHS[Number(p.month) - 1]!.slice(0, 3)} ${hm}`;
}

/** "1 December 2026, 02:00": when a report was made, in its zone. */
export function dateTime(t: number, tz: string): string {
  const p = clockParts(t, tz);
  return `${p.day} ${MONTHS[Number(p.month) - 1]} ${p.year}, ${p.hour}:${p.minute}`;
}

/** A span of a day as "11:00–18:00", its end as "24:00" when it runs to midnight. */
export function clockSpan(from: number, until: number, tz: string, day: string): string {
  const end = dayOfInstant(until, tz) !== day && dayOfInstant(until - 1, tz) === day ? '24:00' : clock(until, tz, day);
  return `${clock(from, tz, day)}–${end}`;
}

function parts(day: string): { y: number; m: number; d: number; w: number } {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return { y, m, d, w: new Date(Date.UTC(y, m - 1, d)).getUTCDay() };
}

/** "Monday, 30 November 2026", "22–28 November 2026", "November 2026": a period as its report names it. */
export function periodName(type: ReportModel['type'], first: string, last: string): string {
  const a = parts(first);
  const b = parts(last);
  if (type === 'daily') return `${WEEKDAYS[a.w]}, ${a.d} ${MONTHS[a.m - 1]} ${a.y}`;
  if (type === 'monthly') return `${MONTHS[a.m - 1]} ${a.y}`;
  if (a.y !== b.y) return `${a.d} ${MONTHS[a.m - 1]} ${a.y} – ${b.d} ${MONTHS[b.m - 1]} ${b.y}`;
  if (a.m !== b.m) return `${a.d} ${MONTHS[a.m - 1]} – ${b.d} ${MONTHS[b.m - 1]} ${b.y}`;
  return `${a.d}–${b.d} ${MONTHS[a.m - 1]} ${a.y}`;
}

/** A period, short, as a column heading or a legend says it: "29 Nov", "15–21 Nov", "October". */
export function shortName(type: ReportModel['type'], first: string, last: string): string {
  const a = parts(first);
  const b = parts(last);
  const mon = (x: { m: number }) => MONTHS[x.m - 1]!.slice(0, 3);
  if (type === 'daily') return `${a.d} ${mon(a)}`;
  if (type === 'monthly') return MONTHS[a.m - 1]!;
  return a.m === b.m ? `${a.d}–${b.d} ${mon(a)}` : `${a.d} ${mon(a)} – ${b.d} ${mon(b)}`;
}

/** The period compared against, short. */
export function previousName(m: ReportModel): string {
  return shortName(m.type, m.previous.first, m.previous.last);
}

/** Whom a report is about: "All appliances" for the whole portal ('*'), else the account. */
export function scopeName(scope: string): string {
  return scope === '*' ? 'All appliances' : `Account ${scope}`;
}

export function reportTitle(type: ReportModel['type']): string {
  return type === 'daily' ? 'Daily administrative report' : type === 'weekly' ? 'Weekly executive report' : 'Monthly executive report';
}

/**
 * A share as a percentage, one decimal, rounded down and given more
 * decimals near 100 % so that a loss never reads as "100.0 %": 99.96 % of
 * the log having arrived is not all of it.
 */
export function percent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  if (ratio >= 1) return '100%';
  if (ratio <= 0) return '0%';
  const p = ratio * 100;
  const down = (digits: number) => Math.floor(p * 10 ** digits + 1e-7) / 10 ** digits;
  let digits = 1;
  // 99.9 reads as "nearly all" and may hide a thousandth lost: one more digit while it does.
  while (digits < 4 && Math.abs(down(digits) - (100 - 10 ** -digits)) < 1e-9 && p - down(digits) > 1e-7) digits++;
  const shown = down(digits);
  return `${shown.toFixed(digits)}%`;
}

export type Direction = 'up' | 'down' | 'same';

/** "+17.4%", "−8.0%", "no change", "new" (from none): a count against the period before. */
export function change(c: CountVsPrevious): { text: string; direction: Direction } {
  if (c.count === c.previous) return { text: 'no change', direction: 'same' };
  if (c.previous === 0) return { text: 'new', direction: 'up' };
  const p = ((c.count - c.previous) / c.previous) * 100;
  const shown = Math.abs(p) >= 1000 ? count(Math.round(Math.abs(p))) : Math.abs(p).toFixed(1);
  return { text: `${p > 0 ? '+' : '−'}${shown}%`, direction: p > 0 ? 'up' : 'down' };
}

/** Percentage points between two shares: "+0.3 pts", "−1.2 pts". */
export function points(now: number, before: number): { text: string; direction: Direction } {
  const d = Math.round((now - before) * 1000) / 10;
  if (d === 0) return { text: 'no change', direction: 'same' };
  return { text: `${d > 0 ? '+' : '−'}${Math.abs(d).toFixed(1)} pts`, direction: d > 0 ? 'up' : 'down' };
}

/** Seconds as hours and minutes of a clock: 61200 → "17:00". */
export function hoursMinutes(s: number): string {
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;
}

/** The states a daily report's fleet tile counts, in the order it names them. */
export const SHOWN_STATES = ['online', 'late', 'silent', 'offline', 'never-seen', 'retired'] as const;

/** The daily report's headline figures, as both renderings show them in their tiles. */
export function dailyHeadline(m: DailyModel) {
  const high = m.bySeverity.find((s) => s.level === 'high') ?? { level: 'high' as const, count: 0, previous: 0 };
  const fleet = SHOWN_STATES.reduce((s, k) => s + (m.fleet[k] ?? 0), 0);
  return {
    high,
    callbacks: m.callbacks.count,
    cncHosts: m.callbacks.hosts,
    missing: m.completeness.lost,
    /** Appliances not retired. */
    fleet: fleet - (m.fleet.retired ?? 0),
    troubled: SHOWN_STATES.filter((k) => k !== 'online' && k !== 'retired' && (m.fleet[k] ?? 0) > 0),
  };
}

