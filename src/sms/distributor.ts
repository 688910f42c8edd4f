// Sends the outbox to the SMS: batched (several ip=/dns= per request with
// shared tags, or one CSV file for large sets), no faster than one request
// per interval (SMS appliances answer errors to bursts), retried with capped
// exponential backoff and full jitter. An entry the SMS itself refuses is
// found by splitting its batch and is set aside, counted as failed, so one
// bad value never blocks the rest.

import type { Logger } from 'pino';
import { RetryPolicy } from '../core/backoff.ts';
import { sleep, Ticker } from '../core/timers.ts';
import { TmspError, SmsRefused, type ErrorCode } from '../errors.ts';
import { toAgentError } from '../net/errors.ts';
import type { SmsClient } from './client.ts';
import type { ObjectStore, OutboxRow } from './store.ts';

export interface DistributorOptions {
  batchSize: number;
  importThreshold: number;
  bulkMaxRows: number;
  intervalMs: number;
  retryMaxMs: number;
  expirySweepMs: number;
}

export interface DistributorStats {
  state: 'off' | 'idle' | 'sending' | 'retrying' | 'stopped';
  requests: number;
  refused: number;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorCode: ErrorCode | null;
  nextAttemptAt: string | null;
}

/** A query string stays under this, well inside the 8 KB request line common servers accept. */
const MAX_QUERY = 6000;

export class Distributor {
  private readonly store: ObjectStore;
  private client: SmsClient | undefined;
  private opts: DistributorOptions;
  private readonly log: Logger;
  private readonly retry: RetryPolicy;
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private sleeping: NodeJS.Timeout | undefined;
  private readonly sweeper = new Ticker(() => {
    if (this.store.expire() > 0) this.wake();
  });
  private lastRequest = 0;
  private running: Promise<void> | undefined;
  private s: { state: DistributorStats['state']; requests: number; refused: number; lastSuccessAt: number | null;
    lastError: string | null; lastErrorCode: ErrorCode | null; nextAttemptAt: number | null };

  constructor(store: ObjectStore, opts: DistributorOptions, log: Logger) {
    this.store = store;
    this.opts = opts;
    this.log = log;
    this.retry = new RetryPolicy(opts.retryMaxMs);
    this.s = { state: 'off', requests: 0, refused: 0, lastSuccessAt: null, lastError: null, lastErrorCode: null, nextAttemptAt: null };
  }

  /** The client to send with, or undefined when distribution is off (and no purge runs). */
  configure(client: SmsClient | undefined, opts: DistributorOptions): void {
    this.client = client;
    this.retry.setCap(opts.retryMaxMs);
    this.opts = opts;
    this.wake(true);
  }

  start(): void {
    this.sweeper.start(this.opts.expirySweepMs);
    this.running = this.loop();
  }

  /** New work; `now` also cuts a retry wait short (settings changed). */
  wake(now = false): void {
    if (now && this.sleeping) {
      clearTimeout(this.sleeping);
      this.sleeping = undefined;
    }
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private idle(): Promise<void> {
    return new Promise((r) => (this.wakeUp = r));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      this.sleeping = setTimeout(() => {
        this.sleeping = undefined;
        r();
      }, ms);
      this.wakeUp = () => {
        // A wake during a wait only ends it when configure() cleared the timer.
        if (!this.sleeping) r();
      };
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const client = this.client;
      const batch = client ? this.store.nextBatch(this.opts.batchSize, this.opts.importThreshold, this.opts.bulkMaxRows) : undefined;
      if (!client || !batch) {
        this.s.state = client ? 'idle' : 'off';
        await this.idle();
        continue;
      }
      this.s.state = 'sending';
      try {
        await this.send(client, batch.rows, batch.bulk);
        this.retry.reset();
        this.s.lastError = null;
        this.s.lastErrorCode = null;
        if (this.store.endPurgeIfDone()) this.log.info('SMS purge finished');
      } catch (err) {
        if (this.stopped) return;
        const e = err instanceof TmspError ? err : toAgentError(err, 'SMS');
        this.store.attempted(batch.rows, e.message);
        const delay = this.retry.next(e.code);
        this.s.state = 'retrying';
        this.s.lastError = e.message;
        this.s.lastErrorCode = e.code;
        this.s.nextAttemptAt = Date.now() + delay;
        this.log.warn({ code: e.code, err: e.message, retryInMs: delay, entries: batch.rows.length }, 'SMS distribution failed');
        await this.sleep(delay);
        this.s.nextAttemptAt = null;
      }
    }
  }

  /** At most one request per interval, counted from the start of the last one. */
  private async paced<T>(fn: () => Promise<T>): Promise<T> {
    const wait = this.lastRequest + this.opts.intervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    this.lastRequest = Date.now();
    this.s.requests++;
    return fn();
  }

  private async request(client: SmsClient, rows: readonly OutboxRow[], bulk: boolean): Promise<void> {
    const { op, type } = rows[0]!;
    if (bulk) {
      const lines = rows.map((r) => (op === 'add' ? `${r.value},${r.tags}` : r.value));
      await this.paced(() => client.bulk(op === 'add' ? 'import' : 'delete', type, lines));
    } else if (op === 'add') {
      await this.paced(() => client.add(rows, rows[0]!.tags));
    } else {
      await this.paced(() => client.delete(rows));
    }
  }

  /** Send rows; when the SMS refuses a batch, halve it until the refused entries are alone, and set those aside. */
  private async send(client: SmsClient, rows: OutboxRow[], bulk: boolean): Promise<void> {
    if (!bulk) {
      // Keep the query string within bounds: long domain names make fewer per request.
      let len = rows[0]!.tags.length * 1.5 + 64;
      const fit: OutboxRow[] = [];
      for (const r of rows) {
        len += r.value.length + 6;
        if (fit.length > 0 && len > MAX_QUERY) break;
        fit.push(r);
      }
      rows = fit;
    }
    try {
      await this.request(client, rows, bulk);
    } catch (err) {
      if (!(err instanceof SmsRefused)) throw err;
      this.s.refused++;
      if (rows.length === 1) {
        this.store.failed(rows[0]!, err.message);
        this.log.warn({ entry: `${rows[0]!.type} ${rows[0]!.value}`, err: err.message }, 'the SMS refused an entry; set aside');
        return;
      }
      const half = Math.ceil(rows.length / 2);
      // Halves of a CSV batch stay CSV: its lines may carry different tags.
      await this.send(client, rows.slice(0, half), bulk);
      await this.send(client, rows.slice(half), bulk);
      return;
    }
    this.store.delivered(rows);
    this.s.lastSuccessAt = Date.now();
  }

  stats(): DistributorStats {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return { ...this.s, lastSuccessAt: iso(this.s.lastSuccessAt), nextAttemptAt: iso(this.s.nextAttemptAt) };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.sweeper.stop();
    clearTimeout(this.sleeping);
    this.sleeping = undefined;
    this.wake();
    await this.running?.catch(() => {});
    this.s.state = 'stopped';
  }
}
