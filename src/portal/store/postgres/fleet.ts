// Accounts, appliances and heartbeat buckets in PostgreSQL. Who owns an
// appliance is asked on every MQTT publish, so each process keeps the map in
// memory, as SQLite's store does; a claim made by another portal process
// reaches it through LISTEN/NOTIFY, and a lost listening connection reloads
// the map whole when it is back (one row per appliance).

import type pg from 'pg';
import type { Registration } from '../../../protocol/heartbeat.ts';
import { account, appliance, heartbeatBucket, type AccountRow, type ApplianceRow, type BucketRow } from '../rows.ts';
import type { AccountStore, ApplianceStore, HeartbeatWrite } from '../store.ts';
import { BUCKET_MS, type Account, type Appliance, type ApplianceState, type HeartbeatBucket } from '../types.ts';
import { changes, one, rows, type Db } from './db.ts';

const CLAIMS = 'tmsp_appliance_claimed';
const RELISTEN_MS = 2000;

export class PgAccounts implements AccountStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async get(name: string): Promise<Account | undefined> {
    const r = await one<AccountRow>(this.db.pool, 'SELECT * FROM account WHERE name = $1', [name]);
    return r && account(r);
  }

  async list(): Promise<Account[]> {
    return (await rows<AccountRow>(this.db.pool, 'SELECT * FROM account ORDER BY name')).map(account);
  }

  async add(a: Account): Promise<boolean> {
    return await changes(this.db.pool, 'INSERT INTO account VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [a.name, a.role, a.hash, a.createdAt, a.updatedAt]) === 1;
  }

  async setHash(name: string, hash: string, now: number): Promise<boolean> {
    return await changes(this.db.pool, 'UPDATE account SET hash = $1, updated_at = $2 WHERE name = $3', [hash, now, name]) === 1;
  }

  async remove(name: string): Promise<boolean> {
    return await changes(this.db.pool, 'DELETE FROM account WHERE name = $1', [name]) === 1;
  }
}

export class PgAppliances implements ApplianceStore {
  private readonly owners = new Map<string, string>();
  private readonly counts = new Map<string, number>();
  private readonly db: Db;
  private listener: pg.Client | undefined;
  private relisten: NodeJS.Timeout | undefined;
  private closed = false;
  /** Times the listening connection was lost and made again. */
  relistens = 0;

  constructor(db: Db) {
    this.db = db;
  }

  /** Loads the owners and listens for other processes' claims; resolves once listening. */
  async start(): Promise<void> {
    await this.listen();
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.relisten) clearTimeout(this.relisten);
    const l = this.listener;
    this.listener = undefined;
    await l?.end().catch(() => {});
  }

  private async listen(): Promise<void> {
    const c = this.db.client();
    c.on('error', () => this.lost(c));
    c.on('end', () => this.lost(c));
    c.on('notification', (n) => {
      const [id, owner] = (n.payload ?? '').split('\t');
      if (id && owner && !this.owners.has(id)) this.own(id, owner);
    });
    await c.connect();
    await c.query(`LISTEN ${CLAIMS}`);
    // Listening first, then reading: a claim made between the two is in one or the other, never in neither.
    const all = await rows<{ id: string; account: string }>(c, 'SELECT id, account FROM appliance');
    this.owners.clear();
    this.counts.clear();
    for (const r of all) this.own(r.id, r.account);
    this.listener = c;
  }

  private lost(c: pg.Client): void {
    if (this.listener !== c || this.closed) return;
    this.listener = undefined;
    c.end().catch(() => {});
    const again = () => {
      this.relisten = undefined;
      if (this.closed) return;
      this.listen().then(() => this.relistens++, () => (this.relisten = setTimeout(again, RELISTEN_MS)));
    };
    this.relisten = setTimeout(again, RELISTEN_MS);
    this.relisten.unref();
  }

  async get(id: string): Promise<Appliance | undefined> {
    const r = await one<ApplianceRow>(this.db.pool, 'SELECT * FROM appliance WHERE id = $1', [id]);
    return r && appliance(r);
  }

  async list(): Promise<Appliance[]> {
    return (await rows<ApplianceRow>(this.db.pool, 'SELECT * FROM appliance ORDER BY id')).map(appliance);
  }

  async claim(id: string, accountName: string, now: number): Promise<string> {
    const known = this.owners.get(id);
    if (known !== undefined) return known;
    // Of two processes claiming one id at once, one inserts; the other reads the winner, in a statement of its own
    // (its snapshot is taken after the winner's commit, which ON CONFLICT waited for).
    const r = await one<{ account: string }>(this.db.pool, `INSERT INTO appliance (id, account, state, state_since, created_at)
      VALUES ($1, $2, 'never-seen', $3, $3) ON CONFLICT (id) DO NOTHING
      RETURNING account, pg_notify('${CLAIMS}', id || E'\\t' || account)`, [id, accountName, now])
      ?? await one<{ account: string }>(this.db.pool, 'SELECT account FROM appliance WHERE id = $1', [id]);
    const owner = r!.account;
    if (!this.owners.has(id)) this.own(id, owner);
    return owner;
  }

  private own(id: string, owner: string): void {
    this.owners.set(id, owner);
    this.counts.set(owner, (this.counts.get(owner) ?? 0) + 1);
  }

  ownerOf(id: string): string | undefined {
    return this.owners.get(id);
  }

  countOf(accountName: string): number {
    return this.counts.get(accountName) ?? 0;
  }

  async registered(id: string, r: Registration, now: number): Promise<void> {
    await this.db.pool.query(`UPDATE appliance SET registration = $1, first_registered_at = coalesce(first_registered_at, $2),
      last_registered_at = $2 WHERE id = $3`, [JSON.stringify(r), now, id]);
  }

  async status(id: string, status: 'online' | 'offline', now: number): Promise<void> {
    await this.db.pool.query('UPDATE appliance SET status = $1, status_at = $2 WHERE id = $3', [status, now, id]);
  }

  /**
   * One statement per table for the whole second's heartbeats. Rows are
   * written in id order: two processes writing heartbeats of the same
   * appliances (a shared subscription splits an appliance's heartbeats
   * between them) then lock the rows in the same order and never deadlock.
   */
  async heartbeats(list: HeartbeatWrite[]): Promise<void> {
    if (list.length === 0) return;
    // One UPDATE row per appliance (its latest heartbeat) and one upsert row per bucket: a statement may not touch a row twice.
    const latest = new Map<string, HeartbeatWrite>();
    const buckets = new Map<string, { id: string; start: number; count: number; spool: number; dropped: number; droppedNew: number }>();
    for (const r of list) {
      const was = latest.get(r.id);
      if (!was || was.at <= r.at) latest.set(r.id, r);
      const start = r.at - (r.at % BUCKET_MS);
      const k = `${r.id}\u0000${start}`;
      const b = buckets.get(k);
      if (b) {
        b.count += r.count;
        b.spool = Math.max(b.spool, r.heartbeat.spool.records);
        b.dropped = Math.max(b.dropped, r.heartbeat.dropped.records);
        b.droppedNew += r.droppedNew;
      } else {
        buckets.set(k, { id: r.id, start, count: r.count, spool: r.heartbeat.spool.records, dropped: r.heartbeat.dropped.records,
          droppedNew: r.droppedNew });
      }
    }
    const ids = [...latest.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const bs = [...buckets.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.start - b.start));
    await this.db.tx(async (c) => {
      // An older heartbeat than the one kept (another process wrote a later one) does not replace it.
      await c.query(`UPDATE appliance a SET last_heartbeat_at = u.at, last_heartbeat = u.hb, interval_s = u.i, upload_interval_s = u.ui
        FROM unnest($1::text[], $2::bigint[], $3::text[], $4::float8[], $5::float8[]) AS u(id, at, hb, i, ui)
        WHERE a.id = u.id AND (a.last_heartbeat_at IS NULL OR a.last_heartbeat_at <= u.at)`,
      [ids.map((r) => r.id), ids.map((r) => r.at), ids.map((r) => JSON.stringify(r.heartbeat)), ids.map((r) => r.intervalS),
        ids.map((r) => r.uploadIntervalS)]);
      await c.query(`INSERT INTO heartbeat_bucket (appliance_id, start, count, spool_records, dropped_records, dropped_new)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
        ON CONFLICT (appliance_id, start) DO UPDATE SET count = heartbeat_bucket.count + excluded.count,
          spool_records = greatest(heartbeat_bucket.spool_records, excluded.spool_records),
          dropped_records = greatest(heartbeat_bucket.dropped_records, excluded.dropped_records),
          dropped_new = heartbeat_bucket.dropped_new + excluded.dropped_new`,
      [bs.map((b) => b.id), bs.map((b) => b.start), bs.map((b) => b.count), bs.map((b) => b.spool), bs.map((b) => b.dropped),
        bs.map((b) => b.droppedNew)]);
    });
  }

  async setState(id: string, state: ApplianceState, now: number): Promise<void> {
    await this.db.pool.query('UPDATE appliance SET state = $1, state_since = $2 WHERE id = $3 AND state <> $1', [state, now, id]);
  }

  async heartbeatBuckets(id: string | undefined, from: number, until: number): Promise<HeartbeatBucket[]> {
    const list = id === undefined
      ? await rows<BucketRow>(this.db.pool, 'SELECT * FROM heartbeat_bucket WHERE start >= $1 AND start < $2 ORDER BY appliance_id, start',
        [from, until])
      : await rows<BucketRow>(this.db.pool, 'SELECT * FROM heartbeat_bucket WHERE appliance_id = $1 AND start >= $2 AND start < $3 ORDER BY start',
        [id, from, until]);
    return list.map(heartbeatBucket);
  }
}
