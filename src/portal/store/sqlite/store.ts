// The embedded store: one SQLite file in the data directory.

import type Database from 'better-sqlite3';
import type { Store } from '../store.ts';
import { SqliteBatches } from './batches.ts';
import { SqliteDetections } from './detections.ts';
import { SqliteAccounts, SqliteAppliances } from './fleet.ts';
import { BUCKET_MS } from '../types.ts';
import { SqliteAlerts, SqliteCounters, SqliteMaintenance, SqliteQueue } from './notices.ts';
import { openPortalDb } from './open.ts';
import { SqliteReports } from './reports.ts';

export class SqliteStore implements Store {
  readonly accounts;
  readonly appliances;
  readonly batches;
  readonly detections;
  readonly alerts;
  readonly maintenance;
  readonly queue;
  readonly counters;
  readonly reports;
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openPortalDb(file);
    this.accounts = new SqliteAccounts(this.db);
    this.appliances = new SqliteAppliances(this.db);
    this.batches = new SqliteBatches(this.db);
    this.detections = new SqliteDetections(this.db);
    this.alerts = new SqliteAlerts(this.db);
    this.maintenance = new SqliteMaintenance(this.db);
    this.queue = new SqliteQueue(this.db);
    this.counters = new SqliteCounters(this.db);
    this.reports = new SqliteReports(this.db);
  }

  async prune(before: number): Promise<void> {
    const day = new Date(before).toISOString().slice(0, 10);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM heartbeat_bucket WHERE start < ?').run(before - (before % BUCKET_MS));
      this.db.prepare('DELETE FROM detection WHERE time < ?').run(before);
      this.db.prepare('DELETE FROM rollup_daily WHERE day < ?').run(day);
      this.db.prepare('DELETE FROM maintenance WHERE end < ?').run(before);
      this.db.prepare('DELETE FROM alert WHERE closed_at < ?').run(before);
    })();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
