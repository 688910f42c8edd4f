// Detection search and daily roll-ups in PostgreSQL: keyset-paged on
// (time, appliance, seq) along the time index, as in SQLite.

import { dailyRollup, detection, type DetectionRow, type RollupRow } from '../rows.ts';
import type { DetectionStore } from '../store.ts';
import type { DailyRollup, Detection, DetectionQuery } from '../types.ts';
import { rows, type Db } from './db.ts';

export class PgDetections implements DetectionStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async search(q: DetectionQuery): Promise<Detection[]> {
    const where: string[] = [`b.state = 'done'`];
    const args: unknown[] = [];
    const arg = (v: unknown) => `$${args.push(v)}`;
    if (q.from !== undefined) where.push(`d.time >= ${arg(q.from)}`);
    if (q.until !== undefined) where.push(`d.time < ${arg(q.until)}`);
    if (q.applianceId !== undefined) where.push(`d.appliance_id = ${arg(q.applianceId)}`);
    if (q.minSeverity !== undefined) where.push(`d.severity >= ${arg(q.minSeverity)}`);
    if (q.host !== undefined) {
      const h = arg(q.host);
      where.push(`(d.src_host = ${h} OR d.dst_host = ${h})`);
    }
    // SQLite's LIKE ignores ASCII case; ILIKE is PostgreSQL's same search.
    if (q.threat !== undefined) where.push(`d.threat ILIKE ${arg(`%${q.threat.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)} ESCAPE '\\'`);
    if (q.before) where.push(`(d.time, d.appliance_id, d.seq) < (${arg(q.before.time)}, ${arg(q.before.applianceId)}, ${arg(q.before.seq)})`);
    const sql = `SELECT d.* FROM detection d JOIN batch b ON b.id = d.batch_id WHERE ${where.join(' AND ')}
      ORDER BY d.time DESC, d.appliance_id DESC, d.seq DESC LIMIT ${arg(q.limit)}`;
    return (await rows<DetectionRow>(this.db.pool, sql, args)).map(detection);
  }

  async rollups(fromDay: string, untilDay: string, applianceId?: string): Promise<DailyRollup[]> {
    const list = await rows<RollupRow>(this.db.pool, applianceId === undefined
        ? 'SELECT * FROM rollup_daily WHERE day >= $1 AND day <= $2 ORDER BY day'
        : 'SELECT * FROM rollup_daily WHERE day >= $1 AND day <= $2 AND appliance_id = $3 ORDER BY day',
      applianceId === undefined ? [fromDay, untilDay] : [fromDay, untilDay, applianceId]);
    return list.map(dailyRollup);
  }

  async countsSince(since: number): Promise<Map<string, number>> {
    const list = await rows<{ id: string; n: number }>(this.db.pool, `SELECT d.appliance_id AS id, count(*) AS n FROM detection d
      JOIN batch b ON b.id = d.batch_id WHERE d.time >= $1 AND b.state = 'done' GROUP BY d.appliance_id`, [since]);
    return new Map(list.map((r) => [r.id, r.n]));
  }
}
