// The portal's notifications (src/portal/notify/) delivered to real peers on
// loopback: Debian's aiosmtpd as the mail server (plain, STARTTLS, and
// STARTTLS with AUTH; its Mailbox handler writes what it received to a
// maildir), and a node:http server as the webhook receiver. The queue is the
// real SQLite store in a temp directory. Retries run on a short backoff given
// as an option, and every wait is on a condition.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PORTAL, type PortalConfig } from '../../src/portal/config/schema.ts';
import type { Notice } from '../../src/portal/notify/notice.ts';
import { deliverNow, Notifier, type NotifierOptions } from '../../src/portal/notify/notifier.ts';
import type { Store } from '../../src/portal/store/store.ts';
import { BACKENDS, storePlace, type Backend, type StorePlace } from '../helpers/stores.ts';
import { selfSigned } from '../../src/portal/tls/self-signed.ts';
import { resolveIn } from '../../src/settings/document.ts';
import { until } from '../helpers/agent.ts';
import { tmpdir } from '../helpers/tmp.ts';
import { freePort } from '../peers/peers.ts';
import { SmtpPeer } from '../peers/smtp.ts';

const PORTAL_URL = 'https://portal.example:9443';
const SECRET = 'whsec-0123456789abcdef';
const SMTP_PASSWORD = 'smtp-pass-never-logged';
const AT = Date.parse('2026-03-01T10:00:00Z');
const FAST = { baseMs: 20, capMs: 100 };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function notice(o: Partial<Notice> = {}): Notice {
  return {
    kind: 'silent', applianceId: 'tps-7f3a', hostname: 'fw-berlin-01', product: 'TippingPoint TPS', model: '440T', account: 'acme',
    at: AT, lastHeartbeatAt: AT - 47 * 60_000, since: AT - 20 * 60_000, detail: 'last will received',
    recipients: ['admin@customer.example'], ...o,
  };
}

/** notify.* as the portal reads it: through its schema, with its rules. */
function settings(notify: Record<string, unknown>): PortalConfig['notify'] {
  return resolveIn(PORTAL, { notify }).notify;
}

interface Logged {
  level: 'info' | 'warn';
  msg: string;
  o: object;
}

/** A store of `kind`, and its place: another store on the same data is a restarted portal. */
async function store(kind: Backend): Promise<{ store: Store; file: StorePlace }> {
  const file = await storePlace(kind);
  const s = await file.open();
  cleanups.push(() => s.close());
  return { store: s, file };
}

function notifier(s: Store, notify: PortalConfig['notify'], o: Partial<NotifierOptions> = {}): { n: Notifier; logged: Logged[] } {
  const logged: Logged[] = [];
  const n = new Notifier({
    queue: s.queue, settings: notify, portalUrl: PORTAL_URL, reminderHours: 24,
    log: { info: (obj, msg) => logged.push({ level: 'info', msg, o: obj }), warn: (obj, msg) => logged.push({ level: 'warn', msg, o: obj }) },
    ...o,
  });
  cleanups.push(() => n.stop());
  return { n, logged };
}

// ---- the webhook receiver ----

interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Answer = (r: Received, n: number) => { status: number; headers?: Record<string, string> };

class Receiver {
  readonly requests: Received[] = [];
  answer: Answer = () => ({ status: 200 });
  private server: http.Server | undefined;
  port = 0;

  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r = { url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(r);
        const a = this.answer(r, this.requests.length);
        if (a.status === 0) return; // a receiver that never answers
        res.writeHead(a.status, a.headers).end(a.status >= 400 ? 'no thanks' : '');
      });
    });
    await new Promise<void>((r) => this.server!.listen(port, host, r));
    this.port = (this.server.address() as { port: number }).port;
    cleanups.push(() => this.stop());
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise((r) => { s.close(r); s.closeAllConnections(); });
  }
}

const hmac = (body: string) => `sha256=${crypto.createHmac('sha256', SECRET).update(body).digest('hex')}`;

describe.each(BACKENDS)('e-mail notifications (%s)', (kind) => {
  it('reach a plain SMTP relay: from notify.from, to notify.to and the registration address, in words a person reads',
    async () => {
      const smtp = await SmtpPeer.start();
      cleanups.push(() => smtp.stop());
      const { store: s } = await store(kind);
      const { n, logged } = notifier(s, settings({
        email: true, smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecurity: 'none', smtpUser: 'portal', smtpPassword: SMTP_PASSWORD,
        from: 'tmsp-portal@portal.example', to: ['soc@example.com', 'noc@example.com'],
      }));
      n.start();
      await n.send(notice({ recipients: ['admin@customer.example', 'not an address', 'SOC@example.com'] }));
      const [mail] = await until(() => { const m = smtp.messages(); return m.length > 0 && m; }, 15_000, 'the mail');
      const h = mail!.headers;
      expect(h.get('from')).toBe('tmsp-portal@portal.example');
      expect(h.get('to')).toBe('soc@example.com, noc@example.com, admin@customer.example');
      expect(h.get('x-rcptto')).toBe('soc@example.com, noc@example.com, admin@customer.example');
      expect(h.get('subject')).toBe('No heartbeat received from registered product: fw-berlin-01');
      expect(h.get('auto-submitted')).toBe('auto-generated');
      expect(h.get('x-tmsp-event')).toBe('silent');
      const body = mail!.body;
      expect(body).toContain('No heartbeat has been received from registered product fw-berlin-01.');
      expect(body).toContain('Appliance ID:    tps-7f3a');
      expect(body).toContain('Last heartbeat:  2026-03-01T09:13:00Z (47 minutes ago)');
      expect(body).toContain('Reason:          last will received');
      expect(body).toContain('a reminder follows every 24 hours');
      expect(body).toContain('Appliance page: https://portal.example:9443/appliances/tps-7f3a');

      await until(() => n.counters.sent === 1, 5000, 'sent counted');
      expect(n.counters).toEqual({ queued: 1, sent: 1, failed: 0, retried: 0, dropped: 0 });
      expect(await n.depth).toBe(0);
      expect(logged.some((l) => l.level === 'warn' && /registration e-mail is not an address/.test(l.msg))).toBe(true);
      expect(JSON.stringify(logged)).not.toContain(SMTP_PASSWORD);
    });

  it('go over STARTTLS: an untrusted certificate is retried, never sent in the clear; with its CA the mail arrives', async () => {
    const dir = tmpdir();
    const cert = selfSigned('localhost', ['localhost', '127.0.0.1']);
    const files = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
    fs.writeFileSync(files.cert, cert.cert);
    fs.writeFileSync(files.key, cert.key);
    const smtp = await SmtpPeer.start(files);
    cleanups.push(() => smtp.stop());
    const notify = settings({
      email: true, smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecurity: 'starttls', to: ['soc@example.com'], registrationEmail: false,
    });
    const { store: s, file } = await store(kind);

    const first = notifier(s, notify, { retry: FAST });
    first.n.start();
    await first.n.send(notice());
    await until(() => first.n.counters.retried >= 1, 15_000, 'the refused handshake');
    const [queued] = await s.queue.due(Number.MAX_SAFE_INTEGER, 10);
    expect(queued!.lastError).toMatch(/certificate/i);
    expect(first.logged.find((l) => l.level === 'warn')!.msg).toBe('notification not delivered; will retry');
    await first.n.stop();
    await s.close();
    expect(smtp.messages()).toEqual([]);

    // The operator names the CA and restarts: the queued message goes out.
    const again = await file.open();
    cleanups.push(() => again.close());
    const second = notifier(again, notify, { emailCa: files.cert });
    second.n.start();
    const [mail] = await until(() => { const m = smtp.messages(); return m.length > 0 && m; }, 15_000, 'the mail over TLS');
    expect(mail!.headers.get('subject')).toBe('No heartbeat received from registered product: fw-berlin-01');
    expect(mail!.headers.get('x-rcptto')).toBe('soc@example.com');
    await until(() => second.n.counters.sent === 1, 5000, 'sent counted');
    expect(await second.n.depth).toBe(0);
  });

  it('log in with smtpUser: a wrong password is retried (the operator\'s to fix), never logged; the right one delivers',
    async () => {
      const dir = tmpdir();
      const cert = selfSigned('localhost', ['localhost', '127.0.0.1']);
      const files = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
      fs.writeFileSync(files.cert, cert.cert);
      fs.writeFileSync(files.key, cert.key);
      const smtp = await SmtpPeer.start(files, { user: 'portal', pass: SMTP_PASSWORD });
      cleanups.push(() => smtp.stop());
      const base = { email: true, smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecurity: 'starttls', smtpUser: 'portal', to: ['soc@example.com'] };
      const { store: s, file } = await store(kind);

      const wrong = notifier(s, settings({ ...base, smtpPassword: 'not-the-password' }), { retry: FAST, emailCa: files.cert });
      wrong.n.start();
      await wrong.n.send(notice({ recipients: [] }));
      await until(() => wrong.n.counters.retried >= 1, 15_000, 'the refused login');
      await wrong.n.stop();
      expect(wrong.n.counters.failed).toBe(0);
      const [queued] = await s.queue.due(Number.MAX_SAFE_INTEGER, 10);
      expect(queued!.lastError).toMatch(/^EAUTH/);
      expect(JSON.stringify(wrong.logged)).not.toContain('not-the-password');
      await s.close();

      const again = await file.open();
      cleanups.push(() => again.close());
      const right = notifier(again, settings({ ...base, smtpPassword: SMTP_PASSWORD }), { retry: FAST, emailCa: files.cert });
      right.n.start();
      await until(() => right.n.counters.sent === 1, 15_000, 'the mail after login');
      expect(smtp.messages().map((m) => m.headers.get('subject'))).toEqual(['No heartbeat received from registered product: fw-berlin-01']);
      expect(JSON.stringify(right.logged)).not.toContain(SMTP_PASSWORD);
    });
});

describe.each(BACKENDS)('webhook notifications (%s)', (kind) => {
  it('are signed JSON POSTs: 500 twice is retried, and the third attempt delivers it once', async () => {
    const rx = await new Receiver().start();
    rx.answer = (_r, i) => ({ status: i <= 2 ? 500 : 200 });
    const { store: s } = await store(kind);
    const { n, logged } = notifier(s, settings({ webhookUrl: `http://127.0.0.1:${rx.port}/hooks/tmsp?token=t0ken`, webhookSecret: SECRET }),
      { retry: FAST });
    n.start();
    await n.send(notice());
    await until(() => n.counters.sent === 1, 10_000, 'delivery');
    expect(rx.requests).toHaveLength(3);
    expect(n.counters).toEqual({ queued: 1, sent: 1, failed: 0, retried: 2, dropped: 0 });
    expect(await n.depth).toBe(0);

    const ids = new Set(rx.requests.map((r) => r.headers['x-tmsp-delivery']));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^\d+$/);
    for (const r of rx.requests) {
      expect(r.url).toBe('/hooks/tmsp?token=t0ken');
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-tmsp-event']).toBe('silent');
      const sig = r.headers['x-tmsp-signature'] as string;
      expect(crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(hmac(r.body)))).toBe(true);
    }
    const j = JSON.parse(rx.requests[2]!.body) as Record<string, unknown>;
    expect(j).toMatchObject({
      kind: 'silent', subject: 'No heartbeat received from registered product: fw-berlin-01', applianceId: 'tps-7f3a',
      hostname: 'fw-berlin-01', product: 'TippingPoint TPS', model: '440T', account: 'acme', at: '2026-03-01T10:00:00Z',
      lastHeartbeatAt: '2026-03-01T09:13:00Z', since: '2026-03-01T09:40:00Z', detail: 'last will received',
      url: 'https://portal.example:9443/appliances/tps-7f3a',
    });
    expect(j.text).toContain('Last heartbeat:  2026-03-01T09:13:00Z (47 minutes ago)');
    // The URL's path may hold a token, the secret signs: neither is logged.
    const log = JSON.stringify(logged);
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain('t0ken');
    expect(log).toContain('answered 500');
  });

  it('gives up after a bounded number of attempts, and counts it', async () => {
    const rx = await new Receiver().start();
    rx.answer = () => ({ status: 503 });
    const { store: s } = await store(kind);
    const { n, logged } = notifier(s, settings({ webhookUrl: `http://127.0.0.1:${rx.port}/hook` }), { retry: { ...FAST, maxAttempts: 3 } });
    n.start();
    await n.send(notice());
    await until(() => n.counters.failed === 1, 10_000, 'giving up');
    expect(n.counters).toEqual({ queued: 1, sent: 0, failed: 1, retried: 2, dropped: 0 });
    expect(rx.requests).toHaveLength(3);
    expect(await n.depth).toBe(0);
    expect(logged.at(-1)).toMatchObject({ level: 'warn', msg: 'notification given up: not delivered after retrying', o: { attempts: 3 } });
  });

  it('a 400 is final: dropped without a retry, counted and logged; without a secret there is no signature', async () => {
    const rx = await new Receiver().start();
    rx.answer = () => ({ status: 400 });
    const { store: s } = await store(kind);
    const { n, logged } = notifier(s, settings({ webhookUrl: `http://127.0.0.1:${rx.port}/hook` }), { retry: FAST });
    n.start();
    await n.send(notice({ kind: 'test', applianceId: null, hostname: null }));
    await until(() => n.counters.failed === 1, 10_000, 'the refusal');
    expect(n.counters).toEqual({ queued: 1, sent: 0, failed: 1, retried: 0, dropped: 0 });
    expect(await n.depth).toBe(0);
    expect(rx.requests).toHaveLength(1);
    expect(rx.requests[0]!.headers['x-tmsp-signature']).toBeUndefined();
    expect(JSON.parse(rx.requests[0]!.body)).toMatchObject({ kind: 'test', subject: 'TMSP portal test notification', url: PORTAL_URL });
    expect(logged.find((l) => l.level === 'warn')).toMatchObject({
      msg: 'notification refused by the receiver: dropped',
      o: { error: `http://127.0.0.1:${rx.port} answered 400: no thanks` },
    });
  });

  it('a receiver that never answers costs one bounded attempt, retried; stop() cuts an attempt under way and the message stays queued',
    async () => {
      const rx = await new Receiver().start();
      rx.answer = () => ({ status: 0 });
      const notify = settings({ webhookUrl: `http://127.0.0.1:${rx.port}/hook` });
      const { store: s } = await store(kind);
      const timing = notifier(s, notify, { retry: FAST, webhookTimeoutMs: 200 });
      timing.n.start();
      await timing.n.send(notice());
      await until(() => timing.n.counters.retried >= 1, 10_000, 'the timed-out attempt');
      await timing.n.stop();
      const [queued] = await s.queue.due(Number.MAX_SAFE_INTEGER, 10);
      expect(queued!.lastError).toBe(`http://127.0.0.1:${rx.port}: no answer within 0.2 s`);

      const { store: s2 } = await store(kind);
      const cut = notifier(s2, notify, { retry: FAST, webhookTimeoutMs: 60_000, stopGraceMs: 50 });
      cut.n.start();
      const before = rx.requests.length;
      await cut.n.send(notice());
      await until(() => rx.requests.length > before, 10_000, 'the attempt under way');
      const t0 = Date.now();
      await cut.n.stop();
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(cut.n.counters).toMatchObject({ sent: 0, failed: 0, retried: 0 });
      const [left] = await s2.queue.due(Number.MAX_SAFE_INTEGER, 10);
      expect(left).toMatchObject({ attempts: 0, lastError: null });
    });

  it('follows a 307 on its own origin, and no redirect to another host', async () => {
    const other = await new Receiver().start(0, '127.0.0.2');
    const rx = await new Receiver().start();
    rx.answer = (r) => (r.url === '/hook'
      ? { status: 307, headers: { Location: `/hook/v2` } }
      : r.url === '/hook/v2' && JSON.parse(r.body).kind === 'test'
        ? { status: 200 }
        : { status: 308, headers: { Location: `http://127.0.0.2:${other.port}/steal` } });
    const { store: s } = await store(kind);
    const { n } = notifier(s, settings({ webhookUrl: `http://127.0.0.1:${rx.port}/hook`, webhookSecret: SECRET }), { retry: FAST });
    n.start();
    await n.send(notice({ kind: 'test' }));
    await until(() => n.counters.sent === 1, 10_000, 'delivery after the redirect');
    expect(rx.requests.map((r) => r.url)).toEqual(['/hook', '/hook/v2']);
    expect(rx.requests[1]!.headers['x-tmsp-signature']).toBe(hmac(rx.requests[1]!.body));

    await n.send(notice());
    await until(() => n.counters.failed === 1, 10_000, 'the refused redirect');
    expect(other.requests).toEqual([]);
    expect(await n.depth).toBe(0);
  });
});

describe('notify test', () => {
  it('delivers at once on every channel, past the queue, and says how each went', async () => {
    const rx = await new Receiver().start();
    const closed = await freePort();
    const out = await deliverNow(notice({ kind: 'test', applianceId: null, hostname: null, recipients: [] }), {
      settings: settings({
        email: true, smtpHost: '127.0.0.1', smtpPort: closed, smtpSecurity: 'none', to: ['soc@example.com'],
        webhookUrl: `http://127.0.0.1:${rx.port}/hook`, webhookSecret: SECRET,
      }),
      portalUrl: PORTAL_URL, reminderHours: 24,
    });
    expect(out).toEqual([
      { channel: 'email', ok: false, target: 'soc@example.com', error: `ESOCKET: connect ECONNREFUSED 127.0.0.1:${closed}` },
      { channel: 'webhook', ok: true, target: `http://127.0.0.1:${rx.port}` },
    ]);
    expect(rx.requests).toHaveLength(1);
    expect(rx.requests[0]!.headers['x-tmsp-signature']).toBe(hmac(rx.requests[0]!.body));
  });
});

describe.each(BACKENDS)('the queue (%s)', (kind) => {
  it('is bounded: at queueLimit 10 with the receiver down, 15 notices keep the newest 10 and count 5 dropped', async () => {
    const down = await freePort();
    const { store: s } = await store(kind);
    const { n, logged } = notifier(s, settings({ webhookUrl: `http://127.0.0.1:${down}/hook`, queueLimit: 10 }));
    n.start();
    for (let i = 0; i < 15; i++) await n.send(notice({ detail: `notice ${i}` }));
    expect(await n.depth).toBe(10);
    expect(n.counters.queued).toBe(15);
    expect(n.counters.dropped).toBe(5);
    const kept = (await s.queue.due(Number.MAX_SAFE_INTEGER, 100)).sort((a, b) => a.id - b.id)
      .map((q) => (JSON.parse(q.body) as { detail: string }).detail);
    expect(kept).toEqual(Array.from({ length: 10 }, (_, i) => `notice ${i + 5}`));
    expect(logged.filter((l) => l.msg === 'notification queue full: the oldest message was dropped')).toHaveLength(5);
  });

  it('survives a restart: queued while the receiver is down, delivered once by the next Notifier on the same store', async () => {
    const port = await freePort();
    const notify = settings({ webhookUrl: `http://127.0.0.1:${port}/hook`, webhookSecret: SECRET });
    const { store: s, file } = await store(kind);
    const first = notifier(s, notify, { retry: FAST });
    first.n.start();
    await first.n.send(notice());
    await until(() => first.n.counters.retried >= 1, 10_000, 'a failed attempt');
    await first.n.stop();
    await s.close();

    const again = await file.open();
    cleanups.push(() => again.close());
    expect(await again.queue.size()).toBe(1);
    const rx = await new Receiver().start(port);
    const second = notifier(again, notify, { retry: FAST });
    second.n.start();
    await until(() => second.n.counters.sent === 1, 10_000, 'delivery after the restart');
    expect(rx.requests).toHaveLength(1);
    expect(JSON.parse(rx.requests[0]!.body)).toMatchObject({ kind: 'silent', applianceId: 'tps-7f3a' });
    expect(rx.requests[0]!.headers['x-tmsp-signature']).toBe(hmac(rx.requests[0]!.body));
    expect(await again.queue.size()).toBe(0);
  });
});
