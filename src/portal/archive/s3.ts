// batches.kind s3: batches as objects <prefix><applianceId>/<name> in an
// S3-compatible bucket (AWS S3, MinIO, Ceph RGW), so that several portal
// processes, on several machines, keep them in one place.
//
// A batch is streamed from its file: lib-storage cuts it into parts of
// PART_BYTES, at most QUEUE of them in flight, so memory stays at a few
// parts whatever the size (up to ingest.maxBatchBytes, 64 GiB at most); one
// part or less goes as a single PUT. Parts are buffers, so the client's own
// retries (MAX_ATTEMPTS) can send one again; a multipart upload that fails is
// aborted. The file is removed only after the object is stored.
//
// Checksums are sent and checked only where S3 requires them: stores other
// than AWS's refuse or mangle the newer CRC trailers (aws-chunked bodies).
// The one operation that requires one, DeleteObjects, carries Content-MD5,
// which every S3 accepts there (older MinIO and Ceph RGW take nothing else).
// The SigV4 signature covers every body's SHA-256.
//
// Retention: prune() lists the prefix a page at a time and deletes what is
// older than the cut, a page (at most 1,000 keys) per DeleteObjects. An
// object's time is when it was stored. In production a bucket lifecycle rule
// (expire after ingest.retentionDays, abort incomplete multipart uploads) does
// the same without the listing; prune then finds nothing to do.

import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import {
  DeleteObjectsCommand, HeadObjectCommand, type DeleteObjectsCommandInput, type DeleteObjectsCommandOutput, ListObjectsV2Command, S3Client, type ObjectIdentifier,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BuildMiddleware } from '@smithy/types';
import { MEDIA_TYPE, parseBatchName } from '../../protocol/batch.ts';
import { newCounters, type BatchArchive } from './archive.ts';

const MiB = 1024 * 1024;
/** Bytes per part of a multipart upload (S3's least is 5 MiB). */
export const PART_BYTES = 8 * MiB;
/** Parts in flight at once: memory is about (QUEUE + 1) parts. */
const QUEUE = 2;
/** S3's most parts per upload: a file past PART_BYTES × MAX_PARTS gets larger parts. */
const MAX_PARTS = 10_000;
/** Tries per request, the first included (the SDK's standard retry, with backoff). */
const MAX_ATTEMPTS = 3;
/** Keys per list page and per DeleteObjects, S3's most for both. */
const PAGE = 1000;

export interface S3Settings {
  /** http(s)://host:port of the store; empty = AWS S3 of `region`. */
  endpoint: string;
  region: string;
  bucket: string;
  /** Key prefix, empty or ending in "/". */
  prefix: string;
  /** Empty = the SDK's own chain (environment, shared files, instance role). */
  accessKeyId: string;
  secretAccessKey: string;
  /** The bucket in the path (MinIO, Ceph RGW, s3rver) rather than in the host name. */
  pathStyle: boolean;
}

export class S3Archive implements BatchArchive {
  readonly counters = newCounters();
  private readonly s: S3Settings;
  private readonly client: S3Client;
  private readonly inFlight = new Set<AbortController>();
  private pruning: Promise<number> | undefined;
  private stopped = false;

  constructor(s: S3Settings) {
    this.s = s;
    this.client = new S3Client({
      region: s.region,
      ...(s.endpoint !== '' ? { endpoint: s.endpoint } : {}),
      forcePathStyle: s.pathStyle,
      ...(s.accessKeyId !== '' ? { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } } : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: MAX_ATTEMPTS,
      // A store that does not answer fails the request rather than holding ingest: no connection in 10 s, or 2 minutes without a byte.
      requestHandler: { connectionTimeout: 10_000, socketTimeout: 120_000 },
    });
  }

  /** Nothing to open: the client connects on the first request (a store that is down then fails that batch, not the start). */
  async start(): Promise<void> {}

  async stop(): Promise<void> {
    this.stopped = true;
    for (const a of this.inFlight) a.abort();
    this.client.destroy();
  }

  async keep(file: string, applianceId: string, name: string): Promise<void> {
    const key = this.key(applianceId, name);
    const abort = new AbortController();
    let body: fs.ReadStream | undefined;
    try {
      if (this.stopped) throw new Error('the archive is stopped');
      const { size } = await fsp.stat(file);
      body = fs.createReadStream(file);
      this.inFlight.add(abort);
      await new Upload({
        client: this.client,
        params: { Bucket: this.s.bucket, Key: key, Body: body, ContentLength: size, ContentType: MEDIA_TYPE[parseBatchName(name)?.codec ?? 'gzip'] },
        partSize: Math.max(PART_BYTES, Math.ceil(size / MAX_PARTS)),
        queueSize: QUEUE,
        leavePartsOnError: false,
        abortController: abort,
      }).done();
    } catch (err) {
      this.counters.failed++;
      throw this.failure(`cannot store ${key}`, err);
    } finally {
      this.inFlight.delete(abort);
      body?.destroy();
    }
    await fsp.rm(file, { force: true });
    this.counters.kept++;
  }

  async has(applianceId: string, name: string): Promise<boolean> {
    const key = this.key(applianceId, name);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.s.bucket, Key: key }));
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      this.counters.failed++;
      throw this.failure(`cannot look up ${key}`, err);
    }
  }

  /** One prune at a time: a call while one runs gets that one's count. */
  prune(before: number): Promise<number> {
    this.pruning ??= this.pruneOnce(before).finally(() => (this.pruning = undefined));
    return this.pruning;
  }

  describe(): string {
    return `s3://${this.s.bucket}/${this.s.prefix} at ${this.s.endpoint || `AWS S3 ${this.s.region}`}`;
  }

  private key(applianceId: string, name: string): string {
    return `${this.s.prefix}${applianceId}/${name}`;
  }

  private async pruneOnce(before: number): Promise<number> {
    let removed = 0;
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListObjectsV2Command({
          Bucket: this.s.bucket, Prefix: this.s.prefix, MaxKeys: PAGE, ...(token ? { ContinuationToken: token } : {}),
        }));
        const old: ObjectIdentifier[] = [];
        for (const o of page.Contents ?? []) if (o.Key && o.LastModified && o.LastModified.getTime() < before) old.push({ Key: o.Key });
        if (old.length > 0) removed += await this.deleteKeys(old);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token && !this.stopped);
    } catch (err) {
      // Stopped mid-way: what was removed counts; the next start's prune does the rest.
      if (this.stopped) return removed;
      this.counters.failed++;
      throw this.failure(`cannot prune s3://${this.s.bucket}/${this.s.prefix}`, err);
    } finally {
      this.counters.pruned += removed;
    }
    return removed;
  }

  /** At most PAGE keys in one DeleteObjects; returns how many went. */
  private async deleteKeys(keys: ObjectIdentifier[]): Promise<number> {
    const cmd = new DeleteObjectsCommand({ Bucket: this.s.bucket, Delete: { Objects: keys, Quiet: true } });
    cmd.middlewareStack.addRelativeTo(contentMd5, { relation: 'after', toMiddleware: 'flexibleChecksumsMiddleware', name: 'tmspContentMd5' });
    const r = await this.client.send(cmd);
    // Quiet: only the keys that failed are listed; they stay for the next prune.
    const failed = r.Errors?.length ?? 0;
    if (failed > 0) this.counters.failed++;
    return keys.length - failed;
  }

  private failure(what: string, err: unknown): Error {
    const e = err as { name?: string; message?: string; code?: string };
    const why = [e.name, e.message || e.code].filter(Boolean).join(': ');
    return new Error(`${what} in ${this.describe()}: ${why || String(err)}`, { cause: err });
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** DeleteObjects' required checksum as Content-MD5 in place of the SDK's CRC32 headers (before signing). */
const contentMd5: BuildMiddleware<DeleteObjectsCommandInput, DeleteObjectsCommandOutput> = (next) => async (args) => {
  const req = args.request as { headers?: Record<string, string>; body?: unknown };
  if (req.headers) {
    for (const h of Object.keys(req.headers)) if (/^x-amz-(sdk-)?checksum-/i.test(h)) delete req.headers[h];
    if (typeof req.body === 'string' || req.body instanceof Uint8Array) {
      req.headers['content-md5'] = crypto.createHash('md5').update(req.body).digest('base64');
    }
  }
  return next(args);
};
