// The object store and the durable outbox, in objects.db (sms/database.ts).
//
// object is what the appliance knows; sent is what the SMS holds from us
// (with the tags it got); outbox is the difference, one row per
// entry, coalesced: a later change to the same entry replaces the earlier
// one, and an add cancelled before it was sent never leaves. reconcile()
// computes the row from the other two, so a restart resumes exactly where
// it was: nothing lost, nothing sent twice needlessly.

import type { Db } from '../state/db.ts';
import { Counters } from '../state/counters.ts';
import { CATEGORY_CODE, CATEGORY_OF, RISK_CODE, RISK_OF, TYPE_CODE, TYPE_OF } from './database.ts';
import { RISKS, type ObjectType, type Risk, type SuspiciousObject } from './object.ts';
import { qualifies, tagData, type Policy } from './policy.ts';

export interface StoredObject extends SuspiciousObject {
  firstSeen: number;
  lastSeen: number;
  expiresAt: number;
}

export interface OutboxRow {
  type: ObjectType;
  value: string;
  op: 'add' | 'delete';
  tags: string;
  attempts: number;
}

/** An entry the SMS itself refused (4xx), set aside until the operator retries it. */
export interface FailedEntry {
  type: ObjectType;
  value: string;
  op: 'add' | 'delete';
  /** The SMS's answer. */
  error: string;
  failedAt: number;
  attempts: number;
}

export interface StoreOptions {
  ttlMs: number;
  maxObjects: number;
}

/** An object row as stored: codes, and times in seconds. */
interface ObjRow {
  type: number; value: string; risk: number; category: number; source: string;
  first_seen: number; last_seen: number; expires_at: number;
}

const toObject = (r: ObjRow): StoredObject => ({
  type: TYPE_OF[r.type]!, value: r.value, risk: RISK_OF[r.risk]!, category: CATEGORY_OF[r.category]!, source: r.source,
  firstSeen: r.first_seen * 1000, lastSeen: r.last_seen * 1000, expiresAt: r.expires_at * 1000,
});

const toSec = (ms: number) => Math.floor(ms / 1000);

/** Higher of two risks: an object keeps the worst it has been seen with while it lives. */
function worse(a: Risk, b: Risk): Risk {
  return RISKS.indexOf(a) <= RISKS.indexOf(b) ? a : b;
}

/** Two sightings of one object as one: the worse risk, and C&C once it was seen as C&C. */
export function mergeSightings(a: SuspiciousObject, b: SuspiciousObject): SuspiciousObject {
  return { ...b, risk: worse(a.risk, b.risk), category: a.category === 'cnc-callback' ? 'cnc-callback' : b.category };
}

/** A sighting this soon after the last one changes nothing worth a write (expiry is days away). */
const REFRESH_MS = 60_000;
/** Objects reconciled per transaction when the policy changes; the event loop gets a turn between slices. */
const SLICE = 1000;

export class ObjectStore {
  private readonly db: Db;
  readonly counters: Counters;
  private opts: StoreOptions;
  /** The distribution policy; undefined while distribution is off (nothing is reconciled). */
  private policy: Policy | undefined;
  private purging = false;
  /** The policy the outbox was last reconciled for: a reload that does not change it costs nothing. */
  private policyKey: string | undefined;
  /** Bumped by each reconcile of everything: a newer one (or close) ends an older one between slices. */
  private generation = 0;
  private readonly s;
  // Made once: better-sqlite3 builds a new wrapper at every db.transaction() call, which cost more than the upsert.
  private readonly upsertTxn: (o: SuspiciousObject, now: number, ttlMs: number) => void;
  private readonly upsertManyTxn: (objs: readonly SuspiciousObject[], now: number) => void;

  constructor(db: Db, opts: StoreOptions) {
    this.db = db;
    this.upsertTxn = db.transaction((o: SuspiciousObject, now: number, ttlMs: number) => this.upsertOne(o, now, ttlMs));
    this.upsertManyTxn = db.transaction((objs: readonly SuspiciousObject[], now: number) => {
      for (const o of objs) this.upsertOne(o, now, this.opts.ttlMs);
    });
    this.opts = opts;
    this.counters = new Counters(db);
    this.purging = this.counters.get('sms_purging') === 1;
    this.s = {
      get: db.prepare<[number, string], ObjRow>('SELECT * FROM object WHERE type = ? AND value = ?'),
      put: db.prepare(`INSERT INTO object (type, value, risk, category, source, first_seen, last_seen, expires_at)
        VALUES (@type, @value, @risk, @category, @source, @now, @now, @expires)
        ON CONFLICT (type, value) DO UPDATE SET risk = @risk, category = @category, source = @source,
        last_seen = @now, expires_at = max(expires_at, @expires)`),
      del: db.prepare('DELETE FROM object WHERE type = ? AND value = ?'),
      oldest: db.prepare<[], ObjRow>('SELECT * FROM object ORDER BY expires_at LIMIT 1'),
      expired: db.prepare<[number], ObjRow>('SELECT * FROM object WHERE expires_at <= ? ORDER BY expires_at LIMIT 1000'),
      setExpiry: db.prepare('UPDATE object SET expires_at = ? WHERE type = ? AND value = ?'),
      listPage: db.prepare<[number, string, number], ObjRow>(
        'SELECT * FROM object WHERE (type, value) > (?, ?) ORDER BY type, value LIMIT ?'),
      objPage: db.prepare<[number, string, number], { type: number; value: string }>(
        'SELECT type, value FROM object WHERE (type, value) > (?, ?) ORDER BY type, value LIMIT ?'),
      sentPage: db.prepare<[string, string, number], { type: ObjectType; value: string }>(
        'SELECT type, value FROM sent WHERE (type, value) > (?, ?) ORDER BY type, value LIMIT ?'),
      boxPage: db.prepare<[string, string, number], { type: ObjectType; value: string }>(
        'SELECT type, value FROM outbox WHERE (type, value) > (?, ?) ORDER BY type, value LIMIT ?'),
      sent: db.prepare<[string, string], { tags: string }>('SELECT tags FROM sent WHERE type = ? AND value = ?'),
      sentPut: db.prepare(`INSERT INTO sent (type, value, tags, sent_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (type, value) DO UPDATE SET tags = excluded.tags, sent_at = excluded.sent_at`),
      sentDel: db.prepare('DELETE FROM sent WHERE type = ? AND value = ?'),
      box: db.prepare<[string, string], { op: string; tags: string; failed: number }>(
        'SELECT op, tags, failed FROM outbox WHERE type = ? AND value = ?'),
      boxPut: db.prepare(`INSERT INTO outbox (type, value, op, tags, queued_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (type, value) DO UPDATE SET op = excluded.op, tags = excluded.tags, queued_at = excluded.queued_at,
        attempts = 0, failed = 0, last_error = NULL, failed_at = NULL`),
      boxDel: db.prepare('DELETE FROM outbox WHERE type = ? AND value = ?'),
      boxDelIf: db.prepare('DELETE FROM outbox WHERE type = ? AND value = ? AND op = ? AND tags = ?'),
      boxFirst: db.prepare<[], OutboxRow>('SELECT type, value, op, tags, attempts FROM outbox WHERE failed = 0 ORDER BY queued_at LIMIT 1'),
      boxSame: db.prepare<[string, string, string, number], OutboxRow>(`SELECT type, value, op, tags, attempts FROM outbox
        WHERE failed = 0 AND op = ? AND type = ? AND tags = ? ORDER BY queued_at LIMIT ?`),
      boxType: db.prepare<[string, string, number], OutboxRow>(`SELECT type, value, op, tags, attempts FROM outbox
        WHERE failed = 0 AND op = ? AND type = ? ORDER BY queued_at LIMIT ?`),
      boxCountType: db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM outbox WHERE failed = 0 AND op = ? AND type = ?'),
      boxAttempt: db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE type = ? AND value = ?'),
      boxFail: db.prepare('UPDATE outbox SET failed = 1, last_error = ?, failed_at = ? WHERE type = ? AND value = ?'),
      boxFailed: db.prepare<[number, string, string, number], FailedEntry>(`SELECT type, value, op, last_error AS error,
        failed_at AS failedAt, attempts FROM outbox WHERE failed = 1 AND (failed_at, type, value) < (?, ?, ?)
        ORDER BY failed_at DESC, type DESC, value DESC LIMIT ?`),
      boxRetryAll: db.prepare('UPDATE outbox SET failed = 0, attempts = 0, last_error = NULL, failed_at = NULL WHERE failed = 1'),
      boxRetry: db.prepare(`UPDATE outbox SET failed = 0, attempts = 0, last_error = NULL, failed_at = NULL
        WHERE failed = 1 AND type = ? AND value = ?`),
      boxCounts: db.prepare<[], { pending: number; failed: number }>(
        'SELECT coalesce(sum(failed = 0), 0) AS pending, coalesce(sum(failed = 1), 0) AS failed FROM outbox'),
    };
  }

  /** Objects held, in total and by type and risk (codes): running counts, moved in the same transaction as the rows. */
  private held(type: number, risk: number, delta: 1 | -1): void {
    this.counters.add('objects', delta);
    this.counters.add(`objects.${type}.${risk}`, delta);
  }

  private get objectCount(): number {
    return this.counters.get('objects');
  }

  private get onSmsCount(): number {
    return this.counters.get('on_sms');
  }

  configure(opts: StoreOptions): void {
    this.opts = opts;
  }

  /**
   * Distribution on (with its policy) or off. A change recomputes every
   * outbox row, in slices (resolves when done); the same policy again
   * changes nothing and costs nothing.
   */
  setPolicy(policy: Policy | undefined): Promise<void> {
    const key = JSON.stringify(policy ?? null);
    if (key === this.policyKey) return Promise.resolve();
    this.policy = policy;
    this.policyKey = key;
    return this.reconcileAll();
  }

  get isPurging(): boolean {
    return this.purging;
  }

  /** Take back everything we put on the SMS; new objects are not sent until distribution is saved again. */
  purge(): number {
    this.purging = true;
    this.counters.set('sms_purging', 1);
    void this.reconcileAll().catch(() => {});
    return this.onSmsCount;
  }

  /** Purging ends once every delete went out; distribution then starts from a clean SMS. */
  endPurgeIfDone(): boolean {
    if (!this.purging || this.onSmsCount > 0) return false;
    this.purging = false;
    this.counters.set('sms_purging', 0);
    void this.reconcileAll().catch(() => {});
    return true;
  }

  /** Add an object or refresh it: last seen now, expiry extended, the worse risk kept. */
  upsert(o: SuspiciousObject, now = Date.now(), ttlMs = this.opts.ttlMs): void {
    this.upsertTxn(o, now, ttlMs);
  }

  /** Many objects in one transaction (one fsync): detections arrive in bursts. */
  upsertMany(objs: readonly SuspiciousObject[], now = Date.now()): void {
    this.upsertManyTxn(objs, now);
  }

  /** The body of an upsert; runs inside the caller's transaction. */
  private upsertOne(o: SuspiciousObject, now: number, ttlMs: number): void {
    const type = TYPE_CODE[o.type];
    const cur = this.s.get.get(type, o.value);
    const nowS = toSec(now);
    const expires = toSec(now + ttlMs);
    if (cur && now - cur.last_seen * 1000 < REFRESH_MS && cur.risk >= RISK_CODE[o.risk] &&
      (cur.category === CATEGORY_CODE['cnc-callback'] || CATEGORY_CODE[o.category] === cur.category) &&
      (expires - cur.expires_at) * 1000 < REFRESH_MS) {
      return;
    }
    if (!cur && this.objectCount >= this.opts.maxObjects) {
      // Full: the object closest to expiry makes room, and is counted.
      const victim = this.s.oldest.get();
      if (victim) {
        this.s.del.run(victim.type, victim.value);
        this.held(victim.type, victim.risk, -1);
        this.counters.add('sms_objects_evicted', 1);
        this.reconcile(TYPE_OF[victim.type]!, victim.value);
      }
    }
    const risk = cur ? Math.max(cur.risk, RISK_CODE[o.risk]) : RISK_CODE[o.risk];
    const category = cur?.category === CATEGORY_CODE['cnc-callback'] ? cur.category : CATEGORY_CODE[o.category];
    this.s.put.run({ type, value: o.value, risk, category, source: o.source, now: nowS, expires });
    if (!cur || cur.risk !== risk) {
      if (cur) this.held(cur.type, cur.risk, -1);
      this.held(type, risk, 1);
    }
    this.reconcile(o.type, o.value);
  }

  remove(type: ObjectType, value: string): boolean {
    return this.db.transaction(() => {
      const cur = this.s.get.get(TYPE_CODE[type], value);
      if (!cur) return false;
      this.s.del.run(cur.type, value);
      this.held(cur.type, cur.risk, -1);
      this.reconcile(type, value);
      return true;
    })();
  }

  /** Remove objects past their expiry; returns how many. */
  expire(now = Date.now()): number {
    let n = 0;
    for (;;) {
      const batch = this.s.expired.all(toSec(now));
      if (batch.length === 0) return n;
      this.db.transaction(() => {
        for (const r of batch) {
          this.s.del.run(r.type, r.value);
          this.held(r.type, r.risk, -1);
          this.reconcile(TYPE_OF[r.type]!, r.value);
        }
        this.counters.add('sms_objects_expired', batch.length);
      })();
      n += batch.length;
    }
  }

  /** Expire one object now (the menus' "expire"). */
  expireNow(type: ObjectType, value: string, now = Date.now()): boolean {
    if (this.s.setExpiry.run(toSec(now), TYPE_CODE[type], value).changes === 0) return false;
    this.expire(now);
    return true;
  }

  get(type: ObjectType, value: string): StoredObject | undefined {
    const r = this.s.get.get(TYPE_CODE[type], value);
    return r ? toObject(r) : undefined;
  }

  /** Objects by type and value, `limit` of them after (type, value): one page of a list of any length. */
  list(limit: number, after?: { type: string; value: string }): StoredObject[] {
    const type = after ? TYPE_CODE[after.type as ObjectType] ?? 0 : 0;
    return this.s.listPage.all(type, after?.value ?? '', limit).map(toObject);
  }

  /** What the outbox row for (type, value) must be, from the object, the policy and what was sent. */
  private reconcile(type: ObjectType, value: string): void {
    if (!this.policy && !this.purging) return; // distribution off: the outbox waits as it is
    const row = this.s.get.get(TYPE_CODE[type], value);
    const obj = row && toObject(row);
    const want = !this.purging && this.policy && obj && qualifies(this.policy, obj.type, obj.risk)
      ? tagData(this.policy, obj.category, obj.risk) : null;
    const sent = this.s.sent.get(type, value);
    const box = this.s.box.get(type, value);
    if (want !== null) {
      if (sent?.tags === want) this.s.boxDel.run(type, value);
      else if (!(box && box.op === 'add' && box.tags === want)) this.s.boxPut.run(type, value, 'add', want, Date.now());
    } else if (sent) {
      if (!(box && box.op === 'delete')) this.s.boxPut.run(type, value, 'delete', '', Date.now());
    } else if (box) {
      this.s.boxDel.run(type, value);
    }
  }

  /** Every object, then every entry whose object is gone (on the SMS: to delete; queued: to drop), a slice at a time. */
  private *slices(): Generator<void> {
    for (let after = { type: 0, value: '' }; ;) {
      const rows = this.s.objPage.all(after.type, after.value, SLICE);
      this.db.transaction(() => {
        for (const r of rows) this.reconcile(TYPE_OF[r.type]!, r.value);
      })();
      if (rows.length < SLICE) break;
      after = rows[rows.length - 1]!;
      yield;
    }
    for (const page of [this.s.sentPage, this.s.boxPage]) {
      for (let after: { type: string; value: string } = { type: '', value: '' }; ;) {
        const rows = page.all(after.type, after.value, SLICE);
        this.db.transaction(() => {
          for (const r of rows) if (!this.s.get.get(TYPE_CODE[r.type], r.value)) this.reconcile(r.type, r.value);
        })();
        if (rows.length < SLICE) break;
        after = rows[rows.length - 1]!;
        yield;
      }
    }
  }

  /**
   * Reconcile every row: the first slice now, the rest each on its own turn
   * of the event loop, so that a store of a million objects never stops
   * ingest from draining its sockets. Resolves when done (or superseded).
   */
  reconcileAll(): Promise<void> {
    const gen = ++this.generation;
    const it = this.slices();
    return new Promise((resolve, reject) => {
      const step = () => {
        try {
          if (gen !== this.generation || it.next().done) resolve();
          else setImmediate(step);
        } catch (err) {
          reject(err);
        }
      };
      step();
    });
  }

  /** No reconcile goes on after this (the database is about to close). */
  close(): void {
    this.generation++;
  }

  // The distributor's side of the outbox.

  /** The next rows that can go in one request: same operation, type (and tags, for adds). */
  nextBatch(maxRows: number, importThreshold: number, bulkMaxRows: number): { rows: OutboxRow[]; bulk: boolean } | undefined {
    const first = this.s.boxFirst.get();
    if (!first) return undefined;
    const total = this.s.boxCountType.get(first.op, first.type)!.n;
    // Large sets go as one CSV file per type (per-line tags); small ones as query parameters.
    if (total >= importThreshold) return { rows: this.s.boxType.all(first.op, first.type, bulkMaxRows), bulk: true };
    const rows = first.op === 'add'
      ? this.s.boxSame.all('add', first.type, first.tags, maxRows)
      : this.s.boxType.all('delete', first.type, maxRows);
    return { rows, bulk: false };
  }

  /** The SMS accepted these rows: record what it now holds, and clear them (unless they changed meanwhile). */
  delivered(rows: readonly OutboxRow[], now = Date.now()): void {
    this.db.transaction(() => {
      for (const r of rows) {
        if (r.op === 'add') {
          if (!this.s.sent.get(r.type, r.value)) this.counters.add('on_sms', 1);
          this.s.sentPut.run(r.type, r.value, r.tags, now);
        } else if (this.s.sentDel.run(r.type, r.value).changes > 0) {
          this.counters.add('on_sms', -1);
        }
        this.s.boxDelIf.run(r.type, r.value, r.op, r.tags);
      }
      this.counters.add(rows[0]?.op === 'add' ? 'sms_sent_adds' : 'sms_sent_deletes', rows.length);
    })();
  }

  attempted(rows: readonly OutboxRow[], error: string): void {
    this.db.transaction(() => {
      for (const r of rows) this.s.boxAttempt.run(error, r.type, r.value);
    })();
  }

  /** The SMS refuses this entry itself: keep it out of the queue (counted as failed) until something changes. */
  failed(row: OutboxRow, error: string, now = Date.now()): void {
    this.s.boxFail.run(error, now, row.type, row.value);
  }

  /** The entries set aside, newest first: `limit` of them after `before` (one page). */
  failedEntries(limit: number, before?: { failedAt: number; type: string; value: string }): FailedEntry[] {
    const b = before ?? { failedAt: Number.MAX_SAFE_INTEGER, type: '', value: '' };
    return this.s.boxFailed.all(b.failedAt, b.type, b.value, limit);
  }

  /** Put entries set aside back in the queue (all, or one), once the operator fixed the cause. */
  retryFailed(entry?: { type: ObjectType; value: string }): number {
    return (entry ? this.s.boxRetry.run(entry.type, entry.value) : this.s.boxRetryAll.run()).changes;
  }

  stats() {
    const box = this.s.boxCounts.get()!;
    const objects: Record<string, number> = {};
    for (const type of ['ipv4', 'domain'] as const) {
      for (const risk of RISKS) {
        const n = this.counters.get(`objects.${TYPE_CODE[type]}.${RISK_CODE[risk]}`);
        if (n > 0) objects[`${type}.${risk}`] = n;
      }
    }
    return {
      objects: this.objectCount,
      byTypeAndRisk: objects,
      onSms: this.onSmsCount,
      pending: box.pending,
      failed: box.failed,
      lastFailure: box.failed > 0 ? this.failedEntries(1)[0] ?? null : null,
      sent: { adds: this.counters.get('sms_sent_adds'), deletes: this.counters.get('sms_sent_deletes') },
      expired: this.counters.get('sms_objects_expired'),
      evicted: this.counters.get('sms_objects_evicted'),
      purging: this.purging,
    };
  }

}
