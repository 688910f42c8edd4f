// The PostgreSQL connection pool: one per portal process, bounded
// (store.poolSize). Integers come back as numbers (times are milliseconds
// and counts stay far below 2^53), so the rows read the same as SQLite's.
// The schema is migrated under an advisory lock: several portal processes
// starting at once on a new database migrate it once.

import fs from 'node:fs';
import pg from 'pg';
import { TmspError } from '../../../errors.ts';
import { MIGRATIONS } from './migrations.ts';

const INT8 = 20;
const NUMERIC = 1700;
/** Any number the migration lock may hold: the schema is one thing per database. */
const MIGRATION_LOCK = 0x746d7370;

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export interface PgSettings {
  url: string;
  password: string;
  caFile: string;
  poolSize: number;
  /** Names this process in pg_stat_activity. */
  applicationName?: string;
}

/** What a query runs on: the pool, or one client inside a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export async function rows<T>(q: Queryable, sql: string, args: unknown[] = []): Promise<T[]> {
  return (await q.query(sql, args)).rows as T[];
}

export async function one<T>(q: Queryable, sql: string, args: unknown[] = []): Promise<T | undefined> {
  return (await q.query(sql, args)).rows[0] as T | undefined;
}

export async function changes(q: Queryable, sql: string, args: unknown[] = []): Promise<number> {
  return (await q.query(sql, args)).rowCount ?? 0;
}

export class Db {
  readonly pool: pg.Pool;
  readonly settings: PgSettings;

  private constructor(s: PgSettings) {
    this.settings = s;
    this.pool = new pg.Pool(clientConfig(s, s.poolSize));
    // An idle client the server dropped (a restart, a failover) must not take the process down; the next query connects anew.
    this.pool.on('error', () => {});
  }

  /** Connects and brings the schema up to this program's version. */
  static async open(s: PgSettings): Promise<Db> {
    const db = new Db(s);
    try {
      await db.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await c.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
        const v = (await one<{ version: number }>(c, 'SELECT version FROM schema_version'))?.version ?? 0;
        if (v > MIGRATIONS.length) {
          throw new TmspError('E_STATE', `the database at ${s.url} is schema version ${v}, newer than this program (${MIGRATIONS.length})`);
        }
        for (let i = v; i < MIGRATIONS.length; i++) await c.query(MIGRATIONS[i]!);
        await c.query('DELETE FROM schema_version');
        await c.query('INSERT INTO schema_version VALUES ($1)', [MIGRATIONS.length]);
      });
      return db;
    } catch (err) {
      await db.close();
      if (err instanceof TmspError) throw err;
      throw new TmspError('E_STATE', `cannot open the PostgreSQL store at ${s.url}: ${(err as Error).message}`);
    }
  }

  /** A client of its own, outside the pool (LISTEN holds one for as long as it listens). */
  client(): pg.Client {
    return new pg.Client(clientConfig(this.settings, 1));
  }

  /** `fn` in one transaction on one client: committed when it returns, rolled back when it throws. */
  async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}

function clientConfig(s: PgSettings, max: number): pg.PoolConfig {
  // The URL's parts one by one: given whole (connectionString), pg lets its empty password override the setting.
  const u = new URL(s.url);
  return {
    host: decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, '$1'),
    port: u.port === '' ? 5432 : Number(u.port),
    user: decodeURIComponent(u.username) || undefined,
    database: decodeURIComponent(u.pathname.slice(1)) || undefined,
    // From its own setting, never from the URL: a URL is shown and logged, a secret is not.
    password: s.password,
    ssl: s.caFile === '' ? false : { ca: fs.readFileSync(s.caFile, 'utf8'), rejectUnauthorized: true },
    max,
    types,
    application_name: s.applicationName ?? 'tmsp-portal',
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  };
}
