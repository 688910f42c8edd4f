// Reports in PostgreSQL: the UNIQUE (type, first day, scope) constraint is
// the claim, so of several portal processes exactly one makes a report.

import { report, type ReportTableRow } from '../rows.ts';
import type { ReportStore } from '../store.ts';
import type { ReportRow } from '../types.ts';
import { one, rows, type Db } from './db.ts';

export class PgReports implements ReportStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async claim(r: Omit<ReportRow, 'id' | 'madeAt' | 'model' | 'mailedAt' | 'mailAttempts' | 'mailError'>, staleMs = Infinity): Promise<ReportRow | undefined> {
    // A stale claim is deleted and claimed anew in one statement each: of two processes taking it over, one inserts.
    if (Number.isFinite(staleMs)) {
      await this.db.pool.query('DELETE FROM report WHERE type = $1 AND first_day = $2 AND scope = $3 AND made_at IS NULL AND claimed_at < $4',
        [r.type, r.firstDay, r.scope, r.claimedAt - staleMs]);
    }
    const got = await one<{ id: number }>(this.db.pool, `INSERT INTO report (type, first_day, last_day, scope, time_zone, claimed_at, claimed_by)
      VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
    [r.type, r.firstDay, r.lastDay, r.scope, r.timeZone, r.claimedAt, r.claimedBy]);
    return got ? { ...r, id: got.id, madeAt: null, model: null, mailedAt: null, mailAttempts: 0, mailError: null } : undefined;
  }

  async made(id: number, model: string, now: number): Promise<void> {
    await this.db.pool.query('UPDATE report SET model = $1, made_at = $2 WHERE id = $3', [model, now, id]);
  }

  async release(id: number): Promise<void> {
    await this.db.pool.query('DELETE FROM report WHERE id = $1 AND made_at IS NULL', [id]);
  }

  async get(type: ReportRow['type'], firstDay: string, scope: string): Promise<ReportRow | undefined> {
    const r = await one<ReportTableRow>(this.db.pool, 'SELECT * FROM report WHERE type = $1 AND first_day = $2 AND scope = $3', [type, firstDay, scope]);
    return r && report(r);
  }

  async list(fromDay: string, untilDay: string): Promise<ReportRow[]> {
    return (await rows<ReportTableRow>(this.db.pool, `SELECT id, type, first_day, last_day, scope, time_zone, claimed_at, claimed_by, made_at,
      NULL AS model, mailed_at, mail_attempts, mail_error FROM report WHERE first_day >= $1 AND first_day <= $2 ORDER BY first_day, id`,
    [fromDay, untilDay])).map(report);
  }

  async unmailed(since: number, maxAttempts: number, limit: number, now: number, leaseMs: number): Promise<ReportRow[]> {
    const list = await rows<ReportTableRow>(this.db.pool, `WITH t AS (SELECT id FROM report WHERE made_at >= $1 AND mailed_at IS NULL
        AND mail_attempts < $2 AND mail_taken_until <= $4 ORDER BY made_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
      UPDATE report r SET mail_taken_until = $4::bigint + $5::bigint FROM t WHERE r.id = t.id RETURNING r.*`, [since, maxAttempts, limit, now, leaseMs]);
    return list.map(report).sort((a, b) => (a.madeAt ?? 0) - (b.madeAt ?? 0) || a.id - b.id);
  }

  async mailed(id: number, now: number): Promise<void> {
    await this.db.pool.query('UPDATE report SET mailed_at = $1, mail_attempts = mail_attempts + 1, mail_error = NULL WHERE id = $2', [now, id]);
  }

  async mailFailed(id: number, error: string, giveUp = false): Promise<void> {
    await this.db.pool.query(`UPDATE report SET mail_attempts = CASE WHEN $1 THEN 1000000 ELSE mail_attempts + 1 END, mail_error = $2
      WHERE id = $3`, [giveUp, error.slice(0, 500), id]);
  }
}
