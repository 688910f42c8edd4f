// Native addons (SQLite, unix datagram sockets) are found the same way in
// every form the program takes, first match wins:
//   1. inside the single executable (a SEA asset): written once to the
//      extraction directory as <name>-<sha256 prefix>.node (checked by its
//      sha256 before each use; written via a temp file and rename, so a
//      crash never leaves a half-written addon), then loaded from there;
//   2. $TMSP_AGENT_ADDON_DIR/<name>.node, when set;
//   3. next to the bundle: dist/native/<name>.node (what build.mjs lays out);
//   4. where a checkout builds them, when running from source.
// Loading goes through process.dlopen so it works from CJS, ESM and a SEA.

import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import sea from 'node:sea';
import { TmspError } from '../errors.ts';

export type AddonName = 'better_sqlite3' | 'tmsp_dgram';

const loaded = new Map<AddonName, unknown>();
let extractDir: string | undefined;

/** Where the single executable writes its addons (the daemon sets it; the directory must allow exec). */
export function setAddonExtractDir(dir: string): void {
  extractDir = dir;
}

export function inSingleExecutable(): boolean {
  return sea.isSea();
}

function dlopen(file: string): unknown {
  const m = { exports: {} };
  process.dlopen(m, file);
  return m.exports;
}

function sha256(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** The file's sha256, read in small pieces: no copy of a 2 MB addon stays behind as garbage. */
function sha256OfFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const h = crypto.createHash('sha256');
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) h.update(buf.subarray(0, n));
    return h.digest('hex');
  } finally {
    fs.closeSync(fd);
  }
}

function fromAsset(name: AddonName): string {
  // The raw asset is a view of the executable's own memory, not a copy.
  const data = new Uint8Array(sea.getRawAsset(`${name}.node`));
  const sum = sha256(data);
  const dir = extractDir ?? process.env.TMSP_AGENT_ADDON_DIR ?? path.join(os.tmpdir(), `tmsp-agent-${process.getuid?.() ?? 0}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${name}-${sum.slice(0, 16)}.node`);
  if (sha256OfFile(file) !== sum) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data, { mode: 0o500 });
    fs.renameSync(tmp, file);
  }
  return file;
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
  // npx starts the bundle through a symlink in its cache: native/ is beside the real file.
  const main = process.argv[1] && fs.existsSync(process.argv[1]) ? fs.realpathSync(process.argv[1]) : process.argv[1];
  if (main) out.push(path.join(path.dirname(main), 'native', `${name}.node`));
  const nm = fromNodeModules(name);
  if (nm) out.push(nm);
  return out;
}

export function loadAddon(name: AddonName): unknown {
  const cached = loaded.get(name);
  if (cached) return cached;
  const errors: string[] = [];
  const files = inSingleExecutable() ? [] : candidates(name);
  if (inSingleExecutable()) {
    try {
      files.push(fromAsset(name));
    } catch (err) {
      errors.push(`extracting ${name}: ${(err as Error).message}`);
    }
  }
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    try {
      const addon = dlopen(file);
      loaded.set(name, addon);
      return addon;
    } catch (err) {
      errors.push(`${file}: ${(err as Error).message}`);
    }
  }
  throw new TmspError('E_ADDON', `native addon ${name} could not be loaded${errors.length ? `: ${errors.join('; ')}` : ' (not found)'}` +
    (inSingleExecutable() ? ' (is the extraction directory on a noexec mount? see daemon.addonDir)' : ''));
}
