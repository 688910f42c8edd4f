// The uploader: on the configured interval, early when the spool passes its
// high-water mark, or when asked (upload-now), it sends the spool's sealed
// chunks as batches through the sink and releases them only after the
// server holds them. Retries are unlimited with capped exponential backoff
// and full jitter; failures that need the operator (login, trust) back off
// from a much longer base, so they never become a tight loop.

import type { Logger } from 'pino';
import { RetryPolicy } from '../core/backoff.ts';
import { Ticker } from '../core/timers.ts';
import { TmspError, BatchChanged, type ErrorCode } from '../errors.ts';
import { batchName } from '../protocol/batch.ts';
import { batchStream, selectBatch } from '../spool/batch.ts';
import type { Spool } from '../spool/spool.ts';
import type { Counters } from '../state/counters.ts';
import type { Sink } from './sink.ts';

export interface UploaderOptions {
  applianceId: string;
  intervalMs: number;
  highWaterPercent: number;
  batchMaxBytes: number;
  retryMaxMs: number;
}

/** What was uploaded since the agent started: kept by the daemon, so a reload or a TMSP off/on keeps counting. */
export interface UploadTotals {
  batches: number;
  records: number;
  bytes: number;
}

export function newUploadTotals(): UploadTotals {
  return { batches: 0, records: 0, bytes: 0 };
}

export interface UploaderStats {
  state: 'idle' | 'uploading' | 'retrying' | 'stopped';
  protocol: string;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorCode: ErrorCode | null;
  consecutiveFailures: number;
  attempts: number;
  nextAttemptAt: string | null;
  uploaded: UploadTotals;
}

/** Re-selections in a row after the spool changed under a batch, before backing off. */
const MAX_RESELECT = 5;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class Uploader {
  private readonly spool: Spool;
  private sink: Sink;
  private readonly counters: Counters;
  private readonly totals: UploadTotals;
  private opts: UploaderOptions;
  private readonly log: Logger;
  private readonly retry: RetryPolicy;
  private readonly schedule = new Ticker(() => void this.trigger('interval'));
  private retryTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private s: Omit<UploaderStats, 'lastSuccessAt' | 'lastAttemptAt' | 'nextAttemptAt' | 'uploaded'> & {
    lastAttemptAt: number | null; nextAttemptAt: number | null;
  };

  /** `protocol` names the sink in status ("sftp", "https"). */
  constructor(spool: Spool, sink: Sink, protocol: string, counters: Counters, totals: UploadTotals, opts: UploaderOptions, log: Logger) {
    this.spool = spool;
    this.sink = sink;
    this.counters = counters;
    this.totals = totals;
    this.opts = opts;
    this.log = log;
    this.retry = new RetryPolicy(opts.retryMaxMs);
    this.s = {
      state: 'idle', protocol, lastAttemptAt: null, lastError: null, lastErrorCode: null,
      consecutiveFailures: 0, attempts: 0, nextAttemptAt: null,
    };
  }

  start(): void {
    this.schedule.start(this.opts.intervalMs);
    this.unsubscribe = this.spool.onCommitted(() => {
      if (this.aboveHighWater()) void this.trigger('high-water');
    });
    // After a restart or a long time offline there may be a backlog: do not wait a whole interval.
    this.trigger('start');
  }

  private aboveHighWater(): boolean {
    const ring = this.spool.ring;
    return ring.storedBytes() * 100 >= ring.budgetBytes * this.opts.highWaterPercent;
  }

  /**
   * Start an upload round now. `force` (upload-now) also cuts short a retry
   * wait; the schedule and the high-water mark do not, so a server that is
   * down is not hammered.
   */
  trigger(reason: string, force = false): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.retryTimer && !force) return this.running ?? Promise.resolve();
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.s.nextAttemptAt = null;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.log.debug({ reason }, 'upload round');
    this.running = this.round().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped && !this.retryTimer) {
        this.again = false;
        void this.trigger('more');
      }
    });
    return this.running;
  }

  /** New schedule, batch size or retry cap; the round in flight goes on. */
  configure(opts: UploaderOptions): void {
    this.opts = opts;
    this.retry.setCap(opts.retryMaxMs);
    if (this.schedule.running && !this.stopped) this.schedule.start(opts.intervalMs);
  }

  /**
   * A new log server (or new settings for it): the upload in flight on the
   * old one is cut (its chunks stay in the spool) and the batch starts over on
   * the new one at once, without counting as a failure.
   */
  async setSink(sink: Sink, protocol: string): Promise<void> {
    const old = this.sink;
    this.sink = sink;
    this.s.protocol = protocol;
    await old.close().catch(() => {});
    if (!this.stopped) void this.trigger('settings changed', true);
  }

  private async round(): Promise<void> {
    const sink = this.sink;
    let reselect = 0;
    try {
      for (;;) {
        if (this.stopped) return;
        const batch = selectBatch(this.spool.ring, this.opts.batchMaxBytes);
        if (!batch) break;
        const name = batchName(this.opts.applianceId, batch, batch.codec);
        this.s.state = 'uploading';
        this.s.attempts++;
        this.s.lastAttemptAt = Date.now();
        this.spool.ring.startFlight(batch.firstSeq, batch.lastSeq);
        try {
          await sink.upload({ name, codec: batch.codec, bytes: batch.bytes, open: () => batchStream(this.spool.ring, batch) });
        } catch (err) {
          this.spool.ring.endFlight(false);
          if (err instanceof BatchChanged && ++reselect <= MAX_RESELECT && !this.stopped) {
            this.log.info({ name, reason: err.message }, 'batch changed during upload; selecting again');
            continue;
          }
          throw err;
        }
        this.spool.ring.endFlight(true);
        reselect = 0;
        this.succeeded(batch.records, batch.bytes, name);
      }
      this.s.state = 'idle';
    } catch (err) {
      if (sink !== this.sink && !this.stopped) {
        // Cut by setSink: not the server's fault; the next round uses the new sink.
        this.again = true;
        this.s.state = 'idle';
      } else {
        this.failed(err);
      }
    } finally {
      await sink.close().catch(() => {});
    }
  }

  private succeeded(records: number, bytes: number, name: string): void {
    const now = Date.now();
    this.counters.set('upload_last_success_ms', now);
    this.totals.batches++;
    this.totals.records += records;
    this.totals.bytes += bytes;
    this.s.consecutiveFailures = 0;
    this.s.lastError = null;
    this.s.lastErrorCode = null;
    this.retry.reset();
    this.log.info({ name, records, bytes }, 'batch uploaded');
  }

  private failed(err: unknown): void {
    if (this.stopped) {
      this.s.state = 'stopped';
      return;
    }
    const e = err instanceof TmspError ? err : new TmspError('E_INTERNAL', (err as Error)?.message ?? String(err));
    const delay = this.retry.next(e.code);
    this.s.state = 'retrying';
    this.s.consecutiveFailures++;
    this.s.lastError = e.message;
    this.s.lastErrorCode = e.code;
    this.s.nextAttemptAt = Date.now() + delay;
    this.log.warn({ code: e.code, err: e.message, retryInMs: delay, consecutiveFailures: this.s.consecutiveFailures }, 'upload failed');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.trigger('retry');
    }, delay);
    this.retryTimer.unref();
  }

  stats(): UploaderStats {
    const last = this.counters.get('upload_last_success_ms');
    return {
      ...this.s,
      uploaded: { ...this.totals },
      lastAttemptAt: iso(this.s.lastAttemptAt),
      lastSuccessAt: last > 0 ? new Date(last).toISOString() : null,
      nextAttemptAt: iso(this.s.nextAttemptAt),
    };
  }

  /** Stop scheduling, cut a running upload short (its chunks stay in the spool), and wait for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.schedule.stop();
    clearTimeout(this.retryTimer);
    await this.sink.close().catch(() => {});
    await this.running?.catch(() => {});
    this.s.state = 'stopped';
  }
}
