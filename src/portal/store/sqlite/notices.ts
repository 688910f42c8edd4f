// Alerts, maintenance windows, the notification queue and counters in SQLite.
// Alerts are durable so that a restart neither repeats a notification nor
// forgets a reminder that is due.

import type Database from 'better-sqlite3';
import type { AlertStore, CounterStore, MaintenanceStore, NotificationQueue } from '../store.ts';
import { alert, maintenance, notification, type AlertRow, type MaintenanceRow, type NotificationRow } from '../rows.ts';
import type { Alert, AlertKind, MaintenanceWindow, QueuedNotification } from '../types.ts';

export class SqliteAlerts implements AlertStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  async open(applianceId: string, kind: AlertKind, now: number, detail: string): Promise<Alert> {
    // One transaction, with no await inside: two callers never both find none and both open one.
    return this.db.transaction((): Alert => {
      const existing = this.db.prepare('SELECT * FROM alert WHERE appliance_id = ? AND kind = ? AND closed_at IS NULL').get(applianceId, kind) as
        AlertRow | undefined;
      if (existing) return alert(existing);
      const id = Number(this.db.prepare('INSERT INTO alert (appliance_id, kind, opened_at, detail) VALUES (?, ?, ?, ?)')
        .run(applianceId, kind, now, detail).lastInsertRowid);
      return { id, applianceId, kind, openedAt: now, closedAt: null, lastNotifiedAt: null, notifications: 0, detail };
    }).immediate();
  }

  async current(applianceId: string, kind: AlertKind): Promise<Alert | undefined> {
    const r = this.db.prepare('SELECT * FROM alert WHERE appliance_id = ? AND kind = ? AND closed_at IS NULL').get(applianceId, kind) as
      AlertRow | undefined;
    return r && alert(r);
  }

  async allOpen(): Promise<Alert[]> {
    return (this.db.prepare('SELECT * FROM alert WHERE closed_at IS NULL ORDER BY opened_at').all() as AlertRow[]).map(alert);
  }

  async notified(id: number, now: number, lastNotifiedAt: number | null): Promise<boolean> {
    return this.db.prepare(`UPDATE alert SET last_notified_at = ?, notifications = notifications + 1
      WHERE id = ? AND last_notified_at IS ?`).run(now, id, lastNotifiedAt).changes === 1;
  }

  async close(id: number, now: number): Promise<boolean> {
    return this.db.prepare('UPDATE alert SET closed_at = ? WHERE id = ? AND closed_at IS NULL').run(now, id).changes === 1;
  }

  async history(applianceId: string, limit: number): Promise<Alert[]> {
    return (this.db.prepare('SELECT * FROM alert WHERE appliance_id = ? ORDER BY opened_at DESC LIMIT ?').all(applianceId, limit) as
      AlertRow[]).map(alert);
  }
}

export class SqliteMaintenance implements MaintenanceStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  async add(w: Omit<MaintenanceWindow, 'id'>): Promise<MaintenanceWindow> {
    const id = Number(this.db.prepare('INSERT INTO maintenance (appliance_id, start, end, reason) VALUES (?, ?, ?, ?)')
      .run(w.applianceId, w.start, w.end, w.reason).lastInsertRowid);
    return { id, ...w };
  }

  async remove(id: number): Promise<boolean> {
    return this.db.prepare('DELETE FROM maintenance WHERE id = ?').run(id).changes === 1;
  }

  async list(now: number): Promise<MaintenanceWindow[]> {
    return (this.db.prepare('SELECT * FROM maintenance WHERE end > ? ORDER BY start').all(now) as MaintenanceRow[]).map(maintenance);
  }
}

export class SqliteQueue implements NotificationQueue {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  async push(channel: QueuedNotification['channel'], body: string, now: number, limit: number): Promise<boolean> {
    return this.db.transaction(() => {
      const { n } = this.db.prepare('SELECT count(*) AS n FROM notification').get() as { n: number };
      if (n >= limit) return false;
      this.db.prepare('INSERT INTO notification (channel, created_at, next_at, body) VALUES (?, ?, ?, ?)').run(channel, now, now, body);
      return true;
    })();
  }

  async dropOldest(): Promise<boolean> {
    return this.db.prepare('DELETE FROM notification WHERE id = (SELECT min(id) FROM notification)').run().changes === 1;
  }

  async due(now: number, limit: number): Promise<QueuedNotification[]> {
    return (this.db.prepare('SELECT * FROM notification WHERE next_at <= ? ORDER BY next_at, id LIMIT ?').all(now, limit) as NotificationRow[])
      .map(notification);
  }

  async take(now: number, limit: number, leaseMs: number): Promise<QueuedNotification[]> {
    return this.db.transaction(() => {
      const list = this.db.prepare('SELECT * FROM notification WHERE next_at <= ? ORDER BY next_at, id LIMIT ?').all(now, limit) as NotificationRow[];
      const lease = this.db.prepare('UPDATE notification SET next_at = ? WHERE id = ?');
      for (const r of list) lease.run(now + leaseMs, r.id);
      return list.map(notification);
    })();
  }

  async release(id: number, now: number): Promise<void> {
    this.db.prepare('UPDATE notification SET next_at = ? WHERE id = ?').run(now, id);
  }

  async done(id: number): Promise<void> {
    this.db.prepare('DELETE FROM notification WHERE id = ?').run(id);
  }

  async retry(id: number, nextAt: number, error: string): Promise<void> {
    this.db.prepare('UPDATE notification SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?').run(nextAt, error, id);
  }

  async size(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM notification').get() as { n: number }).n;
  }
}

export class SqliteCounters implements CounterStore {
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
  }

  async add(name: string, n: number): Promise<void> {
    this.db.prepare('INSERT INTO counter VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value').run(name, n);
  }

  async all(): Promise<Record<string, number>> {
    const rows = this.db.prepare('SELECT name, value FROM counter ORDER BY name').all() as Array<{ name: string; value: number }>;
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }
}
