// The SMS room's own database, objects.db, beside the spool's state.db: the
// objects, what the SMS holds from us, and the outbox. Its own file, so that
// objects can never push log chunks out of the spool's byte budget (they are
// bounded by sms.maxObjects instead), and its rows are compact (codes, and
// times in seconds): a burst of C&C detections writes little to the flash.
//
// Versions up to 0.1.0 kept these tables in state.db; they are moved over the
// first time objects.db is opened, then dropped from state.db.

import { openDatabase, type Db, type DatabaseSpec, type OpenedDb, type OpenOptions } from '../state/db.ts';
import type { Category, ObjectType, Risk } from './object.ts';

export const TYPE_CODE: Record<ObjectType, number> = { ipv4: 1, domain: 2 };
export const RISK_CODE: Record<Risk, number> = { low: 1, medium: 2, high: 3 };
export const CATEGORY_CODE: Record<Category, number> = { 'suspicious-object': 1, 'cnc-callback': 2 };

export const TYPE_OF: Record<number, ObjectType> = { 1: 'ipv4', 2: 'domain' };

/**
 * An object's value as the object table stores it: an address as its four
 * bytes (a third of its text, in the row and in the expiry index, and in
 * numeric order), a name as text.
 */
export function storedValue(type: number, value: string): string | Buffer {
  if (type !== TYPE_CODE.ipv4) return value;
  const b = Buffer.allocUnsafe(4);
  let octet = 0;
  let digits = 0;
  let i = 0;
  for (let k = 0; k <= value.length; k++) {
    const c = k < value.length ? value.charCodeAt(k) : 46;
    if (c === 46 /* . */) {
      if (digits === 0 || octet > 255 || i === 4) return value; // not an address: matches no stored one
      b[i++] = octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      digits++;
    } else {
      return value;
    }
  }
  return i === 4 ? b : value;
}

/** The value as text again. */
export function valueOf(stored: string | Uint8Array): string {
  return typeof stored === 'string' ? stored : `${stored[0]}.${stored[1]}.${stored[2]}.${stored[3]}`;
}
export const RISK_OF: Record<number, Risk> = { 1: 'low', 2: 'medium', 3: 'high' };
export const CATEGORY_OF: Record<number, Category> = { 1: 'suspicious-object', 2: 'cnc-callback' };

export const OBJECTS: DatabaseSpec = {
  file: 'objects.db',
  salvage: ['counter', 'object', 'sent', 'outbox'],
  afterSalvage: (fresh) => recount(fresh),
  migrations: [
    `
    CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    -- The appliance's suspicious objects.
    CREATE TABLE object (
      type       INTEGER NOT NULL,    -- TYPE_CODE: 1 ipv4, 2 domain
      value      BLOB NOT NULL,       -- normalised; an address as its four bytes (storedValue)
      risk       INTEGER NOT NULL,    -- RISK_CODE: 3 high, 2 medium, 1 low (the worst seen)
      category   INTEGER NOT NULL,    -- CATEGORY_CODE: 1 suspicious object, 2 C&C callback
      source     TEXT NOT NULL,
      first_seen INTEGER NOT NULL,    -- seconds since the epoch
      last_seen  INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (type, value)
    ) WITHOUT ROWID;
    CREATE INDEX object_expiry ON object (expires_at);
    -- What the SMS holds from us, with the tags it was given.
    CREATE TABLE sent (
      type    TEXT NOT NULL,
      value   TEXT NOT NULL,
      tags    TEXT NOT NULL,
      sent_at INTEGER NOT NULL,
      PRIMARY KEY (type, value)
    ) WITHOUT ROWID;
    -- The durable outbox: the difference between the two, one row per entry.
    CREATE TABLE outbox (
      type       TEXT NOT NULL,
      value      TEXT NOT NULL,
      op         TEXT NOT NULL,       -- add | delete
      tags       TEXT NOT NULL,       -- TagData for add, '' for delete
      queued_at  INTEGER NOT NULL,
      attempts   INTEGER NOT NULL DEFAULT 0,
      failed     INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      failed_at  INTEGER,             -- when the SMS refused it (failed = 1)
      PRIMARY KEY (type, value)
    ) WITHOUT ROWID;
    CREATE INDEX outbox_order ON outbox (failed, queued_at);
    CREATE INDEX outbox_kind ON outbox (failed, op, type, tags, queued_at);
    `,
  ],
};

const sec = (ms: string) => `CAST(${ms} / 1000 AS INTEGER)`;

/** Move the tables that state.db held up to 0.1.0; safe to run again after a crash halfway. */
function adopt(db: Db, legacy: Db): void {
  const has = legacy.prepare<[], { n: number }>(
    "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'sms_object'").get()!.n > 0;
  if (!has) return;
  const legacyCols = (table: string) => new Set(legacy.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
    .all().map((c) => c.name));
  const failedAt = legacyCols('sms_outbox').has('failed_at') ? 'failed_at' : 'NULL';
  const objects = legacy.prepare(`SELECT CASE type WHEN 'ipv4' THEN 1 ELSE 2 END AS type, value,
    CASE risk WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END AS risk,
    CASE category WHEN 'cnc-callback' THEN 2 ELSE 1 END AS category, source,
    ${sec('first_seen')} AS first_seen, ${sec('last_seen')} AS last_seen, ${sec('expires_at')} AS expires_at FROM sms_object`);
  const sent = legacy.prepare('SELECT type, value, tags, sent_at FROM sms_sent');
  const outbox = legacy.prepare(`SELECT type, value, op, tags, queued_at, attempts, failed, last_error, ${failedAt} AS failed_at FROM sms_outbox`);
  const counters = legacy.prepare<[], { name: string; value: number }>("SELECT name, value FROM counter WHERE name LIKE 'sms\\_%' ESCAPE '\\'");
  const put = {
    object: db.prepare(`INSERT INTO object VALUES (@type, @value, @risk, @category, @source, @first_seen, @last_seen, @expires_at)
      ON CONFLICT DO NOTHING`),
    sent: db.prepare('INSERT INTO sent VALUES (@type, @value, @tags, @sent_at) ON CONFLICT DO NOTHING'),
    outbox: db.prepare(`INSERT INTO outbox VALUES (@type, @value, @op, @tags, @queued_at, @attempts, @failed, @last_error, @failed_at)
      ON CONFLICT DO NOTHING`),
    counter: db.prepare('INSERT INTO counter VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
  };
  db.transaction(() => {
    for (const r of objects.iterate() as IterableIterator<{ type: number; value: string }>) put.object.run({ ...r, value: storedValue(r.type, r.value) });
    for (const r of sent.iterate()) put.sent.run(r);
    for (const r of outbox.iterate()) put.outbox.run(r);
    for (const c of counters.iterate()) put.counter.run(c.name, c.value);
  })();
  legacy.transaction(() => {
    legacy.exec("DROP TABLE sms_outbox; DROP TABLE sms_sent; DROP TABLE sms_object; DELETE FROM counter WHERE name LIKE 'sms\\_%' ESCAPE '\\'");
  })();
}

/** The running counts the store keeps (objects by type and risk, entries on the SMS), from the rows. */
function recount(db: { exec(sql: string): unknown }): void {
  // A savepoint: atomic on its own, and inside the salvage's transaction as well.
  db.exec(`SAVEPOINT recount;
    DELETE FROM counter WHERE name LIKE 'objects%' OR name = 'on_sms';
    INSERT INTO counter SELECT 'objects', count(*) FROM object;
    INSERT INTO counter SELECT 'objects.' || type || '.' || risk, count(*) FROM object GROUP BY type, risk;
    INSERT INTO counter SELECT 'on_sms', count(*) FROM sent;
    RELEASE recount;`);
}

/**
 * Open objects.db in the state directory (durability as the spool's). A
 * state.db from before it existed gives up its SMS tables to it.
 */
export function openObjects(dir: string, opts: OpenOptions, legacy?: Db): OpenedDb {
  const opened = openDatabase(dir, OBJECTS, opts);
  const fresh = opened.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM counter WHERE name = 'objects'").get()!.n === 0;
  if (legacy) adopt(opened.db, legacy);
  if (fresh || opened.recoveredFrom) recount(opened.db);
  return opened;
}
