// The ring: sealed gzip chunks in SQLite, oldest first, inside one byte
// budget that covers the database, its WAL and its index. When a new chunk
// does not fit, the oldest chunks are dropped and counted exactly, in the
// same transaction as the insert. Readers fetch one chunk at a time, so the
// spool is never loaded into memory and no read transaction stays open.

import zlib from 'node:zlib';
import { Counters } from '../state/counters.ts';
import { diskBytes, WAL_SIZE_LIMIT, type Db } from '../state/db.ts';
import { UploadFlight, type LossCounters } from './flight.ts';

export interface SealedChunk {
  records: number;
  rawBytes: number;
  firstTime: number;
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
  /** Largest chunk the chunker can seal (uncompressed); bounds one WAL transaction. */
  chunkMaxBytes: number;
}

interface MetaRow {
  first_seq: number;
  last_seq: number;
  records: number;
  raw_bytes: number;
  bytes: number;
  first_time: number;
}

const META_COLS = 'first_seq, last_seq, records, raw_bytes, bytes, first_time';

function toMeta(r: MetaRow): ChunkMeta {
  return {
    firstSeq: r.first_seq, lastSeq: r.last_seq, records: r.records, rawBytes: r.raw_bytes, bytes: r.bytes,
    firstTime: r.first_time,
  };
}

export class Ring {
  private readonly db: Db;
  private readonly file: string;
  private readonly counters: Counters;
  private budget: number;
  private walReserve: number;
  private readonly pageSize: number;
  private readonly stmt;
  private flight: UploadFlight | undefined;

  constructor(db: Db, file: string, opts: RingOptions) {
    this.db = db;
    this.file = file;
    this.counters = new Counters(db);
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
    this.budget = opts.budgetBytes;
    this.walReserve = this.reserveFor(opts.chunkMaxBytes);
    this.stmt = {
      insert: db.prepare(`INSERT INTO chunk (first_seq, last_seq, records, raw_bytes, bytes, first_time, sealed_at, crc, data)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      oldest: db.prepare<[], MetaRow>(`SELECT ${META_COLS} FROM chunk ORDER BY first_seq LIMIT 1`),
      after: db.prepare<[number], MetaRow>(`SELECT ${META_COLS} FROM chunk WHERE first_seq > ? ORDER BY first_seq LIMIT 1`),
      data: db.prepare<[number], { data: Buffer; crc: number }>('SELECT data, crc FROM chunk WHERE first_seq = ?'),
      remove: db.prepare('DELETE FROM chunk WHERE first_seq = ?'),
      upTo: db.prepare<[number], MetaRow>(`SELECT ${META_COLS} FROM chunk WHERE last_seq <= ? ORDER BY first_seq`),
      removeUpTo: db.prepare('DELETE FROM chunk WHERE last_seq <= ?'),
      newest: db.prepare<[], { last_seq: number }>('SELECT last_seq FROM chunk ORDER BY first_seq DESC LIMIT 1'),
      pages: db.prepare<[], { n: number }>('SELECT page_count - freelist_count AS n FROM pragma_page_count(), pragma_freelist_count()'),
    };
  }

  /**
   * Room kept for the WAL: the checkpoint threshold (the WAL is cut back to
   * it), one largest transaction on top, and some slack. (Exclusive locking
   * keeps the WAL index in memory: there is no -shm file.)
   */
  private reserveFor(chunkMaxBytes: number): number {
    const oneTxn = Math.ceil(chunkMaxBytes * 1.01) + 16 * this.pageSize;
    return WAL_SIZE_LIMIT + oneTxn + 64 * 1024;
  }

  configure(opts: RingOptions): void {
    this.budget = opts.budgetBytes;
    this.walReserve = this.reserveFor(opts.chunkMaxBytes);
  }

  private pagesFor(bytes: number): number {
    // Overflow pages carry pageSize-4 bytes each; allow for the b-tree pages around them.
    return Math.ceil(bytes / (this.pageSize - 4)) + 4;
  }

  private usedBytes(): number {
    return this.stmt.pages.get()!.n * this.pageSize;
  }

  /** Drop oldest chunks until `need` more bytes fit; returns false if they never can. */
  private makeRoom(need: number): boolean {
    const limit = this.budget - this.walReserve;
    while (this.usedBytes() + need > limit) {
      const victim = this.stmt.oldest.get();
      if (!victim) return false;
      this.stmt.remove.run(victim.first_seq);
      this.held(-1, victim);
      if (!this.flight?.holds(victim)) this.countLoss('dropped', victim.records, victim.raw_bytes);
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

  /** Store a sealed chunk (evicting as needed) and its notes in one transaction. */
  commit(chunk: SealedChunk): ChunkMeta | undefined {
    return this.db.transaction((): ChunkMeta | undefined => {
      if (chunk.records === 0) {
        for (const note of chunk.notes) note();
        return undefined;
      }
      const firstSeq = Math.max(this.counters.get('next_seq'), 1);
      const lastSeq = firstSeq + chunk.records - 1;
      this.counters.set('next_seq', lastSeq + 1);
      for (const note of chunk.notes) note();
      if (!this.makeRoom(this.pagesFor(chunk.data.length) * this.pageSize)) {
        // Larger than the whole budget: it can only be counted as dropped.
        this.countLoss('dropped', chunk.records, chunk.rawBytes);
        return undefined;
      }
      this.stmt.insert.run(firstSeq, lastSeq, chunk.records, chunk.rawBytes, chunk.data.length, chunk.firstTime,
        Date.now(), zlib.crc32(chunk.data), chunk.data);
      this.held(1, { records: chunk.records, bytes: chunk.data.length, rawBytes: chunk.rawBytes });
      return {
        firstSeq, lastSeq, records: chunk.records, rawBytes: chunk.rawBytes, bytes: chunk.data.length,
        firstTime: chunk.firstTime,
      };
    })();
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
    if (zlib.crc32(row.data) === row.crc) return row.data;
    this.db.transaction(() => {
      if (this.stmt.remove.run(meta.firstSeq).changes > 0) {
        this.held(-1, meta);
        this.countLoss('corrupt', meta.records, meta.rawBytes);
      }
    })();
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
    return this.db.transaction(() => {
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

  /** Bytes on disk now (database and WAL): cheap, for frequent checks. */
  diskBytes(): number {
    return diskBytes(this.file);
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
      diskBytes: diskBytes(this.file),
      budgetBytes: this.budget,
      dropped: this.loss('dropped'),
      corrupt: this.loss('corrupt'),
      lost: this.loss('lost'),
      released: { chunks: this.counters.get('released_chunks'), records: this.counters.get('released_records') },
    };
  }
}
