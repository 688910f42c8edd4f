// The open chunk: encoded records stream into one gzip member or one zstd
// frame (spool.compression), compressed on libuv's thread pool while the
// main thread keeps reading sockets. A chunk is sealed when its uncompressed
// size or its age reaches the limit; sealed chunks are handed on strictly in
// order.
//
// Memory is bounded by maxPendingBytes: the uncompressed bytes of the open
// chunk and of sealed chunks not yet handed on. Past it, append() refuses
// (push sources count that as shed) and pull sources wait for onDrain.

import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { GarbageBudget } from '../native/gc.ts';
import type { Codec } from '../protocol/batch.ts';
import type { SealedChunk } from './ring.ts';

export interface ChunkerOptions {
  chunkMaxBytes: number;
  chunkMaxAgeMs: number;
  compression: Codec;
  /** The level for that codec: gzip 1–9, zstd 1–6. */
  compressionLevel: number;
  maxPendingBytes: number;
}

export interface ChunkerOutput {
  /** Takes a sealed chunk; resolves once it is stored. Called strictly in order. */
  sealed(chunk: SealedChunk): Promise<void>;
  /** A chunk could not be compressed; its records are lost and must be counted. */
  lost(records: number, rawBytes: number, err: unknown): void;
}

const STAGING_BYTES = 64 * 1024;
/**
 * Stored chunks' buffers (the compressor's pieces and their concatenation)
 * collected after this many bytes: without it they wait for V8's own full
 * collection, which a heap this small seldom needs, and hold megabytes of
 * the C heap meanwhile.
 */
const GARBAGE_BYTES = 2 * 1024 * 1024;
/** Staging buffers kept for reuse: enough for the compressor's queue on a busy thread pool. */
const SPARE_STAGING = 8;

/**
 * Staging buffers, reused once the compressor has taken their bytes: at
 * 20,000 lines/s a new buffer per flush is 7 MiB/s allocated and freed
 * outside the V8 heap.
 */
class StagingPool {
  private readonly spare: Buffer[] = [];

  take(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafe(STAGING_BYTES);
  }

  give(b: Buffer): void {
    if (this.spare.length < SPARE_STAGING) this.spare.push(b);
  }
}

/**
 * One chunk's compressor. zstd's window need not be larger than a chunk
 * (a frame never refers outside itself), and every byte of window is memory
 * on the appliance and on the portal that decodes it; the frame carries a
 * checksum, as a gzip member carries its CRC.
 */
export function compressor(codec: Codec, level: number, chunkMaxBytes: number): Transform {
  if (codec === 'gzip') return zlib.createGzip({ level });
  const windowLog = Math.min(24, Math.max(17, Math.ceil(Math.log2(chunkMaxBytes))));
  return zlib.createZstdCompress({
    params: {
      [zlib.constants.ZSTD_c_compressionLevel]: level,
      [zlib.constants.ZSTD_c_windowLog]: windowLog,
      [zlib.constants.ZSTD_c_checksumFlag]: 1,
    },
  });
}

class OpenChunk {
  readonly codec: Codec;
  readonly z: Transform;
  readonly out: Buffer[] = [];
  outBytes = 0;
  records = 0;
  rawBytes = 0;
  firstTime = 0;
  readonly notes = new Map<string, () => void>();
  private readonly pool: StagingPool;
  staging: Buffer;
  used = 0;
  done: Promise<Buffer>;

  constructor(o: ChunkerOptions, pool: StagingPool) {
    this.pool = pool;
    this.staging = pool.take();
    this.codec = o.compression;
    this.z = compressor(o.compression, o.compressionLevel, o.chunkMaxBytes);
    this.z.on('data', (b: Buffer) => {
      this.out.push(b);
      this.outBytes += b.length;
    });
    this.done = new Promise((resolve, reject) => {
      this.z.once('end', () => resolve(Buffer.concat(this.out, this.outBytes)));
      this.z.once('error', reject);
    });
  }

  flushStaging(): void {
    if (this.used === 0) return;
    // zlib keeps the buffer until it has compressed it: hand it over, take
    // another, and give it back to the pool when zlib is done with it.
    const full = this.staging;
    this.z.write(full.subarray(0, this.used), () => this.pool.give(full));
    this.staging = this.pool.take();
    this.used = 0;
  }

  /** Sealed: the last bytes go to the compressor, and the staging buffer back to the pool. */
  finish(): void {
    this.flushStaging();
    this.pool.give(this.staging);
    this.z.end();
  }
}

export class Chunker {
  private opts: ChunkerOptions;
  private open: OpenChunk | undefined;
  private ageTimer: NodeJS.Timeout | undefined;
  /** Sealed chunks on their way out, oldest first. */
  private readonly sealing: Array<{ chunk: OpenChunk; raw: number }> = [];
  private pending = 0;
  private draining = false;
  private readonly drainWaiters: Array<() => void> = [];
  private readonly out: ChunkerOutput;
  private handing: Promise<void> = Promise.resolve();
  private batching = false;
  private readonly staging = new StagingPool();
  private readonly garbage = new GarbageBudget(GARBAGE_BYTES, 'major');

  constructor(opts: ChunkerOptions, out: ChunkerOutput) {
    this.opts = opts;
    this.out = out;
  }

  configure(opts: ChunkerOptions): void {
    this.opts = opts;
  }

  /** Uncompressed bytes held in memory (open chunk + sealed, not yet handed on). */
  get pendingBytes(): number {
    return this.pending;
  }

  get openRecords(): number {
    return this.open?.records ?? 0;
  }

  get openRawBytes(): number {
    return this.open?.rawBytes ?? 0;
  }

  get openFirstTime(): number | undefined {
    return this.open && this.open.records > 0 ? this.open.firstTime : undefined;
  }

  /** False when memory is at its bound: the record was not taken. */
  get writable(): boolean {
    return this.pending < this.opts.maxPendingBytes;
  }

  /** Resolves when the chunker can take records again. */
  onDrain(fn: () => void): void {
    if (this.writable) fn();
    else this.drainWaiters.push(fn);
  }

  /** Append one encoded record (NDJSON line). Returns false if it was refused. */
  append(record: string, time: number): boolean {
    if (!this.writable) return false;
    let c = this.open;
    if (!c) {
      c = this.open = new OpenChunk(this.opts, this.staging);
      c.firstTime = time;
      this.ageTimer = setTimeout(() => this.seal(), this.opts.chunkMaxAgeMs);
      this.ageTimer.unref();
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit: room is made without
    // measuring the record first (a second pass over every record), and the
    // write says how long it was.
    const most = record.length * 3;
    if (c.used + most > STAGING_BYTES) c.flushStaging();
    let len: number;
    if (most > STAGING_BYTES) {
      const b = Buffer.from(record);
      len = b.length;
      c.z.write(b);
    } else {
      len = c.staging.write(record, c.used);
      c.used += len;
    }
    c.records++;
    c.rawBytes += len;
    this.pending += len;
    if (c.rawBytes >= this.opts.chunkMaxBytes && !this.batching) this.seal();
    return true;
  }

  /**
   * Run fn (appends and a note) with no size seal in between, so the note
   * lands in the same chunk as every record appended before it. A source
   * that notes an offset after a read must append the read's records this
   * way. The chunk may then exceed its size limit by one batch.
   */
  batch(fn: () => void): void {
    this.batching = true;
    try {
      fn();
    } finally {
      this.batching = false;
    }
    if (this.open && this.open.rawBytes >= this.opts.chunkMaxBytes) this.seal();
  }

  /**
   * Attach work to the open chunk that must commit with it. A later note
   * under the same key replaces the earlier one (e.g. a file's newest offset).
   * With no open chunk the note is committed with an empty chunk at once.
   */
  note(key: string, fn: () => void): void {
    if (this.open) this.open.notes.set(key, fn);
    else this.hand({ records: 0, rawBytes: 0, firstTime: Date.now(), codec: this.opts.compression, data: Buffer.alloc(0), notes: [fn] });
  }

  /** Seal the open chunk now (age limit, size limit, flush, shutdown). */
  seal(): void {
    const c = this.open;
    if (!c) return;
    this.open = undefined;
    clearTimeout(this.ageTimer);
    c.finish();
    const entry = { chunk: c, raw: c.rawBytes };
    this.sealing.push(entry);
    this.chain(async () => {
      try {
        const data = await c.done;
        await this.out.sealed({
          records: c.records, rawBytes: c.rawBytes, firstTime: c.firstTime, codec: c.codec, data, notes: [...c.notes.values()],
        });
        // The compressor's output lived through young collections while the chunk was open: it waits in the old generation.
        this.garbage.add(c.outBytes * 2);
      } catch (err) {
        this.lost(c.records, c.rawBytes, err);
      } finally {
        this.sealing.shift();
        this.release(entry.raw);
      }
    });
  }

  private hand(chunk: SealedChunk): void {
    this.chain(() => this.out.sealed(chunk).catch((err) => this.lost(0, 0, err)));
  }

  /** Each link stands alone: whatever one throws, the links after it still run, in order. */
  private chain(link: () => Promise<void>): void {
    this.handing = this.handing.then(link).catch(() => {});
  }

  private lost(records: number, rawBytes: number, err: unknown): void {
    try {
      this.out.lost(records, rawBytes, err);
    } catch {
      // Counting a loss must not stop the chunks behind it.
    }
  }

  private release(raw: number): void {
    this.pending -= raw;
    if (this.draining || !this.writable) return;
    this.draining = true;
    try {
      while (this.drainWaiters.length > 0 && this.writable) this.drainWaiters.shift()!();
    } finally {
      this.draining = false;
    }
  }

  /** Seal what is open and wait until every sealed chunk has been handed on. */
  async flush(): Promise<void> {
    this.seal();
    await this.handing;
  }

  get sealingChunks(): number {
    return this.sealing.length;
  }
}
