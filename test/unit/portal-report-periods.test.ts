// The periods reports cover, in a time zone: exact local days across DST
// and half-hour offsets, Sunday-to-Saturday weeks, months, and what a portal
// that was down makes when it comes back.

import { describe, expect, it } from 'vitest';
import { duePeriods, isDay, isTimeZone, localInstant, makeAt, periodOf } from '../../src/portal/reports/periods.ts';

const iso = (t: number) => new Date(t).toISOString();
const H = 3_600_000;

describe('report periods', () => {
  it('are local days, 23 or 25 hours long across DST, and exact in half-hour zones', () => {
    const spring = periodOf('daily', '2026-03-29', 'Europe/Berlin');
    expect([iso(spring.from), iso(spring.until)]).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    expect(spring.until - spring.from).toBe(23 * H);
    const autumn = periodOf('daily', '2026-10-25', 'Europe/Berlin');
    expect(autumn.until - autumn.from).toBe(25 * H);
    expect(iso(periodOf('daily', '2026-12-01', 'Asia/Kolkata').from)).toBe('2026-11-30T18:30:00.000Z');
    expect(iso(periodOf('daily', '2026-12-01', 'UTC').from)).toBe('2026-12-01T00:00:00.000Z');
  });

  it('start on the first instant after a midnight a DST gap skips', () => {
    // São Paulo's clocks went from 00:00 to 01:00 on 2018-11-04: that day began at 01:00 local, 03:00 UTC.
    expect(iso(localInstant('2018-11-04', 0, 'America/Sao_Paulo'))).toBe('2018-11-04T03:00:00.000Z');
    // 02:00 does not exist in Berlin on 2026-03-29: the daily report of the 28th is made at 03:00 local.
    expect(iso(makeAt(periodOf('daily', '2026-03-28', 'Europe/Berlin')))).toBe('2026-03-29T01:00:00.000Z');
  });

  it('are weeks from Sunday to Saturday and whole months, made the morning after at 02:00', () => {
    const w = periodOf('weekly', '2026-12-02', 'UTC');
    expect([w.first, w.last]).toEqual(['2026-11-29', '2026-12-05']);
    expect(iso(makeAt(w))).toBe('2026-12-06T02:00:00.000Z');
    const feb = periodOf('monthly', '2026-02-14', 'UTC');
    expect([feb.first, feb.last]).toEqual(['2026-02-01', '2026-02-28']);
    expect(iso(makeAt(feb))).toBe('2026-03-01T02:00:00.000Z');
    expect(periodOf('monthly', '2028-02-29', 'UTC').last).toBe('2028-02-29');
    expect(iso(makeAt(periodOf('daily', '2026-11-30', 'UTC')))).toBe('2026-12-01T02:00:00.000Z');
  });

  it('due after an outage: each once, oldest first, daily before weekly before monthly on one day', () => {
    const now = Date.parse('2026-12-01T03:00:00Z');
    const due = duePeriods(now, 'UTC', () => false, 3).map((p) => `${p.type} ${p.first}..${p.last}`);
    expect(due).toEqual(['daily 2026-11-28..2026-11-28', 'weekly 2026-11-22..2026-11-28', 'daily 2026-11-29..2026-11-29',
      'daily 2026-11-30..2026-11-30', 'monthly 2026-11-01..2026-11-30']);
    const made = new Set(['daily 2026-11-28']);
    expect(duePeriods(now, 'UTC', (p) => made.has(`${p.type} ${p.first}`), 3)).toHaveLength(4);
    expect(duePeriods(Date.parse('2026-12-01T01:59:00Z'), 'UTC', () => false, 1)).toEqual([]);
  });

  it('check their inputs', () => {
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2028-02-29')).toBe(true);
    expect(isDay('2026-1-1')).toBe(false);
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
