// The store the settings name: SQLite in the data directory (one portal
// process), or PostgreSQL (several processes share it).

import type { PortalConfig } from '../config/schema.ts';
import { PgStore } from './postgres/store.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

export interface OpenOptions {
  /** Count the roll-ups again when the report time zone changed (the portal's start, and commands that read reports). */
  rollups?: boolean;
  onRebuild?: (o: { from: string; to: string; days: number; ms: number }) => void;
  /** Names this process in the database's list of connections. */
  applicationName?: string;
}

export async function openStore(c: PortalConfig, dbFile: string, o: OpenOptions = {}): Promise<Store> {
  const zone = o.rollups ? { rollupZone: c.reports.timeZone, ...(o.onRebuild ? { onRebuild: o.onRebuild } : {}) } : {};
  if (c.store.kind === 'postgresql') {
    return PgStore.open({
      url: c.store.url, password: c.store.password, caFile: c.store.caFile, poolSize: c.store.poolSize,
      ...(o.applicationName ? { applicationName: o.applicationName } : {}),
    }, zone);
  }
  return new SqliteStore(dbFile, zone);
}
