// Accounts, appliances and heartbeat buckets in SQLite.

import type Database from 'better-sqlite3';
import type { Registration } from '../../../protocol/heartbeat.ts';
import type { AccountStore, ApplianceStore, HeartbeatWrite } from '../store.ts';
import { account, appliance, heartbeatBucket, type AccountRow, type ApplianceRow, type BucketRow } from '../rows.ts';
import { BUCKET_MS, type Account, type Appliance, type ApplianceState, type HeartbeatBucket } from '../types.ts';

export class SqliteAccounts implements AccountStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  async get(name: string): Promise<Account | undefined> {
    const r = this.db.prepare('SELECT * FROM account WHERE name = ?').get(name) as AccountRow | undefined;
    return r && account(r);
  }

  async list(): Promise<Account[]> {
    return (this.db.prepare('SELECT * FROM account ORDER BY name').all() as AccountRow[]).map(account);
  }

  async add(a: Account): Promise<boolean> {
    const r = this.db.prepare('INSERT OR IGNORE INTO account VALUES (?, ?, ?, ?, ?)').run(a.name, a.role, a.hash, a.createdAt, a.updatedAt);
    return r.changes === 1;
  }

  async setHash(name: string, hash: string, now: number): Promise<boolean> {
    return this.db.prepare('UPDATE account SET hash = ?, updated_at = ? WHERE name = ?').run(hash, now, name).changes === 1;
  }

  async remove(name: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM account WHERE name = ?').run(name).changes === 1;
  }
}

export class SqliteAppliances implements ApplianceStore {
  /** id → account for every appliance: small (one entry per appliance) and asked on every MQTT publish. */
  private readonly owners = new Map<string, string>();
  private readonly counts = new Map<string, number>();
  private readonly st;

  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
    for (const r of db.prepare('SELECT id, account FROM appliance').all() as Array<{ id: string; account: string }>) this.own(r.id, r.account);
    this.st = {
      get: db.prepare('SELECT * FROM appliance WHERE id = ?'),
      claim: db.prepare(`INSERT OR IGNORE INTO appliance (id, account, state, state_since, created_at) VALUES (?, ?, 'never-seen', ?, ?)`),
      registered: db.prepare(`UPDATE appliance SET registration = ?, first_registered_at = coalesce(first_registered_at, ?),
        last_registered_at = ? WHERE id = ?`),
      status: db.prepare('UPDATE appliance SET status = ?, status_at = ? WHERE id = ?'),
      heartbeat: db.prepare(`UPDATE appliance SET last_heartbeat_at = ?, last_heartbeat = ?, interval_s = ?, upload_interval_s = ?
        WHERE id = ?`),
      bucket: db.prepare(`INSERT INTO heartbeat_bucket VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (appliance_id, start) DO UPDATE SET
        count = count + excluded.count, spool_records = max(spool_records, excluded.spool_records),
        dropped_records = max(dropped_records, excluded.dropped_records), dropped_new = dropped_new + excluded.dropped_new`),
      state: db.prepare('UPDATE appliance SET state = ?, state_since = ? WHERE id = ? AND state <> ?'),
    };
  }

  async get(id: string): Promise<Appliance | undefined> {
    const r = this.st.get.get(id) as ApplianceRow | undefined;
    return r && appliance(r);
  }

  async list(): Promise<Appliance[]> {
    return (this.db.prepare('SELECT * FROM appliance ORDER BY id').all() as ApplianceRow[]).map(appliance);
  }

  async claim(id: string, account: string, now: number): Promise<string> {
    const owner = this.owners.get(id);
    if (owner !== undefined) return owner;
    this.st.claim.run(id, account, now, now);
    const r = this.st.get.get(id) as ApplianceRow;
    this.own(id, r.account);
    return r.account;
  }

  private own(id: string, account: string): void {
    this.owners.set(id, account);
    this.counts.set(account, (this.counts.get(account) ?? 0) + 1);
  }

  ownerOf(id: string): string | undefined {
    return this.owners.get(id);
  }

  countOf(account: string): number {
    return this.counts.get(account) ?? 0;
  }

  async registered(id: string, r: Registration, now: number): Promise<void> {
    this.st.registered.run(JSON.stringify(r), now, now, id);
  }

  async status(id: string, status: 'online' | 'offline', now: number): Promise<void> {
    this.st.status.run(status, now, id);
  }

  async heartbeats(rows: HeartbeatWrite[]): Promise<void> {
    this.db.transaction(() => {
      for (const r of rows) {
        this.st.heartbeat.run(r.at, JSON.stringify(r.heartbeat), r.intervalS, r.uploadIntervalS, r.id);
        this.st.bucket.run(r.id, r.at - (r.at % BUCKET_MS), r.count, r.heartbeat.spool.records, r.heartbeat.dropped.records,
          r.droppedNew);
      }
    })();
  }

  async setState(id: string, state: ApplianceState, now: number): Promise<void> {
    this.st.state.run(state, now, id, state);
  }

  async heartbeatBuckets(id: string | undefined, from: number, until: number): Promise<HeartbeatBucket[]> {
    const rows = (id === undefined
      ? this.db.prepare('SELECT * FROM heartbeat_bucket WHERE start >= ? AND start < ? ORDER BY appliance_id, start').all(from, until)
      : this.db.prepare('SELECT * FROM heartbeat_bucket WHERE appliance_id = ? AND start >= ? AND start < ? ORDER BY start')
        .all(id, from, until)) as BucketRow[];
    return rows.map(heartbeatBucket);
  }
}
