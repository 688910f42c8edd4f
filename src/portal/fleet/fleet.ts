// Which appliances are alive, and what their administrators are told. Events
// come from the status topics (subscriber.ts) and from ingest (a batch);
// every few seconds each appliance is judged again (judge.ts), because
// silence is an event nobody sends. Notices go through the notify room.
// Alerts are kept in the store, so that a restart of the portal neither
// repeats a notice nor forgets a reminder, and reminders keep coming while a
// condition lasts: never once and then never again.

import type { Heartbeat, Registration } from '../../protocol/heartbeat.ts';
import type { Notice } from '../notify/notice.ts';
import type { HeartbeatWrite, Store } from '../store/store.ts';
import type { Alert, Appliance } from '../store/types.ts';
import { judge, quietSince, type Facts } from './judge.ts';
import { IntervalLearner } from './learn.ts';

export interface FleetSettings {
  lateIntervals: number;
  silentIntervals: number;
  silentMinimumMinutes: number;
  reminderHours: number;
  uploadIntervals: number;
}

export interface FleetLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  error(o: object, msg: string): void;
}

export interface FleetOptions {
  settings: FleetSettings;
  notify: (n: Notice) => Promise<void>;
  log: FleetLog;
  now?: () => number;
  /** How often every appliance is judged again. */
  tickMs?: number;
  /** How often gathered heartbeats are written. */
  flushMs?: number;
}

export interface FleetCounters {
  heartbeats: number;
  registrations: number;
  statuses: number;
  malformed: number;
  notices: number;
  transitions: number;
  /** Rounds of judging every appliance (ticks). */
  rounds: number;
}

export class Fleet {
  private readonly store: Store;
  private readonly o: FleetOptions;
  private readonly now: () => number;
  private readonly learner = new IntervalLearner();
  /** Heartbeats not yet written: at most one entry per appliance, whatever the rate. */
  private readonly gathered = new Map<string, HeartbeatWrite>();
  private tickTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private working: Promise<void> = Promise.resolve();
  readonly counters: FleetCounters = { heartbeats: 0, registrations: 0, statuses: 0, malformed: 0, notices: 0, transitions: 0, rounds: 0 };

  constructor(store: Store, o: FleetOptions) {
    this.store = store;
    this.o = o;
    this.now = o.now ?? Date.now;
  }

  start(): void {
    this.tickTimer = setInterval(() => void this.serial(() => this.tick()), this.o.tickMs ?? 5000);
    this.flushTimer = setInterval(() => void this.serial(() => this.flush()), this.o.flushMs ?? 1000);
    void this.serial(() => this.tick());
  }

  async stop(): Promise<void> {
    clearInterval(this.tickTimer);
    clearInterval(this.flushTimer);
    await this.serial(() => this.flush());
  }

  /** Work is done one piece at a time: a tick never sees half an event. */
  private serial(fn: () => Promise<void>): Promise<void> {
    this.working = this.working.then(fn).catch((err: Error) => this.o.log.error({ err }, 'fleet: a step failed'));
    return this.working;
  }

  /** Resolves when what was handed in so far is done and written. */
  settled(): Promise<void> {
    return this.serial(() => this.flush());
  }

  malformed(id: string, kind: string): void {
    this.counters.malformed++;
    this.o.log.warn({ applianceId: id, kind }, 'a malformed status message was ignored');
  }

  registration(id: string, r: Registration): Promise<void> {
    return this.serial(async () => {
      this.counters.registrations++;
      await this.store.appliances.registered(id, r, this.now());
    });
  }

  status(id: string, s: 'online' | 'offline'): Promise<void> {
    return this.serial(async () => {
      this.counters.statuses++;
      await this.flush();
      await this.store.appliances.status(id, s, this.now());
      const a = await this.store.appliances.get(id);
      if (a) await this.judgeOne(a, this.now());
    });
  }

  heartbeat(id: string, hb: Heartbeat): Promise<void> {
    return this.serial(async () => {
      this.counters.heartbeats++;
      const now = this.now();
      const before = this.gathered.get(id);
      const a = before ? undefined : await this.store.appliances.get(id);
      if (!before && !a) return;
      const prev = before?.heartbeat ?? a!.lastHeartbeat;
      const known = before ? before.intervalS : a!.intervalS;
      const intervalS = this.learner.observe(id, now, hb.intervals?.heartbeatS, known);
      const uploadIntervalS = hb.intervals?.uploadS ?? before?.uploadIntervalS ?? a?.uploadIntervalS ?? null;
      // The agent keeps its counter across restarts; one lower than before was reset (its state was wiped), and all it counts is new.
      const reset = !prev || hb.dropped.records < prev.dropped.records;
      const droppedNew = reset ? hb.dropped.records : hb.dropped.records - prev.dropped.records;
      this.gathered.set(id, {
        id, heartbeat: hb, at: now, count: (before?.count ?? 0) + 1, intervalS, uploadIntervalS, droppedNew: (before?.droppedNew ?? 0) + droppedNew,
      });
      if (a && a.state !== 'online') {
        // An appliance that was not online (a return from silence, a first heartbeat): its state change is acted on at once.
        // One that was online waits for the next write (within flushMs), so heartbeats cost one commit a second, not one each.
        await this.flush();
        const fresh = await this.store.appliances.get(id);
        if (fresh) await this.judgeOne(fresh, now);
      }
      if (!reset && droppedNew > 0) await this.dropping(id, droppedNew, hb);
    });
  }

  /** A batch was ingested: an appliance that was not uploading is again. */
  batch(id: string): Promise<void> {
    return this.serial(async () => {
      const al = await this.store.alerts.current(id, 'not-uploading');
      if (al) await this.closeAlert(al, await this.store.appliances.get(id), 'uploading-again', 'a batch arrived');
    });
  }

  async flush(): Promise<void> {
    if (this.gathered.size === 0) return;
    const rows = [...this.gathered.values()];
    this.gathered.clear();
    await this.store.appliances.heartbeats(rows);
  }

  private async tick(): Promise<void> {
    await this.flush();
    const now = this.now();
    for (const a of await this.store.appliances.list()) await this.judgeOne(a, now);
    this.counters.rounds++;
  }

  private facts(a: Appliance): Facts {
    return { retired: a.state === 'retired', status: a.status, statusAt: a.statusAt, lastHeartbeatAt: a.lastHeartbeatAt, intervalS: a.intervalS };
  }

  private async judgeOne(a: Appliance, now: number): Promise<void> {
    const f = this.facts(a);
    const s = this.o.settings;
    const state = judge(f, now, s);
    if (state !== a.state) {
      this.counters.transitions++;
      await this.store.appliances.setState(a.id, state, now);
      this.o.log.info({ applianceId: a.id, from: a.state, to: state }, 'appliance state');
    }
    if (state === 'retired' || state === 'never-seen') return;
    const since = quietSince(f);
    const silent = await this.store.alerts.current(a.id, 'silent');
    if (state === 'silent' && since !== null) {
      const detail = a.status === 'offline' && a.statusAt !== null && a.statusAt >= (a.lastHeartbeatAt ?? 0)
        ? 'it went offline (stopped, or its connection was lost and the broker published its last will) and has not come back'
        : 'no heartbeat arrived and no offline status either: the appliance, its network or its agent stopped without a word';
      await this.raise(silent ?? await this.store.alerts.open(a.id, 'silent', now, detail), a, since, now);
    } else if (silent && (state === 'online' || state === 'late')) {
      await this.closeAlert(silent, a, 'recovered', 'heartbeats arrive again');
    }
    await this.uploads(a, now);
  }

  /** "Alive but not uploading": heartbeats come, yet records wait longer than uploadIntervals × the upload interval. */
  private async uploads(a: Appliance, now: number): Promise<void> {
    const hb = a.lastHeartbeat;
    const al = await this.store.alerts.current(a.id, 'not-uploading');
    if (!hb || a.uploadIntervalS === null || (a.state !== 'online' && a.state !== 'late')) return;
    const limitS = this.o.settings.uploadIntervals * a.uploadIntervalS;
    const waiting = hb.spool.oldestUnsentAgeS !== null && hb.spool.oldestUnsentAgeS > limitS;
    const noBatch = a.lastBatchAt === null || now - a.lastBatchAt > limitS * 1000;
    if (waiting && noBatch) {
      const why = hb.upload.lastError ? `the last upload failed: ${hb.upload.lastError}` : `upload state ${hb.upload.state}`;
      const detail = `its spool holds ${hb.spool.records} records, the oldest ${Math.round(hb.spool.oldestUnsentAgeS! / 60)} minutes old; ${why}`;
      await this.raise(al ?? await this.store.alerts.open(a.id, 'not-uploading', now, detail), a, now - hb.spool.oldestUnsentAgeS! * 1000, now);
    } else if (al && !waiting) {
      await this.closeAlert(al, a, 'uploading-again', 'its spool is being uploaded again');
    }
  }

  private async dropping(id: string, n: number, hb: Heartbeat): Promise<void> {
    const a = await this.store.appliances.get(id);
    if (!a || a.state === 'retired') return;
    const now = this.now();
    const detail = `it dropped ${n} records since its previous heartbeat (${hb.dropped.records} in all since it started): its spool is full`;
    const al = await this.store.alerts.current(id, 'dropping') ?? await this.store.alerts.open(id, 'dropping', now, detail);
    await this.raise({ ...al, detail }, a, now, now);
  }

  /** Notify an open alert when it never was, or again once the reminder period has passed; held back in maintenance. */
  private async raise(al: Alert, a: Appliance, since: number, now: number): Promise<void> {
    const reminder = this.o.settings.reminderHours * 3_600_000;
    if (al.lastNotifiedAt !== null && now - al.lastNotifiedAt < reminder) return;
    if (await this.inMaintenance(a.id, now)) return;
    const kind: Notice['kind'] = al.kind === 'silent' ? (al.notifications > 0 ? 'silent-reminder' : 'silent')
      : al.kind === 'not-uploading' ? 'not-uploading' : 'dropping';
    // Another portal process judging the same appliance may have sent it a moment ago: only the one that records it sends it.
    if (!(await this.store.alerts.notified(al.id, now, al.lastNotifiedAt))) return;
    await this.send(kind, a, al.detail, since);
  }

  private async closeAlert(al: Alert, a: Appliance | undefined, kind: Notice['kind'], detail: string): Promise<void> {
    const now = this.now();
    if (!(await this.store.alerts.close(al.id, now))) return;
    // A recovery is news only to whoever heard of the trouble.
    if (a && al.notifications > 0 && al.kind !== 'dropping') await this.send(kind, a, detail, al.openedAt);
  }

  private async inMaintenance(id: string, now: number): Promise<boolean> {
    return (await this.store.maintenance.list(now)).some((w) => (w.applianceId === id || w.applianceId === '*') && w.start <= now);
  }

  private async send(kind: Notice['kind'], a: Appliance, detail: string, since: number): Promise<void> {
    this.counters.notices++;
    const r = a.registration;
    this.o.log.info({ applianceId: a.id, kind }, 'notice');
    await this.o.notify({
      kind, applianceId: a.id, hostname: r?.hostname ?? null, product: r?.product ?? null, model: r?.model ?? null, account: a.account,
      at: this.now(), lastHeartbeatAt: a.lastHeartbeatAt, since, detail, recipients: r?.email ? [r.email] : [],
    });
  }
}
