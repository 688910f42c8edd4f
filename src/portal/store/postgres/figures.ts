// The figures reports are made of, in PostgreSQL: the same questions as
// SQLite's (../sqlite/figures.ts), asked of the same roll-ups, grouped and
// capped in SQL. Aliases are quoted: PostgreSQL folds unquoted ones to
// lower case.

import type { Capped, DayRange, FigureStore, TimeRange } from '../store.ts';
import { hostsByDay } from '../rows.ts';
import { BUCKET_MS } from '../types.ts';
import { one, rows, type Db } from './db.ts';

/** A WHERE clause and its arguments, numbered as they are added. */
class Where {
  readonly args: unknown[] = [];
  readonly parts: string[] = [];

  arg(v: unknown): string {
    return `$${this.args.push(v)}`;
  }

  and(sql: string): this {
    this.parts.push(sql);
    return this;
  }

  get sql(): string {
    return this.parts.join(' AND ');
  }
}

/** The roll-up rows of a range and scope: per appliance (`r.appliance_id`), or per account (`r.account`). */
function days(q: DayRange, perAccount = false): Where {
  const w = new Where();
  w.and(`r.day >= ${w.arg(q.fromDay)}`).and(`r.day <= ${w.arg(q.untilDay)}`);
  if (q.account !== undefined) {
    w.and(perAccount ? `r.account = ${w.arg(q.account)}` : `r.appliance_id IN (SELECT id FROM appliance WHERE account = ${w.arg(q.account)})`);
  }
  return w;
}

function scoped(q: TimeRange, time: string): Where {
  const w = new Where();
  w.and(`${time} >= ${w.arg(q.from)}`).and(`${time} < ${w.arg(q.until)}`);
  if (q.account !== undefined) w.and(`appliance_id IN (SELECT id FROM appliance WHERE account = ${w.arg(q.account)})`);
  return w;
}

export class PgFigures implements FigureStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  private all<T>(sql: string, args: unknown[]): Promise<T[]> {
    return rows<T>(this.db.pool, sql, args);
  }

  private async capped<T>(sql: string, countSql: string, w: Where, limit: number): Promise<Capped<T>> {
    const items = await this.all<T>(`${sql} LIMIT $${w.args.length + 1}`, [...w.args, limit]);
    const total = (await one<{ n: number }>(this.db.pool, countSql, w.args))!.n;
    return { items, omitted: Math.max(0, total - items.length) };
  }

  async severityByDay(q: DayRange): Promise<Array<{ day: string; severity: number; count: number }>> {
    const w = days(q, true);
    return this.all(`SELECT day, severity, sum(count) AS count FROM rollup_account r WHERE ${w.sql} GROUP BY day, severity ORDER BY day, severity`,
      w.args);
  }

  async byAppliance(q: DayRange): Promise<Map<string, number>> {
    const w = days(q);
    const list = await this.all<{ id: string; n: number }>(`SELECT appliance_id AS id, sum(count) AS n FROM rollup_daily r WHERE ${w.sql}
      GROUP BY appliance_id`, w.args);
    return new Map(list.map((r) => [r.id, r.n]));
  }

  async byCategory(q: DayRange & { limit: number }): Promise<Capped<{ category: string; count: number }>> {
    const w = days(q, true);
    return this.capped(`SELECT category, sum(count) AS count FROM rollup_account r WHERE ${w.sql} GROUP BY category ORDER BY count DESC, category`,
      `SELECT count(DISTINCT category) AS n FROM rollup_account r WHERE ${w.sql}`, w, q.limit);
  }

  async topThreats(q: DayRange & { limit: number; category?: string; exceptCategory?: string; bySeverity?: boolean }): Promise<Capped<{
    threat: string; category: string; maxSeverity: number; count: number; appliances: number;
  }>> {
    const w = days(q, true);
    if (q.category !== undefined) w.and(`r.category = ${w.arg(q.category)}`);
    if (q.exceptCategory !== undefined) w.and(`r.category <> ${w.arg(q.exceptCategory)}`);
    const top = await this.capped<{ threat: string; category: string; maxSeverity: number; count: number }>(`SELECT threat, category,
      max(severity) AS "maxSeverity", sum(count) AS count FROM rollup_account r WHERE ${w.sql} GROUP BY threat, category
      ORDER BY ${q.bySeverity ? '"maxSeverity" DESC, ' : ''}count DESC, threat`,
    `SELECT count(*) AS n FROM (SELECT 1 FROM rollup_account r WHERE ${w.sql} GROUP BY threat, category) t`, w, q.limit);
    // How many appliances saw each, for the few listed only: along the (threat, category, day) index.
    const d = days(q);
    const n = d.args.length;
    const sql = `SELECT count(DISTINCT appliance_id) AS n FROM rollup_daily r WHERE r.threat = $${n + 1} AND r.category = $${n + 2} AND ${d.sql}`;
    const items = [];
    for (const x of top.items) items.push({ ...x, appliances: (await one<{ n: number }>(this.db.pool, sql, [...d.args, x.threat, x.category]))!.n });
    return { items, omitted: top.omitted };
  }

  async topHosts(q: DayRange & { limit: number }): Promise<Capped<{ host: string; count: number; maxSeverity: number; cnc: number }>> {
    const w = days(q);
    return this.capped(`SELECT host, sum(count) AS count, max(max_severity) AS "maxSeverity", sum(cnc) AS cnc FROM rollup_host r WHERE ${w.sql}
      GROUP BY host ORDER BY count DESC, host`, `SELECT count(DISTINCT host) AS n FROM rollup_host r WHERE ${w.sql}`, w, q.limit);
  }

  async hostTotals(q: DayRange): Promise<{ hosts: number; cncHosts: number; cnc: number }> {
    const w = days(q);
    const h = (await one<{ hosts: number }>(this.db.pool, `SELECT count(DISTINCT host) AS hosts FROM rollup_host r WHERE ${w.sql}`, w.args))!;
    const c = (await one<{ cncHosts: number; cnc: number }>(this.db.pool, `SELECT count(DISTINCT host) AS "cncHosts", coalesce(sum(count), 0) AS cnc
      FROM rollup_cnc r WHERE ${w.sql}`, w.args))!;
    return { hosts: h.hosts, cncHosts: c.cncHosts, cnc: c.cnc };
  }

  async hostsByDay(q: DayRange): Promise<Array<{ day: string; hosts: number; cncHosts: number; cnc: number }>> {
    const w = days(q);
    return hostsByDay(
      await this.all(`SELECT day, count(DISTINCT host) AS n FROM rollup_host r WHERE ${w.sql} GROUP BY day`, w.args),
      await this.all(`SELECT day, count(DISTINCT host) AS hosts, sum(count) AS n FROM rollup_cnc r WHERE ${w.sql} GROUP BY day`, w.args));
  }

  async cncCallbacks(q: DayRange & { limit: number }): Promise<Capped<{
    host: string; address: string; applianceId: string; maxSeverity: number; count: number; first: number; last: number;
  }>> {
    const w = days(q);
    return this.capped(`SELECT host, address, appliance_id AS "applianceId", max(max_severity) AS "maxSeverity", sum(count) AS count,
      min(first) AS first, max(last) AS last FROM rollup_cnc r WHERE ${w.sql} GROUP BY host, address, appliance_id
      ORDER BY "maxSeverity" DESC, count DESC, host, address`,
    `SELECT count(*) AS n FROM (SELECT 1 FROM rollup_cnc r WHERE ${w.sql} GROUP BY host, address, appliance_id) t`, w, q.limit);
  }

  /** Runs of consecutive heartbeat buckets, per appliance, read along the table's key (see the SQLite store). */
  async onlineSpans(q: TimeRange): Promise<Array<{ applianceId: string; from: number; until: number }>> {
    const w = scoped(q, 'start');
    const out: Array<{ applianceId: string; from: number; until: number }> = [];
    let run: { applianceId: string; from: number; until: number } | undefined;
    for (const b of await this.all<{ id: string; start: number }>(`SELECT appliance_id AS id, start FROM heartbeat_bucket
      WHERE ${w.sql} AND count > 0 ORDER BY appliance_id, start`, w.args)) {
      if (run && run.applianceId === b.id && b.start === run.until) run.until = b.start + BUCKET_MS;
      else out.push((run = { applianceId: b.id, from: b.start, until: b.start + BUCKET_MS }));
    }
    return out;
  }

  async drops(q: TimeRange): Promise<Map<string, number>> {
    const w = scoped(q, 'start');
    const list = await this.all<{ id: string; n: number }>(`SELECT appliance_id AS id, sum(dropped_new) AS n FROM heartbeat_bucket
      WHERE ${w.sql} GROUP BY appliance_id HAVING sum(dropped_new) > 0`, w.args);
    return new Map(list.map((r) => [r.id, r.n]));
  }

  async received(q: TimeRange): Promise<Map<string, { batches: number; records: number; lastAt: number }>> {
    const w = scoped(q, 'received_at');
    const list = await this.all<{ id: string; batches: number; records: number; lastAt: number }>(`SELECT appliance_id AS id,
      count(*) AS batches, sum(new_records) AS records, max(received_at) AS "lastAt" FROM batch WHERE ${w.sql} AND state = 'done'
      GROUP BY appliance_id`, w.args);
    return new Map(list.map((r) => [r.id, { batches: r.batches, records: r.records, lastAt: r.lastAt }]));
  }

  async gapsFound(q: TimeRange): Promise<Map<string, { gaps: number; records: number }>> {
    const w = scoped(q, 'found_at');
    const list = await this.all<{ id: string; gaps: number; records: number }>(`SELECT appliance_id AS id, count(*) AS gaps,
      sum(last_seq - first_seq + 1) AS records FROM gap WHERE ${w.sql} GROUP BY appliance_id`, w.args);
    return new Map(list.map((r) => [r.id, { gaps: r.gaps, records: r.records }]));
  }
}
