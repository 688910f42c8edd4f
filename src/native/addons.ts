// Native addons (SQLite, unix datagram sockets) are found the same way in
// every form the program takes, first match wins:
//   1. $TMSP_AGENT_ADDON_DIR/<name>.node, when set;
//   2. next to the bundle: dist/native/<name>.node (what build.mjs lays out);
//   3. where a checkout builds them, when running from source.
// Loading goes through process.dlopen so it works from CJS and ESM alike.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AgentError } from '../errors.ts';

export type AddonName = 'better_sqlite3' | 'tmsp_dgram';

const loaded = new Map<AddonName, unknown>();

function dlopen(file: string): unknown {
  const m = { exports: {} };
  process.dlopen(m, file);
  return m.exports;
}

function fromNodeModules(name: AddonName): string | undefined {
  const req = createRequire(import.meta.url);
  try {
    if (name === 'better_sqlite3') {
      const root = path.dirname(req.resolve('better-sqlite3/package.json'));
      const built = path.join(root, 'build', 'Release', 'better_sqlite3.node');
      if (fs.existsSync(built)) return built;
      return path.join(root, 'prebuilds', `${process.platform}-${process.arch}.node`);
    }
    return new URL('./dgram/build/Release/tmsp_dgram.node', import.meta.url).pathname;
  } catch {
    return undefined;
  }
}

function candidates(name: AddonName): string[] {
  const out: string[] = [];
  if (process.env.TMSP_AGENT_ADDON_DIR) out.push(path.join(process.env.TMSP_AGENT_ADDON_DIR, `${name}.node`));
  const main = process.argv[1];
  if (main) out.push(path.join(path.dirname(main), 'native', `${name}.node`));
  const nm = fromNodeModules(name);
  if (nm) out.push(nm);
  return out;
}

export function loadAddon(name: AddonName): unknown {
  const cached = loaded.get(name);
  if (cached) return cached;
  const errors: string[] = [];
  for (const file of candidates(name)) {
    if (!fs.existsSync(file)) continue;
    try {
      const addon = dlopen(file);
      loaded.set(name, addon);
      return addon;
    } catch (err) {
      errors.push(`${file}: ${(err as Error).message}`);
    }
  }
  throw new AgentError('E_ADDON', `native addon ${name} could not be loaded${errors.length ? `: ${errors.join('; ')}` : ' (not found)'}`);
}
