// The ingest room's lifecycle: files landed by any receiver are ingested one
// at a time, in the order they landed. At start, what a crash interrupted is
// dropped and the incoming directories are scanned, so a batch that became
// complete while the portal was down (or during the crash) is ingested then;
// a rescan every minute picks up anything a full queue turned away. The
// queue is bounded; a file turned away stays on disk and is never lost.
// The archive that keeps accepted batches starts and stops with ingest.

import fs from 'node:fs';
import path from 'node:path';
import { looksLikeBatch } from '../../protocol/batch.ts';
import type { ArchiveCounters, BatchArchive } from '../archive/archive.ts';
import type { Landed } from '../receive/landed.ts';
import type { Store } from '../store/store.ts';
import { ingestOne, NotArchived, type IngestPlaces, type Outcome } from './batch.ts';

export const MAX_QUEUED = 10_000;
const RESCAN_MS = 60_000;
/**
 * What lies in incoming/ this long without becoming a batch never will: an
 * upload abandoned mid-way (its .part file), a probe file never deleted, a
 * file that is not a batch. The rescan removes it, so that incoming/ holds
 * only batches in flight and does not grow with time.
 */
export const STALE_MS = 24 * 3_600_000;

export interface IngestLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  error(o: object, msg: string): void;
}

export interface IngestOptions extends IngestPlaces {
  incoming: string;
  maxBatchBytes: number;
  /** Appliances one account may own (fleet.maxAppliancesPerAccount). */
  maxAppliancesPerAccount?: number;
  log: IngestLog;
  now?: () => number;
  /** Told of every outcome: fleet learns of batches here, tests wait on it. */
  onOutcome?: (o: Outcome, l: Landed) => void;
}

export interface IngestCounters {
  queued: number;
  turnedAway: number;
  ingested: number;
  duplicates: number;
  quarantined: number;
  ignored: number;
  failed: number;
  /** Stale files removed from incoming/ (STALE_MS). */
  staleRemoved: number;
  /** The archive's own: batches kept, failures, batches pruned. */
  archive: ArchiveCounters;
}

export class Ingest {
  private readonly queue: Landed[] = [];
  private readonly pending = new Set<string>();
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private readonly store: Store;
  private readonly o: IngestOptions;
  private readonly now: () => number;
  readonly counters: IngestCounters;

  constructor(store: Store, o: IngestOptions) {
    this.store = store;
    this.o = o;
    this.now = o.now ?? Date.now;
    this.counters = {
      queued: 0, turnedAway: 0, ingested: 0, duplicates: 0, quarantined: 0, ignored: 0, failed: 0, staleRemoved: 0, archive: o.archive.counters,
    };
  }

  /** Where accepted batches are kept; the portal prunes it. */
  get archive(): BatchArchive {
    return this.o.archive;
  }

  async start(): Promise<void> {
    for (const d of [this.o.incoming, this.o.quarantine]) fs.mkdirSync(d, { recursive: true, mode: 0o750 });
    await this.o.archive.start();
    const dropped = await this.store.batches.abandonUnfinished();
    if (dropped > 0) this.o.log.warn({ batches: dropped }, 'batches an interrupted ingest left were dropped; their files are ingested again');
    this.stopped = false;
    this.rescan();
    this.timer = setInterval(() => this.rescan(), RESCAN_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.queue.length = 0;
    this.pending.clear();
    // An upload in flight is cut rather than waited for: its file stays in incoming/, and the next start keeps it.
    await this.o.archive.stop();
    await this.running;
  }

  get depth(): number {
    return this.queue.length;
  }

  /** A receiver's report: queued, or turned away (and found again by the next rescan). */
  landed(l: Landed): void {
    if (this.stopped || this.pending.has(l.file)) return;
    if (this.queue.length >= MAX_QUEUED) {
      this.counters.turnedAway++;
      return;
    }
    this.pending.add(l.file);
    this.queue.push(l);
    this.counters.queued++;
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      if (this.queue.length > 0 && !this.stopped) this.running = this.drain();
    });
  }

  /** Resolves when nothing is queued or being ingested. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (let l = this.queue.shift(); l && !this.stopped; l = this.queue.shift()) {
      try {
        const out = await ingestOne(l, this.store, this.o,
          { maxBatchBytes: this.o.maxBatchBytes, maxAppliances: this.o.maxAppliancesPerAccount ?? Infinity, now: this.now });
        this.count(out, l);
        this.o.onOutcome?.(out, l);
      } catch (err) {
        // The store or the archive failed (disk full, I/O, the bucket unreachable): the file stays where it is and the next rescan retries it.
        this.counters.failed++;
        if (err instanceof NotArchived) {
          this.count(err.outcome, l);
          this.o.onOutcome?.(err.outcome, l);
          this.o.log.error({ err, file: l.relPath, account: l.account }, 'batch ingested but not archived; the file is kept and archived at the next rescan');
        } else {
          this.o.log.error({ err, file: l.relPath, account: l.account }, 'ingest failed; the file is kept and retried');
        }
      } finally {
        this.pending.delete(l.file);
      }
    }
  }

  private count(out: Outcome, l: Landed): void {
    const where = { account: l.account, via: l.via, file: l.relPath };
    if (out.kind === 'ingested') {
      this.counters.ingested++;
      this.o.log.info({ ...where, records: out.records, newRecords: out.newRecords, detections: out.detections }, 'batch ingested');
    } else if (out.kind === 'duplicate') {
      this.counters.duplicates++;
      this.o.log.info(where, out.archived ? 'batch received again; nothing changed, and the archive, which lacked it, keeps it now'
        : 'batch received again; nothing changed');
    } else if (out.kind === 'quarantined') {
      this.counters.quarantined++;
      this.o.log.warn({ ...where, reason: out.reason }, 'batch quarantined');
    } else {
      this.counters.ignored++;
      this.removeIfStale(l.file);
    }
  }

  private removeIfStale(file: string): void {
    try {
      if (fs.lstatSync(file).mtimeMs >= this.now() - STALE_MS) return;
      fs.rmSync(file, { force: true });
      this.counters.staleRemoved++;
      this.o.log.warn({ file: path.relative(this.o.incoming, file) }, 'a file that never became a batch was removed from incoming after a day');
    } catch {
      // gone meanwhile
    }
  }

  /** Every complete batch file under incoming/<account>/ (dot files and .part files are uploads in progress). */
  private rescan(): void {
    if (this.stopped) return;
    let accounts: fs.Dirent[];
    try {
      accounts = fs.readdirSync(this.o.incoming, { withFileTypes: true });
    } catch {
      return;
    }
    for (const a of accounts) {
      if (!a.isDirectory()) continue;
      const root = path.join(this.o.incoming, a.name);
      walk(root, '', 0, (relPath, file) => this.landed({ account: a.name, via: 'rescan', relPath, file }), (file) => this.removeIfStale(file));
    }
  }
}

const MAX_DEPTH = 8;

/** Complete batch files to `found`; every other file (uploads in progress, strays) to `other`. */
function walk(root: string, rel: string, depth: number, found: (relPath: string, file: string) => void, other: (file: string) => void): void {
  if (depth > MAX_DEPTH) return;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!e.name.startsWith('.')) walk(root, r, depth + 1, found, other);
    } else if (e.isFile()) {
      if (!e.name.startsWith('.') && !e.name.endsWith('.part') && looksLikeBatch(e.name)) found(r, path.join(root, r));
      else other(path.join(root, r));
    }
  }
}
