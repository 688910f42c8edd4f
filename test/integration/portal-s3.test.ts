// Batches kept in S3 (batches.kind s3), against a real S3 server (s3rver):
// a batch streamed as one PUT and one in parts, each object byte-for-byte
// the file; old objects pruned and only those; a store that fails leaves the
// file where it landed, and ingest keeps it once the store is back; and the
// built portal end to end, a batch uploaded over HTTPS into the bucket.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PART_BYTES, S3Archive, type S3Settings } from '../../src/portal/archive/s3.ts';
import { Ingest } from '../../src/portal/ingest/ingest.ts';
import type { Outcome } from '../../src/portal/ingest/batch.ts';
import type { Landed } from '../../src/portal/receive/landed.ts';
import { SqliteStore } from '../../src/portal/store/sqlite/store.ts';
import { batchFileName } from '../../src/protocol/batch.ts';
import { until } from '../helpers/agent.ts';
import { CEF_LINE, PLAIN_LINE, writeBatch } from '../helpers/portal.ts';
import { startPortal } from '../helpers/portal-process.ts';
import { S3_KEY, S3_SECRET, startS3, type S3Peer } from '../helpers/s3.ts';
import { tmpdir } from '../helpers/tmp.ts';

const ID = 'tda-s3-01';
const DAY = 86_400_000;
const quiet = { info() {}, warn() {}, error() {} };

function settings(s3: S3Peer, o: Partial<S3Settings> = {}): S3Settings {
  return {
    endpoint: s3.endpoint, region: 'us-east-1', bucket: s3.bucket, prefix: 'batches/',
    accessKeyId: S3_KEY, secretAccessKey: S3_SECRET, pathStyle: true, ...o,
  };
}

async function archiveOn(s3: S3Peer, o: Partial<S3Settings> = {}): Promise<S3Archive> {
  const a = new S3Archive(settings(s3, o));
  await a.start();
  onTestFinished(() => a.stop());
  return a;
}

async function peer(): Promise<S3Peer> {
  const s3 = await startS3();
  onTestFinished(() => s3.stop());
  return s3;
}

/** A file of `size` random bytes in `dir`, and a copy of its bytes. */
function fileOf(dir: string, name: string, size: number): { file: string; bytes: Buffer } {
  const bytes = crypto.randomBytes(size);
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return { file, bytes };
}

const name = (first: number, last: number) => batchFileName({ firstSeq: first, lastSeq: last });
const lines = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? CEF_LINE(i) : PLAIN_LINE(i)));

describe('the S3 archive', () => {
  it('stores a batch streamed from its file, in one PUT or in parts, byte for byte; has() tells', async () => {
    const s3 = await peer();
    const a = await archiveOn(s3);
    const dir = tmpdir('tmsp-s3-files-');
    const small = fileOf(dir, name(1, 10), 100_000);
    const large = fileOf(dir, name(11, 20), 2 * PART_BYTES + 123_457);
    expect(await a.has(ID, name(1, 10))).toBe(false);

    await a.keep(small.file, ID, name(1, 10));
    await a.keep(large.file, ID, name(11, 20));
    expect(s3.object(`batches/${ID}/${name(1, 10)}`)!.equals(small.bytes)).toBe(true);
    expect(s3.object(`batches/${ID}/${name(11, 20)}`)!.equals(large.bytes)).toBe(true);
    // Only after the object is stored is the file gone.
    expect(fs.existsSync(small.file)).toBe(false);
    expect(fs.existsSync(large.file)).toBe(false);
    expect(await a.has(ID, name(1, 10))).toBe(true);
    expect(await a.has(ID, name(11, 20))).toBe(true);
    expect(await a.has(ID, name(21, 30))).toBe(false);
    expect(a.counters).toEqual({ kept: 2, failed: 0, pruned: 0 });

    // The small one was one PUT; the large one three parts of a multipart upload, none larger than a part.
    const puts = s3.requests.filter((r) => r.method === 'PUT');
    expect(puts.filter((r) => r.url.includes(name(1, 10)))).toHaveLength(1);
    const parts = puts.filter((r) => r.url.includes(name(11, 20)) && /[?&]partNumber=/.test(r.url));
    expect(parts).toHaveLength(3);
    for (const p of parts) expect(Number(p.headers['content-length'])).toBeLessThanOrEqual(PART_BYTES);
    expect(s3.requests.some((r) => r.method === 'POST' && r.url.includes(name(11, 20)) && r.url.includes('uploadId='))).toBe(true);
    // No checksum beyond what S3 requires: no aws-chunked bodies or CRC trailers, which stores other than AWS's refuse.
    for (const p of puts) {
      expect(Object.keys(p.headers).filter((h) => h.startsWith('x-amz-checksum-') || h === 'x-amz-trailer')).toEqual([]);
      expect(p.headers['content-encoding'] ?? '').not.toContain('aws-chunked');
    }
    expect(s3.requests.find((r) => r.method === 'PUT' && r.url.includes(name(1, 10)))!.headers['content-type']).toBe('application/gzip');
    expect(a.describe()).toBe(`s3://${s3.bucket}/batches/ at ${s3.endpoint}`);
  });

  it('prunes the objects older than the cut and only those, under its prefix, with Content-MD5 on DeleteObjects', async () => {
    const s3 = await peer();
    const a = await archiveOn(s3);
    const dir = tmpdir('tmsp-s3-files-');
    for (let i = 0; i < 5; i++) await a.keep(fileOf(dir, name(i * 10 + 1, i * 10 + 10), 1000).file, ID, name(i * 10 + 1, i * 10 + 10));
    // Not the archive's: another prefix in the same bucket.
    const other = await archiveOn(s3, { prefix: 'other/' });
    await other.keep(fileOf(dir, name(1, 10), 1000).file, ID, name(1, 10));
    for (const k of [name(1, 10), name(21, 30), name(41, 50)]) s3.age(`batches/${ID}/${k}`, 91 * DAY);
    s3.age(`other/${ID}/${name(1, 10)}`, 91 * DAY);

    expect(await a.prune(Date.now() - 90 * DAY)).toBe(3);
    expect(s3.keys()).toEqual([`batches/${ID}/${name(11, 20)}`, `batches/${ID}/${name(31, 40)}`, `other/${ID}/${name(1, 10)}`]);
    expect(a.counters.pruned).toBe(3);
    expect(await a.prune(Date.now() - 90 * DAY)).toBe(0);

    const list = s3.requests.filter((r) => r.method === 'GET' && r.url.includes('list-type=2'));
    expect(list.length).toBeGreaterThan(0);
    for (const r of list) expect(r.url).toMatch(/[?&]max-keys=1000(&|$)/);
    const deletes = s3.requests.filter((r) => r.method === 'POST' && /[?&]delete(=|&|$)/.test(r.url));
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.headers['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(Object.keys(deletes[0]!.headers).filter((h) => h.startsWith('x-amz-checksum-') || h.startsWith('x-amz-sdk-checksum-'))).toEqual([]);
  });

  it('throws when the store fails (a bucket that is not there, the server down), and the file stays', async () => {
    const s3 = await peer();
    const dir = tmpdir('tmsp-s3-files-');
    const wrong = await archiveOn(s3, { bucket: 'no-such-bucket' });
    const f = fileOf(dir, name(1, 10), 5000);
    await expect(wrong.keep(f.file, ID, name(1, 10))).rejects.toThrow(/cannot store batches\/tda-s3-01\/.*NoSuchBucket/);
    expect(fs.readFileSync(f.file).equals(f.bytes)).toBe(true);
    expect(wrong.counters.failed).toBe(1);

    const a = await archiveOn(s3);
    await s3.stop();
    const big = fileOf(dir, name(11, 20), PART_BYTES + 1);
    await expect(a.keep(f.file, ID, name(1, 10))).rejects.toThrow(/cannot store/);
    await expect(a.keep(big.file, ID, name(11, 20))).rejects.toThrow(/cannot store/);
    await expect(a.has(ID, name(1, 10))).rejects.toThrow(/cannot look up/);
    await expect(a.prune(Date.now())).rejects.toThrow(/cannot prune/);
    expect(fs.readFileSync(f.file).equals(f.bytes)).toBe(true);
    expect(fs.readFileSync(big.file).equals(big.bytes)).toBe(true);
    expect(a.counters).toEqual({ kept: 0, failed: 4, pruned: 0 });
  });

  it('in ingest: a batch whose store fails counts once, stays in incoming, and is kept once the store is back', async () => {
    const s3 = await peer();
    const root = tmpdir('tmsp-s3-ingest-');
    const store = new SqliteStore(path.join(root, 'portal.db'));
    onTestFinished(() => store.close());
    const archive = new S3Archive(settings(s3));
    const outcomes: Outcome[] = [];
    const ingest = new Ingest(store, {
      incoming: path.join(root, 'incoming'), archive, quarantine: path.join(root, 'quarantine'), maxBatchBytes: 1 << 20, log: quiet,
      onOutcome: (o) => outcomes.push(o),
    });
    await ingest.start();
    onTestFinished(() => ingest.stop());
    const land = (b: { relPath: string; file: string }): Landed => {
      const l: Landed = { account: 'acme', via: 'https', relPath: b.relPath, file: b.file };
      ingest.landed(l);
      return l;
    };

    const first = writeBatch(path.join(root, 'incoming', 'acme'), ID, 1, lines(20));
    const firstBytes = fs.readFileSync(first.file);
    land(first);
    await ingest.idle();
    expect(outcomes.map((o) => o.kind)).toEqual(['ingested']);
    expect(fs.existsSync(first.file)).toBe(false);
    expect(s3.object(`batches/${ID}/${path.basename(first.file)}`)!.equals(firstBytes)).toBe(true);

    // The store goes away: the next batch is ingested (its detections visible) but its file waits in incoming/.
    await s3.stop();
    const second = writeBatch(path.join(root, 'incoming', 'acme'), ID, 21, lines(20));
    const secondBytes = fs.readFileSync(second.file);
    land(second);
    await ingest.idle();
    expect(outcomes.map((o) => o.kind)).toEqual(['ingested', 'ingested']);
    expect(ingest.counters).toMatchObject({ ingested: 2, failed: 1, archive: { kept: 1, failed: 1 } });
    expect(fs.readFileSync(second.file).equals(secondBytes)).toBe(true);
    expect((await store.appliances.get(ID))!).toMatchObject({ batches: 2, records: 40 });

    // Back: found again (as the rescan finds it), a duplicate the archive lacks, so it is kept now, and counted nowhere twice.
    await s3.start();
    land(second);
    await ingest.idle();
    expect(outcomes.at(-1)).toMatchObject({ kind: 'duplicate', archived: true });
    expect(fs.existsSync(second.file)).toBe(false);
    expect(s3.object(`batches/${ID}/${path.basename(second.file)}`)!.equals(secondBytes)).toBe(true);
    // A re-send of a batch the archive has is only deleted locally.
    fs.mkdirSync(path.dirname(first.file), { recursive: true });
    fs.writeFileSync(first.file, firstBytes);
    const puts = s3.requests.filter((r) => r.method === 'PUT').length;
    land(first);
    await ingest.idle();
    expect(outcomes.at(-1)).toMatchObject({ kind: 'duplicate', archived: false });
    expect(fs.existsSync(first.file)).toBe(false);
    expect(s3.requests.filter((r) => r.method === 'PUT').length).toBe(puts);
    expect((await store.appliances.get(ID))!).toMatchObject({ batches: 2, records: 40 });
    expect(s3.keys()).toEqual([`batches/${ID}/${path.basename(first.file)}`, `batches/${ID}/${path.basename(second.file)}`]);
  });
});

/** curl -T, asynchronously. */
function curl(args: string[]): Promise<{ code: number; status: number }> {
  return new Promise((resolve) => {
    const p = spawn('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', ...args]);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => resolve({ code: code ?? -1, status: Number(out.trim()) }));
  });
}

describe('the portal with batches.kind s3', () => {
  it('keeps a batch uploaded over HTTPS in the bucket, byte for byte, and nothing of it on disk', async () => {
    const s3 = await peer();
    const dir = tmpdir('tmsp-portal-s3-');
    const portal = await startPortal(dir, {
      batches: { kind: 's3', s3Endpoint: s3.endpoint, s3Bucket: s3.bucket, s3AccessKeyId: S3_KEY, s3SecretAccessKey: S3_SECRET },
      mqtt: { enabled: false }, sftp: { enabled: false },
    });
    onTestFinished(async () => {
      await portal.stop();
    });
    expect(portal.facts.batches).toBe(`s3://${s3.bucket}/batches/ at ${s3.endpoint}`);
    expect(portal.cli(['--json', 'account', 'add', 'acme', '--password-stdin'], 'acme-secret-1\n').json).toMatchObject({ ok: true });

    const b = writeBatch(tmpdir('tmsp-portal-s3-src-'), ID, 1, lines(30));
    const bytes = fs.readFileSync(b.file);
    const put = await curl(['--cacert', portal.facts.tlsCertFile, '-u', 'acme:acme-secret-1', '-T', b.file,
      `https://127.0.0.1:${portal.facts.listeners.https}/${b.relPath}`]);
    expect(put).toEqual({ code: 0, status: 201 });

    const key = `batches/${ID}/${path.basename(b.file)}`;
    // Kept once the portal has heard the object stored and removed its file: the bucket shows the object a moment sooner.
    const st = await until(() => {
      const f = portal.status();
      return (f.counters as any).ingest.archive.kept === 1 ? f : undefined;
    }, 30_000, `the status to count the kept batch\n${portal.log}`);
    expect(s3.object(key)!.equals(bytes)).toBe(true);
    const a = await until(() => {
      const x = portal.appliance(ID);
      return x && x.batches === 1 ? x : undefined;
    }, 30_000, 'the batch counted');
    expect(a).toMatchObject({ records: 30, detections: 15 });
    const data = path.join(dir, 'data');
    const files = (d: string): string[] => (fs.existsSync(d)
      ? fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)) : [path.join(d, e.name)]))
      : []);
    expect(files(path.join(data, 'incoming'))).toEqual([]);
    expect(files(path.join(data, 'batches'))).toEqual([]);
    expect((st.counters as any).ingest).toMatchObject({ ingested: 1, failed: 0, archive: { kept: 1, failed: 0 } });
  });
});
