// A zstd batch is the agent's chunks as frames back to back (RFC 8878 §3.1
// allows that, and the zstd tool reads it so). Node's zstd decoder stops at
// the end of the first frame and drops the rest without a word
// (nodejs/node#64741), so the frames are found here, from their headers and
// block headers, and each goes through a decoder of its own. Bytes pass
// through as they arrive: a frame is never held whole, and the consumer's
// reads set the pace. Whatever is not a whole frame is an error, never a
// silent end: a batch cut short must not look complete.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** RFC 8878 §3.1.1.2.3: no block is larger than 128 KiB. */
const MAX_BLOCK = 128 * 1024;
/**
 * The largest window a frame may ask the decoder for: the agent's is at
 * most its chunk size, 16 MiB at most (spool/chunker.ts). libzstd alone would
 * grant any sender 128 MiB per decode.
 */
const WINDOW_LOG_MAX = 24;

export class ZstdFormatError extends Error {}

/** Pulls bytes from a source of buffers: exactly n, or what there is up to n. */
class Bytes {
  private held: Buffer = Buffer.alloc(0);
  private readonly src: AsyncIterator<Buffer>;
  private ended = false;

  constructor(src: AsyncIterable<Buffer>) {
    this.src = src[Symbol.asyncIterator]();
  }

  /** True when at least n bytes are held (false: the source ended first). */
  async fill(n: number): Promise<boolean> {
    while (this.held.length < n && !this.ended) {
      const r = await this.src.next();
      if (r.done) this.ended = true;
      else this.held = this.held.length ? Buffer.concat([this.held, r.value]) : r.value;
    }
    return this.held.length >= n;
  }

  peek(n: number): Buffer {
    return this.held.subarray(0, n);
  }

  async take(n: number, what: string): Promise<Buffer> {
    if (!(await this.fill(n))) throw new ZstdFormatError(`the stream ends inside a zstd frame (${what})`);
    const b = this.held.subarray(0, n);
    this.held = this.held.subarray(n);
    return b;
  }

  /** n bytes, in the pieces they arrive in. */
  async *pass(n: number, what: string): AsyncGenerator<Buffer> {
    while (n > 0) {
      if (!(await this.fill(1))) throw new ZstdFormatError(`the stream ends inside a zstd frame (${what})`);
      const b = this.held.subarray(0, Math.min(n, this.held.length));
      this.held = this.held.subarray(b.length);
      n -= b.length;
      yield b;
    }
  }

  async more(): Promise<boolean> {
    return this.fill(1);
  }

  async return(): Promise<void> {
    await this.src.return?.();
  }
}

/** One frame's bytes, header to checksum, as they arrive. */
async function* frame(b: Bytes): AsyncGenerator<Buffer> {
  const head = await b.take(5, 'frame header');
  const fhd = head[4]!;
  if (fhd & 0x08) throw new ZstdFormatError('a zstd frame header sets its reserved bit');
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  const checksum = (fhd >> 2) & 1;
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  const fcsBytes = [singleSegment, 2, 4, 8][fcsFlag]!;
  yield head;
  yield await b.take((singleSegment ? 0 : 1) + dictBytes + fcsBytes, 'frame header');
  for (;;) {
    const bh = await b.take(3, 'block header');
    yield bh;
    const v = bh[0]! | (bh[1]! << 8) | (bh[2]! << 16);
    const last = v & 1;
    const type = (v >> 1) & 3;
    const size = v >>> 3;
    if (type === 3) throw new ZstdFormatError('a zstd block has the reserved type');
    if (size > MAX_BLOCK) throw new ZstdFormatError(`a zstd block of ${size} bytes (at most ${MAX_BLOCK})`);
    // An RLE block is one byte, repeated `size` times.
    yield* b.pass(type === 1 ? 1 : size, 'block');
    if (last) break;
  }
  if (checksum) yield await b.take(4, 'checksum');
}

/** The decompressed content of every frame in `src`, in order. */
export async function* zstdDecoded(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const b = new Bytes(src);
  try {
    while (await b.more()) {
      if (!(await b.fill(4))) throw new ZstdFormatError('the stream ends inside a zstd frame (magic number)');
      const magic = b.peek(4).readUInt32LE(0);
      if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
        const size = (await b.take(8, 'skippable frame')).readUInt32LE(4);
        for await (const _ of b.pass(size, 'skippable frame'));
        continue;
      }
      if (magic !== FRAME_MAGIC) throw new ZstdFormatError('not a zstd frame (bad magic number)');
      const d = zlib.createZstdDecompress({ params: { [zlib.constants.ZSTD_d_windowLogMax]: WINDOW_LOG_MAX } });
      const feeding = pipeline(Readable.from(frame(b)), d);
      // Seen in the loop below when the decoder fails; a rejection no one awaits is not left behind.
      feeding.catch(() => {});
      for await (const out of d as AsyncIterable<Buffer>) yield out;
      await feeding;
    }
  } finally {
    await b.return();
  }
}
