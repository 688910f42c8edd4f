// The figures reports are made of, from the roll-ups (per local day) and the
// heartbeat buckets, batches and gaps (per instant). Each answer is grouped
// and capped in SQL: what a report reads grows with the period's days and
// the fleet, never with the number of detections.

import type Database from 'better-sqlite3';
import type { Capped, DayRange, FigureStore, TimeRange } from '../store.ts';
import { hostsByDay } from '../rows.ts';
import { BUCKET_MS } from '../types.ts';

/** The roll-up rows of a range and scope: `r` is the roll-up table's alias. */
function days(q: DayRange, r = 'r'): { where: string; args: unknown[] } {
  const where = [`${r}.day >= ?`, `${r}.day <= ?`];
  const args: unknown[] = [q.fromDay, q.untilDay];
  if (q.account !== undefined) {
    where.push(`${r}.appliance_id IN (SELECT id FROM appliance WHERE account = ?)`);
    args.push(q.account);
  }
  return { where: where.join(' AND '), args };
}

/** The per-account roll-up's rows of a range and scope. */
function accountDays(q: DayRange): { where: string; args: unknown[] } {
  const where = ['r.day >= ?', 'r.day <= ?'];
  const args: unknown[] = [q.fromDay, q.untilDay];
  if (q.account !== undefined) {
    where.push('r.account = ?');
    args.push(q.account);
  }
  return { where: where.join(' AND '), args };
}

function scoped(q: TimeRange, column: string, time: string): { where: string; args: unknown[] } {
  const where = [`${time} >= ?`, `${time} < ?`];
  const args: unknown[] = [q.from, q.until];
  if (q.account !== undefined) {
    where.push(`${column} IN (SELECT id FROM appliance WHERE account = ?)`);
    args.push(q.account);
  }
  return { where: where.join(' AND '), args };
}

export class SqliteFigures implements FigureStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  private all<T>(sql: string, args: unknown[]): T[] {
    return this.db.prepare(sql).all(...args) as T[];
  }

  private capped<T>(sql: string, countSql: string, args: unknown[], limit: number): Capped<T> {
    const items = this.all<T>(`${sql} LIMIT ?`, [...args, limit]);
    const total = (this.db.prepare(countSql).get(...args) as { n: number }).n;
    return { items, omitted: Math.max(0, total - items.length) };
  }

  async severityByDay(q: DayRange): Promise<Array<{ day: string; severity: number; count: number }>> {
    const w = accountDays(q);
    return this.all(`SELECT day, severity, sum(count) AS count FROM rollup_account r WHERE ${w.where} GROUP BY day, severity ORDER BY day`, w.args);
  }

  async byAppliance(q: DayRange): Promise<Map<string, number>> {
    const w = days(q);
    const rows = this.all<{ id: string; n: number }>(`SELECT appliance_id AS id, sum(count) AS n FROM rollup_daily r WHERE ${w.where}
      GROUP BY appliance_id`, w.args);
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  async byCategory(q: DayRange & { limit: number }): Promise<Capped<{ category: string; count: number }>> {
    const w = accountDays(q);
    return this.capped(`SELECT category, sum(count) AS count FROM rollup_account r WHERE ${w.where} GROUP BY category ORDER BY count DESC, category`,
      `SELECT count(DISTINCT category) AS n FROM rollup_account r WHERE ${w.where}`, w.args, q.limit);
  }

  async topThreats(q: DayRange & { limit: number; category?: string; exceptCategory?: string; bySeverity?: boolean }): Promise<Capped<{
    threat: string; category: string; maxSeverity: number; count: number; appliances: number;
  }>> {
    const w = accountDays(q);
    let where = w.where;
    const args = [...w.args];
    if (q.category !== undefined) { where += ' AND r.category = ?'; args.push(q.category); }
    if (q.exceptCategory !== undefined) { where += ' AND r.category <> ?'; args.push(q.exceptCategory); }
    const top = this.capped<{ threat: string; category: string; maxSeverity: number; count: number }>(`SELECT threat, category,
      max(severity) AS maxSeverity, sum(count) AS count FROM rollup_account r WHERE ${where} GROUP BY threat, category
      ORDER BY ${q.bySeverity ? 'maxSeverity DESC, ' : ''}count DESC, threat`,
    `SELECT count(*) AS n FROM (SELECT 1 FROM rollup_account r WHERE ${where} GROUP BY threat, category)`, args, q.limit);
    // How many appliances saw each, for the few listed only: along the (threat, category, day) index.
    const d = days(q);
    const seen = this.db.prepare(`SELECT count(DISTINCT appliance_id) FROM rollup_daily r WHERE r.threat = ? AND r.category = ? AND ${d.where}`).pluck();
    return { items: top.items.map((t) => ({ ...t, appliances: seen.get(t.threat, t.category, ...d.args) as number })), omitted: top.omitted };
  }

  async topHosts(q: DayRange & { limit: number }): Promise<Capped<{ host: string; count: number; maxSeverity: number; cnc: number }>> {
    const w = days(q);
    return this.capped(`SELECT host, sum(count) AS count, max(max_severity) AS maxSeverity, sum(cnc) AS cnc FROM rollup_host r WHERE ${w.where}
      GROUP BY host ORDER BY count DESC, host`, `SELECT count(DISTINCT host) AS n FROM rollup_host r WHERE ${w.where}`, w.args, q.limit);
  }

  async hostTotals(q: DayRange): Promise<{ hosts: number; cncHosts: number; cnc: number }> {
    const w = days(q);
    const h = this.db.prepare(`SELECT count(DISTINCT host) AS hosts FROM rollup_host r WHERE ${w.where}`).get(...w.args) as { hosts: number };
    const c = this.db.prepare(`SELECT count(DISTINCT host) AS cncHosts, coalesce(sum(count), 0) AS cnc FROM rollup_cnc r WHERE ${w.where}`)
      .get(...w.args) as { cncHosts: number; cnc: number };
    return { hosts: h.hosts, cncHosts: c.cncHosts, cnc: c.cnc };
  }

  async hostsByDay(q: DayRange): Promise<Array<{ day: string; hosts: number; cncHosts: number; cnc: number }>> {
    const w = days(q);
    return hostsByDay(
      this.all(`SELECT day, count(DISTINCT host) AS n FROM rollup_host r WHERE ${w.where} GROUP BY day`, w.args),
      this.all(`SELECT day, count(DISTINCT host) AS hosts, sum(count) AS n FROM rollup_cnc r WHERE ${w.where} GROUP BY day`, w.args));
  }

  async cncCallbacks(q: DayRange & { limit: number }): Promise<Capped<{
    host: string; address: string; applianceId: string; maxSeverity: number; count: number; first: number; last: number;
  }>> {
    const w = days(q);
    return this.capped(`SELECT host, address, appliance_id AS applianceId, max(max_severity) AS maxSeverity, sum(count) AS count,
      min(first) AS first, max(last) AS last FROM rollup_cnc r WHERE ${w.where} GROUP BY host, address, appliance_id
      ORDER BY maxSeverity DESC, count DESC, host, address`,
    `SELECT count(*) AS n FROM (SELECT 1 FROM rollup_cnc r WHERE ${w.where} GROUP BY host, address, appliance_id)`, w.args, q.limit);
  }

  /** The scope's appliances, for the per-appliance reads below. */
  private ids(q: TimeRange): string[] {
    return (q.account === undefined
      ? this.db.prepare('SELECT id FROM appliance ORDER BY id').pluck().all()
      : this.db.prepare('SELECT id FROM appliance WHERE account = ? ORDER BY id').pluck().all(q.account)) as string[];
  }

  /**
   * Runs of consecutive heartbeat buckets, per appliance: the stretches it
   * was heard. A bucket's end is its start plus the bucket's width. Read one
   * appliance at a time along the table's key (appliance, start): a month
   * of a hundred appliances is 864,000 buckets, and a scan by time across
   * all of them costs seconds where this costs a fraction.
   */
  async onlineSpans(q: TimeRange): Promise<Array<{ applianceId: string; from: number; until: number }>> {
    const starts = this.db.prepare('SELECT start FROM heartbeat_bucket WHERE appliance_id = ? AND start >= ? AND start < ? AND count > 0 ORDER BY start')
      .pluck();
    const out: Array<{ applianceId: string; from: number; until: number }> = [];
    for (const id of this.ids(q)) {
      let run: { applianceId: string; from: number; until: number } | undefined;
      for (const t of starts.all(id, q.from, q.until) as number[]) {
        if (run && t === run.until) run.until = t + BUCKET_MS;
        else out.push((run = { applianceId: id, from: t, until: t + BUCKET_MS }));
      }
    }
    return out;
  }

  async drops(q: TimeRange): Promise<Map<string, number>> {
    const sum = this.db.prepare('SELECT coalesce(sum(dropped_new), 0) FROM heartbeat_bucket WHERE appliance_id = ? AND start >= ? AND start < ?').pluck();
    const out = new Map<string, number>();
    for (const id of this.ids(q)) {
      const n = sum.get(id, q.from, q.until) as number;
      if (n > 0) out.set(id, n);
    }
    return out;
  }

  async received(q: TimeRange): Promise<Map<string, { batches: number; records: number; lastAt: number }>> {
    const w = scoped(q, 'appliance_id', 'received_at');
    const rows = this.all<{ id: string; batches: number; records: number; lastAt: number }>(`SELECT appliance_id AS id, count(*) AS batches,
      sum(new_records) AS records, max(received_at) AS lastAt FROM batch WHERE ${w.where} AND state = 'done' GROUP BY appliance_id`, w.args);
    return new Map(rows.map((r) => [r.id, { batches: r.batches, records: r.records, lastAt: r.lastAt }]));
  }

  async gapsFound(q: TimeRange): Promise<Map<string, { gaps: number; records: number }>> {
    const w = scoped(q, 'appliance_id', 'found_at');
    const rows = this.all<{ id: string; gaps: number; records: number }>(`SELECT appliance_id AS id, count(*) AS gaps,
      sum(last_seq - first_seq + 1) AS records FROM gap WHERE ${w.where} GROUP BY appliance_id`, w.args);
    return new Map(rows.map((r) => [r.id, { gaps: r.gaps, records: r.records }]));
  }
}
