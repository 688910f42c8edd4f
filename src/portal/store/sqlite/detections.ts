// Detection search and daily roll-ups in SQLite. Search is keyset-paged on
// (time, appliance, seq), which the time index serves, so a page costs the
// same however many detections are kept.

import type Database from 'better-sqlite3';
import type { DetectionStore } from '../store.ts';
import { dailyRollup, detection, type DetectionRow, type RollupRow } from '../rows.ts';
import type { DailyRollup, Detection, DetectionQuery } from '../types.ts';

export class SqliteDetections implements DetectionStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  async search(q: DetectionQuery): Promise<Detection[]> {
    const where: string[] = [`b.state = 'done'`];
    const args: unknown[] = [];
    if (q.from !== undefined) { where.push('d.time >= ?'); args.push(q.from); }
    if (q.until !== undefined) { where.push('d.time < ?'); args.push(q.until); }
    if (q.applianceId !== undefined) { where.push('d.appliance_id = ?'); args.push(q.applianceId); }
    if (q.minSeverity !== undefined) { where.push('d.severity >= ?'); args.push(q.minSeverity); }
    if (q.host !== undefined) { where.push('(d.src_host = ? OR d.dst_host = ?)'); args.push(q.host, q.host); }
    if (q.threat !== undefined) {
      where.push(`d.threat LIKE ? ESCAPE '\\'`);
      args.push(`%${q.threat.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (q.before) {
      where.push('(d.time, d.appliance_id, d.seq) < (?, ?, ?)');
      args.push(q.before.time, q.before.applianceId, q.before.seq);
    }
    const sql = `SELECT d.* FROM detection d JOIN batch b ON b.id = d.batch_id WHERE ${where.join(' AND ')}
      ORDER BY d.time DESC, d.appliance_id DESC, d.seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit) as DetectionRow[]).map(detection);
  }

  async rollups(fromDay: string, untilDay: string, applianceId?: string): Promise<DailyRollup[]> {
    const rows = (applianceId === undefined
      ? this.db.prepare('SELECT * FROM rollup_daily WHERE day >= ? AND day <= ? ORDER BY day').all(fromDay, untilDay)
      : this.db.prepare('SELECT * FROM rollup_daily WHERE day >= ? AND day <= ? AND appliance_id = ? ORDER BY day')
        .all(fromDay, untilDay, applianceId)) as RollupRow[];
    return rows.map(dailyRollup);
  }

  async countsSince(since: number): Promise<Map<string, number>> {
    const rows = this.db.prepare(`SELECT d.appliance_id AS id, count(*) AS n FROM detection d JOIN batch b ON b.id = d.batch_id
      WHERE d.time >= ? AND b.state = 'done' GROUP BY d.appliance_id`).all(since) as Array<{ id: string; n: number }>;
    return new Map(rows.map((r) => [r.id, r.n]));
  }
}
