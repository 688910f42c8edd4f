// A real S3 peer for the archive's tests: s3rver (a file-backed S3 server)
// on a free loopback port, its files in a temp directory, one bucket made.
// It keeps every request it answered (method, URL, headers), so a test can
// tell a multipart upload from a single PUT and see what DeleteObjects said.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import type net from 'node:net';
import path from 'node:path';
import { tmpdir } from './tmp.ts';

/** s3rver's own login (its account S3RVER). */
export const S3_KEY = 'S3RVER';
export const S3_SECRET = 'S3RVER';

interface S3rverServer {
  middleware: Array<(ctx: { method: string; url: string; headers: Record<string, string> }, next: () => Promise<void>) => Promise<void>>;
  run(): Promise<net.AddressInfo>;
  close(): Promise<void>;
}

type S3rverClass = new (o: {
  port: number; address: string; directory: string; silent: boolean; configureBuckets: Array<{ name: string }>;
  /** Buckets are never read from the host name (localhost has none). */
  vhostBuckets: boolean;
}) => S3rverServer;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

export interface S3Request {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export class S3Peer {
  readonly bucket: string;
  readonly directory: string;
  readonly requests: S3Request[] = [];
  private server: S3rverServer | undefined;
  private port = 0;

  constructor(bucket: string, directory: string) {
    this.bucket = bucket;
    this.directory = directory;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listening; again after stop(), on the same port when it is still free. */
  async start(): Promise<this> {
    const server = new S3rver({
      port: this.port, address: '127.0.0.1', directory: this.directory, silent: true, configureBuckets: [{ name: this.bucket }], vhostBuckets: false,
    });
    // First in the chain, so every request is seen, answered or refused.
    server.middleware.unshift(async (ctx, next) => {
      this.requests.push({ method: ctx.method, url: ctx.url, headers: { ...ctx.headers } });
      await next();
    });
    const address = await server.run();
    this.port = address.port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    await s?.close();
  }

  /** Where s3rver keeps an object's bytes. */
  objectFile(key: string): string {
    const parts = key.split('/');
    return path.join(this.directory, this.bucket, ...parts.slice(0, -1), `${parts.at(-1)}._S3rver_object`);
  }

  /** The object's bytes, or undefined when there is none. */
  object(key: string): Buffer | undefined {
    try {
      return fs.readFileSync(this.objectFile(key));
    } catch {
      return undefined;
    }
  }

  /** Every key in the bucket, sorted. */
  keys(): string[] {
    const root = path.join(this.directory, this.bucket);
    const out: string[] = [];
    const walk = (dir: string, rel: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(path.join(dir, e.name), r);
        else if (e.name.endsWith('._S3rver_object')) out.push(r.slice(0, -'._S3rver_object'.length));
      }
    };
    walk(root, '');
    return out.sort();
  }

  /** Makes an object look stored `ms` ago (s3rver's LastModified is its file's modification time). */
  age(key: string, ms: number): void {
    const t = new Date(Date.now() - ms);
    fs.utimesSync(this.objectFile(key), t, t);
  }
}

/** s3rver with one bucket, in a temp directory removed after the test (or in `directory`, for a file's tests to share). */
export function startS3(bucket = 'tmsp-batches', directory = tmpdir('tmsp-s3-')): Promise<S3Peer> {
  return new S3Peer(bucket, directory).start();
}
