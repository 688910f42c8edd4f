// The SFTP sink's writes against real servers: OpenSSH's sshd offers
// limits@openssh.com, so the sink writes what it says it takes (255 KiB), as
// many in flight as fill the 2 MiB channel window it grants; the portal's
// ssh2 server says nothing, so it gets 32 KiB writes (31,952 bytes, where
// ssh2 would cut a larger one in two). Either way the batch lands whole under
// its final name, its directory made for the first batch and found for the next.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStream } from '../../src/net/connect.ts';
import { loadOrCreateHostKey } from '../../src/portal/receive/sftp/host-key.ts';
import { SftpReceiver } from '../../src/portal/receive/sftp/server.ts';
import type { SftpTarget } from '../../src/tmsp/sinks/sftp/index.ts';
import { closeSsh, openSsh, type SshSession } from '../../src/tmsp/sinks/sftp/ssh.ts';
import { serverLimits, SftpSink } from '../../src/tmsp/sinks/sftp/transport.ts';
import { PASS, peerRoot, startSshd, USER, type SshPeer } from '../peers/peers.ts';

let root: string;
let sshd: SshPeer;
let portal: { rx: SftpReceiver; home: string; fingerprint: string };

beforeAll(async () => {
  root = peerRoot();
  sshd = await startSshd(root);
  const dir = path.join(root, 'portal');
  fs.mkdirSync(dir);
  const key = loadOrCreateHostKey(path.join(dir, 'ssh_host_ed25519_key'));
  const rx = new SftpReceiver({
    host: '127.0.0.1', port: 0, hostKey: key.key, incoming: path.join(dir, 'incoming'),
    logins: { verify: async (user, password) => user === USER && password === PASS },
    onLanded: () => {}, log: { info: () => {}, warn: () => {} },
  });
  await rx.start();
  portal = { rx, home: path.join(dir, 'incoming', USER), fingerprint: key.fingerprint };
});

afterAll(async () => {
  await portal?.rx.stop();
  await sshd?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

interface Server {
  port: number;
  hostKey: string;
  /** Where a relative path lands. */
  home: string;
}

const servers: Record<'OpenSSH' | 'portal', () => Server> = {
  OpenSSH: () => ({ port: sshd.port, hostKey: sshd.hostKey, home: sshd.home }),
  portal: () => ({ port: portal.rx.port, hostKey: portal.fingerprint, home: portal.home }),
};

async function session(s: Server): Promise<SshSession> {
  const sock = await openStream({ host: '127.0.0.1', port: s.port }, { timeoutMs: 10_000 });
  return openSsh(sock, {
    username: USER, password: PASS, hostKeyFingerprint: s.hostKey, allowUnknownHostKey: false, timeoutMs: 10_000, keepaliveMs: 30_000,
  });
}

function target(s: Server, parallelWrites = 64): SftpTarget {
  return {
    host: '127.0.0.1', port: s.port, username: USER, password: PASS, basePath: 'upload', proxy: undefined, noProxy: [],
    timeoutMs: 10_000, keepaliveMs: 30_000, bandwidthLimitBytes: 0, hostKeyFingerprint: s.hostKey, parallelWrites,
  };
}

/** Every WRITE the sink sends (ssh2's SFTP.write, spied on its prototype), the most in flight at once, the MKDIRs. */
async function spyWrites(s: Server): Promise<{ lengths: number[]; mostInFlight: () => number; mkdirs: string[] }> {
  const probe = await session(s);
  const proto = Object.getPrototypeOf(probe.sftp) as SshSession['sftp'];
  closeSsh(probe);
  const lengths: number[] = [];
  const mkdirs: string[] = [];
  const mkdir = proto.mkdir;
  vi.spyOn(proto, 'mkdir').mockImplementation(function (this: SshSession['sftp'], p: string, ...rest: unknown[]) {
    mkdirs.push(p);
    return (mkdir as (...a: unknown[]) => void).call(this, p, ...rest);
  } as SshSession['sftp']['mkdir']);
  let inFlight = 0;
  let most = 0;
  const write = proto.write;
  vi.spyOn(proto, 'write').mockImplementation(function (this: SshSession['sftp'], handle, buf, off, len, pos, cb) {
    lengths.push(len);
    most = Math.max(most, ++inFlight);
    write.call(this, handle, buf, off, len, pos, (err?: Error | null) => {
      inFlight--;
      cb(err);
    });
  });
  return { lengths, mostInFlight: () => most, mkdirs };
}

/** A batch as the spool gives it: sealed chunks of about 100 KiB, back to back. */
function batch(name: string, bytes: number) {
  const data = crypto.randomBytes(bytes);
  const parts: Buffer[] = [];
  for (let off = 0; off < data.length; off += 100_000) parts.push(data.subarray(off, off + 100_000));
  return { data, item: { name, codec: 'gzip' as const, bytes: data.length, open: () => Readable.from(parts) } };
}

describe('the limits a server says it takes', () => {
  it('are OpenSSH\'s: packets of 256 KiB, writes of 255 KiB, in a 2 MiB channel window', async () => {
    const s = await session(servers.OpenSSH());
    try {
      expect(serverLimits(s.sftp)).toEqual({ maxPacketBytes: 256 * 1024, maxWriteBytes: 255 * 1024 });
      expect(s.windowBytes).toBeGreaterThan(2 * 1024 * 1024 - 1024);
      expect(s.windowBytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    } finally {
      closeSsh(s);
    }
  });

  it('are unknown from the portal\'s server, which does not offer limits@openssh.com', async () => {
    const s = await session(servers.portal());
    try {
      expect(serverLimits(s.sftp)).toBeUndefined();
    } finally {
      closeSsh(s);
    }
  });
});

describe.each([
  ['OpenSSH', 255 * 1024, 8],
  ['portal', 31_952, 64],
] as const)('the SFTP sink uploading to the %s server', (which, writeBytes, inFlight) => {
  it(`writes ${writeBytes} bytes at a time, ${inFlight} in flight, and the batch lands whole`, async () => {
    const s = servers[which]();
    const spy = await spyWrites(s);
    const sink = new SftpSink(target(s));
    try {
      for (const name of ['tda-w/000000000001-000000000100.ndjson.gz', 'tda-w/000000000101-000000000200.ndjson.gz']) {
        const { data, item } = batch(name, 6 * 1024 * 1024 + 12_345);
        await sink.upload(item);
        expect(fs.readFileSync(path.join(s.home, 'upload', name)).equals(data)).toBe(true);
      }
    } finally {
      await sink.close();
    }
    expect(spy.lengths.filter((n) => n !== writeBytes)).toHaveLength(2); // the last of each batch
    expect(Math.max(...spy.lengths)).toBe(writeBytes);
    expect(spy.mostInFlight()).toBe(inFlight);
    expect(spy.mkdirs).toEqual(['upload', 'upload/tda-w']); // for the first batch only
    expect(fs.readdirSync(path.join(s.home, 'upload', 'tda-w')).sort()).toEqual([
      '000000000001-000000000100.ndjson.gz', '000000000101-000000000200.ndjson.gz',
    ]);
  });

  it('keeps to tmsp.sftpParallelWrites when it is lower', async () => {
    const s = servers[which]();
    const spy = await spyWrites(s);
    const sink = new SftpSink(target(s, 3));
    try {
      const { data, item } = batch('tda-p/000000000001-000000000100.ndjson.gz', 2 * 1024 * 1024);
      await sink.upload(item);
      expect(fs.readFileSync(path.join(s.home, 'upload', item.name)).equals(data)).toBe(true);
    } finally {
      await sink.close();
    }
    expect(spy.mostInFlight()).toBe(3);
  });
});
