// The roll-ups in PostgreSQL: the same tables and the same counting as
// SQLite's (../sqlite/rollups.ts), written one statement per table per
// batch. Rows are upserted in key order, so two processes finishing batches
// of one account at once lock the shared per-account rows in the same order.

import { addDays, dayOfInstant, LocalDays, localInstant } from '../../../core/local-days.ts';
import type { RollupCounts } from '../rollup-counts.ts';
import { one, type Db, type Queryable } from './db.ts';

/** Columns as arrays, one per column, for one INSERT ... SELECT FROM unnest(...). */
function columns<T>(list: T[], width: number, cells: (t: T) => unknown[]): unknown[][] {
  const out: unknown[][] = Array.from({ length: width }, () => []);
  for (const t of list) cells(t).forEach((v, i) => out[i]!.push(v));
  return out;
}

export class PgRollups {
  private readonly db: Db;
  private days: LocalDays;

  private constructor(db: Db, zone: string) {
    this.db = db;
    this.days = new LocalDays(zone);
  }

  static async open(db: Db): Promise<PgRollups> {
    return new PgRollups(db, await PgRollups.zoneIn(db.pool));
  }

  private static async zoneIn(q: Queryable): Promise<string> {
    return (await one<{ value: string }>(q, `SELECT value FROM meta WHERE key = 'rollup_zone'`))!.value;
  }

  zone(): string {
    return this.days.timeZone;
  }

  dayOf(t: number): string {
    return this.days.dayOf(t);
  }

  /** Another process may have counted the roll-ups again in a new zone: asked at each batch's start. */
  async refresh(q: Queryable): Promise<void> {
    const zone = await PgRollups.zoneIn(q);
    if (zone !== this.days.timeZone) this.days = new LocalDays(zone);
  }

  /** Adds a batch's counts; inside the batch's transaction. */
  async write(q: Queryable, c: RollupCounts): Promise<void> {
    const threats: unknown[][] = [];
    const accounts = new Map<string, unknown[]>();
    const hosts: unknown[][] = [];
    const cnc: unknown[][] = [];
    const owners = new Map<string, string>();
    for (const g of c.groups) {
      let owner = owners.get(g.applianceId);
      if (owner === undefined) {
        owner = (await one<{ account: string }>(q, 'SELECT account FROM appliance WHERE id = $1', [g.applianceId]))?.account ?? '';
        owners.set(g.applianceId, owner);
      }
      for (const t of g.threats.values()) {
        threats.push([g.day, g.applianceId, t.severity, t.category, t.threat, t.n]);
        const k = [g.day, owner, t.severity, t.category, t.threat].join('\u0000');
        const a = accounts.get(k);
        if (a) (a[5] as number) += t.n;
        else accounts.set(k, [g.day, owner, t.severity, t.category, t.threat, t.n]);
      }
      for (const [host, h] of g.hosts) hosts.push([g.day, g.applianceId, host, h.n, h.sev, h.cnc]);
      for (const x of g.cnc.values()) cnc.push([g.day, g.applianceId, x.host, x.address, x.n, x.sev, x.first, x.last]);
    }
    const sorted = (list: unknown[][]) => list.sort((a, b) => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i]! < b[i]!) ? -1 : 1;
      return 0;
    });
    if (threats.length) {
      await q.query(`INSERT INTO rollup_daily SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::bigint[])
        ON CONFLICT (day, appliance_id, severity, category, threat) DO UPDATE SET count = rollup_daily.count + excluded.count`,
      columns(sorted(threats), 6, (r) => r));
      await q.query(`INSERT INTO rollup_account SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::bigint[])
        ON CONFLICT (day, account, severity, category, threat) DO UPDATE SET count = rollup_account.count + excluded.count`,
      columns(sorted([...accounts.values()]), 6, (r) => r));
    }
    if (hosts.length) {
      await q.query(`INSERT INTO rollup_host SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::int[], $6::bigint[])
        ON CONFLICT (day, appliance_id, host) DO UPDATE SET count = rollup_host.count + excluded.count,
          max_severity = greatest(rollup_host.max_severity, excluded.max_severity), cnc = rollup_host.cnc + excluded.cnc`,
      columns(sorted(hosts), 6, (r) => r));
    }
    if (cnc.length) {
      await q.query(`INSERT INTO rollup_cnc SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[],
          $7::bigint[], $8::bigint[])
        ON CONFLICT (day, appliance_id, host, address) DO UPDATE SET count = rollup_cnc.count + excluded.count,
          max_severity = greatest(rollup_cnc.max_severity, excluded.max_severity), first = least(rollup_cnc.first, excluded.first),
          last = greatest(rollup_cnc.last, excluded.last)`,
      columns(sorted(cnc), 8, (r) => r));
    }
  }

  /** Counts the roll-ups again in `zone`, day by day from the detections kept (see the SQLite store). Returns the days counted. */
  async rebuild(zone: string): Promise<number> {
    let days = 0;
    await this.db.tx(async (c) => {
      // One rebuild at a time, whichever process starts it; the others wait and find the zone theirs.
      await c.query(`SELECT 1 FROM meta WHERE key = 'rollup_zone' FOR UPDATE`);
      if (await PgRollups.zoneIn(c) === zone) return;
      const bounds = (await one<{ lo: number | null; hi: number | null }>(c, 'SELECT min(time) AS lo, max(time) AS hi FROM detection'))!;
      const done = `FROM detection d JOIN batch b ON b.id = d.batch_id WHERE b.state = 'done' AND d.time >= $2 AND d.time < $3`;
      await c.query('DELETE FROM rollup_daily; DELETE FROM rollup_host; DELETE FROM rollup_cnc; DELETE FROM rollup_account');
      if (bounds.lo !== null && bounds.hi !== null) {
        const last = dayOfInstant(bounds.hi, zone);
        for (let day = dayOfInstant(bounds.lo, zone); day <= last; day = addDays(day, 1)) {
          const args = [day, localInstant(day, 0, zone), localInstant(addDays(day, 1), 0, zone)];
          await c.query(`INSERT INTO rollup_daily SELECT $1::text, d.appliance_id, d.severity, d.category, d.threat, count(*) ${done}
            GROUP BY 2, 3, 4, 5`, args);
          await c.query(`INSERT INTO rollup_host SELECT $1::text, d.appliance_id, coalesce(d.src_host, d.dst_host), count(*), max(d.severity),
            sum(d.cnc) ${done} AND coalesce(d.src_host, d.dst_host) IS NOT NULL GROUP BY 2, 3`, args);
          await c.query(`INSERT INTO rollup_cnc SELECT $1::text, d.appliance_id, coalesce(d.src_host, '?'), d.cnc_address, count(*),
            max(d.severity), min(d.time), max(d.time) ${done} AND d.cnc = 1 AND d.cnc_address IS NOT NULL GROUP BY 2, 3, 4`, args);
          days++;
        }
      }
      await c.query(`INSERT INTO rollup_account SELECT r.day, a.account, r.severity, r.category, r.threat, sum(r.count) FROM rollup_daily r
        JOIN appliance a ON a.id = r.appliance_id GROUP BY 1, 2, 3, 4, 5`);
      await c.query(`UPDATE meta SET value = $1 WHERE key = 'rollup_zone'`, [zone]);
    });
    this.days = new LocalDays(zone);
    return days;
  }
}
