// Schema of state.db, by version (PRAGMA user_version). Each room owns its
// tables: spool → chunk; ingest → tail_cursor; all → counter. (The SMS room
// has its own database, objects.db: sms/database.ts.)
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
  `
  -- The appliance's suspicious objects, up to 0.1.0: they now live in
  -- objects.db (sms/database.ts), which takes these rows over and drops them.
  CREATE TABLE sms_object (
    type       TEXT NOT NULL,       -- ipv4 | domain
    value      TEXT NOT NULL,       -- normalised
    risk       TEXT NOT NULL,       -- high | medium | low
    category   TEXT NOT NULL,       -- suspicious-object | cnc-callback
    source     TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (type, value)
  ) WITHOUT ROWID;
  CREATE INDEX sms_object_expiry ON sms_object (expires_at);
  -- What the SMS holds from us, with the tags it was given.
  CREATE TABLE sms_sent (
    type    TEXT NOT NULL,
    value   TEXT NOT NULL,
    tags    TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (type, value)
  ) WITHOUT ROWID;
  -- The durable outbox: the difference between the two, one row per entry.
  CREATE TABLE sms_outbox (
    type       TEXT NOT NULL,
    value      TEXT NOT NULL,
    op         TEXT NOT NULL,       -- add | delete
    tags       TEXT NOT NULL,       -- TagData for add, '' for delete
    queued_at  INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    failed     INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    PRIMARY KEY (type, value)
  ) WITHOUT ROWID;
  CREATE INDEX sms_outbox_order ON sms_outbox (failed, queued_at);
  CREATE INDEX sms_outbox_kind ON sms_outbox (failed, op, type, tags, queued_at);
  `,
  `
  -- What the chunk table holds, kept as running totals (spool/ring.ts) so that
  -- no commit, status or heartbeat sums a table that may hold gigabytes.
  INSERT INTO counter (name, value) SELECT 'held_chunks', count(*) FROM chunk WHERE true
    ON CONFLICT (name) DO UPDATE SET value = excluded.value;
  INSERT INTO counter (name, value) SELECT 'held_records', coalesce(sum(records), 0) FROM chunk WHERE true
    ON CONFLICT (name) DO UPDATE SET value = excluded.value;
  INSERT INTO counter (name, value) SELECT 'held_bytes', coalesce(sum(bytes), 0) FROM chunk WHERE true
    ON CONFLICT (name) DO UPDATE SET value = excluded.value;
  INSERT INTO counter (name, value) SELECT 'held_raw_bytes', coalesce(sum(raw_bytes), 0) FROM chunk WHERE true
    ON CONFLICT (name) DO UPDATE SET value = excluded.value;
  `,
  `
  -- Chunk bodies move to append-only segment files (spool/segments.ts): a
  -- new row's data is empty and segment, seg_offset say where its body is.
  -- Rows made before keep their body in data (segment is NULL).
  ALTER TABLE chunk ADD COLUMN segment INTEGER;
  ALTER TABLE chunk ADD COLUMN seg_offset INTEGER;
  `,
  `
  -- A chunk is a gzip member or a zstd frame (spool.compression); the chunks
  -- made before could only be gzip.
  ALTER TABLE chunk ADD COLUMN codec TEXT NOT NULL DEFAULT 'gzip';
  `,
];
