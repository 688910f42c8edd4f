// Reading the spool for an upload: pick the oldest chunks up to a size, then
// stream exactly those, one chunk at a time, only as fast as the consumer
// reads (a Readable pulls the next chunk from SQLite only when asked). The
// stream is the chunks' gzip members (or zstd frames) back to back: one
// valid stream of that codec, never recompressed. Memory holds one chunk,
// whatever the batch size.

import { Readable } from 'node:stream';
import { GarbageBudget } from '../native/gc.ts';
import { BatchChanged } from '../errors.ts';
import type { Codec } from '../protocol/batch.ts';
import type { Ring } from './ring.ts';

export interface Batch {
  firstSeq: number;
  lastSeq: number;
  records: number;
  /** Exact byte length of the stream. */
  bytes: number;
  /** First sequence number of each chunk, in order. */
  chunks: number[];
  /** Every chunk's: a batch's name says what its content is. */
  codec: Codec;
}

/**
 * The oldest chunks, at most maxBytes together (but always at least one),
 * and never across a hole in the sequence numbers (a corrupt chunk removed,
 * the jump after a damaged database): a batch's name promises every record
 * of its range, and TMSP holds it to that.
 */
export function selectBatch(ring: Ring, maxBytes: number): Batch | undefined {
  let meta = ring.next();
  if (!meta) return undefined;
  const b: Batch = { firstSeq: meta.firstSeq, lastSeq: meta.lastSeq, records: 0, bytes: 0, chunks: [], codec: meta.codec };
  while (meta && (b.chunks.length === 0
    || (b.bytes + meta.bytes <= maxBytes && meta.firstSeq === b.lastSeq + 1 && meta.codec === b.codec))) {
    b.chunks.push(meta.firstSeq);
    b.lastSeq = meta.lastSeq;
    b.records += meta.records;
    b.bytes += meta.bytes;
    meta = ring.next(meta.firstSeq);
  }
  return b;
}

/** The batch as a byte stream. Reports progress to the ring so eviction stays exactly counted. */
export function batchStream(ring: Ring, batch: Batch): Readable {
  let i = 0;
  const young = new GarbageBudget(4 * 1024 * 1024);
  const old = new GarbageBudget(16 * 1024 * 1024, 'major');
  return new Readable({
    // One chunk at a time: the consumer's reads decide the pace.
    highWaterMark: 0,
    read() {
      if (i >= batch.chunks.length) {
        this.push(null);
        return;
      }
      const firstSeq = batch.chunks[i++]!;
      const meta = ring.next(firstSeq - 1);
      if (!meta || meta.firstSeq !== firstSeq) {
        this.destroy(new BatchChanged(`chunk ${firstSeq} left the spool during the upload`));
        return;
      }
      const data = ring.data(meta);
      if (!data) {
        this.destroy(new BatchChanged(`chunk ${firstSeq} is corrupt; it was skipped and counted`));
        return;
      }
      ring.sentThrough(meta.lastSeq);
      young.add(data.length);
      old.add(data.length);
      this.push(data);
    },
  });
}
