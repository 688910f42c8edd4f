// The agent's SQLite databases (state.db: spool, cursors, counters; the SMS
// room's objects.db): open each with the pragmas durability and the budget
// depend on, migrate it, keep it 0600 (it holds detections), and never let a
// damaged file wedge start-up: a database SQLite cannot read is moved aside
// and started anew.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { TmspError } from '../errors.ts';
import { loadAddon } from '../native/addons.ts';
import { Connection, isDamage } from './connection.ts';
import { MIGRATIONS } from './migrations.ts';

/** A database as the rooms use it: statements survive the file being replaced after damage (connection.ts). */
export type Db = Connection;
export type { Statement } from './connection.ts';

export interface OpenOptions {
  /** full: fsync the WAL at every commit; normal: only at checkpoints. */
  durability: 'full' | 'normal';
}

export interface OpenedDb {
  db: Db;
  file: string;
  /** Set when a damaged database was moved aside (at open, or later when a statement found damage). */
  readonly recoveredFrom?: string;
}

export const PAGE_SIZE = 4096;
/** WAL bytes before SQLite checkpoints by itself; after a checkpoint the WAL file is cut back to at most this. */
export const WAL_SIZE_LIMIT = 2 * 1024 * 1024;

function configure(db: Database.Database, spec: DatabaseSpec, opts: OpenOptions): void {
  // Takes effect for a new file only: an existing one keeps the page size it was made with.
  db.pragma(`page_size = ${spec.pageSize ?? PAGE_SIZE}`);
  // One daemon per state directory: the exclusive lock (taken by the write
  // in claim()) makes a second one fail at open instead of interleaving
  // sequence numbers. It also keeps the WAL index in memory: no -shm file.
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.durability === 'full' ? 'FULL' : 'NORMAL'}`);
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.pragma(`wal_autocheckpoint = ${Math.floor(WAL_SIZE_LIMIT / pageSize)}`);
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  db.pragma('cache_size = -2048'); // KiB: memory must not grow with the spool
  db.pragma('mmap_size = 0');
  db.pragma('temp_store = FILE');
}

/** A database file and its schema, by version (PRAGMA user_version). */
export interface DatabaseSpec {
  file: string;
  migrations: readonly string[];
  /** Tables whose readable rows are carried into a new file when this one is found damaged, in order. */
  salvage: readonly string[];
  /**
   * Page size of a new file (PAGE_SIZE when not given). Every commit writes
   * whole pages to the WAL: a file of small rows committed one at a time
   * writes less with small pages.
   */
  pageSize?: number;
  /** Make the new file consistent with what could be carried over (running totals, sequence numbers). */
  afterSalvage?(fresh: Database.Database, damaged: Database.Database): void;
}

/** A sequence number once used must never come back (batch names are made of them): when the counter is lost, jump. */
const SEQ_JUMP = 1_000_000_000;

export const STATE: DatabaseSpec = {
  file: 'state.db',
  // A chunk's commit is its index row and the counters, two pages: 2 KiB of
  // WAL with 1 KiB pages, 8 KiB with 4 KiB ones (about 8% of a chunk's body).
  pageSize: 1024,
  migrations: MIGRATIONS,
  salvage: ['counter', 'tail_cursor', 'chunk'],
  afterSalvage(fresh, damaged) {
    const counter = (db: Database.Database, name: string) => {
      try {
        return (db.prepare('SELECT value FROM counter WHERE name = ?').get(name) as { value: number } | undefined)?.value;
      } catch {
        return undefined;
      }
    };
    const held = fresh.prepare(`SELECT count(*) AS chunks, coalesce(sum(records), 0) AS records, coalesce(sum(bytes), 0) AS bytes,
      coalesce(sum(raw_bytes), 0) AS raw, coalesce(max(last_seq), 0) AS last FROM chunk`).get() as
      { chunks: number; records: number; bytes: number; raw: number; last: number };
    const set = fresh.prepare('INSERT INTO counter VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value');
    const add = fresh.prepare('INSERT INTO counter VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value');
    // What the damaged file held and could not give back is lost, and counted so.
    const before = { chunks: counter(damaged, 'held_chunks'), records: counter(damaged, 'held_records'), bytes: counter(damaged, 'held_raw_bytes') };
    if (before.chunks !== undefined && before.records !== undefined && before.bytes !== undefined) {
      add.run('lost_chunks', Math.max(0, before.chunks - held.chunks));
      add.run('lost_records', Math.max(0, before.records - held.records));
      add.run('lost_bytes', Math.max(0, before.bytes - held.raw));
    }
    set.run('held_chunks', held.chunks);
    set.run('held_records', held.records);
    set.run('held_bytes', held.bytes);
    set.run('held_raw_bytes', held.raw);
    const next = counter(damaged, 'next_seq');
    set.run('next_seq', next !== undefined ? Math.max(next, held.last + 1) : held.last + 1 + SEQ_JUMP);
  },
};

/**
 * Carry every row that can still be read from `damaged` into `fresh`: each
 * table read from its start until the damage, then from its end back to the
 * damage; what lies on the damaged pages is lost.
 */
function salvage(spec: DatabaseSpec, damaged: Database.Database, fresh: Database.Database): void {
  fresh.transaction(() => {
    for (const table of spec.salvage) {
      let cols: string[];
      try {
        cols = (damaged.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as Array<{ name: string }>).map((c) => c.name);
      } catch {
        continue;
      }
      if (cols.length === 0) continue;
      const put = fresh.prepare(`INSERT OR IGNORE INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      const pk = (fresh.prepare(`SELECT name FROM pragma_table_info('${table}') WHERE pk > 0 ORDER BY pk`).all() as Array<{ name: string }>)
        .map((c) => c.name).join(', ') || 'rowid';
      for (const dir of ['ASC', 'DESC']) {
        try {
          for (const row of damaged.prepare(`SELECT ${cols.join(', ')} FROM ${table} ORDER BY ${pk.split(', ').map((c) => `${c} ${dir}`).join(', ')}`)
            .raw().iterate() as IterableIterator<unknown[]>) {
            put.run(...row);
          }
        } catch {
          // The damage: what is beyond it in this direction is read from the other end.
        }
      }
    }
    spec.afterSalvage?.(fresh, damaged);
  })();
}

function migrate(db: Database.Database, spec: DatabaseSpec): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > spec.migrations.length) {
    throw new TmspError('E_STATE', `${spec.file} is schema version ${version}, newer than this program (${spec.migrations.length})`);
  }
  for (let v = version; v < spec.migrations.length; v++) {
    db.transaction(() => {
      db.exec(spec.migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

function claim(db: Database.Database): void {
  db.exec('BEGIN IMMEDIATE; COMMIT');
}

function openOnce(file: string, spec: DatabaseSpec, opts: OpenOptions): Database.Database {
  // SQLite creates files with the umask's mode, and its WAL takes the main file's: make the main file 0600 first.
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  fs.chmodSync(file, 0o600);
  // better-sqlite3 takes the loaded addon object as well as a path; its typings only know the path.
  const nativeBinding = loadAddon('better_sqlite3') as unknown as string;
  // Exclusive locking: nobody else may wait for this database, so do not wait for anybody either.
  const db = new Database(file, { nativeBinding, timeout: 100 });
  try {
    configure(db, spec, opts);
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

function moveAside(file: string): string {
  const aside = `${file}.damaged-${Date.now()}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, aside + suffix);
  }
  return aside;
}

/** The damaged file, opened to read what is left (it is the agent's own copy now, set aside). */
function openDamaged(aside: string): Database.Database | undefined {
  try {
    const nativeBinding = loadAddon('better_sqlite3') as unknown as string;
    const db = new Database(aside, { nativeBinding, timeout: 100, fileMustExist: true });
    db.pragma('locking_mode = EXCLUSIVE');
    return db;
  } catch {
    return undefined;
  }
}

export function openDatabase(dir: string, spec: DatabaseSpec, opts: OpenOptions): OpenedDb {
  fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
  const file = path.join(dir, spec.file);
  const recover = (damaged: Database.Database | undefined): { fresh: Database.Database; movedTo: string } => {
    try {
      damaged?.close();
    } catch {
      // it is being replaced for being unreadable
    }
    const movedTo = moveAside(file);
    const fresh = openOnce(file, spec, opts);
    const old = openDamaged(movedTo);
    if (old) {
      try {
        salvage(spec, old, fresh);
      } finally {
        old.close();
      }
    }
    return { fresh, movedTo };
  };
  let conn: Connection;
  try {
    conn = new Connection(openOnce(file, spec, opts), (raw) => recover(raw));
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new TmspError('E_STATE', `${file} is in use by another tmsp-agent`, { cause: err });
    }
    if (!isDamage(err)) throw err;
    const { fresh, movedTo } = recover(undefined);
    conn = new Connection(fresh, (raw) => recover(raw), movedTo);
  }
  return { db: conn, file, get recoveredFrom() { return conn.recoveredFrom; } };
}

/** Open a database only to look at it (spool verify): never moved, never repaired, never migrated. */
export function openForInspection(file: string): Database.Database {
  const nativeBinding = loadAddon('better_sqlite3') as unknown as string;
  const db = new Database(file, { nativeBinding, timeout: 100, fileMustExist: true });
  db.pragma('locking_mode = EXCLUSIVE');
  return db;
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
