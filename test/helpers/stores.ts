// The portal's store tests run against both stores: SQLite in a temp
// directory, and PostgreSQL (the suite's one server, global-setup.ts) in a
// database made for the test and dropped after it.

import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, inject } from 'vitest';
import type { PortalConfig } from '../../src/portal/config/schema.ts';
import { PgStore } from '../../src/portal/store/postgres/store.ts';
import { SqliteStore, type SqliteStoreOptions } from '../../src/portal/store/sqlite/store.ts';
import type { Store } from '../../src/portal/store/store.ts';
import { PostgresPeer } from '../peers/peers.ts';
import { tmpdir } from './tmp.ts';

export const BACKENDS = ['sqlite', 'postgresql'] as const;
export type Backend = (typeof BACKENDS)[number];

/** Where one store keeps its data: each open() is another store on the same data (another portal process). */
export interface StorePlace {
  kind: Backend;
  open(o?: SqliteStoreOptions): Promise<Store>;
  /** The portal.json `store` section that names this place. */
  settings: Partial<PortalConfig['store']>;
}

const made: string[] = [];
const madeForFile: string[] = [];

function admin(): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port: inject('postgresPort'), user: PostgresPeer.USER, password: PostgresPeer.PASSWORD, database: 'postgres' });
}

async function withAdmin(sql: string): Promise<void> {
  const c = admin();
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A new, empty PostgreSQL database on the suite's server, dropped after the test (or, made in beforeAll, after the file): its `store` settings. */
export async function postgresDatabase(lasts: 'test' | 'file' = 'test'): Promise<PortalConfig['store']> {
  const name = `tmsp_${crypto.randomBytes(6).toString('hex')}`;
  await withAdmin(`CREATE DATABASE ${name}`);
  (lasts === 'test' ? made : madeForFile).push(name);
  return {
    kind: 'postgresql', url: `postgresql://${PostgresPeer.USER}@127.0.0.1:${inject('postgresPort')}/${name}`, password: PostgresPeer.PASSWORD,
    caFile: '', poolSize: 10,
  };
}

export async function storePlace(kind: Backend): Promise<StorePlace> {
  if (kind === 'sqlite') {
    const file = path.join(tmpdir('tmsp-portal-store-'), 'portal.db');
    return { kind, open: async (o) => new SqliteStore(file, o), settings: { kind } };
  }
  const s = await postgresDatabase();
  return { kind, open: (o) => PgStore.open(s, o), settings: s };
}

/** A fresh store of `kind`. */
export async function freshStore(kind: Backend, o?: SqliteStoreOptions): Promise<Store> {
  return (await storePlace(kind)).open(o);
}

afterEach(async () => {
  for (const name of made.splice(0)) await withAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

afterAll(async () => {
  for (const name of madeForFile.splice(0)) await withAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});
