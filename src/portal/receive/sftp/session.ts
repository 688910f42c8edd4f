// One SFTP session of a logged-in account: every request the agent's sink
// and OpenSSH's `sftp` send, answered on the account's directory. Paths go
// through the account root (never outside it, never through a symbolic
// link); handles, requests in flight and write sizes are bounded so that a
// client can hold only so much of the server. A file is handed on (Landed)
// once it is complete under its final name: renamed into place, or closed
// after writing under a name that is no temporary one.

import { constants as C } from 'node:fs';
import type { Dir, Stats } from 'node:fs';
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { Attributes, InputAttributes, SFTPWrapper } from 'ssh2';
import type { OnLanded } from '../landed.ts';
import { AccountRoot, OutsideJail, type JailedPath } from './account-root.ts';
import { attrsOf, longname, STATUS, statusOf } from './attrs.ts';

const OPEN = ssh2.utils.sftp.OPEN_MODE;

/** The extensions answered here (each replies with a status, the one reply ssh2's server can send for them). */
export const EXTENSIONS = { 'posix-rename@openssh.com': '1', 'fsync@openssh.com': '1' } as const;

export interface SessionLimits {
  /** Open files and directories. */
  maxHandles: number;
  /** Requests being worked on; more are refused (FAILURE) and their data dropped, so memory stays bounded. */
  maxInFlight: number;
  /** Bytes in one WRITE. */
  maxWriteBytes: number;
  /** Largest file a client may make (writes and truncations past it are refused): the disk is shared. */
  maxFileBytes: number;
  /** Bytes in one READ reply (a client may ask for more; SFTP allows a short read). */
  maxReadBytes: number;
  /** Names in one READDIR reply. */
  namesPerReply: number;
}

export const DEFAULT_LIMITS: SessionLimits = {
  maxHandles: 64, maxInFlight: 256, maxWriteBytes: 256 * 1024, maxFileBytes: 1024 ** 3, maxReadBytes: 64 * 1024, namesPerReply: 64,
};

/** What a session moves in the receiver's counters. */
export interface SessionCounters {
  bytesWritten: number;
  filesLanded: number;
  deniedPaths: number;
}

export interface SessionContext {
  account: string;
  root: AccountRoot;
  onLanded: OnLanded;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
  counters: SessionCounters;
  limits: SessionLimits;
  /** Called on every request: the connection is not idle. */
  touch(): void;
}

interface Open {
  /** Work on this handle not answered yet: CLOSE, FSTAT and fsync wait for it. */
  busy: Set<Promise<unknown>>;
  closing: boolean;
  j: JailedPath;
}
interface OpenFile extends Open {
  kind: 'file';
  fh: FileHandle;
  writable: boolean;
  /** Created, truncated or written through this handle: at its close the file is new under its name. */
  changed: boolean;
}
interface OpenDir extends Open {
  kind: 'dir';
  dir: Dir;
}

/** A request that cannot be served as asked, with the status to answer. */
class Refused extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** A name that is the final one: no hidden (".x") and no partial ("x.part") file. */
export function isFinalName(relPath: string): boolean {
  const base = path.posix.basename(relPath);
  return base !== '' && !base.startsWith('.') && !base.endsWith('.part');
}

function str(buf: Buffer | undefined, at: number): { s: Buffer; next: number } | undefined {
  if (!buf || buf.length < at + 4) return undefined;
  const len = buf.readUInt32BE(at);
  if (buf.length < at + 4 + len) return undefined;
  return { s: buf.subarray(at + 4, at + 4 + len), next: at + 4 + len };
}

export class SftpSession {
  private readonly sftp: SFTPWrapper;
  private readonly c: SessionContext;
  private readonly handles = new Map<string, OpenFile | OpenDir>();
  private nextHandle = 1;
  private inFlight = 0;
  private ended = false;
  private readonly done: Promise<void>;
  private finish!: () => void;

  constructor(sftp: SFTPWrapper, c: SessionContext) {
    this.sftp = sftp;
    this.c = c;
    this.done = new Promise((r) => (this.finish = r));
  }

  /** Resolves once the session ended and every file it held is closed. */
  get closed(): Promise<void> {
    return this.done;
  }

  start(): void {
    const s = this.sftp;
    const on = (event: string, fn: (id: number, ...a: any[]) => Promise<void>) =>
      s.on(event, (id: number, ...a: unknown[]) => this.serve(id, () => fn.call(this, id, ...a)));
    on('OPEN', this.open);
    on('READ', this.read);
    on('WRITE', this.write);
    on('CLOSE', this.close);
    on('FSTAT', this.fstat);
    on('FSETSTAT', this.fsetstat);
    on('STAT', this.stat);
    on('LSTAT', this.stat);
    on('SETSTAT', this.setstat);
    on('OPENDIR', this.opendir);
    on('READDIR', this.readdir);
    on('REALPATH', this.realpath);
    on('MKDIR', this.mkdir);
    on('RMDIR', this.rmdir);
    on('REMOVE', this.remove);
    on('RENAME', this.rename);
    on('EXTENDED', this.extended);
    // Symbolic links are neither made nor read here: a link is a way out of the jail.
    on('SYMLINK', async (id) => s.status(id, STATUS.OP_UNSUPPORTED, 'Symbolic links are not supported'));
    on('READLINK', async (id) => s.status(id, STATUS.OP_UNSUPPORTED, 'Symbolic links are not supported'));
    // A protocol error ends the channel; the connection's own handler reports what matters.
    s.on('error', () => {});
    // The client's EOF is its goodbye: close the channel, or it waits for that forever.
    s.on('end', () => s.end());
    s.on('close', () => void this.end());
  }

  /** Close everything this session holds (after the work in flight on it). */
  async end(): Promise<void> {
    if (this.ended) return this.done;
    this.ended = true;
    const all = [...this.handles.values()];
    this.handles.clear();
    await Promise.allSettled(all.map(async (h) => {
      await Promise.allSettled([...h.busy]);
      await (h.kind === 'file' ? h.fh.close() : h.dir.close());
    }));
    this.finish();
    return this.done;
  }

  private serve(id: number, fn: () => Promise<void>): void {
    this.c.touch();
    if (this.ended) return;
    if (this.inFlight >= this.c.limits.maxInFlight) {
      this.sftp.status(id, STATUS.FAILURE, 'Too many requests in flight');
      return;
    }
    this.inFlight++;
    fn().catch((err) => this.fail(id, err))
      // Only a reply that cannot be sent lands here; the connection is going anyway.
      .catch((err) => this.c.log.warn({ account: this.c.account, err: (err as Error).message }, 'sftp reply failed'))
      .finally(() => this.inFlight--);
  }

  private fail(id: number, err: unknown): void {
    if (err instanceof Refused) {
      this.sftp.status(id, err.status, err.message);
      return;
    }
    if (err instanceof OutsideJail) {
      this.c.counters.deniedPaths++;
      this.c.log.warn({ account: this.c.account, path: err.requested.slice(0, 200) }, 'sftp path outside the account refused');
    }
    const st = statusOf(err);
    this.sftp.status(id, st.code, st.message);
  }

  private ok(id: number): void {
    this.sftp.status(id, STATUS.OK);
  }

  // Handles ------------------------------------------------------------------

  private add(h: OpenFile | OpenDir): Buffer {
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(this.nextHandle);
    this.nextHandle = (this.nextHandle % 0xffffffff) + 1;
    this.handles.set(buf.toString('hex'), h);
    return buf;
  }

  private room(): void {
    if (this.handles.size >= this.c.limits.maxHandles) {
      throw new Refused(STATUS.FAILURE, `Too many open handles (at most ${this.c.limits.maxHandles})`);
    }
  }

  private find(handle: Buffer, kind: 'file'): OpenFile;
  private find(handle: Buffer, kind: 'dir'): OpenDir;
  private find(handle: Buffer, kind: 'file' | 'dir'): OpenFile | OpenDir {
    const h = this.handles.get(handle.toString('hex'));
    if (!h || h.kind !== kind || h.closing) throw new Refused(STATUS.FAILURE, 'Invalid handle');
    return h;
  }

  /** Work on a handle, tracked so that CLOSE and the barriers wait for it. */
  private async track<T>(h: Open, work: () => Promise<T>): Promise<T> {
    const p = work();
    h.busy.add(p);
    try {
      return await p;
    } finally {
      h.busy.delete(p);
    }
  }

  private fits(size: number): void {
    if (size > this.c.limits.maxFileBytes) throw new Refused(STATUS.FAILURE, `File larger than ${this.c.limits.maxFileBytes} bytes`);
  }

  private async settled(h: Open): Promise<void> {
    while (h.busy.size > 0) await Promise.allSettled([...h.busy]);
  }

  // Files --------------------------------------------------------------------

  private async open(id: number, filename: string, pflags: number, _attrs: InputAttributes): Promise<void> {
    this.room();
    const j = await this.c.root.resolve(filename);
    const read = (pflags & OPEN.READ) !== 0;
    const writable = (pflags & OPEN.WRITE) !== 0 || (pflags & OPEN.APPEND) !== 0;
    let flags = (read && writable ? C.O_RDWR : writable ? C.O_WRONLY : C.O_RDONLY) | C.O_NOFOLLOW | C.O_NONBLOCK;
    if (pflags & OPEN.APPEND) flags |= C.O_APPEND;
    if (pflags & OPEN.CREAT) flags |= C.O_CREAT;
    if (pflags & OPEN.TRUNC) flags |= C.O_TRUNC;
    if (pflags & OPEN.EXCL) flags |= C.O_EXCL;
    if (j.relPath === '') throw new Refused(STATUS.FAILURE, 'Is a directory');
    // Files stay private to the portal, whatever mode the client's copy had.
    const fh = await fs.open(j.file, flags, 0o600);
    try {
      if (!(await fh.stat()).isFile()) throw new Refused(STATUS.FAILURE, 'Not a regular file');
      this.room();
      if (this.ended) throw new Refused(STATUS.FAILURE, 'Session ended');
    } catch (err) {
      await fh.close();
      throw err;
    }
    const changed = writable && (pflags & (OPEN.CREAT | OPEN.TRUNC)) !== 0;
    this.sftp.handle(id, this.add({ kind: 'file', fh, writable, changed, j, busy: new Set(), closing: false }));
  }

  private async read(id: number, handle: Buffer, offset: number, len: number): Promise<void> {
    const h = this.find(handle, 'file');
    const want = Math.min(len, this.c.limits.maxReadBytes);
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.track(h, () => h.fh.read(buf, 0, want, offset));
    if (bytesRead === 0 && want > 0) this.sftp.status(id, STATUS.EOF);
    else this.sftp.data(id, buf.subarray(0, bytesRead));
  }

  private async write(id: number, handle: Buffer, offset: number, data: Buffer): Promise<void> {
    const h = this.find(handle, 'file');
    if (!h.writable) throw new Refused(STATUS.PERMISSION_DENIED, 'Handle not open for writing');
    if (data.length > this.c.limits.maxWriteBytes) {
      throw new Refused(STATUS.FAILURE, `Write larger than ${this.c.limits.maxWriteBytes} bytes`);
    }
    this.fits(offset + data.length);
    h.changed = true;
    await this.track(h, async () => {
      for (let done = 0; done < data.length;) {
        const { bytesWritten } = await h.fh.write(data, done, data.length - done, offset + done);
        done += bytesWritten;
      }
    });
    this.c.counters.bytesWritten += data.length;
    this.ok(id);
  }

  private async close(id: number, handle: Buffer): Promise<void> {
    const key = handle.toString('hex');
    const h = this.handles.get(key);
    if (!h || h.closing) throw new Refused(STATUS.FAILURE, 'Invalid handle');
    h.closing = true;
    try {
      await this.settled(h);
      await (h.kind === 'file' ? h.fh.close() : h.dir.close());
    } finally {
      this.handles.delete(key);
    }
    this.ok(id);
    if (h.kind === 'file' && h.changed && isFinalName(h.j.relPath)) this.landed(h.j);
  }

  private async fstat(id: number, handle: Buffer): Promise<void> {
    const h = this.find(handle, 'file');
    await this.settled(h);
    this.sftp.attrs(id, attrsOf(await this.track(h, () => h.fh.stat())));
  }

  /** Sizes and times are applied; owner and mode are not (files stay 0600, owned by the portal). */
  private async fsetstat(id: number, handle: Buffer, attrs: InputAttributes): Promise<void> {
    const h = this.find(handle, 'file');
    await this.settled(h);
    await this.track(h, async () => {
      if (typeof attrs.size === 'number') {
        if (!h.writable) throw new Refused(STATUS.PERMISSION_DENIED, 'Handle not open for writing');
        this.fits(attrs.size);
        h.changed = true;
        await h.fh.truncate(attrs.size);
      }
      if (attrs.atime !== undefined && attrs.mtime !== undefined) await h.fh.utimes(attrs.atime, attrs.mtime);
    });
    this.ok(id);
  }

  private async stat(id: number, p: string): Promise<void> {
    const j = await this.c.root.resolve(p);
    // STAT would follow a link; here a link is shown as what it is and never followed.
    this.sftp.attrs(id, attrsOf(await fs.lstat(j.file)));
  }

  private async setstat(id: number, p: string, attrs: InputAttributes): Promise<void> {
    const j = await this.c.root.resolve(p);
    const st = await fs.lstat(j.file);
    if (typeof attrs.size === 'number') {
      if (!st.isFile()) throw new Refused(STATUS.FAILURE, 'Not a regular file');
      this.fits(attrs.size);
      const fh = await fs.open(j.file, C.O_WRONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
      try {
        await fh.truncate(attrs.size);
      } finally {
        await fh.close();
      }
    }
    if (attrs.atime !== undefined && attrs.mtime !== undefined) await fs.lutimes(j.file, attrs.atime, attrs.mtime);
    this.ok(id);
  }

  // Directories --------------------------------------------------------------

  private async opendir(id: number, p: string): Promise<void> {
    this.room();
    const j = await this.c.root.resolveAll(p);
    const dir = await fs.opendir(j.file, { bufferSize: 64 });
    if (this.ended) {
      await dir.close();
      return;
    }
    this.sftp.handle(id, this.add({ kind: 'dir', dir, j, busy: new Set(), closing: false }));
  }

  private async readdir(id: number, handle: Buffer): Promise<void> {
    const h = this.find(handle, 'dir');
    const names = await this.track(h, async () => {
      const out: Array<{ filename: string; longname: string; attrs: Attributes }> = [];
      while (out.length < this.c.limits.namesPerReply) {
        const e = await h.dir.read();
        if (!e) break;
        let st: Stats;
        try {
          st = await fs.lstat(path.join(h.j.file, e.name));
        } catch {
          continue; // gone between the listing and the look
        }
        out.push({ filename: e.name, longname: longname(e.name, st, this.c.account), attrs: attrsOf(st) });
      }
      return out;
    });
    if (names.length === 0) this.sftp.status(id, STATUS.EOF);
    else this.sftp.name(id, names);
  }

  private async realpath(id: number, p: string): Promise<void> {
    const shown = AccountRoot.shown(p);
    this.c.root.locate(shown); // a NUL or an absurd length is refused like an escape
    this.sftp.name(id, [{ filename: shown, longname: shown, attrs: {} as Attributes }]);
  }

  private async mkdir(id: number, p: string): Promise<void> {
    const j = await this.c.root.resolve(p);
    if (j.relPath === '') throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    await fs.mkdir(j.file, { mode: 0o700 });
    this.ok(id);
  }

  private async rmdir(id: number, p: string): Promise<void> {
    const j = await this.c.root.resolve(p);
    if (j.relPath === '') throw new Refused(STATUS.PERMISSION_DENIED, 'The top directory stays');
    await fs.rmdir(j.file);
    this.ok(id);
  }

  private async remove(id: number, p: string): Promise<void> {
    const j = await this.c.root.resolve(p);
    if ((await fs.lstat(j.file)).isDirectory()) throw new Refused(STATUS.FAILURE, 'Is a directory');
    await fs.unlink(j.file);
    this.ok(id);
  }

  /** SFTP v3 rename: an existing target is not replaced (a hard link refuses atomically; directories are checked first). */
  private async rename(id: number, from: string, to: string): Promise<void> {
    const [a, b] = await this.pair(from, to);
    const st = await fs.lstat(a.file);
    const linked = !st.isDirectory() && await fs.link(a.file, b.file).then(() => true, (err: NodeJS.ErrnoException) => {
      // A file system without hard links: fall back to look-then-rename.
      if (err.code === 'EPERM' || err.code === 'ENOTSUP' || err.code === 'EOPNOTSUPP') return false;
      throw err;
    });
    if (linked) {
      await fs.unlink(a.file);
    } else {
      if (await exists(b.file)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
      await fs.rename(a.file, b.file);
    }
    this.ok(id);
    if (st.isFile()) this.landedIfFinal(b);
  }

  private async pair(from: string, to: string): Promise<[JailedPath, JailedPath]> {
    const [a, b] = await Promise.all([this.c.root.resolve(from), this.c.root.resolve(to)]);
    if (a.relPath === '' || b.relPath === '') throw new Refused(STATUS.PERMISSION_DENIED, 'The top directory stays');
    return [a, b];
  }

  // Extensions ---------------------------------------------------------------

  private async extended(id: number, name: string, data: Buffer | undefined): Promise<void> {
    if (name === 'posix-rename@openssh.com') {
      const a = str(data, 0);
      const b = a && str(data, a.next);
      if (!a || !b) throw new Refused(STATUS.BAD_MESSAGE, 'Malformed posix-rename');
      const [from, to] = await this.pair(a.s.toString('utf8'), b.s.toString('utf8'));
      const st = await fs.lstat(from.file);
      await fs.rename(from.file, to.file);
      this.ok(id);
      if (st.isFile()) this.landedIfFinal(to);
      return;
    }
    if (name === 'fsync@openssh.com') {
      const a = str(data, 0);
      if (!a) throw new Refused(STATUS.BAD_MESSAGE, 'Malformed fsync');
      const h = this.find(a.s, 'file');
      await this.settled(h);
      await this.track(h, () => h.fh.sync());
      this.ok(id);
      return;
    }
    this.sftp.status(id, STATUS.OP_UNSUPPORTED, `${name.slice(0, 64)} is not supported`);
  }

  // Landing ------------------------------------------------------------------

  private landedIfFinal(j: JailedPath): void {
    if (isFinalName(j.relPath)) this.landed(j);
  }

  /** Called after the reply went out: the client's view comes first, whatever the hand-off does. */
  private landed(j: JailedPath): void {
    this.c.counters.filesLanded++;
    this.c.log.info({ account: this.c.account, relPath: j.relPath }, 'sftp file landed');
    try {
      this.c.onLanded({ account: this.c.account, via: 'sftp', relPath: j.relPath, file: j.file });
    } catch (err) {
      this.c.log.warn({ account: this.c.account, relPath: j.relPath, err: (err as Error).message }, 'sftp landed handler failed');
    }
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(() => true, () => false);
}
