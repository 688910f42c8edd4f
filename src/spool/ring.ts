// The ring: sealed chunks (gzip members or zstd frames), oldest first,
// inside one byte budget that covers the database, its WAL and the segment
// files. A chunk's body is written once, to a segment file (segments.ts);
// SQLite indexes it and keeps the counters. When a new chunk does not fit,
// the oldest chunks are dropped and counted exactly, in the same transaction
// as the insert. Readers fetch one chunk at a time, so the spool is never
// loaded into memory and no read transaction stays open.

import zlib from 'node:zlib';
import { Counters } from '../state/counters.ts';
import { isDamage } from '../state/connection.ts';
import { diskBytes, WAL_SIZE_LIMIT, type Db } from '../state/db.ts';
import type { Codec } from '../protocol/batch.ts';
import { UploadFlight, type LossCounters } from './flight.ts';
import { segmentDir, Segments, type Placement } from './segments.ts';

export interface SealedChunk {
  records: number;
  rawBytes: number;
  firstTime: number;
  codec: Codec;
  data: Buffer;
  /** Work that must commit with the chunk (e.g. file cursors), run inside the transaction. */
  notes: ReadonlyArray<() => void>;
}

export interface ChunkMeta {
  firstSeq: number;
  lastSeq: number;
  records: number;
  rawBytes: number;
  bytes: number;
  firstTime: number;
  codec: Codec;
}

export interface Chunk extends ChunkMeta {
  data: Buffer;
}

export type { LossCounters } from './flight.ts';

export interface RingStats {
  chunks: number;
  records: number;
  bytes: number;
  rawBytes: number;
  firstSeq: number | null;
  lastSeq: number | null;
  oldestTime: number | null;
  nextSeq: number;
  diskBytes: number;
  budgetBytes: number;
  dropped: LossCounters;
  corrupt: LossCounters;
  /** In a damaged database, unreadable when it was replaced (state/db.ts). */
  lost: LossCounters;
  released: { chunks: number; records: number };
}

export interface RingOptions {
  budgetBytes: number;
  /** full: a body is on the disk (fdatasync) before its index row commits. */
  durability: 'full' | 'normal';
}

/** Rows made before segment files hold their body in the row; new rows hold this. */
const NO_BODY = Buffer.alloc(0);

/**
 * Segments small enough that dropping the oldest one frees a small part of
 * the budget (there are at least 32), large enough that files are seldom
 * created (a file's metadata is flash writes too).
 */
function segmentBytesFor(budgetBytes: number): number {
  return Math.min(4 * 1024 * 1024, Math.max(256 * 1024, Math.floor(budgetBytes / 32)));
}

interface MetaRow {
  first_seq: number;
  last_seq: number;
  records: number;
  raw_bytes: number;
  bytes: number;
  first_time: number;
  codec: Codec;
}

const META_COLS = 'first_seq, last_seq, records, raw_bytes, bytes, first_time, codec';

function toMeta(r: MetaRow): ChunkMeta {
  return {
    firstSeq: r.first_seq, lastSeq: r.last_seq, records: r.records, rawBytes: r.raw_bytes, bytes: r.bytes,
    firstTime: r.first_time, codec: r.codec,
  };
}

export class Ring {
  private readonly db: Db;
  private readonly file: string;
  private readonly counters: Counters;
  private budget: number;
  private readonly walReserve: number;
  private readonly pageSize: number;
  private readonly stmt;
  private flight: UploadFlight | undefined;
  private readonly segments: Segments;

  constructor(db: Db, file: string, opts: RingOptions) {
    this.db = db;
    this.file = file;
    this.counters = new Counters(db);
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
    this.budget = opts.budgetBytes;
    // Room kept for the WAL: the checkpoint threshold (the WAL is cut back to
    // it), one transaction on top (index rows and counters only: bodies never
    // pass through the WAL), and some slack. (Exclusive locking keeps the WAL
    // index in memory: there is no -shm file.)
    this.walReserve = WAL_SIZE_LIMIT + 64 * this.pageSize + 64 * 1024;
    this.stmt = {
      insert: db.prepare(`INSERT INTO chunk (first_seq, last_seq, records, raw_bytes, bytes, first_time, sealed_at, crc, data,
        segment, seg_offset, codec) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      oldest: db.prepare<[], MetaRow & { segment: number | null }>(`SELECT ${META_COLS}, segment FROM chunk ORDER BY first_seq LIMIT 1`),
      after: db.prepare<[number], MetaRow>(`SELECT ${META_COLS} FROM chunk WHERE first_seq > ? ORDER BY first_seq LIMIT 1`),
      data: db.prepare<[number], { data: Buffer; crc: number; segment: number | null; seg_offset: number; bytes: number }>(
        'SELECT data, crc, segment, seg_offset, bytes FROM chunk WHERE first_seq = ?'),
      oldestSegment: db.prepare<[], { segment: number }>(
        'SELECT segment FROM chunk WHERE segment IS NOT NULL ORDER BY first_seq LIMIT 1'),
      ends: db.prepare<[], { segment: number; end: number }>(
        'SELECT segment, max(seg_offset + bytes) AS end FROM chunk WHERE segment IS NOT NULL GROUP BY segment'),
      remove: db.prepare('DELETE FROM chunk WHERE first_seq = ?'),
      upTo: db.prepare<[number], MetaRow>(`SELECT ${META_COLS} FROM chunk WHERE last_seq <= ? ORDER BY first_seq`),
      removeUpTo: db.prepare('DELETE FROM chunk WHERE last_seq <= ?'),
      newest: db.prepare<[], { last_seq: number }>('SELECT last_seq FROM chunk ORDER BY first_seq DESC LIMIT 1'),
      pages: db.prepare<[], { n: number }>('SELECT page_count - freelist_count AS n FROM pragma_page_count(), pragma_freelist_count()'),
    };
    this.segments = new Segments(segmentDir(file), { segmentBytes: segmentBytesFor(opts.budgetBytes), sync: opts.durability === 'full' });
    let ends: Map<number, number> | undefined;
    try {
      ends = new Map(this.stmt.ends.all().map((r) => [r.segment, r.end]));
    } catch (err) {
      // A damaged index: the connection replaces the file with what can be
      // read. Cutting segments to a damaged index could lose bodies, so they
      // wait for the next open; until then they count against the budget.
      if (!isDamage(err)) throw err;
    }
    if (ends) this.segments.reconcile(ends);
  }

  configure(opts: RingOptions): void {
    this.budget = opts.budgetBytes;
    this.segments.configure({ segmentBytes: segmentBytesFor(opts.budgetBytes), sync: opts.durability === 'full' });
  }

  private usedBytes(): number {
    return this.stmt.pages.get()!.n * this.pageSize + this.segments.bytes;
  }

  /** The oldest segment still indexed: every segment before it may go (Infinity: all may). */
  private keepFrom(): number {
    return this.stmt.oldestSegment.get()?.segment ?? Infinity;
  }

  /** After a commit that removed rows: delete the segments nothing is indexed in any more. */
  private sweep(keepFrom = this.keepFrom()): void {
    this.segments.deleteBefore(keepFrom);
  }

  /**
   * Drop oldest chunks until `need` more bytes fit; returns false if they
   * never can. A segment's bytes count as free once its last chunk is
   * dropped (the file goes after the commit, in sweep).
   */
  private makeRoom(need: number): boolean {
    const limit = this.budget - this.walReserve;
    let freed = 0;
    while (this.usedBytes() - freed + need > limit) {
      const victim = this.stmt.oldest.get();
      if (!victim) return false;
      this.stmt.remove.run(victim.first_seq);
      this.held(-1, victim);
      if (!this.flight?.holds(victim)) this.countLoss('dropped', victim.records, victim.raw_bytes);
      if (victim.segment !== null && this.keepFrom() > victim.segment) freed += this.segments.sizeOf(victim.segment);
    }
    return true;
  }

  /** The running totals of what the table holds; every insert and delete moves them in its own transaction. */
  private held(sign: 1 | -1, m: { records: number; bytes: number; raw_bytes?: number; rawBytes?: number }): void {
    this.counters.add('held_chunks', sign);
    this.counters.add('held_records', sign * m.records);
    this.counters.add('held_bytes', sign * m.bytes);
    this.counters.add('held_raw_bytes', sign * (m.raw_bytes ?? m.rawBytes ?? 0));
  }

  private countLoss(kind: 'dropped' | 'corrupt', records: number, rawBytes: number): void {
    this.counters.add(`${kind}_chunks`, 1);
    this.counters.add(`${kind}_records`, records);
    this.counters.add(`${kind}_bytes`, rawBytes);
  }

  /**
   * Store a sealed chunk (evicting as needed) and its notes in one
   * transaction. The body is written to its segment first, inside the
   * transaction: if the index row does not commit, it is taken back off.
   */
  commit(chunk: SealedChunk): ChunkMeta | undefined {
    let placed: Placement | undefined;
    let keep = Infinity;
    let meta: ChunkMeta | undefined;
    try {
      meta = this.db.transaction((): ChunkMeta | undefined => {
        if (chunk.records === 0) {
          for (const note of chunk.notes) note();
          return undefined;
        }
        const firstSeq = Math.max(this.counters.get('next_seq'), 1);
        const lastSeq = firstSeq + chunk.records - 1;
        this.counters.set('next_seq', lastSeq + 1);
        for (const note of chunk.notes) note();
        // The body, and an index row's share of a b-tree page.
        if (!this.makeRoom(chunk.data.length + 2 * this.pageSize)) {
          // Larger than the whole budget: it can only be counted as dropped.
          this.countLoss('dropped', chunk.records, chunk.rawBytes);
          return undefined;
        }
        keep = this.keepFrom();
        const p = (placed = this.segments.append(chunk.data, firstSeq, keep));
        this.stmt.insert.run(firstSeq, lastSeq, chunk.records, chunk.rawBytes, chunk.data.length, chunk.firstTime,
          Date.now(), zlib.crc32(chunk.data), NO_BODY, p.segment, p.offset, chunk.codec);
        this.held(1, { records: chunk.records, bytes: chunk.data.length, rawBytes: chunk.rawBytes });
        return {
          firstSeq, lastSeq, records: chunk.records, rawBytes: chunk.rawBytes, bytes: chunk.data.length,
          firstTime: chunk.firstTime, codec: chunk.codec,
        };
      })();
    } catch (err) {
      if (placed) this.segments.undo(placed);
      throw err;
    }
    // With a body placed, the oldest segment indexed is known without asking: the one kept from, or the body's own.
    this.sweep(placed ? Math.min(keep, placed.segment) : undefined);
    return meta;
  }

  /** The first chunk after `afterSeq` (metadata only). */
  next(afterSeq = 0): ChunkMeta | undefined {
    const r = this.stmt.after.get(afterSeq);
    return r ? toMeta(r) : undefined;
  }

  /**
   * The chunk's data, CRC-checked. A damaged chunk is removed, counted as
   * corrupt and reported as undefined, so one bad chunk never blocks the rest.
   */
  data(meta: ChunkMeta): Buffer | undefined {
    const row = this.stmt.data.get(meta.firstSeq);
    if (!row) return undefined;
    const body = row.segment === null ? row.data : this.segments.read(row.segment, row.seg_offset, row.bytes);
    if (body && zlib.crc32(body) === row.crc) return body;
    this.db.transaction(() => {
      if (this.stmt.remove.run(meta.firstSeq).changes > 0) {
        this.held(-1, meta);
        this.countLoss('corrupt', meta.records, meta.rawBytes);
      }
    })();
    this.sweep();
    return undefined;
  }

  /**
   * An upload of [firstSeq, lastSeq] begins. Chunks it has sent that the
   * budget evicts before the server confirms are held apart, so that the
   * dropped counter stays exact either way (see endFlight).
   */
  startFlight(firstSeq: number, lastSeq: number): void {
    this.flight = new UploadFlight(firstSeq, lastSeq);
  }

  /** Every record up to `seq` of the flight has been handed to the transport. */
  sentThrough(seq: number): void {
    this.flight?.sentThrough(seq);
  }

  /** The upload ended: confirmed (release what it covered) or failed (what it lost to eviction is dropped). */
  endFlight(confirmed: boolean): { chunks: number; records: number } {
    const f = this.flight;
    this.flight = undefined;
    if (!f) return { chunks: 0, records: 0 };
    if (confirmed) return this.release(f.lastSeq);
    if (f.limbo.chunks > 0) {
      this.db.transaction(() => {
        this.counters.add('dropped_chunks', f.limbo.chunks);
        this.counters.add('dropped_records', f.limbo.records);
        this.counters.add('dropped_bytes', f.limbo.bytes);
      })();
    }
    return { chunks: 0, records: 0 };
  }

  /** Free every chunk whose records are all at or below `upToSeq` (after an acknowledged upload). */
  release(upToSeq: number): { chunks: number; records: number } {
    const freed = this.db.transaction(() => {
      let records = 0;
      const rows = this.stmt.upTo.all(upToSeq);
      for (const r of rows) {
        records += r.records;
        this.held(-1, r);
      }
      this.stmt.removeUpTo.run(upToSeq);
      this.counters.add('released_chunks', rows.length);
      this.counters.add('released_records', records);
      return { chunks: rows.length, records };
    })();
    this.sweep();
    return freed;
  }

  private loss(kind: 'dropped' | 'corrupt' | 'lost'): LossCounters {
    return {
      chunks: this.counters.get(`${kind}_chunks`),
      records: this.counters.get(`${kind}_records`),
      bytes: this.counters.get(`${kind}_bytes`),
    };
  }

  /** Compressed bytes of the chunks held: how full the spool is. */
  storedBytes(): number {
    return this.counters.get('held_bytes');
  }

  /** Bytes on disk now (database, WAL and segments): cheap, for frequent checks. */
  diskBytes(): number {
    return diskBytes(this.file) + this.segments.bytes;
  }

  get budgetBytes(): number {
    return this.budget;
  }

  stats(): RingStats {
    const first = this.stmt.oldest.get();
    return {
      chunks: this.counters.get('held_chunks'),
      records: this.counters.get('held_records'),
      bytes: this.counters.get('held_bytes'),
      rawBytes: this.counters.get('held_raw_bytes'),
      firstSeq: first?.first_seq ?? null,
      lastSeq: first ? this.stmt.newest.get()!.last_seq : null,
      oldestTime: first?.first_time ?? null,
      nextSeq: Math.max(this.counters.get('next_seq'), 1),
      diskBytes: this.diskBytes(),
      budgetBytes: this.budget,
      dropped: this.loss('dropped'),
      corrupt: this.loss('corrupt'),
      lost: this.loss('lost'),
      released: { chunks: this.counters.get('released_chunks'), records: this.counters.get('released_records') },
    };
  }
}
