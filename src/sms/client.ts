// The TippingPoint SMS reputation Web API (reference/sms-web-api.md):
// HTTPS to the SMS address, Basic auth with the SMS user (or an API key
// header), parameters in the query string, bulk CSV as a multipart POST.
// Any status but 200 on add and delete is a failure; query answers 204 for
// "not found". Each answer is classified so the distributor knows whether to
// retry, back off for the operator, or set an entry aside.

import crypto from 'node:crypto';
import https from 'node:https';
import { AgentError } from '../errors.ts';
import { connectDirect } from '../net/connect.ts';
import { classify } from '../net/errors.ts';
import { startTls, type TlsTrust } from '../net/tls.ts';
import type { ObjectType } from './object.ts';

export interface SmsTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  apiKey: string;
  trust: TlsTrust;
  timeoutMs: number;
}

export interface Entry {
  type: ObjectType;
  value: string;
}

export interface SmsResponse {
  status: number;
  body: string;
}

const MAX_BODY = 64 * 1024;
const PARAM: Record<ObjectType, string> = { ipv4: 'ip', domain: 'dns' };
const IMPORT_TYPE: Record<ObjectType, string> = { ipv4: 'ipv4', domain: 'dns' };

/** The SMS refused the request itself (not the transport): the entries in it may be at fault. */
export class SmsRefused extends AgentError {
  readonly status: number;
  constructor(status: number, message: string) {
    super('E_REMOTE_REFUSED', message);
    this.status = status;
  }
}

export function classifyStatus(status: number, what: string, body: string): AgentError | undefined {
  if (status === 200) return undefined;
  const detail = body.trim().replace(/\s+/g, ' ').slice(0, 200);
  const msg = `SMS ${what}: HTTP ${status}${detail ? ` (${detail})` : ''}`;
  if (status === 401 || status === 403) return new AgentError('E_AUTH', `${msg}: check the SMS user name and password`);
  if (status >= 500 || status === 429 || status === 408) return new AgentError('E_REMOTE', msg);
  if (status >= 400) return new SmsRefused(status, msg);
  return new AgentError('E_PROTOCOL', msg);
}

export class SmsClient {
  private readonly t: SmsTarget;

  constructor(t: SmsTarget) {
    this.t = t;
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { 'User-Agent': 'tmsp-agent' };
    if (this.t.apiKey) h['X-SMS-API-KEY'] = this.t.apiKey;
    else h.Authorization = `Basic ${Buffer.from(`${this.t.username}:${this.t.password}`).toString('base64')}`;
    return h;
  }

  /** One HTTPS request on its own connection; returns status and (bounded) body. */
  async request(method: 'GET' | 'POST', path: string, body?: { type: string; data: Buffer }): Promise<SmsResponse> {
    const t = this.t;
    const raw = await connectDirect({ host: t.host, port: t.port }, t.timeoutMs);
    const { socket } = await startTls(raw, t.host, t.trust, t.timeoutMs).catch((err) => {
      raw.destroy();
      throw err;
    });
    return new Promise((resolve, reject) => {
      const headers = this.headers();
      if (body) {
        headers['Content-Type'] = body.type;
        headers['Content-Length'] = String(body.data.length);
      }
      let settled = false;
      const done = (err: unknown, v?: SmsResponse) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        if (err) reject(err instanceof AgentError ? err : classify(err, `SMS ${path.split('?')[0]}`));
        else resolve(v!);
      };
      const req = https.request({ method, host: t.host, port: t.port, path, headers, createConnection: () => socket }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (text.length < MAX_BODY) text += d;
        });
        res.on('end', () => done(null, { status: res.statusCode ?? 0, body: text }));
        res.on('error', (err) => done(err));
      });
      req.setTimeout(t.timeoutMs, () => req.destroy(new AgentError('E_TIMEOUT', `SMS ${path.split('?')[0]}: no answer within ${t.timeoutMs} ms`)));
      req.on('error', (err) => done(err));
      req.end(body?.data);
    });
  }

  private static query(entries: readonly Entry[], extra: Record<string, string> = {}): string {
    const p = new URLSearchParams(extra);
    for (const e of entries) p.append(PARAM[e.type], e.value);
    return p.toString();
  }

  /** Add or update entries that share their tags: one request, several ip=/dns= and one TagData. */
  async add(entries: readonly Entry[], tagData: string): Promise<void> {
    const res = await this.request('GET', `/repEntries/add?${SmsClient.query(entries, { TagData: tagData })}`);
    const err = classifyStatus(res.status, 'add', res.body);
    if (err) throw err;
  }

  async delete(entries: readonly Entry[]): Promise<void> {
    const res = await this.request('GET', `/repEntries/delete?${SmsClient.query(entries, { criteria: 'entry' })}`);
    const err = classifyStatus(res.status, 'delete', res.body);
    if (err) throw err;
  }

  /** Bulk: one CSV file, one address type, a line per entry (address, then its tag pairs for an import). */
  async bulk(op: 'import' | 'delete', type: ObjectType, lines: readonly string[]): Promise<void> {
    const boundary = `----tmsp-agent-${crypto.randomBytes(8).toString('hex')}`;
    const data = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="entries.csv"\r\n` +
      `Content-Type: text/csv\r\n\r\n${lines.join('\r\n')}\r\n--${boundary}--\r\n`);
    const res = await this.request('POST', `/repEntries/${op}?type=${IMPORT_TYPE[type]}`,
      { type: `multipart/form-data; boundary=${boundary}`, data });
    const err = classifyStatus(res.status, op === 'import' ? 'import' : 'bulk delete', res.body);
    if (err) throw err;
  }

  /** Look entries up: found (200, body lists them) or not (204). */
  async query(entries: readonly Entry[]): Promise<{ found: boolean; body: string }> {
    const res = await this.request('GET', `/repEntries/query?${SmsClient.query(entries)}`);
    if (res.status === 204) return { found: false, body: '' };
    const err = classifyStatus(res.status, 'query', res.body);
    if (err) throw err;
    return { found: true, body: res.body };
  }

  /** The health check real clients use. */
  async status(): Promise<string> {
    const res = await this.request('GET', '/dbAccess/tptDBServlet?method=Status');
    const err = classifyStatus(res.status, 'status', res.body);
    if (err) throw err;
    return res.body.trim();
  }
}
