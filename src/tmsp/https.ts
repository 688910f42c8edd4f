// The HTTPS ("SSL") sink: PUT <base>/<applianceId>/<name> with Basic auth,
// Content-Type application/gzip and the exact Content-Length. 200, 201 and
// 204 mean the server holds the file; other answers are classified so that
// a refused login is not retried in a tight loop while a 5xx is.

import https from 'node:https';
import { Transform, pipeline, type Duplex, type Readable } from 'node:stream';
import { AgentError } from '../errors.ts';
import { openStream } from '../net/connect.ts';
import { classify } from '../net/errors.ts';
import { TokenBucket } from '../net/throttle.ts';
import { startTls } from '../net/tls.ts';
import type { Sink, SinkTarget, UploadItem } from './sink.ts';

const MAX_ERROR_BODY = 4096;

export function urlPath(basePath: string, name: string): string {
  const base = basePath.replace(/^\/+|\/+$/g, '');
  return `/${base ? `${base}/` : ''}${name.split('/').map(encodeURIComponent).join('/')}`;
}

export function statusError(status: number, what: string, body: string): AgentError | undefined {
  if (status === 200 || status === 201 || status === 204) return undefined;
  const detail = body.trim().replace(/\s+/g, ' ').slice(0, 200);
  const msg = `${what}: HTTP ${status}${detail ? ` (${detail})` : ''}`;
  if (status === 401 || status === 403) return new AgentError('E_AUTH', `${msg}: check the user name and password`);
  if (status === 407) return new AgentError('E_PROXY_AUTH', msg);
  if (status >= 500 || status === 408 || status === 429) return new AgentError('E_REMOTE', msg);
  if (status >= 400) return new AgentError('E_REMOTE_REFUSED', msg);
  return new AgentError('E_PROTOCOL', msg);
}

function throttled(src: Readable, bucket: TokenBucket): Readable {
  return src.pipe(new Transform({
    transform(chunk: Buffer, _enc, done) {
      bucket.take(chunk.length).then(() => done(null, chunk), done);
    },
  }));
}

export interface HttpsRequest {
  method: 'PUT' | 'DELETE' | 'GET';
  path: string;
  body?: Readable;
  bytes?: number;
  /** Receives the connection, so that a stop can cut it. */
  onSocket?: (s: Duplex) => void;
}

export async function httpsRequest(t: SinkTarget, r: HttpsRequest): Promise<{ status: number; body: string }> {
  const raw = await openStream({ host: t.host, port: t.port },
    { proxy: t.proxy, noProxy: t.noProxy, timeoutMs: t.timeoutMs, keepAliveMs: t.keepaliveMs });
  r.onSocket?.(raw);
  const { socket } = await startTls(raw, t.host, t.tls, t.timeoutMs).catch((err) => {
    raw.destroy();
    throw err;
  });
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      Authorization: `Basic ${Buffer.from(`${t.username}:${t.password}`).toString('base64')}`,
      'User-Agent': 'tmsp-agent',
    };
    if (r.method === 'PUT') {
      headers['Content-Type'] = 'application/gzip';
      headers['Content-Length'] = r.bytes ?? 0;
    }
    let settled = false;
    const done = (err: unknown, v?: { status: number; body: string }) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err) reject(err instanceof AgentError ? err : classify(err, `${r.method} ${r.path}`));
      else resolve(v!);
    };
    const req = https.request({
      method: r.method, host: t.host, port: t.port, path: r.path, headers, createConnection: () => socket,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < MAX_ERROR_BODY) body += d;
      });
      res.on('end', () => done(null, { status: res.statusCode ?? 0, body }));
      res.on('error', (err) => done(err));
    });
    req.setTimeout(t.timeoutMs, () => req.destroy(new AgentError('E_TIMEOUT', `${r.method} ${r.path}: no progress for ${t.timeoutMs} ms`)));
    req.on('error', (err) => done(err));
    if (r.body) pipeline(r.body, req, (err) => err && done(err));
    else req.end();
  });
}

export class HttpsSink implements Sink {
  readonly kind = 'https' as const;
  private readonly t: SinkTarget;
  private readonly bucket: TokenBucket | undefined;
  private current: Duplex | undefined;

  constructor(target: SinkTarget) {
    this.t = target;
    this.bucket = target.bandwidthLimitBytes > 0 ? new TokenBucket(target.bandwidthLimitBytes) : undefined;
  }

  async upload(item: UploadItem): Promise<void> {
    const path = urlPath(this.t.basePath, item.name);
    const src = item.open();
    try {
      const res = await httpsRequest(this.t, {
        method: 'PUT', path, bytes: item.bytes, body: this.bucket ? throttled(src, this.bucket) : src,
        onSocket: (s) => (this.current = s),
      });
      const err = statusError(res.status, `PUT ${path}`, res.body);
      if (err) throw err;
    } finally {
      this.current = undefined;
      src.destroy();
    }
  }

  /** One connection per request, so nothing is kept between batches; a running request is cut. */
  async close(): Promise<void> {
    this.current?.destroy();
    this.current = undefined;
  }
}
