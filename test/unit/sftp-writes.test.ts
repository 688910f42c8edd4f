// How the SFTP sink sizes its writes and how many it keeps in flight: from
// the server's limits@openssh.com reply as ssh2 keeps it (32 KiB when the
// server says nothing, never more than it says), enough writes to fill the
// channel window it grants, chunks gathered into whole writes, a buffer
// used again only once its write is answered.

import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/net/throttle.ts';
import type { SshSession } from '../../src/tmsp/sinks/sftp/ssh.ts';
import {
  FALLBACK_WRITE_BYTES, MAX_WRITE_BYTES, MIN_IN_FLIGHT_BYTES, serverLimits, writeAll, writesInFlight, writeSize,
} from '../../src/tmsp/sinks/sftp/transport.ts';

const OPENSSH = { maxPacketBytes: 256 * 1024, maxWriteBytes: 255 * 1024 };
const HANDLE = Buffer.from([0, 0, 0, 1]);

interface Fake {
  session: Pick<SshSession, 'sftp' | 'sock' | 'windowBytes'>;
  writes: Array<{ at: number; length: number }>;
  /** What the server got, each write's bytes taken when it is answered. */
  received(): Buffer;
  mostInFlight(): number;
  corks: number;
}

/** ssh2's SFTP session as writeAll sees it: the extensions, what ssh2 kept of limits@openssh.com, write(). */
function fake(o: { limits?: typeof OPENSSH; ssh2Cut?: number; windowBytes?: number; failAt?: number } = {}): Fake {
  const writes: Fake['writes'] = [];
  const got: Array<{ at: number; data: Buffer }> = [];
  let inFlight = 0;
  let most = 0;
  const f: Fake = {
    writes,
    received: () => Buffer.concat(got.sort((a, b) => a.at - b.at).map((g) => g.data)),
    mostInFlight: () => most,
    corks: 0,
    session: {
      windowBytes: o.windowBytes ?? 2 * 1024 * 1024 - 40,
      sock: { cork: () => f.corks++, uncork: () => {} } as unknown as SshSession['sock'],
      sftp: {
        _extensions: o.limits ? { 'limits@openssh.com': '1', 'fsync@openssh.com': '1' } : { 'fsync@openssh.com': '1' },
        maxOpenHandles: o.limits ? 100 : undefined,
        _maxOutPktLen: o.limits?.maxPacketBytes ?? 34000,
        _maxWriteLen: o.limits?.maxWriteBytes ?? o.ssh2Cut ?? 34000 - 2048,
        write(_h: Buffer, buf: Buffer, off: number, len: number, at: number, cb: (err?: Error) => void) {
          writes.push({ at, length: len });
          most = Math.max(most, ++inFlight);
          // Answered later, out of order, the bytes read only then: a buffer used again too early shows.
          setTimeout(() => {
            inFlight--;
            if (at === o.failAt) {
              cb(new Error('Failure'));
              return;
            }
            got.push({ at, data: Buffer.from(buf.subarray(off, off + len)) });
            cb();
          }, Math.floor(Math.random() * 3));
        },
      } as unknown as SshSession['sftp'],
    },
  };
  return f;
}

function chunks(sizes: number[]): { data: Buffer; src: () => Readable } {
  const data = crypto.randomBytes(sizes.reduce((a, b) => a + b, 0));
  const parts: Buffer[] = [];
  let off = 0;
  for (const n of sizes) {
    parts.push(data.subarray(off, off + n));
    off += n;
  }
  return { data, src: () => Readable.from(parts) };
}

describe('the size of a write', () => {
  it('is what OpenSSH says it takes, 255 KiB', () => {
    expect(writeSize(OPENSSH, 4)).toBe(261_120);
  });

  it('never passes the server\'s largest packet, the request around the data counted', () => {
    expect(writeSize({ maxPacketBytes: 34000, maxWriteBytes: 261_120 }, 4)).toBe(34000 - 25 - 4);
    expect(writeSize({ maxPacketBytes: 256 * 1024, maxWriteBytes: 16 * 1024 }, 4)).toBe(16 * 1024);
  });

  it('is at most 255 KiB, whatever the server allows', () => {
    expect(writeSize({ maxPacketBytes: 16 << 20, maxWriteBytes: 16 << 20 }, 4)).toBe(MAX_WRITE_BYTES);
  });

  it('is 32 KiB from a server that does not say, or where ssh2 would cut it, less', () => {
    expect(writeSize(undefined, 4)).toBe(FALLBACK_WRITE_BYTES);
    expect(writeSize(undefined, 4, 260_096)).toBe(FALLBACK_WRITE_BYTES);
    expect(writeSize(undefined, 4, 31_952)).toBe(31_952);
  });

  it('under a bandwidth limit, is at most a second\'s worth but not under 32 KiB', () => {
    expect(writeSize(OPENSSH, 4, Infinity, 100_000)).toBe(100_000);
    expect(writeSize(OPENSSH, 4, Infinity, 1000)).toBe(FALLBACK_WRITE_BYTES);
    expect(writeSize(OPENSSH, 4, Infinity, 10 << 20)).toBe(261_120);
  });
});

describe('the writes in flight', () => {
  it('fill the channel window: 8 of 255 KiB or 63 of 32 KiB in OpenSSH\'s 2 MiB', () => {
    expect(writesInFlight(64, 2 * 1024 * 1024 - 40, 261_120, 4)).toBe(8);
    expect(writesInFlight(64, 2 * 1024 * 1024 - 40, 32 * 1024, 4)).toBe(63);
  });

  it('are at most tmsp.sftpParallelWrites, and at least one', () => {
    expect(writesInFlight(4, 2 * 1024 * 1024, 261_120, 4)).toBe(4);
    expect(writesInFlight(1, 16 << 20, 32 * 1024, 4)).toBe(1);
    expect(writesInFlight(64, 100_000, 261_120, 4)).toBe(8);
  });

  it('fill at least 2 MiB when the server grants less at first, and a larger window when it grants one', () => {
    expect(writesInFlight(64, 0, 261_120, 4)).toBe(Math.floor(MIN_IN_FLIGHT_BYTES / (261_120 + 29)));
    expect(writesInFlight(64, 16 << 20, 261_120, 4)).toBe(64);
    expect(writesInFlight(64, 8 << 20, 261_120, 4)).toBe(32);
  });
});

describe('the server\'s limits, as ssh2 kept them', () => {
  it('are read where the server offered limits@openssh.com and ssh2 got its answer', () => {
    expect(serverLimits(fake({ limits: OPENSSH }).session.sftp)).toEqual(OPENSSH);
  });

  it('are unknown where it did not offer them, or the answer never came', () => {
    expect(serverLimits(fake().session.sftp)).toBeUndefined();
    const s = fake({ limits: OPENSSH }).session.sftp as unknown as { maxOpenHandles?: number };
    s.maxOpenHandles = undefined;
    expect(serverLimits(s as unknown as SshSession['sftp'])).toBeUndefined();
  });
});

describe('writeAll', () => {
  it('gathers chunks smaller than a write into whole writes, 8 in flight, every byte where it belongs', async () => {
    const f = fake({ limits: OPENSSH });
    const { data, src } = chunks(Array.from({ length: 60 }, (_, i) => 90_000 + i * 1000));
    expect(await writeAll(f.session, HANDLE, src(), 64, undefined)).toBe(data.length);
    expect(f.writes.slice(0, -1).every((w) => w.length === 261_120)).toBe(true);
    expect(f.writes.at(-1)!.length).toBe(data.length - 261_120 * (f.writes.length - 1));
    expect(f.writes.map((w) => w.at)).toEqual(f.writes.map((_, i) => i * 261_120));
    expect(f.mostInFlight()).toBe(8);
    expect(f.corks).toBe(f.writes.length);
    expect(f.received().equals(data)).toBe(true);
  });

  it('writes straight from chunks larger than a write, and gathers the rest', async () => {
    const f = fake({ limits: OPENSSH });
    const { data, src } = chunks([1 << 20, 5, 300_000, 2 << 20, 17]);
    expect(await writeAll(f.session, HANDLE, src(), 64, undefined)).toBe(data.length);
    expect(f.writes.slice(0, -1).every((w) => w.length === 261_120)).toBe(true);
    expect(f.received().equals(data)).toBe(true);
  });

  it('keeps to 32 KiB and to tmsp.sftpParallelWrites where the server does not say', async () => {
    const f = fake();
    const { data, src } = chunks(Array.from({ length: 20 }, () => 50_000));
    expect(await writeAll(f.session, HANDLE, src(), 32, undefined)).toBe(data.length);
    expect(Math.max(...f.writes.map((w) => w.length))).toBe(31_952);
    expect(f.mostInFlight()).toBe(32);
    expect(f.received().equals(data)).toBe(true);
  });

  it('writes one at a time when told to', async () => {
    const f = fake({ limits: OPENSSH });
    const { data, src } = chunks([700_000, 700_000]);
    await writeAll(f.session, HANDLE, src(), 1, undefined);
    expect(f.mostInFlight()).toBe(1);
    expect(f.received().equals(data)).toBe(true);
  });

  it('under a bandwidth limit, writes at most a second\'s worth at a time', async () => {
    const f = fake({ limits: OPENSSH });
    const { data, src } = chunks([50_000, 30_000]);
    await writeAll(f.session, HANDLE, src(), 64, new TokenBucket(40_000));
    expect(f.writes.map((w) => w.length)).toEqual([40_000, 40_000]);
    expect(f.received().equals(data)).toBe(true);
  });

  it('fails with the write that failed', async () => {
    const f = fake({ limits: OPENSSH, failAt: 261_120 * 2 });
    await expect(writeAll(f.session, HANDLE, chunks([3 << 20]).src(), 64, undefined))
      .rejects.toMatchObject({ code: 'E_REMOTE', message: expect.stringContaining(`write at ${261_120 * 2}: Failure`) });
  });
});
