// Follow one log file across rename and copy-truncate rotation.
//
// Polling (stat + read) rather than inotify: it behaves the same on every
// filesystem a board may use, and the cost is one stat per file per poll.
// A file is a pull source: when the spool's memory bound is reached, reading
// simply waits. After each read the new offset is attached to the open chunk
// as a note, so it reaches the state database in the same transaction as the
// records it covers; after a crash, reading resumes exactly there.

import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Chunker } from '../../spool/chunker.ts';
import { Source, type IngestSource, type Intake } from '../intake.ts';
import type { Cursor, CursorStore } from './cursor.ts';

export interface TailOptions {
  path: string;
  pollMs: number;
  startAt: 'beginning' | 'end';
}

const READ_BYTES = 64 * 1024;
const LF = 0x0a;

interface Open {
  fh: fs.promises.FileHandle;
  dev: number;
  ino: number;
  /** Offset of the next byte to read. */
  pos: number;
  /** Offset where the line being read starts: where a restart resumes. */
  lineStart: number;
}

export class FileTail implements IngestSource {
  readonly source: Source;
  private readonly opts: TailOptions;
  private readonly intake: Intake;
  private readonly chunker: Chunker;
  private readonly cursors: CursorStore;
  private readonly log: Logger;
  private cur: Open | undefined;
  /** A rotated-away file still to be read to its end before `cur`. */
  private old: Open | undefined;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private skipping = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly buf = Buffer.allocUnsafe(READ_BYTES);

  constructor(opts: TailOptions, intake: Intake, chunker: Chunker, cursors: CursorStore, log: Logger) {
    this.opts = opts;
    this.intake = intake;
    this.chunker = chunker;
    this.cursors = cursors;
    this.log = log;
    this.source = new Source(`file:${opts.path}`, 'file', `file:${opts.path}`);
  }

  async start(): Promise<void> {
    this.source.stats.state = 'waiting';
    await this.resume();
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poll().catch((err) => {
        this.source.fail(err);
        this.log.warn({ err, path: this.opts.path }, 'file tail error');
      }).finally(() => {
        this.running = undefined;
        this.schedule(this.opts.pollMs);
      });
    }, ms);
  }

  private async openAt(file: string, pos: number): Promise<Open | undefined> {
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const st = await fh.stat();
    return { fh, dev: st.dev, ino: st.ino, pos, lineStart: pos };
  }

  /** Find the rotated file that still has our inode (e.g. messages → messages.1). */
  private async findRotated(c: Cursor): Promise<string | undefined> {
    const dir = path.dirname(this.opts.path);
    let names: string[];
    try {
      names = await fs.promises.readdir(dir);
    } catch {
      return undefined;
    }
    for (const n of names) {
      const p = path.join(dir, n);
      try {
        const st = await fs.promises.stat(p);
        if (st.ino === c.ino && st.dev === c.dev && st.isFile()) return p;
      } catch {
        // vanished meanwhile
      }
    }
    return undefined;
  }

  /** Work out where to start from the stored cursor. */
  private async resume(): Promise<void> {
    const c = this.cursors.get(this.opts.path);
    let st: fs.Stats | undefined;
    try {
      st = await fs.promises.stat(this.opts.path);
    } catch {
      st = undefined;
    }
    if (!c) {
      if (st) this.cur = await this.openAt(this.opts.path, this.opts.startAt === 'end' ? st.size : 0);
      return;
    }
    if (st && st.ino === c.ino && st.dev === c.dev) {
      // Shorter than our offset: truncated while we were down.
      this.cur = await this.openAt(this.opts.path, c.offset <= st.size ? c.offset : 0);
      return;
    }
    // Rotated while we were down: finish the old file first if it is still around.
    const rotated = await this.findRotated(c);
    if (rotated) this.old = await this.openAt(rotated, c.offset);
    if (st) this.cur = await this.openAt(this.opts.path, 0);
  }

  private async poll(): Promise<void> {
    if (this.old) {
      if (!(await this.drain(this.old))) return;
      await this.finishFile(this.old);
      this.old = undefined;
    }
    if (!this.cur) {
      this.cur = await this.openAt(this.opts.path, 0);
      if (!this.cur) {
        this.source.stats.state = 'waiting';
        return;
      }
    }
    this.source.stats.state = 'following';
    if (!(await this.drain(this.cur))) return;
    let st: fs.Stats | undefined;
    try {
      st = await fs.promises.stat(this.opts.path);
    } catch {
      st = undefined; // moved away and not yet recreated
    }
    if (st && (st.ino !== this.cur.ino || st.dev !== this.cur.dev)) {
      // Renamed away and replaced: read the old file to its end, then switch.
      if (!(await this.drain(this.cur))) {
        this.old = this.cur;
        this.cur = undefined;
        return;
      }
      await this.finishFile(this.cur);
      this.cur = await this.openAt(this.opts.path, 0);
      if (this.cur) await this.drain(this.cur);
    } else if (st && st.size < this.cur.pos) {
      // copytruncate: the file was emptied under us; start again from the top.
      this.log.info({ path: this.opts.path, size: st.size, offset: this.cur.pos }, 'file truncated; reading from the start');
      this.dropCarry();
      this.cur.pos = 0;
      this.cur.lineStart = 0;
      this.noteCursor(this.cur);
    }
  }

  private async writable(): Promise<boolean> {
    if (!this.chunker.writable) await new Promise<void>((r) => this.chunker.onDrain(r));
    return !this.stopped;
  }

  /** Read to the end of the file. False when it stopped early (stopping). */
  private async drain(o: Open): Promise<boolean> {
    for (;;) {
      if (this.stopped || !(await this.writable())) return false;
      const { bytesRead } = await o.fh.read(this.buf, 0, READ_BYTES, o.pos);
      if (bytesRead === 0) return true;
      // One batch per read: the offset noted at its end commits with its records.
      this.chunker.batch(() => this.consume(o, this.buf.subarray(0, bytesRead)));
    }
  }

  private dropCarry(): void {
    this.carry = [];
    this.carryBytes = 0;
    this.skipping = false;
  }

  private emit(line: Buffer, truncated: boolean): void {
    if (line.length > 0 && line[line.length - 1] === 0x0d && !truncated) line = line.subarray(0, line.length - 1);
    if (line.length > 0) this.intake.accept(this.source, line, truncated);
  }

  /**
   * Split into lines and hand them on; lines are copied out of the shared
   * read buffer before it is reused. When the spool's memory bound is hit
   * mid-read, the read position goes back to the first line not taken, to
   * be read again once the spool drains: a file is never shed.
   */
  private consume(o: Open, data: Buffer): void {
    const max = this.intake.limit;
    const base = o.pos;
    let i = 0;
    while (i < data.length) {
      const nl = data.indexOf(LF, i);
      const end = nl < 0 ? data.length : nl;
      if (!this.skipping) {
        const piece = data.subarray(i, end);
        const room = max - this.carryBytes;
        if (piece.length > room || nl >= 0) {
          if (!this.chunker.writable) {
            o.pos = o.lineStart;
            this.dropCarry();
            this.noteCursor(o);
            return;
          }
          const over = piece.length > room;
          this.carry.push(over ? piece.subarray(0, room) : piece);
          this.carryBytes += over ? room : piece.length;
          this.emit(this.carry.length === 1 ? this.carry[0]! : Buffer.concat(this.carry, this.carryBytes), over);
          this.carry = [];
          this.carryBytes = 0;
          // Past the limit: the rest of the line is skipped up to its newline.
          this.skipping = over;
        } else {
          this.carry.push(Buffer.from(piece));
          this.carryBytes += piece.length;
        }
      }
      if (nl < 0) break;
      this.skipping = false;
      i = nl + 1;
      o.lineStart = base + i;
    }
    o.pos = base + data.length;
    this.noteCursor(o);
  }

  /** The file is done (rotated away): a last line without its newline still counts. */
  private async finishFile(o: Open): Promise<void> {
    if (this.carryBytes > 0 && (await this.writable())) {
      this.chunker.batch(() => {
        this.emit(Buffer.concat(this.carry, this.carryBytes), false);
        o.lineStart = o.pos;
        this.noteCursor(o);
      });
    }
    this.dropCarry();
    await o.fh.close();
  }

  private noteCursor(o: Open): void {
    const cursor: Cursor = { dev: o.dev, ino: o.ino, offset: o.lineStart };
    this.chunker.note(`tail:${this.opts.path}`, () => this.cursors.put(this.opts.path, cursor));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    for (const o of [this.old, this.cur]) await o?.fh.close().catch(() => {});
    this.old = this.cur = undefined;
    this.source.stats.state = 'stopped';
  }
}
