// The SMS room's context: the object store (always: the appliance keeps its
// suspicious objects whether or not it distributes them) and the distributor
// (sending while Object Distribution is on, or while a purge runs).

import type { Logger } from 'pino';
import { applianceHostname } from '../config/identity.ts';
import type { Config } from '../config/schema.ts';
import { TmspError } from '../errors.ts';
import type { Classified } from '../parse/index.ts';
import { diskBytes, type OpenedDb } from '../state/db.ts';
import { SmsClient, type SmsTarget } from './client.ts';
import { Distributor, type DistributorOptions, type DistributorStats } from './distributor.ts';
import { extractObjects } from './extract.ts';
import { normaliseValue, parseObjectType, parseRisk, type Category, type ObjectType, type SuspiciousObject } from './object.ts';
import type { Policy } from './policy.ts';
import { mergeSightings, ObjectStore, type FailedEntry, type StoredObject } from './store.ts';

export function smsTarget(c: Config): SmsTarget {
  return {
    host: c.sms.server, port: c.sms.port, username: c.sms.username, password: c.sms.password, apiKey: c.sms.apiKey,
    trust: { caFile: c.sms.tlsCaFile, fingerprints: c.sms.tlsFingerprints }, timeoutMs: c.sms.timeoutSeconds * 1000,
  };
}

export function smsPolicy(c: Config): Policy {
  return { types: c.sms.objectTypes, riskLevel: c.sms.riskLevel, publisher: c.appliance.productName, source: applianceHostname(c) };
}

function distributorOptions(c: Config): DistributorOptions {
  return {
    batchSize: c.sms.batchSize, importThreshold: c.sms.importThreshold, bulkMaxRows: 5000,
    intervalMs: c.sms.requestIntervalMs, retryMaxMs: c.sms.retryMaxSeconds * 1000, expirySweepMs: 30_000,
  };
}

// New objects land at random places in the object table, and each commit
// writes every page it touched: a commit of a few objects costs a page each,
// one of thousands shares the pages: 20,000 random new addresses cost 760
// bytes of writes each at 1,000 per commit, 250 at 5,000, 160 at 20,000.
// Hence up to 2 s and 10,000 objects (about 2 MB) per commit.
const MAX_QUEUED = 10_000;
const GATHER_MS = 2000;

export type SmsStats = ReturnType<ObjectStore['stats']> & {
  enabled: boolean;
  /** objects.db and its WAL on disk: apart from the spool's budget, bounded by sms.maxObjects. */
  diskBytes: number;
  /** Where a damaged objects.db was moved at start, if it was. */
  recoveredFrom: string | null;
  distribution: DistributorStats;
};

export class SmsRoom {
  readonly store: ObjectStore;
  private readonly distributor: Distributor;
  private readonly log: Logger;
  private config: Config;
  private readonly queued = new Map<string, SuspiciousObject>();
  private flushing: NodeJS.Timeout | undefined;

  private readonly db: OpenedDb;

  /** `db`: objects.db (sms/database.ts openObjects); the room closes it when it stops. */
  constructor(db: OpenedDb, c: Config, log: Logger) {
    this.log = log.child({ room: 'sms' });
    this.config = c;
    this.db = db;
    if (db.recoveredFrom) this.log.error({ movedTo: db.recoveredFrom }, 'objects database was damaged; moved aside and started anew');
    db.db.onRecovered = (movedTo, err) => this.log.error({ movedTo, err },
      'objects database found damaged; moved aside, what could be read carried into a new one');
    this.store = new ObjectStore(db.db, { ttlMs: c.sms.objectTtlDays * 86_400_000, maxObjects: c.sms.maxObjects });
    this.distributor = new Distributor(this.store, distributorOptions(c), this.log);
  }

  start(): void {
    this.apply(this.config);
    this.distributor.start();
  }

  /** Policy and client from the configuration; a change of filter reconciles the outbox. */
  apply(c: Config): void {
    const policy: Policy | undefined = c.sms.enabled ? smsPolicy(c) : undefined;
    this.config = c;
    this.store.configure({ ttlMs: c.sms.objectTtlDays * 86_400_000, maxObjects: c.sms.maxObjects });
    this.store.setPolicy(policy).catch((err) => this.log.error({ err }, 'applying the distribution filter failed'));
    const sending = c.sms.enabled || this.store.isPurging;
    this.distributor.configure(sending && c.sms.server ? new SmsClient(smsTarget(c)) : undefined, distributorOptions(c));
  }

  /**
   * A detection line from ingest: its objects are gathered for up to
   * GATHER_MS, the same object once, then written in one transaction. A stream
   * that names the same few destinations thousands of times a second would
   * otherwise cost a write (and an fsync) per line. The queue is bounded:
   * when it holds MAX_QUEUED distinct objects it is written at once. What it
   * holds at a crash is lost, but the detections themselves are in the spool.
   */
  detection(line: Classified): void {
    const objs = extractObjects(line);
    if (objs.length === 0) return;
    for (const o of objs) {
      const key = `${o.type} ${o.value}`;
      const prev = this.queued.get(key);
      this.queued.set(key, prev ? mergeSightings(prev, o) : o);
    }
    if (this.queued.size >= MAX_QUEUED) this.flush();
    else if (!this.flushing) {
      this.flushing = setTimeout(() => this.flush(), GATHER_MS);
      this.flushing.unref();
    }
  }

  private flush(): void {
    clearTimeout(this.flushing);
    this.flushing = undefined;
    if (this.queued.size === 0) return;
    const objs = [...this.queued.values()];
    this.queued.clear();
    this.store.upsertMany(objs);
    this.distributor.wake();
  }

  // What the menus and engines do through the CLI.

  add(args: Record<string, unknown>): StoredObject {
    const type = parseObjectType(String(args.type ?? ''));
    const value = normaliseValue(type, String(args.value ?? ''));
    const risk = parseRisk(String(args.risk ?? ''));
    const category: Category = args.category === 'cnc-callback' ? 'cnc-callback' : 'suspicious-object';
    const ttlDays = args.ttlDays === undefined ? this.config.sms.objectTtlDays : Number(args.ttlDays);
    if (!Number.isInteger(ttlDays) || ttlDays < 1 || ttlDays > 3650) {
      throw new TmspError('E_USAGE', 'ttl-days: must be a whole number from 1 to 3650');
    }
    this.store.upsert({ type, value, risk, category, source: String(args.source ?? 'cli') }, Date.now(), ttlDays * 86_400_000);
    this.distributor.wake();
    return this.store.get(type, value)!;
  }

  remove(args: Record<string, unknown>): { removed: boolean } {
    const type = parseObjectType(String(args.type ?? ''));
    const removed = this.store.remove(type, normaliseValue(type, String(args.value ?? '')));
    this.distributor.wake();
    return { removed };
  }

  expire(args: Record<string, unknown>): { expired: number } {
    let expired: number;
    if (args.type !== undefined) {
      const type = parseObjectType(String(args.type));
      expired = this.store.expireNow(type, normaliseValue(type, String(args.value ?? ''))) ? 1 : 0;
    } else {
      expired = this.store.expire();
    }
    this.distributor.wake();
    return { expired };
  }

  /** One page of objects, after the cursor the previous page ended on. */
  list(limit: number, after?: unknown): StoredObject[] {
    const a = after as { type?: unknown; value?: unknown } | undefined;
    return this.store.list(limit, a ? { type: String(a.type ?? ''), value: String(a.value ?? '') } : undefined);
  }

  /** Entries the SMS refused, with its answer, newest first. */
  failed(limit: number, before?: unknown): FailedEntry[] {
    const b = before as { failedAt?: unknown; type?: unknown; value?: unknown } | undefined;
    return this.store.failedEntries(limit,
      b ? { failedAt: Number(b.failedAt), type: String(b.type ?? ''), value: String(b.value ?? '') } : undefined);
  }

  /** Send entries set aside again (all, or TYPE VALUE): the operator fixed what the SMS refused. */
  retry(args: Record<string, unknown>): { retried: number } {
    let entry: { type: ObjectType; value: string } | undefined;
    if (args.type !== undefined) {
      const type = parseObjectType(String(args.type));
      entry = { type, value: normaliseValue(type, String(args.value ?? '')) };
    }
    const retried = this.store.retryFailed(entry);
    this.distributor.wake(true);
    return { retried };
  }

  purge(): { entries: number } {
    if (this.config.sms.enabled) {
      throw new TmspError('E_USAGE', 'turn Object Distribution off first (sms.enabled=false), or the entries would be sent again');
    }
    if (!this.config.sms.server) throw new TmspError('E_NOT_CONFIGURED', 'sms.server is not set');
    const entries = this.store.purge();
    this.apply(this.config);
    return { entries };
  }

  /** Resolves once a damaged objects.db under replacement is replaced. */
  recovered(): Promise<void> {
    return this.db.db.recovered();
  }

  stats(): SmsStats {
    return {
      enabled: this.config.sms.enabled, ...this.store.stats(), diskBytes: diskBytes(this.db.file),
      recoveredFrom: this.db.recoveredFrom ?? null, distribution: this.distributor.stats(),
    };
  }

  async stop(): Promise<void> {
    this.flush();
    this.store.close();
    await this.distributor.stop();
    this.db.db.close();
  }
}
