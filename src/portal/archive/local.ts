// batches.kind local: batches renamed into <dataDir>/batches/<applianceId>/<name>.
// The rename is atomic and keeps the upload's modification time, which is
// the time retention counts from.

import fs from 'node:fs';
import path from 'node:path';
import { newCounters, type BatchArchive } from './archive.ts';

export class LocalArchive implements BatchArchive {
  readonly counters = newCounters();
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o750 });
  }

  async stop(): Promise<void> {}

  async keep(file: string, applianceId: string, name: string): Promise<void> {
    try {
      const dir = path.join(this.dir, applianceId);
      fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
      fs.renameSync(file, path.join(dir, name));
    } catch (err) {
      this.counters.failed++;
      throw err;
    }
    this.counters.kept++;
  }

  async has(applianceId: string, name: string): Promise<boolean> {
    return fs.existsSync(path.join(this.dir, applianceId, name));
  }

  async prune(before: number): Promise<number> {
    const n = pruneFiles(this.dir, before);
    this.counters.pruned += n;
    return n;
  }

  describe(): string {
    return this.dir;
  }
}

/** Removes the files under `dir`, a few levels deep, last modified before `before`; returns how many. */
export function pruneFiles(dir: string, before: number, depth = 3): number {
  let removed = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth > 0) {
      removed += pruneFiles(p, before, depth - 1);
    } else if (e.isFile()) {
      try {
        if (fs.statSync(p).mtimeMs < before) {
          fs.rmSync(p, { force: true });
          removed++;
        }
      } catch {
        // gone meanwhile
      }
    }
  }
  return removed;
}
