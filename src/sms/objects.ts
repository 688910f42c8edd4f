// The object table: what the appliance knows, one row per (type, value),
// compact (codes, seconds: sms/database.ts). It keeps the worst risk an
// object was seen with and its latest expiry, stays within maxObjects (the
// object closest to expiry makes room, counted), and keeps its counts as
// running totals. Every change is told to `changed`, which recomputes the
// object's outbox row (reconcile.ts).

import type { Counters } from '../state/counters.ts';
import type { Db, Statement } from '../state/db.ts';
import { CATEGORY_CODE, CATEGORY_OF, RISK_CODE, RISK_OF, storedValue, TYPE_CODE, TYPE_OF, valueOf } from './database.ts';
import { RISKS, type ObjectType, type SuspiciousObject } from './object.ts';

export interface StoredObject extends SuspiciousObject {
  firstSeen: number;
  lastSeen: number;
  expiresAt: number;
}

export interface ObjectOptions {
  ttlMs: number;
  maxObjects: number;
}

/** An object row as stored: codes, and times in seconds. */
interface ObjRow {
  type: number; value: string | Buffer; risk: number; category: number; source: string;
  first_seen: number; last_seen: number; expires_at: number;
}

const toObject = (r: ObjRow): StoredObject => ({
  type: TYPE_OF[r.type]!, value: valueOf(r.value), risk: RISK_OF[r.risk]!, category: CATEGORY_OF[r.category]!, source: r.source,
  firstSeen: r.first_seen * 1000, lastSeen: r.last_seen * 1000, expiresAt: r.expires_at * 1000,
});

const toSec = (ms: number) => Math.floor(ms / 1000);

/** A sighting this soon after the last one changes nothing worth a write (expiry is days away). */
const REFRESH_MS = 60_000;

export class ObjectTable {
  private opts: ObjectOptions;
  private readonly counters: Counters;
  private readonly changed: (type: ObjectType, value: string) => void;
  private readonly s: {
    get: Statement<[number, string | Buffer], ObjRow>;
    add: Statement<[number, string | Buffer, number, number, string, number, number, number]>;
    put: Statement<[Record<string, unknown>]>;
    del: Statement<[number, string | Buffer]>;
    oldest: Statement<[], ObjRow>;
    expired: Statement<[number], ObjRow>;
    setExpiry: Statement<[number, number, string | Buffer]>;
    page: Statement<[number, string | Buffer, number], ObjRow>;
  };

  constructor(db: Db, counters: Counters, opts: ObjectOptions, changed: (type: ObjectType, value: string) => void) {
    this.opts = opts;
    this.counters = counters;
    this.changed = changed;
    this.s = {
      get: db.prepare('SELECT * FROM object WHERE type = ? AND value = ?'),
      add: db.prepare(`INSERT INTO object (type, value, risk, category, source, first_seen, last_seen, expires_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      put: db.prepare(`INSERT INTO object (type, value, risk, category, source, first_seen, last_seen, expires_at)
        VALUES (@type, @value, @risk, @category, @source, @now, @now, @expires)
        ON CONFLICT (type, value) DO UPDATE SET risk = @risk, category = @category, source = @source,
        last_seen = @now, expires_at = max(expires_at, @expires)`),
      del: db.prepare('DELETE FROM object WHERE type = ? AND value = ?'),
      oldest: db.prepare('SELECT * FROM object ORDER BY expires_at LIMIT 1'),
      expired: db.prepare('SELECT * FROM object WHERE expires_at <= ? ORDER BY expires_at LIMIT 1000'),
      setExpiry: db.prepare('UPDATE object SET expires_at = ? WHERE type = ? AND value = ?'),
      page: db.prepare('SELECT * FROM object WHERE (type, value) > (?, ?) ORDER BY type, value LIMIT ?'),
    };
  }

  configure(opts: ObjectOptions): void {
    this.opts = opts;
  }

  get ttlMs(): number {
    return this.opts.ttlMs;
  }

  /** Objects held, in total and by type and risk (codes): running counts, moved in the same transaction as the rows. */
  private held(type: number, risk: number, delta: 1 | -1): void {
    this.counters.add('objects', delta);
    this.counters.add(`objects.${type}.${risk}`, delta);
  }

  get count(): number {
    return this.counters.get('objects');
  }

  get(type: ObjectType, value: string): StoredObject | undefined {
    const code = TYPE_CODE[type];
    const r = this.s.get.get(code, storedValue(code, value));
    return r ? toObject(r) : undefined;
  }

  /** Add an object or refresh it: last seen now, expiry extended, the worse risk kept. Inside the caller's transaction. */
  upsert(o: SuspiciousObject, now: number, ttlMs: number): void {
    const type = TYPE_CODE[o.type];
    const stored = storedValue(type, o.value);
    const expires = toSec(now + ttlMs);
    // Most objects of a burst are new: then one statement is enough.
    if (this.count < this.opts.maxObjects &&
      this.s.add.run(type, stored, RISK_CODE[o.risk], CATEGORY_CODE[o.category], o.source, toSec(now), toSec(now), expires).changes === 1) {
      this.held(type, RISK_CODE[o.risk], 1);
      this.changed(o.type, o.value);
      return;
    }
    const cur = this.s.get.get(type, stored);
    if (cur && now - cur.last_seen * 1000 < REFRESH_MS && cur.risk >= RISK_CODE[o.risk] &&
      (cur.category === CATEGORY_CODE['cnc-callback'] || CATEGORY_CODE[o.category] === cur.category) &&
      (expires - cur.expires_at) * 1000 < REFRESH_MS) {
      return;
    }
    if (!cur && this.count >= this.opts.maxObjects) {
      // Full: the object closest to expiry makes room, and is counted.
      const victim = this.s.oldest.get();
      if (victim) {
        this.s.del.run(victim.type, victim.value);
        this.held(victim.type, victim.risk, -1);
        this.counters.add('sms_objects_evicted', 1);
        this.changed(TYPE_OF[victim.type]!, valueOf(victim.value));
      }
    }
    const risk = cur ? Math.max(cur.risk, RISK_CODE[o.risk]) : RISK_CODE[o.risk];
    const category = cur?.category === CATEGORY_CODE['cnc-callback'] ? cur.category : CATEGORY_CODE[o.category];
    this.s.put.run({ type, value: stored, risk, category, source: o.source, now: toSec(now), expires });
    if (!cur || cur.risk !== risk) {
      if (cur) this.held(cur.type, cur.risk, -1);
      this.held(type, risk, 1);
    }
    this.changed(o.type, o.value);
  }

  /** Inside the caller's transaction. */
  remove(type: ObjectType, value: string): boolean {
    const cur = this.s.get.get(TYPE_CODE[type], storedValue(TYPE_CODE[type], value));
    if (!cur) return false;
    this.s.del.run(cur.type, cur.value);
    this.held(cur.type, cur.risk, -1);
    this.changed(type, value);
    return true;
  }

  /** Remove up to 1,000 objects past their expiry, inside the caller's transaction; returns how many. */
  expireSome(now: number): number {
    const batch = this.s.expired.all(toSec(now));
    for (const r of batch) {
      this.s.del.run(r.type, r.value);
      this.held(r.type, r.risk, -1);
      this.changed(TYPE_OF[r.type]!, valueOf(r.value));
    }
    this.counters.add('sms_objects_expired', batch.length);
    return batch.length;
  }

  /** Make one object due now; false when there is no such object. */
  setDue(type: ObjectType, value: string, now: number): boolean {
    return this.s.setExpiry.run(toSec(now), TYPE_CODE[type], storedValue(TYPE_CODE[type], value)).changes > 0;
  }

  /** Objects by type and value, `limit` of them after (type, value). */
  page(limit: number, after?: { type: string; value: string }): StoredObject[] {
    const type = after ? TYPE_CODE[after.type as ObjectType] ?? 0 : 0;
    return this.s.page.all(type, after ? storedValue(type, after.value) : '', limit).map(toObject);
  }

  byTypeAndRisk(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const type of ['ipv4', 'domain'] as const) {
      for (const risk of RISKS) {
        const n = this.counters.get(`objects.${TYPE_CODE[type]}.${RISK_CODE[risk]}`);
        if (n > 0) out[`${type}.${risk}`] = n;
      }
    }
    return out;
  }
}
