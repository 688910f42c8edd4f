// The SMS room's store, in objects.db (sms/database.ts): the object table
// (objects.ts), the outbox and what the SMS holds (outbox.ts), and the one
// rule that joins them (reconcile.ts). Every change of an object recomputes
// its outbox row in the same transaction, so a restart resumes exactly where
// it was: nothing lost, nothing sent twice needlessly.

import { Counters } from '../state/counters.ts';
import type { Db } from '../state/db.ts';
import { RISKS, type ObjectType, type Risk, type SuspiciousObject } from './object.ts';
import { ObjectTable, type ObjectOptions, type StoredObject } from './objects.ts';
import { Outbox, type FailedEntry, type OutboxRow } from './outbox.ts';
import type { Policy } from './policy.ts';
import { Reconciler } from './reconcile.ts';

export type { StoredObject } from './objects.ts';
export type { FailedEntry, OutboxRow } from './outbox.ts';
export type StoreOptions = ObjectOptions;

/** Higher of two risks: an object keeps the worst it has been seen with while it lives. */
function worse(a: Risk, b: Risk): Risk {
  return RISKS.indexOf(a) <= RISKS.indexOf(b) ? a : b;
}

/** Two sightings of one object as one: the worse risk, and C&C once it was seen as C&C. */
export function mergeSightings(a: SuspiciousObject, b: SuspiciousObject): SuspiciousObject {
  return { ...b, risk: worse(a.risk, b.risk), category: a.category === 'cnc-callback' ? 'cnc-callback' : b.category };
}

export class ObjectStore {
  private readonly db: Db;
  readonly counters: Counters;
  private readonly objects: ObjectTable;
  readonly outbox: Outbox;
  private readonly reconciler: Reconciler;
  // Made once: better-sqlite3 builds a new wrapper at every db.transaction() call, which cost more than the upsert.
  private readonly upsertTxn: (o: SuspiciousObject, now: number, ttlMs: number) => void;
  private readonly upsertManyTxn: (objs: readonly SuspiciousObject[], now: number) => void;
  private readonly expireTxn: (now: number) => number;

  constructor(db: Db, opts: StoreOptions) {
    this.db = db;
    this.counters = new Counters(db);
    this.outbox = new Outbox(db, this.counters);
    this.reconciler = new Reconciler(db, () => this.objects, this.outbox, this.counters);
    this.objects = new ObjectTable(db, this.counters, opts, (type, value) => this.reconciler.one(type, value));
    this.upsertTxn = db.transaction((o: SuspiciousObject, now: number, ttlMs: number) => this.objects.upsert(o, now, ttlMs));
    this.upsertManyTxn = db.transaction((objs: readonly SuspiciousObject[], now: number) => this.counters.batch(() => {
      for (const o of objs) this.objects.upsert(o, now, this.objects.ttlMs);
    }));
    this.expireTxn = db.transaction((now: number) => this.objects.expireSome(now));
  }

  configure(opts: StoreOptions): void {
    this.objects.configure(opts);
  }

  /**
   * Distribution on (with its policy) or off. A change recomputes every
   * outbox row, in slices (resolves when done); the same policy again
   * changes nothing and costs nothing.
   */
  setPolicy(policy: Policy | undefined): Promise<void> {
    return this.reconciler.setPolicy(policy);
  }

  get isPurging(): boolean {
    return this.reconciler.purging;
  }

  /** Take back everything we put on the SMS; new objects are not sent until distribution is saved again. */
  purge(): number {
    this.reconciler.purge();
    return this.outbox.onSms;
  }

  endPurgeIfDone(): boolean {
    return this.reconciler.endPurgeIfDone();
  }

  /** Add an object or refresh it: last seen now, expiry extended, the worse risk kept. */
  upsert(o: SuspiciousObject, now = Date.now(), ttlMs = this.objects.ttlMs): void {
    this.upsertTxn(o, now, ttlMs);
  }

  /** Many objects in one transaction (one fsync): detections arrive in bursts. */
  upsertMany(objs: readonly SuspiciousObject[], now = Date.now()): void {
    this.upsertManyTxn(objs, now);
  }

  remove(type: ObjectType, value: string): boolean {
    return this.db.transaction(() => this.objects.remove(type, value))();
  }

  /** Remove objects past their expiry, a thousand per transaction; returns how many. */
  expire(now = Date.now()): number {
    let n = 0;
    for (;;) {
      const k = this.expireTxn(now);
      if (k === 0) return n;
      n += k;
    }
  }

  /** Expire one object now (the menus' "expire"). */
  expireNow(type: ObjectType, value: string, now = Date.now()): boolean {
    if (!this.objects.setDue(type, value, now)) return false;
    this.expire(now);
    return true;
  }

  get(type: ObjectType, value: string): StoredObject | undefined {
    return this.objects.get(type, value);
  }

  /** Objects by type and value, `limit` of them after (type, value): one page of a list of any length. */
  list(limit: number, after?: { type: string; value: string }): StoredObject[] {
    return this.objects.page(limit, after);
  }

  reconcileAll(): Promise<void> {
    return this.reconciler.all();
  }

  /** No reconcile goes on after this (the database is about to close). */
  close(): void {
    this.reconciler.close();
  }

  // The distributor's side of the outbox.

  nextBatch(maxRows: number, importThreshold: number, bulkMaxRows: number): { rows: OutboxRow[]; bulk: boolean } | undefined {
    return this.outbox.nextBatch(maxRows, importThreshold, bulkMaxRows);
  }

  delivered(rows: readonly OutboxRow[], now = Date.now()): void {
    this.outbox.delivered(rows, now);
  }

  attempted(rows: readonly OutboxRow[], error: string): void {
    this.outbox.attempted(rows, error);
  }

  failed(row: OutboxRow, error: string, now = Date.now()): void {
    this.outbox.failed(row, error, now);
  }

  failedEntries(limit: number, before?: { failedAt: number; type: string; value: string }): FailedEntry[] {
    return this.outbox.failedEntries(limit, before);
  }

  retryFailed(entry?: { type: ObjectType; value: string }): number {
    return this.outbox.retryFailed(entry);
  }

  stats() {
    const box = this.outbox.counts();
    return {
      objects: this.objects.count,
      byTypeAndRisk: this.objects.byTypeAndRisk(),
      onSms: box.onSms,
      pending: box.pending,
      failed: box.failed,
      lastFailure: box.failed > 0 ? this.outbox.failedEntries(1)[0] ?? null : null,
      sent: { adds: box.adds, deletes: box.deletes },
      expired: this.counters.get('sms_objects_expired'),
      evicted: this.counters.get('sms_objects_evicted'),
      purging: this.reconciler.purging,
    };
  }
}
