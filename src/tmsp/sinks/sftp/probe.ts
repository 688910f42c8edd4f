// Test Connection's SFTP steps, on the connection the probe opened: the SSH
// handshake and login (showing the host key, accepted or not), then a probe
// file written and deleted where batches will go.

import crypto from 'node:crypto';
import type net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { TmspError } from '../../../errors.ts';
import type { SinkProbe } from '../../sink.ts';
import type { SftpTarget } from './index.ts';
import { closeSsh, openSsh } from './ssh.ts';
import { mkdirp, writeAll } from './transport.ts';

export async function probeSftp(p: SinkProbe, sock: net.Socket, t: SftpTarget): Promise<void> {
  const { runner: r, target } = p;
  const session = await r.run(target, 'SSH handshake and login', async () => {
    const s = await openSsh(sock, {
      username: t.username, password: t.password, hostKeyFingerprint: t.hostKeyFingerprint, allowUnknownHostKey: true,
      timeoutMs: t.timeoutMs, keepaliveMs: t.keepaliveMs,
    }, { hostKey: (fp) => p.hostKey(fp) });
    return {
      value: s,
      detail: `host key ${s.fingerprint}${t.hostKeyFingerprint ? ' (accepted)' : ' (not accepted yet: Save accepts it)'}; logged in as ${t.username}`,
    };
  });
  if (!session) return;
  await r.run(target, 'probe write and delete', async () => {
    const dir = path.posix.join(t.basePath, p.applianceId);
    const file = path.posix.join(dir, `.tmsp-probe-${crypto.randomBytes(6).toString('hex')}`);
    const { sftp } = session;
    const call = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void) =>
      new Promise<T>((res, rej) => fn((err, v) => (err ? rej(new TmspError('E_REMOTE_REFUSED', `${file}: ${err.message}`)) : res(v as T))));
    try {
      await mkdirp(sftp, dir);
      const handle = await call<Buffer>((cb) => sftp.open(file, 'w', cb));
      await writeAll(session, handle, Readable.from([Buffer.from('tmsp-agent probe\n')]), 1, undefined);
      await call((cb) => sftp.close(handle, cb));
      await call((cb) => sftp.unlink(file, cb));
      // Where that is on the server: a chrooted server that starts in its upload directory shows "/upload/upload/...".
      const where = await call<string>((cb) => sftp.realpath(dir, cb));
      return { value: true, detail: `wrote and deleted ${file} (the remote directory is ${where})` };
    } finally {
      closeSsh(session);
    }
  });
}
