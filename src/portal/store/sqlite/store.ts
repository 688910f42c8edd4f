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
import { SqliteFigures } from './figures.ts';
import { Rollups } from './rollups.ts';

export interface SqliteStoreOptions {
  /** The report time zone: the roll-ups are counted again in it when it is not theirs (one pass over the detections kept). */
  rollupZone?: string;
  /** Told when the roll-ups are counted again, and how long it took. */
  onRebuild?: (o: { from: string; to: string; days: number; ms: number }) => void;
}

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
  readonly figures;
  private readonly db: Database.Database;
  private readonly rollups: Rollups;

  constructor(file: string, o: SqliteStoreOptions = {}) {
    this.db = openPortalDb(file);
    this.rollups = new Rollups(this.db);
    const was = this.rollups.zone();
    if (o.rollupZone !== undefined && o.rollupZone !== was) {
      const t0 = Date.now();
      const days = this.rollups.rebuild(o.rollupZone);
      o.onRebuild?.({ from: was, to: o.rollupZone, days, ms: Date.now() - t0 });
    }
    this.accounts = new SqliteAccounts(this.db);
    this.appliances = new SqliteAppliances(this.db);
    this.batches = new SqliteBatches(this.db, this.rollups);
    this.detections = new SqliteDetections(this.db);
    this.alerts = new SqliteAlerts(this.db);
    this.maintenance = new SqliteMaintenance(this.db);
    this.queue = new SqliteQueue(this.db);
    this.counters = new SqliteCounters(this.db);
    this.reports = new SqliteReports(this.db);
    this.figures = new SqliteFigures(this.db);
  }

  rollupZone(): string {
    return this.rollups.zone();
  }

  async prune(before: number): Promise<void> {
    const day = new Date(before - 86_400_000).toISOString().slice(0, 10);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM heartbeat_bucket WHERE start < ?').run(before - (before % BUCKET_MS));
      this.db.prepare('DELETE FROM detection WHERE time < ?').run(before);
      // Roll-up days are local days: a day's margin keeps the last one whole in any zone.
      for (const t of ['rollup_daily', 'rollup_account', 'rollup_host', 'rollup_cnc']) this.db.prepare(`DELETE FROM ${t} WHERE day < ?`).run(day);
      this.db.prepare('DELETE FROM maintenance WHERE end < ?').run(before);
      this.db.prepare('DELETE FROM alert WHERE closed_at < ?').run(before);
    })();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
