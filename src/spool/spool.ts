// The spool: chunker → ring, with the commit retried (bounded backoff) when
// the disk refuses, so a full or failing disk sheds new records and counts
// them rather than losing what is already sealed.

import type { Logger } from 'pino';
import { Backoff } from '../core/backoff.ts';
import { sleep } from '../core/timers.ts';
import type { Db } from '../state/db.ts';
import { Chunker, type ChunkerOptions } from './chunker.ts';
import { Ring, type ChunkMeta, type RingOptions, type RingStats, type SealedChunk } from './ring.ts';

export interface SpoolOptions extends ChunkerOptions, RingOptions {}

export interface SpoolStats extends RingStats {
  open: { records: number; rawBytes: number; firstTime: number | null };
  pendingBytes: number;
  sealing: number;
  lost: { chunks: number; records: number; bytes: number };
  commitErrors: number;
  lastError: string | null;
  /** Age of the oldest record not yet released, in ms (sealed or still open). */
  oldestUnsentMs: number | null;
}

/** A refused commit is retried from this (the disk may free up any moment), up to RETRY_MAX_MS, with jitter. */
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 30_000;

export class Spool {
  readonly ring: Ring;
  readonly chunker: Chunker;
  private readonly log: Logger;
  private readonly committedListeners: Array<(meta: ChunkMeta) => void> = [];
  private readonly lostCount = { chunks: 0, records: 0, bytes: 0 };
  private commitErrors = 0;
  private lastError: string | null = null;
  private stopped = false;

  constructor(db: Db, file: string, opts: SpoolOptions, log: Logger) {
    this.log = log;
    this.ring = new Ring(db, file, opts);
    this.chunker = new Chunker(opts, {
      sealed: (chunk) => this.store(chunk),
      lost: (records, rawBytes, err) => {
        this.lostCount.chunks++;
        this.lostCount.records += records;
        this.lostCount.bytes += rawBytes;
        this.lastError = (err as Error).message;
        this.log.error({ err, records }, 'chunk lost before it could be stored');
      },
    });
  }

  configure(opts: SpoolOptions): void {
    this.ring.configure(opts);
    this.chunker.configure(opts);
  }

  /** Called after each chunk is stored; returns the function that unsubscribes. */
  onCommitted(fn: (meta: ChunkMeta) => void): () => void {
    this.committedListeners.push(fn);
    return () => {
      const i = this.committedListeners.indexOf(fn);
      if (i >= 0) this.committedListeners.splice(i, 1);
    };
  }

  private async store(chunk: SealedChunk): Promise<void> {
    const backoff = new Backoff({ baseMs: RETRY_MIN_MS, capMs: RETRY_MAX_MS });
    for (;;) {
      try {
        const meta = this.ring.commit(chunk);
        if (meta) for (const fn of this.committedListeners) fn(meta);
        return;
      } catch (err) {
        this.commitErrors++;
        this.lastError = (err as Error).message;
        // On the way down there is no later: count the chunk lost and go.
        if (this.stopped) throw err;
        const delay = backoff.next();
        this.log.error({ err, retryInMs: delay }, 'spool commit failed; retrying');
        await sleep(delay);
      }
    }
  }

  /** Seal the open chunk and wait until everything sealed is stored. */
  flush(): Promise<void> {
    return this.chunker.flush();
  }

  /** Final flush: a commit that fails now is counted lost instead of retried forever. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.flush();
  }

  stats(now = Date.now()): SpoolStats {
    const r = this.ring.stats();
    const openFirst = this.chunker.openFirstTime ?? null;
    const oldest = r.oldestTime ?? openFirst;
    return {
      ...r,
      open: { records: this.chunker.openRecords, rawBytes: this.chunker.openRawBytes, firstTime: openFirst },
      pendingBytes: this.chunker.pendingBytes,
      sealing: this.chunker.sealingChunks,
      // Lost before they could be stored (this run), and lost with a damaged database (counted in the new one).
      lost: { chunks: this.lostCount.chunks + r.lost.chunks, records: this.lostCount.records + r.lost.records,
        bytes: this.lostCount.bytes + r.lost.bytes },
      commitErrors: this.commitErrors,
      lastError: this.lastError,
      oldestUnsentMs: oldest === null ? null : Math.max(0, now - oldest),
    };
  }
}
