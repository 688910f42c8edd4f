// One HTTPS request on its own connection (direct or through the proxy),
// with TLS checked by the operator's trust settings, a timeout on progress,
// and a bounded body read back: the TMSP log server and the SMS both speak
// this way.

import https from 'node:https';
import { pipeline, type Duplex, type Readable } from 'node:stream';
import { TmspError } from '../errors.ts';
import { openStream, type RouteOptions } from './connect.ts';
import { toAgentError } from './errors.ts';
import { startTls, type TlsTrust } from './tls.ts';

const MAX_BODY = 64 * 1024;

export interface HttpsCall {
  host: string;
  port: number;
  tls: TlsTrust;
  route: RouteOptions;
  method: string;
  path: string;
  headers: Record<string, string | number>;
  body?: Readable | Buffer;
  /** Names the request in errors. */
  what: string;
  /** Receives the connection, so that a stop can cut it. */
  onSocket?: (s: Duplex) => void;
}

export interface HttpsAnswer {
  status: number;
  body: string;
}

export async function httpsCall(c: HttpsCall): Promise<HttpsAnswer> {
  const timeoutMs = c.route.timeoutMs;
  const raw = await openStream({ host: c.host, port: c.port }, c.route);
  c.onSocket?.(raw);
  const { socket } = await startTls(raw, c.host, c.tls, timeoutMs).catch((err) => {
    raw.destroy();
    throw err;
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err: unknown, v?: HttpsAnswer) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err) reject(err instanceof TmspError ? err : toAgentError(err, c.what));
      else resolve(v!);
    };
    const req = https.request({
      method: c.method, host: c.host, port: c.port, path: c.path, headers: { 'User-Agent': 'tmsp-agent', ...c.headers },
      createConnection: () => socket,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < MAX_BODY) body += d;
      });
      res.on('end', () => done(null, { status: res.statusCode ?? 0, body }));
      res.on('error', (err) => done(err));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new TmspError('E_TIMEOUT', `${c.what}: no progress for ${timeoutMs} ms`)));
    req.on('error', (err) => done(err));
    if (c.body && !Buffer.isBuffer(c.body)) pipeline(c.body, req, (err) => err && done(err));
    else req.end(c.body);
  });
}

/**
 * What an HTTP status means to a retry: undefined when it is one of `ok`;
 * a login failure (E_AUTH) is not retried in a tight loop, a server error
 * (E_REMOTE) is retried, a refusal of the request itself (E_REMOTE_REFUSED,
 * or what `refused` makes of it) needs something changed first.
 */
export function httpStatusError(status: number, what: string, body: string, o: {
  ok?: readonly number[];
  authHint?: string;
  refused?: (status: number, message: string) => TmspError;
} = {}): TmspError | undefined {
  if ((o.ok ?? [200, 201, 204]).includes(status)) return undefined;
  const detail = body.trim().replace(/\s+/g, ' ').slice(0, 200);
  const msg = `${what}: HTTP ${status}${detail ? ` (${detail})` : ''}`;
  if (status === 401 || status === 403) return new TmspError('E_AUTH', `${msg}: ${o.authHint ?? 'check the user name and password'}`);
  if (status === 407) return new TmspError('E_PROXY_AUTH', msg);
  if (status >= 500 || status === 408 || status === 429) return new TmspError('E_REMOTE', msg);
  if (status >= 400) return o.refused ? o.refused(status, msg) : new TmspError('E_REMOTE_REFUSED', msg);
  return new TmspError('E_PROTOCOL', msg);
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
