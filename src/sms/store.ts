// The object store and the durable outbox, in the state database.
//
// sms_object is what the appliance knows; sms_sent is what the SMS holds
// from us (with the tags it got); sms_outbox is the difference, one row per
// entry, coalesced: a later change to the same entry replaces the earlier
// one, and an add cancelled before it was sent never leaves. reconcile()
// computes the row from the other two, so a restart resumes exactly where
// it was: nothing lost, nothing sent twice needlessly.

import type { Db } from '../state/db.ts';
import { Counters } from '../state/counters.ts';
import { RISKS, type Category, type ObjectType, type Risk, type SuspiciousObject } from './object.ts';
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

interface ObjRow {
  type: ObjectType; value: string; risk: Risk; category: Category; source: string;
  first_seen: number; last_seen: number; expires_at: number;
}

const toObject = (r: ObjRow): StoredObject => ({
  type: r.type, value: r.value, risk: r.risk, category: r.category, source: r.source,
  firstSeen: r.first_seen, lastSeen: r.last_seen, expiresAt: r.expires_at,
});

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

  constructor(db: Db, opts: StoreOptions) {
    this.db = db;
    this.opts = opts;
    this.counters = new Counters(db);
    this.purging = this.counters.get('sms_purging') === 1;
    this.s = {
      get: db.prepare<[string, string], ObjRow>('SELECT * FROM sms_object WHERE type = ? AND value = ?'),
      put: db.prepare(`INSERT INTO sms_object (type, value, risk, category, source, first_seen, last_seen, expires_at)
        VALUES (@type, @value, @risk, @category, @source, @now, @now, @expires)
        ON CONFLICT (type, value) DO UPDATE SET risk = @risk, category = @category, source = @source,
        last_seen = @now, expires_at = max(expires_at, @expires)`),
      del: db.prepare('DELETE FROM sms_object WHERE type = ? AND value = ?'),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sms_object'),
      oldest: db.prepare<[], ObjRow>('SELECT * FROM sms_object ORDER BY expires_at LIMIT 1'),
      expired: db.prepare<[number], ObjRow>('SELECT * FROM sms_object WHERE expires_at <= ? ORDER BY expires_at LIMIT 1000'),
      setExpiry: db.prepare('UPDATE sms_object SET expires_at = ? WHERE type = ? AND value = ?'),
      listPage: db.prepare<[string, string, number], ObjRow>(
        'SELECT * FROM sms_object WHERE (type, value) > (?, ?) ORDER BY type, value LIMIT ?'),
      objPage: db.prepare<[string, string, number], { type: ObjectType; value: string }>(
        'SELECT type, value FROM sms_object WHERE (type, value) > (?, ?) ORDER BY type, value LIMIT ?'),
      sentPage: db.prepare<[string, string, number], { type: ObjectType; value: string }>(
        'SELECT type, value FROM sms_sent WHERE (type, value) > (?, ?) ORDER BY type, value LIMIT ?'),
      boxPage: db.prepare<[string, string, number], { type: ObjectType; value: string }>(
        'SELECT type, value FROM sms_outbox WHERE (type, value) > (?, ?) ORDER BY type, value LIMIT ?'),
      sent: db.prepare<[string, string], { tags: string }>('SELECT tags FROM sms_sent WHERE type = ? AND value = ?'),
      sentPut: db.prepare(`INSERT INTO sms_sent (type, value, tags, sent_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (type, value) DO UPDATE SET tags = excluded.tags, sent_at = excluded.sent_at`),
      sentDel: db.prepare('DELETE FROM sms_sent WHERE type = ? AND value = ?'),
      sentCount: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sms_sent'),
      box: db.prepare<[string, string], { op: string; tags: string; failed: number }>(
        'SELECT op, tags, failed FROM sms_outbox WHERE type = ? AND value = ?'),
      boxPut: db.prepare(`INSERT INTO sms_outbox (type, value, op, tags, queued_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (type, value) DO UPDATE SET op = excluded.op, tags = excluded.tags, queued_at = excluded.queued_at,
        attempts = 0, failed = 0, last_error = NULL, failed_at = NULL`),
      boxDel: db.prepare('DELETE FROM sms_outbox WHERE type = ? AND value = ?'),
      boxDelIf: db.prepare('DELETE FROM sms_outbox WHERE type = ? AND value = ? AND op = ? AND tags = ?'),
      boxFirst: db.prepare<[], OutboxRow>('SELECT type, value, op, tags, attempts FROM sms_outbox WHERE failed = 0 ORDER BY queued_at LIMIT 1'),
      boxSame: db.prepare<[string, string, string, number], OutboxRow>(`SELECT type, value, op, tags, attempts FROM sms_outbox
        WHERE failed = 0 AND op = ? AND type = ? AND tags = ? ORDER BY queued_at LIMIT ?`),
      boxType: db.prepare<[string, string, number], OutboxRow>(`SELECT type, value, op, tags, attempts FROM sms_outbox
        WHERE failed = 0 AND op = ? AND type = ? ORDER BY queued_at LIMIT ?`),
      boxCountType: db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM sms_outbox WHERE failed = 0 AND op = ? AND type = ?'),
      boxAttempt: db.prepare('UPDATE sms_outbox SET attempts = attempts + 1, last_error = ? WHERE type = ? AND value = ?'),
      boxFail: db.prepare('UPDATE sms_outbox SET failed = 1, last_error = ?, failed_at = ? WHERE type = ? AND value = ?'),
      boxFailed: db.prepare<[number, string, string, number], FailedEntry>(`SELECT type, value, op, last_error AS error,
        failed_at AS failedAt, attempts FROM sms_outbox WHERE failed = 1 AND (failed_at, type, value) < (?, ?, ?)
        ORDER BY failed_at DESC, type DESC, value DESC LIMIT ?`),
      boxRetryAll: db.prepare('UPDATE sms_outbox SET failed = 0, attempts = 0, last_error = NULL, failed_at = NULL WHERE failed = 1'),
      boxRetry: db.prepare(`UPDATE sms_outbox SET failed = 0, attempts = 0, last_error = NULL, failed_at = NULL
        WHERE failed = 1 AND type = ? AND value = ?`),
      boxCounts: db.prepare<[], { pending: number; failed: number }>(
        'SELECT coalesce(sum(failed = 0), 0) AS pending, coalesce(sum(failed = 1), 0) AS failed FROM sms_outbox'),
      boxEmpty: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sms_outbox WHERE failed = 0'),
      objCounts: db.prepare<[], { type: string; risk: string; n: number }>('SELECT type, risk, count(*) AS n FROM sms_object GROUP BY type, risk'),
    };
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
    return this.s.sentCount.get()!.n;
  }

  /** Purging ends once every delete went out; distribution then starts from a clean SMS. */
  endPurgeIfDone(): boolean {
    if (!this.purging || this.s.sentCount.get()!.n > 0) return false;
    this.purging = false;
    this.counters.set('sms_purging', 0);
    void this.reconcileAll().catch(() => {});
    return true;
  }

  /** Add an object or refresh it: last seen now, expiry extended, the worse risk kept. */
  upsert(o: SuspiciousObject, now = Date.now(), ttlMs = this.opts.ttlMs): void {
    this.db.transaction(() => {
      const cur = this.s.get.get(o.type, o.value);
      if (cur && now - cur.last_seen < REFRESH_MS && worse(cur.risk, o.risk) === cur.risk &&
        (cur.category === 'cnc-callback' || o.category === cur.category) && now + ttlMs - cur.expires_at < REFRESH_MS) {
        return;
      }
      if (!cur && this.s.count.get()!.n >= this.opts.maxObjects) {
        // Full: the object closest to expiry makes room, and is counted.
        const victim = this.s.oldest.get();
        if (victim) {
          this.s.del.run(victim.type, victim.value);
          this.counters.add('sms_objects_evicted', 1);
          this.reconcile(victim.type, victim.value);
        }
      }
      this.s.put.run({
        type: o.type, value: o.value, risk: cur ? worse(cur.risk, o.risk) : o.risk,
        category: cur?.category === 'cnc-callback' ? 'cnc-callback' : o.category, source: o.source,
        now, expires: now + ttlMs,
      });
      this.reconcile(o.type, o.value);
    })();
  }

  /** Many objects in one transaction (one fsync): detections arrive in bursts. */
  upsertMany(objs: readonly SuspiciousObject[], now = Date.now()): void {
    this.db.transaction(() => {
      for (const o of objs) this.upsert(o, now);
    })();
  }

  remove(type: ObjectType, value: string): boolean {
    return this.db.transaction(() => {
      const gone = this.s.del.run(type, value).changes > 0;
      if (gone) this.reconcile(type, value);
      return gone;
    })();
  }

  /** Remove objects past their expiry; returns how many. */
  expire(now = Date.now()): number {
    let n = 0;
    for (;;) {
      const batch = this.s.expired.all(now);
      if (batch.length === 0) return n;
      this.db.transaction(() => {
        for (const r of batch) {
          this.s.del.run(r.type, r.value);
          this.reconcile(r.type, r.value);
        }
      })();
      n += batch.length;
      this.counters.add('sms_objects_expired', batch.length);
    }
  }

  /** Expire one object now (the menus' "expire"). */
  expireNow(type: ObjectType, value: string, now = Date.now()): boolean {
    if (this.s.setExpiry.run(now, type, value).changes === 0) return false;
    this.expire(now);
    return true;
  }

  get(type: ObjectType, value: string): StoredObject | undefined {
    const r = this.s.get.get(type, value);
    return r ? toObject(r) : undefined;
  }

  /** Objects by type and value, `limit` of them after (type, value): one page of a list of any length. */
  list(limit: number, after: { type: string; value: string } = { type: '', value: '' }): StoredObject[] {
    return this.s.listPage.all(after.type, after.value, limit).map(toObject);
  }

  /** What the outbox row for (type, value) must be, from the object, the policy and what was sent. */
  private reconcile(type: ObjectType, value: string): void {
    if (!this.policy && !this.purging) return; // distribution off: the outbox waits as it is
    const obj = this.s.get.get(type, value);
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
    for (const page of [this.s.objPage, this.s.sentPage, this.s.boxPage]) {
      const objects = page === this.s.objPage;
      let after: { type: string; value: string } = { type: '', value: '' };
      for (;;) {
        const rows = page.all(after.type, after.value, SLICE);
        this.db.transaction(() => {
          for (const r of rows) if (objects || !this.s.get.get(r.type, r.value)) this.reconcile(r.type, r.value);
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
        if (r.op === 'add') this.s.sentPut.run(r.type, r.value, r.tags, now);
        else this.s.sentDel.run(r.type, r.value);
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
    for (const r of this.s.objCounts.all()) objects[`${r.type}.${r.risk}`] = r.n;
    return {
      objects: this.s.count.get()!.n,
      byTypeAndRisk: objects,
      onSms: this.s.sentCount.get()!.n,
      pending: box.pending,
      failed: box.failed,
      lastFailure: box.failed > 0 ? this.failedEntries(1)[0] ?? null : null,
      sent: { adds: this.counters.get('sms_sent_adds'), deletes: this.counters.get('sms_sent_deletes') },
      expired: this.counters.get('sms_objects_expired'),
      evicted: this.counters.get('sms_objects_evicted'),
      purging: this.purging,
    };
  }

  get hasWork(): boolean {
    return this.s.boxEmpty.get()!.n > 0;
  }
}
