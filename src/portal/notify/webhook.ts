// A notice as a signed JSON POST. The signature is an HMAC-SHA256 of the
// exact bytes sent, so a receiver verifies what it read before parsing it;
// X-TMSP-Delivery is the queue id, the same on every attempt, so a receiver
// that saw an attempt whose answer was lost can tell the repeat.
// Redirects are followed only to the same origin and only where the method
// and body stay (307, 308): a webhook must never carry its signed payload to
// a host nobody configured. Webhook URLs often hold a token in their path,
// so only the origin is ever written in an error.

import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { utc } from './message.ts';
import type { Channel, Delivery, Outgoing } from './notice.ts';

export interface WebhookOptions {
  /** The whole exchange, connecting to the last byte of the answer (ms). */
  timeoutMs?: number;
}

const MAX_REDIRECTS = 3;
/** Of an answer's body, only the start is read: enough for a log line. */
const ANSWER_BYTES = 512;

/** The JSON a receiver gets. */
export function webhookBody(m: Outgoing): string {
  const time = (t: number | null) => (t === null ? null : utc(t));
  return JSON.stringify({
    kind: m.kind, subject: m.subject, text: m.text,
    applianceId: m.applianceId, hostname: m.hostname, product: m.product, model: m.model, account: m.account,
    at: utc(m.at), lastHeartbeatAt: time(m.lastHeartbeatAt), since: time(m.since), detail: m.detail, url: m.url,
  });
}

export function signature(body: string, secret: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

interface Answer {
  status: number;
  location: string | undefined;
  retryAfter: string | undefined;
  text: string;
}

function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);
}

/** Retry-After as ms: seconds or an HTTP date. */
function retryAfterMs(v: string | undefined, now: number): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

export class Webhook implements Channel {
  private readonly url: URL;
  private readonly secret: string;
  private readonly o: WebhookOptions;

  constructor(url: string, secret: string, o: WebhookOptions = {}) {
    this.url = new URL(url);
    this.secret = secret;
    this.o = o;
  }

  async deliver(m: Outgoing, id: number, signal: AbortSignal): Promise<Delivery> {
    const body = webhookBody(m);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
      'User-Agent': 'tmsp-portal',
      'X-TMSP-Event': m.kind,
      'X-TMSP-Delivery': String(id),
      ...(this.secret ? { 'X-TMSP-Signature': signature(body, this.secret) } : {}),
    };
    const limit = AbortSignal.any([signal, AbortSignal.timeout(this.o.timeoutMs ?? 10_000)]);
    let url = this.url;
    for (let hop = 0; ; hop++) {
      let a: Answer;
      try {
        a = await this.post(url, headers, body, limit);
      } catch (err) {
        return { ok: false, refused: false, error: this.failure(err, limit) };
      }
      const s = a.status;
      if (s >= 200 && s < 300) return { ok: true };
      const said = `${url.origin} answered ${s}${a.text ? `: ${a.text}` : ''}`;
      if (s === 307 || s === 308) {
        const to = a.location === undefined ? undefined : URL.parse(a.location, url.href);
        if (to && to.origin === this.url.origin && hop < MAX_REDIRECTS) {
          url = to;
          continue;
        }
        return { ok: false, refused: true, error: `${url.origin} redirected to ${to?.origin ?? 'nowhere'}: not followed` };
      }
      if (s >= 300 && s < 400) return { ok: false, refused: true, error: `${said} (a redirect that would turn the POST into a GET: not followed)` };
      if (s >= 400 && s < 500 && s !== 408 && s !== 429) return { ok: false, refused: true, error: said };
      const after = retryAfterMs(a.retryAfter, Date.now());
      return { ok: false, refused: false, error: said, ...(after === undefined ? {} : { retryAfterMs: after }) };
    }
  }

  private failure(err: unknown, limit: AbortSignal): string {
    if (limit.aborted) {
      const reason = limit.reason as Error | undefined;
      return reason?.name === 'TimeoutError'
        ? `${this.url.origin}: no answer within ${(this.o.timeoutMs ?? 10_000) / 1000} s`
        : `${this.url.origin}: stopped`;
    }
    const e = err as NodeJS.ErrnoException;
    return `${this.url.origin}: ${e.code ?? e.name}${e.code ? '' : `: ${oneLine(e.message)}`}`;
  }

  private post(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const lib = url.protocol === 'https:' ? https : http;
      // No keep-alive: a connection held between rare notices is one more thing to close at stop.
      const req = lib.request(url, {
        method: 'POST', headers, agent: false, signal,
      }, (res) => {
        const chunks: Buffer[] = [];
        let got = 0;
        let finished = false;
        const done = () => {
          if (finished) return;
          finished = true;
          res.destroy();
          const h = (k: string) => { const v = res.headers[k]; return Array.isArray(v) ? v[0] : v; };
          resolve({
            status: res.statusCode ?? 0, location: h('location'), retryAfter: h('retry-after'),
            text: oneLine(Buffer.concat(chunks).toString('utf8').slice(0, ANSWER_BYTES)),
          });
        };
        res.on('data', (c: Buffer) => {
          if (got < ANSWER_BYTES) chunks.push(c.subarray(0, ANSWER_BYTES - got));
          got += c.length;
          if (got >= ANSWER_BYTES) done();
        });
        res.once('end', done);
        res.once('error', reject);
        // Cut mid-answer (the time limit, the peer): whichever came first settles it, never neither.
        res.once('close', () => { if (!finished) reject(signal.aborted ? signal.reason : new Error('connection closed during the answer')); });
      });
      req.once('error', reject);
      req.end(body);
    });
  }

  close(): void {
    // Nothing held between deliveries.
  }
}
