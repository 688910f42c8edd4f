// Reports in SQLite: the UNIQUE (type, first day, scope) constraint is the
// claim, so of two portals on one store exactly one makes a report.

import type Database from 'better-sqlite3';
import type { ReportStore } from '../store.ts';
import { report, type ReportTableRow as Row } from '../rows.ts';
import type { ReportRow } from '../types.ts';

export class SqliteReports implements ReportStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  async claim(r: Omit<ReportRow, 'id' | 'madeAt' | 'model' | 'mailedAt' | 'mailAttempts' | 'mailError'>, staleMs = Infinity): Promise<ReportRow | undefined> {
    if (Number.isFinite(staleMs)) {
      this.db.prepare('DELETE FROM report WHERE type = ? AND first_day = ? AND scope = ? AND made_at IS NULL AND claimed_at < ?')
        .run(r.type, r.firstDay, r.scope, r.claimedAt - staleMs);
    }
    const res = this.db.prepare(`INSERT OR IGNORE INTO report (type, first_day, last_day, scope, time_zone, claimed_at, claimed_by)
      VALUES (?, ?, ?, ?, ?, ?, ?)`).run(r.type, r.firstDay, r.lastDay, r.scope, r.timeZone, r.claimedAt, r.claimedBy);
    return res.changes === 1 ? { ...r, id: Number(res.lastInsertRowid), madeAt: null, model: null, mailedAt: null, mailAttempts: 0, mailError: null } : undefined;
  }

  async made(id: number, model: string, now: number): Promise<void> {
    this.db.prepare('UPDATE report SET model = ?, made_at = ? WHERE id = ?').run(model, now, id);
  }

  async release(id: number): Promise<void> {
    this.db.prepare('DELETE FROM report WHERE id = ? AND made_at IS NULL').run(id);
  }

  async get(type: ReportRow['type'], firstDay: string, scope: string): Promise<ReportRow | undefined> {
    const r = this.db.prepare('SELECT * FROM report WHERE type = ? AND first_day = ? AND scope = ?').get(type, firstDay, scope) as Row | undefined;
    return r && report(r);
  }

  async list(fromDay: string, untilDay: string): Promise<ReportRow[]> {
    return (this.db.prepare(`SELECT id, type, first_day, last_day, scope, time_zone, claimed_at, claimed_by, made_at, NULL AS model,
      mailed_at, mail_attempts, mail_error FROM report WHERE first_day >= ? AND first_day <= ? ORDER BY first_day, id`).all(fromDay, untilDay) as Row[]).map(report);
  }

  async unmailed(since: number, maxAttempts: number, limit: number, now: number, leaseMs: number): Promise<ReportRow[]> {
    return this.db.transaction(() => {
      const list = this.db.prepare(`SELECT * FROM report WHERE made_at >= ? AND mailed_at IS NULL AND mail_attempts < ? AND mail_taken_until <= ?
        ORDER BY made_at, id LIMIT ?`).all(since, maxAttempts, now, limit) as Row[];
      const take = this.db.prepare('UPDATE report SET mail_taken_until = ? WHERE id = ?');
      for (const r of list) take.run(now + leaseMs, r.id);
      return list.map(report);
    })();
  }

  async mailed(id: number, now: number): Promise<void> {
    this.db.prepare('UPDATE report SET mailed_at = ?, mail_attempts = mail_attempts + 1, mail_error = NULL WHERE id = ?').run(now, id);
  }

  async mailFailed(id: number, error: string, giveUp = false): Promise<void> {
    this.db.prepare(`UPDATE report SET mail_attempts = CASE WHEN ? THEN 1000000 ELSE mail_attempts + 1 END, mail_error = ? WHERE id = ?`)
      .run(giveUp ? 1 : 0, error.slice(0, 500), id);
  }
}
