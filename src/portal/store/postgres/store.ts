// The store past one machine: a PostgreSQL database several portal
// processes share (store.kind postgresql).

import { BUCKET_MS } from '../types.ts';
import type { Store } from '../store.ts';
import { PgBatches } from './batches.ts';
import { Db, type PgSettings } from './db.ts';
import { PgDetections } from './detections.ts';
import { PgFigures } from './figures.ts';
import { PgAccounts, PgAppliances } from './fleet.ts';
import { PgAlerts, PgCounters, PgMaintenance, PgQueue } from './notices.ts';
import { PgReports } from './reports.ts';
import { PgRollups } from './rollups.ts';

export interface PgStoreOptions {
  /** As SqliteStoreOptions: the roll-ups are counted again when the report time zone is not theirs. */
  rollupZone?: string;
  onRebuild?: (o: { from: string; to: string; days: number; ms: number }) => void;
}

export class PgStore implements Store {
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
  private readonly db: Db;
  private readonly rollups: PgRollups;

  private constructor(db: Db, rollups: PgRollups) {
    this.db = db;
    this.rollups = rollups;
    this.accounts = new PgAccounts(db);
    this.appliances = new PgAppliances(db);
    this.batches = new PgBatches(db, rollups);
    this.detections = new PgDetections(db);
    this.alerts = new PgAlerts(db);
    this.maintenance = new PgMaintenance(db);
    this.queue = new PgQueue(db);
    this.counters = new PgCounters(db);
    this.reports = new PgReports(db);
    this.figures = new PgFigures(db);
  }

  /** Connects, migrates, counts the roll-ups again if the zone changed, and listens for other processes' claims. */
  static async open(s: PgSettings, o: PgStoreOptions = {}): Promise<PgStore> {
    const db = await Db.open(s);
    try {
      const rollups = await PgRollups.open(db);
      const was = rollups.zone();
      if (o.rollupZone !== undefined && o.rollupZone !== was) {
        const t0 = Date.now();
        const days = await rollups.rebuild(o.rollupZone);
        o.onRebuild?.({ from: was, to: o.rollupZone, days, ms: Date.now() - t0 });
      }
      const store = new PgStore(db, rollups);
      await store.appliances.start();
      return store;
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  rollupZone(): string {
    return this.rollups.zone();
  }

  async prune(before: number): Promise<void> {
    const day = new Date(before - 86_400_000).toISOString().slice(0, 10);
    await this.db.tx(async (c) => {
      await c.query('DELETE FROM heartbeat_bucket WHERE start < $1', [before - (before % BUCKET_MS)]);
      await c.query('DELETE FROM detection WHERE time < $1', [before]);
      // Roll-up days are local days: a day's margin keeps the last one whole in any zone.
      for (const t of ['rollup_daily', 'rollup_account', 'rollup_host', 'rollup_cnc']) await c.query(`DELETE FROM ${t} WHERE day < $1`, [day]);
      await c.query('DELETE FROM maintenance WHERE "end" < $1', [before]);
      await c.query('DELETE FROM alert WHERE closed_at < $1', [before]);
    });
  }

  async close(): Promise<void> {
    await this.batches.close();
    await this.appliances.stop();
    await this.db.close();
  }
}
