// What every command needs: which config file, and how to print.

import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG_PATH } from '../config/store.ts';
import { writeAtomic } from '../settings/file.ts';
import type { Out } from './output.ts';

export interface Ctx {
  configFile: string;
  out: Out;
}

/** --dev: everything under ./.dev, created on first use, no root needed. */
export function devConfigFile(cwd = process.cwd()): string {
  const dir = path.join(cwd, '.dev');
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) {
    const doc = {
      ingest: { unixSocket: path.join(dir, 'log.sock'), udpPort: 5514, tcpPort: 5514 },
      spool: { budgetBytes: 64 * 1024 * 1024 },
      daemon: { stateDir: path.join(dir, 'state'), controlSocket: path.join(dir, 'control.sock') },
    };
    writeAtomic(file, `${JSON.stringify(doc, null, 2)}\n`);
  }
  return file;
}

export function configFileFrom(opt: { config?: string; dev?: boolean }): string {
  if (opt.config) return path.resolve(opt.config);
  if (opt.dev) return devConfigFile();
  if (process.env.TMSP_AGENT_CONFIG) return path.resolve(process.env.TMSP_AGENT_CONFIG);
  return DEFAULT_CONFIG_PATH;
}
