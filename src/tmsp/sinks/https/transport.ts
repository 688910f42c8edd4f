// The HTTPS ("SSL") sink: PUT <base>/<applianceId>/<name> with Basic auth,
// the batch's Content-Type (application/gzip or application/zstd) and the
// exact Content-Length. 200, 201 and 204 mean the server holds the file;
// other answers are classified so that a refused login is not retried in a
// tight loop while a 5xx is.

import { Transform, type Duplex, type Readable } from 'node:stream';
import type { TmspError } from '../../../errors.ts';
import { basicAuth, httpsCall, httpStatusError, type HttpsAnswer } from '../../../net/https-request.ts';
import { TokenBucket } from '../../../net/throttle.ts';
import { MEDIA_TYPE } from '../../../protocol/batch.ts';
import type { Sink, UploadItem } from '../../sink.ts';
import type { HttpsTarget } from './index.ts';

export function urlPath(basePath: string, name: string): string {
  const base = basePath.replace(/^\/+|\/+$/g, '');
  return `/${base ? `${base}/` : ''}${name.split('/').map(encodeURIComponent).join('/')}`;
}

/** 200, 201 and 204 mean the server holds the file. */
export function statusError(status: number, what: string, body: string): TmspError | undefined {
  return httpStatusError(status, what, body);
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
  /** The body's media type (PUT). */
  type?: string;
  /** Receives the connection, so that a stop can cut it. */
  onSocket?: (s: Duplex) => void;
}

/** A request to the log server with the TMSP credentials, through the proxy when configured. */
export function httpsRequest(t: HttpsTarget, r: HttpsRequest): Promise<HttpsAnswer> {
  const headers: Record<string, string | number> = { Authorization: basicAuth(t.username, t.password) };
  if (r.method === 'PUT') {
    headers['Content-Type'] = r.type ?? 'application/octet-stream';
    headers['Content-Length'] = r.bytes ?? 0;
  }
  return httpsCall({
    host: t.host, port: t.port, tls: t.tls, method: r.method, path: r.path, headers, body: r.body, onSocket: r.onSocket,
    what: `${r.method} ${r.path}`,
    route: { proxy: t.proxy, noProxy: t.noProxy, timeoutMs: t.timeoutMs, keepaliveMs: t.keepaliveMs },
  });
}

export class HttpsSink implements Sink {
  private readonly t: HttpsTarget;
  private readonly bucket: TokenBucket | undefined;
  private current: Duplex | undefined;

  constructor(target: HttpsTarget) {
    this.t = target;
    this.bucket = target.bandwidthLimitBytes > 0 ? new TokenBucket(target.bandwidthLimitBytes) : undefined;
  }

  async upload(item: UploadItem): Promise<void> {
    const path = urlPath(this.t.basePath, item.name);
    const src = item.open();
    try {
      const res = await httpsRequest(this.t, {
        method: 'PUT', path, bytes: item.bytes, type: MEDIA_TYPE[item.codec], body: this.bucket ? throttled(src, this.bucket) : src,
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
