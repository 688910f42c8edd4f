import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { classify } from '../../src/parse/index.ts';
import { encodeRecord, sourcePrefix } from '../../src/protocol/record.ts';
import type { Chunk, Ring } from '../../src/spool/ring.ts';
import { Spool, type SpoolOptions } from '../../src/spool/spool.ts';
import { segmentDir, segmentFile } from '../../src/spool/segments.ts';
import { openState, type Db } from '../../src/state/db.ts';
import { silent } from './log.ts';

export const SMALL: SpoolOptions = {
  budgetBytes: 8 * 1024 * 1024,
  chunkMaxBytes: 64 * 1024,
  chunkMaxAgeMs: 60_000,
  compression: 'gzip',
  compressionLevel: 6,
  maxPendingBytes: 4 * 1024 * 1024,
  durability: 'full',
};

export function openSpool(dir: string, opts: Partial<SpoolOptions> = {}, durability: 'full' | 'normal' = 'full') {
  const state = openState(dir, { durability });
  const spool = new Spool(state.db, state.file, { ...SMALL, durability, ...opts }, silent);
  return { state, spool };
}

/** Sealed chunks in order, one at a time (corrupt ones are skipped and counted, as the uploader's reads do). */
export function* chunksOf(ring: Ring): Generator<Chunk> {
  for (let meta = ring.next(0); meta; meta = ring.next(meta.firstSeq)) {
    const data = ring.data(meta);
    if (data) yield { ...meta, data };
  }
}

/** Every stored chunk, concatenated as an uploader would send them. */
export function concatenated(spool: Spool): Buffer {
  return Buffer.concat([...chunksOf(spool.ring)].map((c) => c.data));
}

/** Decompress with the system's gunzip, as the portal or an operator would. */
export function gunzip(data: Buffer): string {
  return execFileSync('gunzip', ['-c'], { input: data, maxBuffer: 1 << 30 }).toString('utf8');
}

/** Decompress zstd frames back to back with the system's zstd, as an operator would. */
export function unzstdBytes(data: Buffer): Buffer {
  return execFileSync('zstd', ['-dcq'], { input: data, maxBuffer: 1 << 30 });
}

export function unzstd(data: Buffer): string {
  return unzstdBytes(data).toString('utf8');
}

export function gunzipInProcess(data: Buffer): string {
  return zlib.gunzipSync(data).toString('utf8');
}

/**
 * Fill a (stopped) agent's spool with `total` bytes of sealed chunks, each a
 * copy of one chunk made from `lines`: fast, and the chunks compress like
 * those lines would.
 */
export function prefill(stateDir: string, total: number, lines: string[], budgetBytes = 2 * 1024 ** 3): { bytes: number; records: number; chunk: Buffer } {
  const { state, spool } = openSpool(stateDir, { budgetBytes, chunkMaxBytes: 2 * 1024 * 1024 });
  const prefix = sourcePrefix('syslog');
  const ndjson = lines.map((l) => encodeRecord(Date.now(), prefix, classify(l), l, Buffer.from(l))).join('');
  const data = zlib.gzipSync(ndjson, { level: 6 });
  let bytes = 0;
  let records = 0;
  while (bytes < total) {
    spool.ring.commit({ records: lines.length, rawBytes: Buffer.byteLength(ndjson), firstTime: Date.now(), codec: 'gzip', data, notes: [] });
    bytes += data.length;
    records += lines.length;
  }
  state.db.close();
  return { bytes, records, chunk: data };
}

/** Bytes of every file under dir: what the spool occupies on disk, seen from outside. */
export function dirBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return n;
}

/** Damage one stored body where it lies (its segment file), leaving its CRC as it was. */
export function flipBodyByte(db: Db, stateDir: string, firstSeq: number, at: number): void {
  const row = db.prepare('SELECT segment, seg_offset FROM chunk WHERE first_seq = ?').get(firstSeq) as { segment: number; seg_offset: number };
  const file = segmentFile(segmentDir(path.join(stateDir, 'state.db')), row.segment);
  const fd = fs.openSync(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, row.seg_offset + at);
    b[0]! ^= 0xff;
    fs.writeSync(fd, b, 0, 1, row.seg_offset + at);
  } finally {
    fs.closeSync(fd);
  }
}
