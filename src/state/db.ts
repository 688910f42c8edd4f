// The agent's SQLite databases (state.db: spool, cursors, counters; the SMS
// room's objects.db): open each with the pragmas durability and the budget
// depend on, migrate it, keep it 0600 (it holds detections), and never let a
// damaged file wedge start-up: a database SQLite cannot read is moved aside
// and started anew.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AgentError } from '../errors.ts';
import { loadAddon } from '../native/addons.ts';
import { MIGRATIONS } from './migrations.ts';

export type Db = Database.Database;

export interface OpenOptions {
  /** full: fsync the WAL at every commit; normal: only at checkpoints. */
  durability: 'full' | 'normal';
}

export interface OpenedDb {
  db: Db;
  file: string;
  /** Set when a damaged database was moved aside at open. */
  recoveredFrom?: string;
}

export const PAGE_SIZE = 4096;
/** WAL pages before SQLite checkpoints by itself. */
export const WAL_AUTOCHECKPOINT_PAGES = 512;
/** After a checkpoint the WAL file is cut back to at most this. */
export const WAL_SIZE_LIMIT = WAL_AUTOCHECKPOINT_PAGES * PAGE_SIZE;

function configure(db: Db, opts: OpenOptions): void {
  db.pragma(`page_size = ${PAGE_SIZE}`);
  // One daemon per state directory: the exclusive lock (taken by the write
  // in claim()) makes a second one fail at open instead of interleaving
  // sequence numbers. It also keeps the WAL index in memory: no -shm file.
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.durability === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  db.pragma('cache_size = -2048'); // KiB: memory must not grow with the spool
  db.pragma('mmap_size = 0');
  db.pragma('temp_store = FILE');
}

/** A database file and its schema, by version (PRAGMA user_version). */
export interface DatabaseSpec {
  file: string;
  migrations: readonly string[];
}

export const STATE: DatabaseSpec = { file: 'state.db', migrations: MIGRATIONS };

function migrate(db: Db, spec: DatabaseSpec): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > spec.migrations.length) {
    throw new AgentError('E_STATE', `${spec.file} is schema version ${version}, newer than this program (${spec.migrations.length})`);
  }
  for (let v = version; v < spec.migrations.length; v++) {
    db.transaction(() => {
      db.exec(spec.migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

function claim(db: Db): void {
  db.exec('BEGIN IMMEDIATE; COMMIT');
}

function isDamage(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

function openOnce(file: string, spec: DatabaseSpec, opts: OpenOptions): Db {
  // SQLite creates files with the umask's mode, and its WAL takes the main file's: make the main file 0600 first.
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  fs.chmodSync(file, 0o600);
  // better-sqlite3 takes the loaded addon object as well as a path; its typings only know the path.
  const nativeBinding = loadAddon('better_sqlite3') as unknown as string;
  // Exclusive locking: nobody else may wait for this database, so do not wait for anybody either.
  const db = new Database(file, { nativeBinding, timeout: 100 });
  try {
    configure(db, opts);
    claim(db);
    migrate(db, spec);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export function openState(dir: string, opts: OpenOptions): OpenedDb {
  return openDatabase(dir, STATE, opts);
}

export function openDatabase(dir: string, spec: DatabaseSpec, opts: OpenOptions): OpenedDb {
  fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
  const file = path.join(dir, spec.file);
  try {
    return { db: openOnce(file, spec, opts), file };
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new AgentError('E_STATE', `${file} is in use by another tmsp-agent`, { cause: err });
    }
    if (!isDamage(err)) throw err;
    const aside = `${file}.damaged-${Date.now()}`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, aside + suffix);
    }
    return { db: openOnce(file, spec, opts), file, recoveredFrom: aside };
  }
}

/** Bytes the database occupies on disk: main file, WAL and (if any) shared-memory index. */
export function diskBytes(file: string): number {
  let total = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      total += fs.statSync(file + suffix).size;
    } catch {
      // not there yet
    }
  }
  return total;
}
