// The fleet's states and notices on a clock the test moves: the mistakes
// users of similar portals report (false alarms from short timeouts and
// planned restarts, a kill -9 that never alerts, an alert that fires once
// and never again) each have a case here.

import { describe, expect, it } from 'vitest';
import type { Heartbeat } from '../../src/protocol/heartbeat.ts';
import { Fleet } from '../../src/portal/fleet/fleet.ts';
import { judge } from '../../src/portal/fleet/judge.ts';
import { readHeartbeat } from '../../src/portal/fleet/messages.ts';
import type { Notice } from '../../src/portal/notify/notice.ts';
import { BACKENDS, freshStore, type Backend } from '../helpers/stores.ts';

const ID = 'tda-01';
const RULES = { lateIntervals: 2, silentIntervals: 3, silentMinimumMinutes: 10, reminderHours: 24, uploadIntervals: 2 };
const quiet = { info() {}, warn() {}, error() {} };
const MIN = 60_000;

function hb(o: { dropped?: number; uptimeS?: number; oldest?: number | null; intervals?: boolean } = {}): Heartbeat {
  return {
    applianceId: ID, time: new Date().toISOString(), uptimeS: o.uptimeS ?? 100,
    spool: { chunks: 1, records: 10, bytes: 100, oldestUnsentAgeS: o.oldest ?? 5 },
    dropped: { chunks: 0, records: o.dropped ?? 0, bytes: 0 },
    upload: { state: 'idle', lastSuccessAt: null, lastError: null, lastErrorCode: null },
    ...(o.intervals === false ? {} : { intervals: { heartbeatS: 60, uploadS: 600 } }),
  };
}

async function setup(kind: Backend) {
  const store = await freshStore(kind);
  let t = Date.UTC(2026, 11, 1, 12);
  const notices: Notice[] = [];
  const make = () => new Fleet(store, { settings: RULES, notify: async (n) => { notices.push(n); }, log: quiet, now: () => t, tickMs: 3_600_000, flushMs: 3_600_000 });
  let fleet = make();
  await store.appliances.claim(ID, 'acme', t);
  await store.appliances.registered(ID, { applianceId: ID, email: 'ops@example.com', product: 'DDI', model: 'x', serial: 's', hostname: 'ddi-01', version: '1', registeredAt: '' }, t);
  const api = {
    store, notices,
    get fleet() { return fleet; },
    restart() { fleet = make(); },
    at: () => t,
    /** Move the clock, then judge every appliance as the periodic tick does. */
    async pass(ms: number) {
      t += ms;
      await (fleet as unknown as { serial(fn: () => Promise<void>): Promise<void>; tick(): Promise<void> })
        .serial(() => (fleet as unknown as { tick(): Promise<void> }).tick());
    },
    /** Heartbeats every minute for `n` minutes. */
    async beats(n: number, o: Parameters<typeof hb>[0] = {}) {
      for (let i = 0; i < n; i++) {
        t += MIN;
        await fleet.heartbeat(ID, hb(o));
      }
      await fleet.settled();
    },
    state: async () => (await store.appliances.get(ID))!.state,
    kinds: () => notices.map((n) => n.kind),
  };
  return api;
}

describe.each(BACKENDS)('appliance states (%s)', (kind) => {
  it('are judged by the appliance\'s own interval, never sooner than the minimum', () => {
    const base = { retired: false, status: 'online' as const, statusAt: 0, lastHeartbeatAt: 0, intervalS: 60 };
    expect(judge(base, 119_000, RULES)).toBe('online');
    expect(judge(base, 121_000, RULES)).toBe('late');
    expect(judge(base, 9 * MIN, RULES)).toBe('late');
    expect(judge(base, 10 * MIN + 1, RULES)).toBe('silent');
    expect(judge({ ...base, intervalS: 600 }, 29 * MIN, RULES)).toBe('late');
    expect(judge({ ...base, intervalS: 600 }, 31 * MIN, RULES)).toBe('silent');
    expect(judge({ ...base, intervalS: null }, 9 * MIN, RULES)).toBe('online');
    expect(judge({ ...base, status: 'offline', statusAt: 1 }, 2 * MIN, RULES)).toBe('offline');
    expect(judge({ ...base, status: 'offline', statusAt: 5 * MIN }, 14 * MIN, RULES)).toBe('offline');
    expect(judge({ ...base, status: 'offline', statusAt: 5 * MIN }, 16 * MIN, RULES)).toBe('silent');
    expect(judge({ ...base, lastHeartbeatAt: null }, 0, RULES)).toBe('never-seen');
    expect(judge({ ...base, retired: true }, 99 * MIN, RULES)).toBe('retired');
  });

  it('learn the interval from the gaps when a heartbeat does not declare it', async () => {
    const f = await setup(kind);
    await f.beats(5, { intervals: false });
    expect((await f.store.appliances.get(ID))!.intervalS).toBe(60);
    await f.pass(2 * MIN + 1000);
    expect(await f.state()).toBe('late');
  });

  it('a kill -9 (heartbeats stop, no offline) is notified once silent, reminded every 24 h, and recovered', async () => {
    const f = await setup(kind);
    await f.beats(3);
    expect(await f.state()).toBe('online');
    await f.pass(5 * MIN);
    expect(await f.state()).toBe('late');
    expect(f.kinds()).toEqual([]);
    await f.pass(6 * MIN);
    expect(await f.state()).toBe('silent');
    expect(f.kinds()).toEqual(['silent']);
    expect(f.notices[0]).toMatchObject({ applianceId: ID, hostname: 'ddi-01', account: 'acme', recipients: ['ops@example.com'] });
    await f.pass(60 * MIN);
    expect(f.kinds()).toEqual(['silent']);
    await f.pass(24 * 60 * MIN);
    await f.pass(24 * 60 * MIN);
    expect(f.kinds()).toEqual(['silent', 'silent-reminder', 'silent-reminder']);
    // A restart of the portal neither repeats the notice nor forgets the next reminder.
    f.restart();
    await f.pass(MIN);
    expect(f.kinds()).toHaveLength(3);
    await f.beats(1);
    expect(await f.state()).toBe('online');
    expect(f.kinds()).toEqual(['silent', 'silent-reminder', 'silent-reminder', 'recovered']);
  });

  it('a planned restart (offline, back within the grace) raises nothing; a last will that lasts does', async () => {
    const f = await setup(kind);
    await f.beats(3);
    await f.fleet.status(ID, 'offline');
    expect(await f.state()).toBe('offline');
    await f.pass(3 * MIN);
    await f.fleet.status(ID, 'online');
    await f.beats(2);
    expect(await f.state()).toBe('online');
    expect(f.kinds()).toEqual([]);
    await f.fleet.status(ID, 'offline');
    await f.pass(9 * MIN);
    expect(f.kinds()).toEqual([]);
    expect(await f.state()).toBe('offline');
    await f.pass(2 * MIN);
    expect(await f.state()).toBe('silent');
    expect(f.kinds()).toEqual(['silent']);
    expect(f.notices[0]!.detail).toMatch(/offline/);
  });

  it('maintenance holds notices back; one is sent when the window ends and the appliance is still silent', async () => {
    const f = await setup(kind);
    await f.beats(2);
    await f.store.maintenance.add({ applianceId: '*', start: f.at(), end: f.at() + 60 * MIN, reason: 'firmware update' });
    await f.pass(30 * MIN);
    expect(await f.state()).toBe('silent');
    expect(f.kinds()).toEqual([]);
    await f.pass(31 * MIN);
    expect(f.kinds()).toEqual(['silent']);
  });

  it('recovery inside maintenance says nothing, as nothing was said', async () => {
    const f = await setup(kind);
    await f.beats(2);
    await f.store.maintenance.add({ applianceId: ID, start: f.at(), end: f.at() + 60 * MIN, reason: 'reboot' });
    await f.pass(20 * MIN);
    expect(await f.state()).toBe('silent');
    // Back, and heartbeating past the end of the window.
    await f.beats(45);
    await f.pass(1000);
    expect(await f.state()).toBe('online');
    expect(f.kinds()).toEqual([]);
  });

  it('notifies "alive but not uploading" and "dropping data", and a retired appliance never', async () => {
    const f = await setup(kind);
    await f.beats(2, { oldest: 30 * 60 });
    await f.pass(1000);
    expect(f.kinds()).toEqual(['not-uploading']);
    expect(f.notices[0]!.detail).toMatch(/spool holds 10 records/);
    await f.fleet.batch(ID);
    await f.beats(1, { oldest: 5 });
    await f.pass(1000);
    expect(f.kinds()).toEqual(['not-uploading', 'uploading-again']);
    await f.beats(1, { dropped: 0 });
    await f.beats(1, { dropped: 500 });
    expect(f.kinds()).toEqual(['not-uploading', 'uploading-again', 'dropping']);
    expect(f.notices.at(-1)!.detail).toMatch(/dropped 500 records/);
    await f.beats(1, { dropped: 900 });
    expect(f.kinds()).toHaveLength(3);
    const { retireAppliance } = await import('../../src/portal/fleet/retire.ts');
    await retireAppliance(f.store, ID, f.at());
    await f.pass(48 * 60 * MIN);
    expect(await f.state()).toBe('retired');
    expect(f.kinds()).toHaveLength(3);
  });
});

describe('status messages', () => {
  it('take only well-formed heartbeats for the topic\'s appliance', () => {
    const good = Buffer.from(JSON.stringify(hb()));
    expect(readHeartbeat(ID, good)).toMatchObject({ applianceId: ID, intervals: { heartbeatS: 60 } });
    expect(readHeartbeat('other', good)).toBeUndefined();
    expect(readHeartbeat(ID, Buffer.from('{"applianceId":"tda-01"}'))).toBeUndefined();
    expect(readHeartbeat(ID, Buffer.from('not json'))).toBeUndefined();
    expect(readHeartbeat(ID, Buffer.from(JSON.stringify({ ...hb(), spool: { ...hb().spool, records: -1 } })))).toBeUndefined();
  });
});
