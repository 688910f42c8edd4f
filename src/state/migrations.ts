// Schema of the one state database, by version (PRAGMA user_version). Each
// room owns its tables: spool → chunk; ingest → tail_cursor; all → counter.
// Never edit a shipped migration: add the next one.

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE chunk (
    first_seq  INTEGER PRIMARY KEY,  -- sequence number of the chunk's first record
    last_seq   INTEGER NOT NULL,
    records    INTEGER NOT NULL,
    raw_bytes  INTEGER NOT NULL,     -- uncompressed NDJSON bytes
    bytes      INTEGER NOT NULL,     -- stored (gzip) bytes
    first_time INTEGER NOT NULL,     -- receive time of the oldest record, ms
    sealed_at  INTEGER NOT NULL,
    crc        INTEGER NOT NULL,     -- CRC-32 of data
    data       BLOB NOT NULL         -- last, so metadata reads skip the overflow pages
  );
  CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE tail_cursor (
    path       TEXT PRIMARY KEY,
    dev        INTEGER NOT NULL,
    ino        INTEGER NOT NULL,
    offset     INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
];
