// The SFTP sink: each batch is written to ".<name>.part" with a configurable
// number of 32 KiB writes in flight, fsynced where the server offers it, its
// size checked, and only then renamed into place, so a partial file is never
// visible under its final name. One SSH connection per log server, kept for
// the batches of one upload round.

import path from 'node:path';
import type { Readable } from 'node:stream';
import { TmspError } from '../../../errors.ts';
import { openStream } from '../../../net/connect.ts';
import { toAgentError } from '../../../net/errors.ts';
import { GarbageBudget } from '../../../native/gc.ts';
import { TokenBucket } from '../../../net/throttle.ts';
import type { Sink, UploadItem } from '../../sink.ts';
import type { SftpTarget } from './index.ts';
import { closeSsh, openSsh, type SftpSession, type SshSession } from './ssh.ts';

const WRITE_BYTES = 32 * 1024;

/** Whether the server announced an extension (ssh2 keeps the list, without a public accessor). */
function offers(sftp: SftpSession, ext: string): boolean {
  return (sftp as unknown as { _extensions?: Record<string, string> })._extensions?.[ext] === '1';
}
const posix = path.posix;

function call<T>(what: string, fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => {
    if (!err) resolve(v as T);
    else {
      const code = (err as { code?: number }).code;
      // SFTP status 3 = permission denied; 2 = no such file; 4 = failure.
      reject(code === 3 ? new TmspError('E_REMOTE_REFUSED', `${what}: permission denied on the log server`)
        : code === 2 ? new TmspError('E_REMOTE_REFUSED', `${what}: no such file or directory on the log server`)
          : err instanceof TmspError ? err : new TmspError('E_REMOTE', `${what}: ${err.message}`, { cause: err }));
    }
  }));
}

export async function mkdirp(sftp: SftpSession, dir: string): Promise<void> {
  const parts = dir.split('/').filter(Boolean);
  let cur = dir.startsWith('/') ? '/' : '';
  for (const p of parts) {
    cur = cur === '' ? p : posix.join(cur, p);
    try {
      await call(`stat ${cur}`, (cb) => sftp.stat(cur, cb));
    } catch {
      await call(`mkdir ${cur}`, (cb) => sftp.mkdir(cur, cb));
    }
  }
}

/** Write the stream to an open handle, keeping up to `parallel` writes in flight. */
export async function writeAll(sftp: SftpSession, handle: Buffer, src: Readable, parallel: number,
  bucket: TokenBucket | undefined): Promise<number> {
  let pos = 0;
  let inFlight = 0;
  // ssh2 copies each write into packets and encrypts them: about three buffers per 32 KiB.
  const garbage = new GarbageBudget(1024 * 1024);
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const settle = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  for await (const data of src as AsyncIterable<Buffer>) {
    for (let off = 0; off < data.length; off += WRITE_BYTES) {
      const piece = data.subarray(off, Math.min(off + WRITE_BYTES, data.length));
      while (inFlight >= parallel && !failed) await new Promise<void>((r) => (wake = r));
      if (failed) throw failed;
      if (bucket) await bucket.take(piece.length);
      inFlight++;
      garbage.add(piece.length);
      const at = pos;
      pos += piece.length;
      sftp.write(handle, piece, 0, piece.length, at, (err) => {
        inFlight--;
        if (err && !failed) failed = new TmspError('E_REMOTE', `write at ${at}: ${err.message}`, { cause: err });
        settle();
      });
    }
  }
  while (inFlight > 0 && !failed) await new Promise<void>((r) => (wake = r));
  if (failed) throw failed;
  return pos;
}

export class SftpSink implements Sink {
  private readonly t: SftpTarget;
  private session: SshSession | undefined;
  private readonly bucket: TokenBucket | undefined;

  constructor(target: SftpTarget) {
    this.t = target;
    this.bucket = target.bandwidthLimitBytes > 0 ? new TokenBucket(target.bandwidthLimitBytes) : undefined;
  }

  private async open(): Promise<SshSession> {
    if (this.session) return this.session;
    const t = this.t;
    const sock = await openStream({ host: t.host, port: t.port },
      { proxy: t.proxy, noProxy: t.noProxy, timeoutMs: t.timeoutMs, keepaliveMs: t.keepaliveMs });
    const s = await openSsh(sock, {
      username: t.username, password: t.password, hostKeyFingerprint: t.hostKeyFingerprint, allowUnknownHostKey: false,
      timeoutMs: t.timeoutMs, keepaliveMs: t.keepaliveMs,
    });
    s.conn.once('close', () => {
      if (this.session === s) this.session = undefined;
    });
    this.session = s;
    return s;
  }

  async upload(item: UploadItem): Promise<void> {
    const src = item.open();
    try {
      const session = await this.open();
      await Promise.race([this.put(session, item, src), session.closed]);
    } catch (err) {
      // Whatever failed, the next attempt starts on a fresh connection and a fresh read of the spool.
      src.destroy();
      await this.close();
      throw err instanceof TmspError ? err : toAgentError(err, 'SFTP upload');
    }
  }

  private async put({ sftp }: SshSession, item: UploadItem, src: Readable): Promise<void> {
    const final = posix.join(this.t.basePath, item.name);
    const dir = posix.dirname(final);
    const part = posix.join(dir, `.${posix.basename(final)}.part`);
    await mkdirp(sftp, dir);
    const handle = await call<Buffer>(`open ${part}`, (cb) => sftp.open(part, 'w', cb));
    try {
      const written = await writeAll(sftp, handle, src, this.t.parallelWrites, this.bucket);
      if (written !== item.bytes) throw new TmspError('E_REMOTE', `${part}: read ${written} bytes from the spool, expected ${item.bytes}`);
      // Durable on the server's disk before we call it delivered, where the server can say so.
      if (offers(sftp, 'fsync@openssh.com')) await call('fsync', (cb) => sftp.ext_openssh_fsync(handle, cb));
      const st = await call<{ size: number }>(`stat ${part}`, (cb) => sftp.fstat(handle, cb));
      if (st.size !== item.bytes) {
        throw new TmspError('E_REMOTE', `${part}: the server holds ${st.size} bytes, ${item.bytes} were sent`);
      }
    } finally {
      await call('close', (cb) => sftp.close(handle, cb)).catch(() => {});
    }
    await renameOver(sftp, part, final);
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s) closeSsh(s);
  }
}

/** Rename replacing the target: posix-rename where offered; plain SFTP rename refuses an existing target. */
export async function renameOver(sftp: SftpSession, from: string, to: string): Promise<void> {
  if (offers(sftp, 'posix-rename@openssh.com')) {
    await call(`rename ${from}`, (cb) => sftp.ext_openssh_rename(from, to, cb));
    return;
  }
  await call(`remove ${to}`, (cb) => sftp.unlink(to, cb)).catch(() => {});
  await call(`rename ${from}`, (cb) => sftp.rename(from, to, cb));
}
