// Alerts, maintenance windows, the notification queue and counters in
// PostgreSQL, as in SQLite (../sqlite/notices.ts).

import { alert, maintenance, notification, type AlertRow, type MaintenanceRow, type NotificationRow } from '../rows.ts';
import type { AlertStore, CounterStore, MaintenanceStore, NotificationQueue } from '../store.ts';
import type { Alert, AlertKind, MaintenanceWindow, QueuedNotification } from '../types.ts';
import { changes, one, rows, type Db } from './db.ts';

export class PgAlerts implements AlertStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async open(applianceId: string, kind: AlertKind, now: number, detail: string): Promise<Alert> {
    // Of processes opening one alert at once, one inserts; the others find it open.
    const got = await one<{ id: number }>(this.db.pool, `INSERT INTO alert (appliance_id, kind, opened_at, detail) VALUES ($1, $2, $3, $4)
      ON CONFLICT (appliance_id, kind) WHERE closed_at IS NULL DO NOTHING RETURNING id`, [applianceId, kind, now, detail]);
    if (!got) return (await this.current(applianceId, kind)) ?? this.open(applianceId, kind, now, detail);
    const { id } = got;
    return { id, applianceId, kind, openedAt: now, closedAt: null, lastNotifiedAt: null, notifications: 0, detail };
  }

  async current(applianceId: string, kind: AlertKind): Promise<Alert | undefined> {
    const r = await one<AlertRow>(this.db.pool, 'SELECT * FROM alert WHERE appliance_id = $1 AND kind = $2 AND closed_at IS NULL ORDER BY id LIMIT 1',
      [applianceId, kind]);
    return r && alert(r);
  }

  async allOpen(): Promise<Alert[]> {
    return (await rows<AlertRow>(this.db.pool, 'SELECT * FROM alert WHERE closed_at IS NULL ORDER BY opened_at')).map(alert);
  }

  async notified(id: number, now: number, lastNotifiedAt: number | null): Promise<boolean> {
    return await changes(this.db.pool, `UPDATE alert SET last_notified_at = $1, notifications = notifications + 1
      WHERE id = $2 AND last_notified_at IS NOT DISTINCT FROM $3::bigint`, [now, id, lastNotifiedAt]) === 1;
  }

  async close(id: number, now: number): Promise<boolean> {
    return await changes(this.db.pool, 'UPDATE alert SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL', [now, id]) === 1;
  }

  async history(applianceId: string, limit: number): Promise<Alert[]> {
    return (await rows<AlertRow>(this.db.pool, 'SELECT * FROM alert WHERE appliance_id = $1 ORDER BY opened_at DESC LIMIT $2', [applianceId, limit]))
      .map(alert);
  }
}

export class PgMaintenance implements MaintenanceStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async add(w: Omit<MaintenanceWindow, 'id'>): Promise<MaintenanceWindow> {
    const { id } = (await one<{ id: number }>(this.db.pool, 'INSERT INTO maintenance (appliance_id, start, "end", reason) VALUES ($1, $2, $3, $4) RETURNING id',
      [w.applianceId, w.start, w.end, w.reason]))!;
    return { id, ...w };
  }

  async remove(id: number): Promise<boolean> {
    return await changes(this.db.pool, 'DELETE FROM maintenance WHERE id = $1', [id]) === 1;
  }

  async list(now: number): Promise<MaintenanceWindow[]> {
    return (await rows<MaintenanceRow>(this.db.pool, 'SELECT * FROM maintenance WHERE "end" > $1 ORDER BY start', [now])).map(maintenance);
  }
}

export class PgQueue implements NotificationQueue {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async push(channel: QueuedNotification['channel'], body: string, now: number, limit: number): Promise<boolean> {
    return this.db.tx(async (c) => {
      // The limit is the whole store's: processes pushing at once take turns at the count.
      await c.query('LOCK TABLE notification IN SHARE ROW EXCLUSIVE MODE');
      const { n } = (await one<{ n: number }>(c, 'SELECT count(*) AS n FROM notification'))!;
      if (n >= limit) return false;
      await c.query('INSERT INTO notification (channel, created_at, next_at, body) VALUES ($1, $2, $2, $3)', [channel, now, body]);
      return true;
    });
  }

  async dropOldest(): Promise<boolean> {
    return await changes(this.db.pool, 'DELETE FROM notification WHERE id = (SELECT min(id) FROM notification)') === 1;
  }

  async due(now: number, limit: number): Promise<QueuedNotification[]> {
    return (await rows<NotificationRow>(this.db.pool, 'SELECT * FROM notification WHERE next_at <= $1 ORDER BY next_at, id LIMIT $2', [now, limit]))
      .map(notification);
  }

  async take(now: number, limit: number, leaseMs: number): Promise<QueuedNotification[]> {
    // SKIP LOCKED: processes taking at once each get other messages, none waits for another.
    const list = await rows<NotificationRow>(this.db.pool, `WITH t AS (SELECT id, next_at FROM notification WHERE next_at <= $1
        ORDER BY next_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
      UPDATE notification n SET next_at = $1::bigint + $3::bigint FROM t WHERE n.id = t.id
      RETURNING n.id, n.channel, n.created_at, n.attempts, t.next_at, n.body, n.last_error`, [now, limit, leaseMs]);
    return list.map(notification).sort((a, b) => a.nextAt - b.nextAt || a.id - b.id);
  }

  async release(id: number, now: number): Promise<void> {
    await this.db.pool.query('UPDATE notification SET next_at = $1 WHERE id = $2', [now, id]);
  }

  async done(id: number): Promise<void> {
    await this.db.pool.query('DELETE FROM notification WHERE id = $1', [id]);
  }

  async retry(id: number, nextAt: number, error: string): Promise<void> {
    await this.db.pool.query('UPDATE notification SET attempts = attempts + 1, next_at = $1, last_error = $2 WHERE id = $3', [nextAt, error, id]);
  }

  async size(): Promise<number> {
    return (await one<{ n: number }>(this.db.pool, 'SELECT count(*) AS n FROM notification'))!.n;
  }
}

export class PgCounters implements CounterStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async add(name: string, n: number): Promise<void> {
    await this.db.pool.query('INSERT INTO counter VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = counter.value + excluded.value', [name, n]);
  }

  async all(): Promise<Record<string, number>> {
    const list = await rows<{ name: string; value: number }>(this.db.pool, 'SELECT name, value FROM counter ORDER BY name');
    return Object.fromEntries(list.map((r) => [r.name, r.value]));
  }
}
