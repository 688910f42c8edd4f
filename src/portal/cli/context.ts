// What every portal command starts from: the configuration file named on
// the command line (or --dev, or the default), read and checked once.

import { loadPortalConfig, portalConfigFile } from '../config/load.ts';
import type { PortalConfig } from '../config/schema.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import { pathsOf } from '../config/load.ts';
import fs from 'node:fs';

export interface PortalCtx {
  file: string;
  config: PortalConfig;
}

export function portalContext(opt: { config?: string; dev?: boolean }): PortalCtx {
  const file = portalConfigFile(opt);
  return { file, config: loadPortalConfig(file) };
}

/**
 * The store, for commands that read or change it (the running portal shares it). A command that reads
 * reports' figures (rollups) and finds the report time zone changed counts the roll-ups again, as the
 * portal would at its start; the others never pay for that.
 */
export async function withStore<T>(ctx: PortalCtx, fn: (s: Store) => Promise<T>, o: { rollups?: boolean } = {}): Promise<T> {
  const p = pathsOf(ctx.config);
  fs.mkdirSync(p.dataDir, { recursive: true, mode: 0o750 });
  const store = await openStore(ctx.config, p.db, o);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

