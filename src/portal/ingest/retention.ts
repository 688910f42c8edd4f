// Received batch files (the raw records detections point back to) and
// quarantined ones are kept as long as the detections: ingest.retentionDays.
// A file's time is when it was received (its move into the archive keeps
// the upload's modification time), so a file older than the cut goes.

import fs from 'node:fs';
import path from 'node:path';

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
