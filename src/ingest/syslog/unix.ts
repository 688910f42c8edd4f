// The local syslog socket: a Unix datagram socket like /dev/log. Node has no
// AF_UNIX datagrams in core; our addon (src/native/dgram) drains every
// queued datagram per wake-up and hands them over in one batch. A push
// source: it is always drained so the detection engines never block on it;
// what the spool cannot take is counted as shed.

import fs from 'node:fs';
import path from 'node:path';
import { clearStaleSocket, removeOwnSocket } from '../../core/socket-file.ts';
import { loadAddon } from '../../native/addons.ts';
import { Source, type IngestSource, type Intake } from '../intake.ts';
import { trimDatagram } from './datagram.ts';

export interface DgramBinding {
  /** Each batch is received into `data` and `lengths`, which the next batch rewrites (dgram.c). */
  listen(path: string, maxMessageBytes: number, data: Buffer, lengths: Uint32Array,
    onBatch: (errno: number, count: number) => void): object;
  close(handle: object): void;
  socket(): number;
  sendto(fd: number, path: string, data: Buffer): number;
  closefd(fd: number): void;
}

const TRUNCATED = 0x80000000;
/** One wake-up's datagrams at most: as many bytes, as many messages. */
const BATCH_BYTES = 256 * 1024;
const BATCH_MESSAGES = 512;

export class UnixSyslog implements IngestSource {
  readonly source: Source;
  private readonly socketPath: string;
  private readonly intake: Intake;
  private handle: object | undefined;
  private binding: DgramBinding | undefined;
  private readonly data = Buffer.allocUnsafe(BATCH_BYTES);
  private readonly lengths = new Uint32Array(BATCH_MESSAGES);

  constructor(socketPath: string, intake: Intake) {
    this.socketPath = socketPath;
    this.intake = intake;
    this.source = new Source(`unix:${socketPath}`, 'unix', 'syslog');
  }

  /** Does a receiver still listen on the path? An empty datagram is refused only by a dead socket. */
  private live(b: DgramBinding): Promise<boolean> {
    const fd = b.socket();
    try {
      return Promise.resolve(b.sendto(fd, this.socketPath, Buffer.alloc(0)) !== -111); // ECONNREFUSED
    } finally {
      b.closefd(fd);
    }
  }

  async start(): Promise<void> {
    try {
      const b = (this.binding = loadAddon('tmsp_dgram') as DgramBinding);
      fs.mkdirSync(path.dirname(this.socketPath), { recursive: true, mode: 0o755 });
      await clearStaleSocket(this.socketPath, 'ingest.unixSocket', () => this.live(b));
      // The addon cuts at the limit and flags it; intake needs no second cut.
      this.handle = b.listen(this.socketPath, this.intake.limit, this.data, this.lengths, (errno, count) => this.batch(errno, count));
      // Like /dev/log: every local process may log.
      fs.chmodSync(this.socketPath, 0o666);
      this.source.stats.state = 'listening';
    } catch (err) {
      this.source.stats.state = 'failed';
      this.source.fail(err);
      await this.stop();
      throw err;
    }
  }

  /** Every message is taken before this returns: the next batch is received into the same buffers. */
  private batch(errno: number, count: number): void {
    if (errno !== 0) {
      this.source.fail(new Error(`recv failed: errno ${errno}`));
      return;
    }
    let off = 0;
    for (let i = 0; i < count; i++) {
      const word = this.lengths[i]!;
      const len = (word & ~TRUNCATED) >>> 0;
      const line = trimDatagram(this.data.subarray(off, off + len));
      off += len;
      if (line.length > 0) this.intake.accept(this.source, line, (word & TRUNCATED) !== 0);
    }
  }

  async stop(): Promise<void> {
    const bound = this.handle !== undefined;
    if (this.handle && this.binding) this.binding.close(this.handle);
    this.handle = undefined;
    // Only the socket this source bound: a refused path is never touched.
    if (bound) removeOwnSocket(this.socketPath);
    if (this.source.stats.state !== 'failed') this.source.stats.state = 'stopped';
  }
}
