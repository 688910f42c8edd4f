// The TippingPoint SMS reputation Web API (reference/sms-web-api.md):
// HTTPS to the SMS address, Basic auth with the SMS user (or an API key
// header), parameters in the query string, bulk CSV as a multipart POST.
// Any status but 200 on add and delete is a failure; query answers 204 for
// "not found". Each answer is classified so the distributor knows whether to
// retry, back off for the operator, or set an entry aside.

import crypto from 'node:crypto';
import { SmsRefused, type TmspError } from '../errors.ts';
import { basicAuth, httpsCall, httpStatusError, type HttpsAnswer } from '../net/https-request.ts';
import type { TlsTrust } from '../net/tls.ts';
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

const PARAM: Record<ObjectType, string> = { ipv4: 'ip', domain: 'dns' };
const IMPORT_TYPE: Record<ObjectType, string> = { ipv4: 'ipv4', domain: 'dns' };

/** What the SMS's answer means: 200 is success; a 4xx is the SMS refusing the request itself (SmsRefused). */
export function smsStatusError(status: number, what: string, body: string): TmspError | undefined {
  return httpStatusError(status, `SMS ${what}`, body, {
    ok: [200], authHint: 'check the SMS user name and password', refused: (st, msg) => new SmsRefused(st, msg),
  });
}

export class SmsClient {
  private readonly t: SmsTarget;

  constructor(t: SmsTarget) {
    this.t = t;
  }

  /** One HTTPS request on its own connection, straight to the SMS (it is on the appliance's network). */
  request(method: 'GET' | 'POST', path: string, body?: { type: string; data: Buffer }): Promise<HttpsAnswer> {
    const t = this.t;
    const headers: Record<string, string | number> = t.apiKey
      ? { 'X-SMS-API-KEY': t.apiKey } : { Authorization: basicAuth(t.username, t.password) };
    if (body) {
      headers['Content-Type'] = body.type;
      headers['Content-Length'] = body.data.length;
    }
    return httpsCall({
      host: t.host, port: t.port, tls: t.trust, route: { timeoutMs: t.timeoutMs }, method, path, headers, body: body?.data,
      what: `SMS ${path.split('?')[0]}`,
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
    const err = smsStatusError(res.status, 'add', res.body);
    if (err) throw err;
  }

  async delete(entries: readonly Entry[]): Promise<void> {
    const res = await this.request('GET', `/repEntries/delete?${SmsClient.query(entries, { criteria: 'entry' })}`);
    const err = smsStatusError(res.status, 'delete', res.body);
    if (err) throw err;
  }

  /** Bulk: one CSV file, one address type, a line per entry (address, then its tag pairs for an import). */
  async bulk(op: 'import' | 'delete', type: ObjectType, lines: readonly string[]): Promise<void> {
    const boundary = `----tmsp-agent-${crypto.randomBytes(8).toString('hex')}`;
    const data = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="entries.csv"\r\n` +
      `Content-Type: text/csv\r\n\r\n${lines.join('\r\n')}\r\n--${boundary}--\r\n`);
    const res = await this.request('POST', `/repEntries/${op}?type=${IMPORT_TYPE[type]}`,
      { type: `multipart/form-data; boundary=${boundary}`, data });
    const err = smsStatusError(res.status, op === 'import' ? 'import' : 'bulk delete', res.body);
    if (err) throw err;
  }

  /** Look entries up: found (200, body lists them) or not (204). */
  async query(entries: readonly Entry[]): Promise<{ found: boolean; body: string }> {
    const res = await this.request('GET', `/repEntries/query?${SmsClient.query(entries)}`);
    if (res.status === 204) return { found: false, body: '' };
    const err = smsStatusError(res.status, 'query', res.body);
    if (err) throw err;
    return { found: true, body: res.body };
  }

  /** The health check real clients use. */
  async status(): Promise<string> {
    const res = await this.request('GET', '/dbAccess/tptDBServlet?method=Status');
    const err = smsStatusError(res.status, 'status', res.body);
    if (err) throw err;
    return res.body.trim();
  }
}
