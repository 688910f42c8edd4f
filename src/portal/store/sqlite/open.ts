// Open the portal's SQLite database: one file in the data directory, 0600
// (it holds account hashes and detections), WAL, and a full fsync at every
// commit: a batch's file is moved into the archive only after its commit,
// so a commit lost to a power cut would lose the batch.

import fs from 'node:fs';
import Database from 'better-sqlite3';
import { TmspError } from '../../../errors.ts';
import { loadAddon } from '../../../native/addons.ts';
import { MIGRATIONS } from './migrations.ts';

export function openPortalDb(file: string): Database.Database {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  fs.chmodSync(file, 0o600);
  // better-sqlite3 takes the loaded addon object as well as a path; its typings only know the path.
  const nativeBinding = loadAddon('better_sqlite3') as unknown as string;
  // The CLI writes accounts while the portal runs: WAL lets both in, and a writer waits its turn.
  const db = new Database(file, { nativeBinding, timeout: 5000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = OFF');
    db.pragma('cache_size = -16384');
    // The CLI and the portal may open a new file at once: the first to take the write lock migrates.
    db.transaction(() => {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > MIGRATIONS.length) {
        throw new TmspError('E_STATE', `${file} is schema version ${version}, newer than this program (${MIGRATIONS.length})`);
      }
      for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${MIGRATIONS.length}`);
    }).immediate();
    return db;
  } catch (err) {
    db.close();
    if (err instanceof TmspError) throw err;
    const msg = (err as Error).message;
    throw new TmspError('E_STATE', `cannot open ${file}: ${msg}`);
  }
}
