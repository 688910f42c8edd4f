// The one storage interface. Receivers, ingest, fleet, notify and the web
// pages speak only this; sqlite/ is the embedded implementation, and a
// PostgreSQL one goes beside it without touching anything above. Every
// method is asynchronous for that reason, even where SQLite answers at once.

import type { Heartbeat, Registration } from '../../protocol/heartbeat.ts';
import type {
  Account, Alert, AlertKind, Appliance, ApplianceState, Batch, BatchRange, Capped, DailyRollup, Detection, DetectionQuery, Gap,
  HeartbeatBucket, MaintenanceWindow, QueuedNotification, ReportRow,
} from './types.ts';

export interface AccountStore {
  get(name: string): Promise<Account | undefined>;
  list(): Promise<Account[]>;
  /** False when the name is taken. */
  add(a: Account): Promise<boolean>;
  /** False when there is no such account. */
  setHash(name: string, hash: string, now: number): Promise<boolean>;
  remove(name: string): Promise<boolean>;
}

export interface ApplianceStore {
  get(id: string): Promise<Appliance | undefined>;
  list(): Promise<Appliance[]>;
  /** The owning account: the id is claimed for `account` when nobody owns it yet. */
  claim(id: string, account: string, now: number): Promise<string>;
  /** Who owns an id, from memory: the broker asks on every publish (hot path). */
  ownerOf(id: string): string | undefined;
  /** How many appliances an account owns, from memory. */
  countOf(account: string): number;
  registered(id: string, r: Registration, now: number): Promise<void>;
  status(id: string, status: 'online' | 'offline', now: number): Promise<void>;
  /** Heartbeats gathered since the last write (fleet writes them once a second, in one transaction). */
  heartbeats(rows: HeartbeatWrite[]): Promise<void>;
  setState(id: string, state: ApplianceState, now: number): Promise<void>;
  heartbeatBuckets(id: string | undefined, from: number, until: number): Promise<HeartbeatBucket[]>;
}

export interface HeartbeatWrite {
  id: string;
  /** The latest heartbeat and when it came. */
  heartbeat: Heartbeat;
  at: number;
  /** Heartbeats since the last write. */
  count: number;
  /** Records the appliance dropped since the heartbeat before these (its counter's increase, or all of it when the counter was reset). */
  droppedNew: number;
  /** The intervals learned so far (seconds). */
  intervalS: number | null;
  uploadIntervalS: number | null;
}

export interface NewBatch extends BatchRange {
  applianceId: string;
  name: string;
  via: string;
  size: number;
  receivedAt: number;
}

export type BatchBegin =
  | { kind: 'duplicate'; batch: Batch }
  /** Ranges of this batch that batches already kept cover: their records are skipped. */
  | { kind: 'new'; id: number; covered: BatchRange[] };

export interface BatchStore {
  /** Starts a batch (state "ingesting"); nothing of it is visible until finish(). */
  begin(b: NewBatch): Promise<BatchBegin>;
  addDetections(id: number, rows: Detection[]): Promise<void>;
  /** Makes the batch and its detections visible, updates gaps, roll-ups and the appliance, in one transaction. */
  finish(id: number, f: { newRecords: number; detections: number; now: number }): Promise<Batch>;
  /** Drops a batch begun and found bad: its row and the detections written so far. */
  discard(id: number): Promise<void>;
  /** Drops what an ingest interrupted by a crash left: its batch row and detections. Returns how many. */
  abandonUnfinished(): Promise<number>;
  list(applianceId: string, limit: number): Promise<Batch[]>;
  gaps(applianceId: string, limit: number): Promise<Gap[]>;
  quarantined(q: { applianceId: string | null; account: string; name: string; reason: string; at: number }): Promise<void>;
  quarantineList(limit: number): Promise<Array<{ applianceId: string | null; account: string; name: string; reason: string; at: number }>>;
}

export interface DetectionStore {
  search(q: DetectionQuery): Promise<Detection[]>;
  /** Local days of the roll-ups' zone, YYYY-MM-DD, inclusive. */
  rollups(fromDay: string, untilDay: string, applianceId?: string): Promise<DailyRollup[]>;
  /** Detections per appliance since a time (fleet page). */
  countsSince(since: number): Promise<Map<string, number>>;
}

export interface AlertStore {
  open(applianceId: string, kind: AlertKind, now: number, detail: string): Promise<Alert>;
  current(applianceId: string, kind: AlertKind): Promise<Alert | undefined>;
  allOpen(): Promise<Alert[]>;
  /**
   * Records a notice of the alert, if its last one is still `lastNotifiedAt`: true for the one caller
   * that gets to send it (several portal processes judge the same appliances).
   */
  notified(id: number, now: number, lastNotifiedAt: number | null): Promise<boolean>;
  /** True for the one caller that closed it (and so says it recovered). */
  close(id: number, now: number): Promise<boolean>;
  history(applianceId: string, limit: number): Promise<Alert[]>;
}

export interface MaintenanceStore {
  add(w: Omit<MaintenanceWindow, 'id'>): Promise<MaintenanceWindow>;
  remove(id: number): Promise<boolean>;
  /** Windows not yet over at `now`. */
  list(now: number): Promise<MaintenanceWindow[]>;
}

export interface NotificationQueue {
  /** False when the queue holds `limit` messages already (the caller counts the drop). */
  push(channel: QueuedNotification['channel'], body: string, now: number, limit: number): Promise<boolean>;
  /** Removes the oldest waiting message; false when there is none. */
  dropOldest(): Promise<boolean>;
  /** Waiting messages, soonest first (a look: nothing is taken). */
  due(now: number, limit: number): Promise<QueuedNotification[]>;
  /**
   * Takes the messages due for delivery: their time moves `leaseMs` on, so no other portal process
   * takes them meanwhile; done(), retry() or release() settles each, and one whose taker died is due again after the lease.
   */
  take(now: number, limit: number, leaseMs: number): Promise<QueuedNotification[]>;
  /** A taken message given back undelivered (the portal is stopping): due at once. */
  release(id: number, now: number): Promise<void>;
  done(id: number): Promise<void>;
  retry(id: number, nextAt: number, error: string): Promise<void>;
  size(): Promise<number>;
}

export interface ReportStore {
  /**
   * Claims a period and scope for `by`: undefined when it is claimed already (made, or being made elsewhere).
   * A claim not made by `r.claimedAt - staleMs` is taken over: its maker died mid-way.
   */
  claim(r: Omit<ReportRow, 'id' | 'madeAt' | 'model' | 'mailedAt' | 'mailAttempts' | 'mailError'>, staleMs?: number): Promise<ReportRow | undefined>;
  made(id: number, model: string, now: number): Promise<void>;
  /** Gives a claim up (the making failed), so that it is tried again. */
  release(id: number): Promise<void>;
  get(type: ReportRow['type'], firstDay: string, scope: string): Promise<ReportRow | undefined>;
  /** Reports whose first day lies in [fromDay, untilDay], without their models. */
  list(fromDay: string, untilDay: string): Promise<ReportRow[]>;
  /** Made since `since`, not yet e-mailed, tried fewer than `maxAttempts` times: oldest first, with their models. */
  /**
   * The same, taken for `leaseMs` from `now`: no other portal process takes them meanwhile, so each is
   * e-mailed once; mailed() or mailFailed() settles each, and one whose taker died is taken again after the lease.
   */
  unmailed(since: number, maxAttempts: number, limit: number, now: number, leaseMs: number): Promise<ReportRow[]>;
  mailed(id: number, now: number): Promise<void>;
  /** A failed try; giveUp: none will help (no recipients), so none follows. */
  mailFailed(id: number, error: string, giveUp?: boolean): Promise<void>;
}

/** An account's appliances, or (account undefined) the whole portal's. */
export interface Scope {
  account?: string;
}

/** Local days of the roll-ups' zone, inclusive. */
export interface DayRange extends Scope {
  fromDay: string;
  untilDay: string;
}

/** Instants, [from, until). */
export interface TimeRange extends Scope {
  from: number;
  until: number;
}

export type { Capped };

/** What reports are made of: grouped and capped by the store, so a report never reads detections one by one. */
export interface FigureStore {
  severityByDay(q: DayRange): Promise<Array<{ day: string; severity: number; count: number }>>;
  byAppliance(q: DayRange): Promise<Map<string, number>>;
  byCategory(q: DayRange & { limit: number }): Promise<Capped<{ category: string; count: number }>>;
  /** By count, or (bySeverity) by the highest severity first. */
  topThreats(q: DayRange & { limit: number; category?: string; exceptCategory?: string; bySeverity?: boolean }): Promise<Capped<{
    threat: string; category: string; maxSeverity: number; count: number; appliances: number;
  }>>;
  topHosts(q: DayRange & { limit: number }): Promise<Capped<{ host: string; count: number; maxSeverity: number; cnc: number }>>;
  /** Distinct affected hosts, distinct hosts with C&C callbacks, and callbacks, across the range. */
  hostTotals(q: DayRange): Promise<{ hosts: number; cncHosts: number; cnc: number }>;
  hostsByDay(q: DayRange): Promise<Array<{ day: string; hosts: number; cncHosts: number; cnc: number }>>;
  cncCallbacks(q: DayRange & { limit: number }): Promise<Capped<{
    host: string; address: string; applianceId: string; maxSeverity: number; count: number; first: number; last: number;
  }>>;
  /** The stretches each appliance was heard (runs of heartbeat buckets). */
  onlineSpans(q: TimeRange): Promise<Array<{ applianceId: string; from: number; until: number }>>;
  /** Records the appliances said they dropped. */
  drops(q: TimeRange): Promise<Map<string, number>>;
  received(q: TimeRange): Promise<Map<string, { batches: number; records: number; lastAt: number }>>;
  /** Sequence gaps found in the range and still open: how many, and the records they miss. */
  gapsFound(q: TimeRange): Promise<Map<string, { gaps: number; records: number }>>;
}

export interface CounterStore {
  add(name: string, n: number): Promise<void>;
  all(): Promise<Record<string, number>>;
}

export interface Store {
  readonly accounts: AccountStore;
  readonly appliances: ApplianceStore;
  readonly batches: BatchStore;
  readonly detections: DetectionStore;
  readonly alerts: AlertStore;
  readonly maintenance: MaintenanceStore;
  readonly queue: NotificationQueue;
  readonly counters: CounterStore;
  readonly reports: ReportStore;
  readonly figures: FigureStore;
  /** The zone the roll-ups count local days in (reports.timeZone). */
  rollupZone(): string;
  /** Drops heartbeat buckets, detections and roll-ups older than `before`. */
  prune(before: number): Promise<void>;
  close(): Promise<void>;
}
