// The SFTP sink: each batch is written to ".<name>.part" in writes as large
// as the server says it takes, with enough of them in flight to fill the SSH
// channel window it grants, fsynced where the server offers it, its size
// checked, and only then renamed into place, so a partial file is never
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

/**
 * A write to a server that does not say what it takes: every SFTP server
 * should take packets of 34000 bytes (draft-ietf-secsh-filexfer-02, 3), so
 * 32 KiB of data.
 */
export const FALLBACK_WRITE_BYTES = 32 * 1024;
/** The largest write whatever the server takes: what OpenSSH's sftp client allows itself (SFTP_MAX_MSG_LENGTH - 1024). */
export const MAX_WRITE_BYTES = 255 * 1024;
/**
 * Writes in flight fill at least this much: OpenSSH's session window
 * (CHAN_SES_WINDOW_DEFAULT), in case a server grants less at first and more
 * later; what the window holds back waits inside ssh2.
 */
export const MIN_IN_FLIGHT_BYTES = 2 * 1024 * 1024;
/** A WRITE request besides its handle and data: length, type, id, handle length, offset, data length. */
const WRITE_HEADER_BYTES = 4 + 1 + 4 + 4 + 8 + 4;

/** Whether the server announced an extension (ssh2 keeps the list, without a public accessor). */
function offers(sftp: SftpSession, ext: string): boolean {
  return (sftp as unknown as { _extensions?: Record<string, string> })._extensions?.[ext] === '1';
}

/** What the server said in its limits@openssh.com reply. */
export interface SftpLimits {
  /** The largest SFTP packet it reads, its length field included. */
  maxPacketBytes: number;
  /** The largest data of one WRITE. */
  maxWriteBytes: number;
}

/**
 * The server's limits@openssh.com reply. ssh2 asks for it itself before the
 * SFTP session is ready, whenever the server offers the extension, and keeps
 * the answer in private fields (lib/protocol/SFTP.js, the VERSION handler);
 * maxOpenHandles, the one it makes public, is set only when the answer came.
 * ssh2 keeps its own guess where the server answered 0 (OpenSSH's 256 KiB
 * less 2 KiB for OpenSSH and dropbear, 34000 less 2 KiB for others).
 */
export function serverLimits(sftp: SftpSession): SftpLimits | undefined {
  const s = sftp as unknown as { maxOpenHandles?: number; _maxOutPktLen?: number; _maxWriteLen?: number };
  if (!offers(sftp, 'limits@openssh.com') || typeof s.maxOpenHandles !== 'number') return undefined;
  const maxPacketBytes = s._maxOutPktLen ?? 0;
  const maxWriteBytes = s._maxWriteLen ?? 0;
  if (!(maxPacketBytes > 0 && maxWriteBytes > 0)) return undefined;
  return { maxPacketBytes, maxWriteBytes };
}

/**
 * The data of one write: what the server said it takes (its largest write,
 * and its largest packet less the request around the data), never above
 * MAX_WRITE_BYTES; 32 KiB when it said nothing, or less where ssh2 would
 * otherwise cut the write in two requests, the second sent only when the
 * first is answered (it cuts at 31,952 bytes for servers that are neither
 * OpenSSH nor dropbear). Under a bandwidth limit, at most a second's worth
 * (but at least 32 KiB), so that the limit still spreads the bytes out.
 */
export function writeSize(limits: SftpLimits | undefined, handleBytes: number, ssh2Cut = Infinity,
  bytesPerSec = 0): number {
  let n = limits
    ? Math.min(limits.maxWriteBytes, limits.maxPacketBytes - WRITE_HEADER_BYTES - handleBytes, MAX_WRITE_BYTES)
    : Math.min(FALLBACK_WRITE_BYTES, ssh2Cut > 0 ? ssh2Cut : Infinity);
  if (bytesPerSec > 0) n = Math.min(n, Math.max(bytesPerSec, FALLBACK_WRITE_BYTES));
  return Math.max(1, Math.floor(n));
}

/**
 * How many writes to keep in flight: as many as fill the channel window the
 * server granted, at most `parallel`. Beyond the window a write only waits
 * inside ssh2, taking memory, and ssh2 measured slower so (against OpenSSH's
 * 2 MiB window, 16 or 32 writes of 255 KiB about a quarter below 8 at RTT 0,
 * and no faster at 20 ms): there, 8 writes of 255 KiB, or 63 of 32 KiB.
 */
export function writesInFlight(parallel: number, windowBytes: number, writeBytes: number, handleBytes: number): number {
  const window = Math.max(windowBytes, MIN_IN_FLIGHT_BYTES);
  return Math.max(1, Math.min(parallel, Math.floor(window / (writeBytes + WRITE_HEADER_BYTES + handleBytes))));
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

/**
 * Write the stream to an open handle in writes of writeSize(), up to
 * writesInFlight() of them in flight. Memory: the writes in flight and the
 * one being filled, so about the window (2 MiB at least) and never above
 * 65 x 255 KiB, plus ssh2's copy of each on its way into the window.
 */
export async function writeAll({ sftp, sock, windowBytes }: Pick<SshSession, 'sftp' | 'sock' | 'windowBytes'>,
  handle: Buffer, src: Readable, parallel: number, bucket: TokenBucket | undefined): Promise<number> {
  const size = writeSize(serverLimits(sftp), handle.length, (sftp as unknown as { _maxWriteLen?: number })._maxWriteLen,
    bucket?.rate);
  const most = writesInFlight(parallel, windowBytes, size, handle.length);
  let pos = 0;
  let inFlight = 0;
  // ssh2 copies each write into packets and encrypts them: about three buffers per write.
  const garbage = new GarbageBudget(1024 * 1024);
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const settle = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  // A sealed chunk (about 100 KiB) is smaller than a write: writes are gathered from several
  // into buffers used again once answered, since ssh2 holds on to a write's buffer until then
  // and V8 would keep such buffers, past two collections, until its next full one.
  const free: Buffer[] = [];
  const send = async (data: Buffer, length: number, reuse: boolean) => {
    while (inFlight >= most && !failed) await new Promise<void>((r) => (wake = r));
    if (failed) throw failed;
    if (bucket) await bucket.take(length);
    inFlight++;
    garbage.add(length);
    const at = pos;
    pos += length;
    // ssh2 writes each packet of a request to the socket in three pieces (length, data, MAC):
    // corked, the kernel gets them in one call instead of about 24 for a 255 KiB write.
    sock.cork();
    try {
      sftp.write(handle, data, 0, length, at, (err) => {
        inFlight--;
        if (err && !failed) failed = new TmspError('E_REMOTE', `write at ${at}: ${err.message}`, { cause: err });
        if (reuse) free.push(data);
        settle();
      });
    } finally {
      sock.uncork();
    }
  };
  let buf: Buffer | undefined;
  let filled = 0;
  for await (const data of src as AsyncIterable<Buffer>) {
    let off = 0;
    while (off < data.length) {
      if (filled === 0 && data.length - off >= size) {
        await send(data.subarray(off, off + size), size, false);
        off += size;
        continue;
      }
      buf ??= free.pop() ?? Buffer.allocUnsafeSlow(size);
      const n = data.copy(buf, filled, off, Math.min(data.length, off + size - filled));
      filled += n;
      off += n;
      if (filled === size) {
        const full = buf;
        buf = undefined;
        filled = 0;
        await send(full, size, true);
      }
    }
  }
  if (buf && filled > 0) await send(buf, filled, true);
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

  private async put(session: SshSession, item: UploadItem, src: Readable): Promise<void> {
    const { sftp } = session;
    const final = posix.join(this.t.basePath, item.name);
    const dir = posix.dirname(final);
    const part = posix.join(dir, `.${posix.basename(final)}.part`);
    const handle = await openPart(sftp, dir, part);
    try {
      const written = await writeAll(session, handle, src, this.t.parallelWrites, this.bucket);
      if (written !== item.bytes) throw new TmspError('E_REMOTE', `${part}: read ${written} bytes from the spool, expected ${item.bytes}`);
      // Durable on the server's disk before we call it delivered, where the server can say so.
      // The size is asked right behind it, not a round trip later: every write is answered, so
      // the size is final whether or not the disk has it yet.
      const [, st] = await Promise.all([
        offers(sftp, 'fsync@openssh.com') ? call('fsync', (cb) => sftp.ext_openssh_fsync(handle, cb)) : undefined,
        call<{ size: number }>(`stat ${part}`, (cb) => sftp.fstat(handle, cb)),
      ]);
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

/**
 * Open the .part file, making its directory only when that fails: after the
 * first batch the directory is there, and each step of mkdirp is a round trip.
 */
async function openPart(sftp: SftpSession, dir: string, part: string): Promise<Buffer> {
  const open = () => call<Buffer>(`open ${part}`, (cb) => sftp.open(part, 'w', cb));
  try {
    return await open();
  } catch {
    await mkdirp(sftp, dir);
    return open();
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
