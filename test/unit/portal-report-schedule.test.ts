// The report schedule on a clock the test sets: what an outage missed is
// made at start, each once; nothing twice on a second wake or by a second
// portal on the same store; a failed making is tried again.

import { describe, expect, it } from 'vitest';
import { Cron } from 'croner';
import { makeAt, periodOf, type Period } from '../../src/portal/reports/periods.ts';
import { ReportSchedule, WAKE_PATTERN } from '../../src/portal/reports/schedule.ts';
import type { Store } from '../../src/portal/store/store.ts';
import { BACKENDS, freshStore, storePlace } from '../helpers/stores.ts';

const quiet = { info() {}, warn() {} };
const NOW = Date.parse('2026-12-01T03:00:00Z');

function schedule(store: Store, by: string, made: string[], o: { failOnce?: string; since?: number } = {}) {
  const failed = new Set<string>();
  const since = o.since ?? 0;
  return new ReportSchedule({
    reports: store.reports, timeZone: 'UTC', scopes: async () => [{ scope: '*', since }, { scope: 'acme', since }], by, log: quiet, now: () => NOW,
    horizonDays: 3,
    make: async (p: Period, scope: string) => {
      const key = `${p.type} ${p.first} ${scope}`;
      if (key === o.failOnce && !failed.has(key)) {
        failed.add(key);
        throw new Error('the store was busy');
      }
      made.push(key);
      return JSON.stringify({ version: 1, type: p.type, first: p.first, scope });
    },
  });
}

describe.each(BACKENDS)('the report schedule (%s)', (kind) => {
  it('makes what is due at start, each once per scope, in order; a second wake makes nothing', async () => {
    const store = await freshStore(kind);
    const made: string[] = [];
    const s = schedule(store, 'a', made);
    await s.wake();
    expect(made).toEqual([
      'daily 2026-11-28 *', 'weekly 2026-11-22 *', 'daily 2026-11-29 *', 'daily 2026-11-30 *', 'monthly 2026-11-01 *',
      'daily 2026-11-28 acme', 'weekly 2026-11-22 acme', 'daily 2026-11-29 acme', 'daily 2026-11-30 acme', 'monthly 2026-11-01 acme',
    ]);
    await s.wake();
    expect(made).toHaveLength(10);
    expect(JSON.parse((await store.reports.get('monthly', '2026-11-01', 'acme'))!.model!)).toEqual(
      { version: 1, type: 'monthly', first: '2026-11-01', scope: 'acme' });
    await store.close();
  });

  it('never makes a report twice with two portals on one store', async () => {
    const place = await storePlace(kind);
    const a = await place.open();
    const b = await place.open();
    const made: string[] = [];
    await Promise.all([schedule(a, 'a', made).wake(), schedule(b, 'b', made).wake()]);
    expect(made).toHaveLength(10);
    expect(new Set(made).size).toBe(10);
    await a.close();
    await b.close();
  });

  it('takes over a claim whose maker died mid-report once it is stale, and leaves a fresh one to its maker', async () => {
    const store = await freshStore(kind);
    const left = (day: string, ago: number) => store.reports.claim({ type: 'daily', firstDay: day, lastDay: day, scope: '*', timeZone: 'UTC',
      claimedAt: NOW - ago, claimedBy: 'dead:1' });
    await left('2026-11-29', 31 * 60_000);
    await left('2026-11-30', 60_000);
    const made: string[] = [];
    await schedule(store, 'a', made).wake();
    expect(made).toContain('daily 2026-11-29 *');
    expect(made).not.toContain('daily 2026-11-30 *');
    expect(await store.reports.get('daily', '2026-11-29', '*')).toMatchObject({ claimedBy: 'a' });
    expect(await store.reports.get('daily', '2026-11-30', '*')).toMatchObject({ claimedBy: 'dead:1', madeAt: null });
    await store.close();
  });

  it('gives a failed making\'s claim back, and makes it at the next wake', async () => {
    const store = await freshStore(kind);
    const made: string[] = [];
    const s = schedule(store, 'a', made, { failOnce: 'daily 2026-11-29 *' });
    await s.wake();
    expect(made).not.toContain('daily 2026-11-29 *');
    expect(s.counters).toMatchObject({ made: 9, failed: 1 });
    await s.wake();
    expect(made.filter((m) => m === 'daily 2026-11-29 *')).toHaveLength(1);
    await store.close();
  });

  it('makes nothing for periods over before the scope\'s first appliance appeared', async () => {
    const store = await freshStore(kind);
    const made: string[] = [];
    await schedule(store, 'a', made, { since: Date.parse('2026-11-29T12:00:00Z') }).wake();
    expect(made).toEqual(['daily 2026-11-29 *', 'daily 2026-11-30 *', 'monthly 2026-11-01 *', 'daily 2026-11-29 acme', 'daily 2026-11-30 acme',
      'monthly 2026-11-01 acme']);
    await store.close();
  });

  it('wakes on the hour of the report zone: 02:00 local in a half-hour zone, and the first hour after a DST gap', () => {
    const kolkata = new Cron(WAKE_PATTERN, { timezone: 'Asia/Kolkata', paused: true });
    expect(kolkata.nextRun(new Date('2026-11-30T20:10:00Z'))?.toISOString()).toBe('2026-11-30T20:30:00.000Z');
    expect(makeAt(periodOf('daily', '2026-11-30', 'Asia/Kolkata'))).toBe(Date.parse('2026-11-30T20:30:00Z'));
    // New York skips 02:00-03:00 on 8 March 2026: the 7th's report is due at the jump, and the wake after 01:00 EST is then.
    const ny = new Cron(WAKE_PATTERN, { timezone: 'America/New_York', paused: true });
    const due = makeAt(periodOf('daily', '2026-03-07', 'America/New_York'));
    expect(new Date(due).toISOString()).toBe('2026-03-08T07:00:00.000Z');
    expect(ny.nextRun(new Date('2026-03-08T06:00:01Z'))?.getTime()).toBe(due);
    kolkata.stop();
    ny.stop();
  });
});
