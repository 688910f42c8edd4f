// The portal's web pages over HTTPS: routing, the login, and the headers
// every response carries. Pages render on the server from the store; the
// browser gets HTML, one style sheet and one small script (and a report's
// PDF when it asks for one), nothing from elsewhere (the Content-Security-
// Policy holds the pages to that, so even markup that slipped past escaping
// could not run a script). Only admin accounts may sign in. Requests are bounded: the address, a form's body,
// the time a client may take, the number of connections.

import type http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { closeNow, listen } from '../../core/listen.ts';
import type { Logins } from '../accounts/logins.ts';
import type { Store } from '../store/store.ts';
import { appliancePage } from './pages/appliance.ts';
import { detectionsPage } from './pages/detections.ts';
import { errorPage } from './pages/error.ts';
import { fleetPage } from './pages/fleet.ts';
import { loginPage, WRONG } from './pages/login.ts';
import { reportKey, reportPage, reportPdfDownload } from './pages/report.ts';
import { reportsPage } from './pages/reports.ts';
import type { Download, Rendered, View } from './pages/view.ts';
import { sessionId, Sessions, type Session } from './session.ts';
import { FILES } from './static.ts';

export interface WebLog {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
}

export interface WebServerOptions {
  host: string;
  port: number;
  tls: { cert: string; key: string };
  store: Store;
  logins: Logins;
  sessionHours: number;
  log: WebLog;
  now?: () => number;
  /** The running portal's counters, ports and fingerprints, for the fleet page's About box. */
  facts?: () => Record<string, unknown>;
  /** The zone reports are made in (reports.timeZone); 'UTC' unless told. */
  reportTimeZone?: string;
}

export interface WebCounters {
  requests: number;
  logins: number;
  refusedLogins: number;
  errors: number;
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const MAX_URL = 4096;
const MAX_FORM_BYTES = 8192;
const MAX_ID = 128;

class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export class WebServer {
  private server: https.Server | undefined;
  private readonly o: WebServerOptions;
  private readonly now: () => number;
  private readonly sessions: Sessions;
  readonly counters: WebCounters = { requests: 0, logins: 0, refusedLogins: 0, errors: 0 };

  constructor(o: WebServerOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.sessions = new Sessions({ hours: o.sessionHours, now: this.now });
  }

  get port(): number {
    return (this.server?.address() as net.AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    const server = https.createServer({
      cert: this.o.tls.cert, key: this.o.tls.key,
      headersTimeout: 20_000, requestTimeout: 30_000, keepAliveTimeout: 5_000, maxHeaderSize: 16_384,
    }, (req, res) => {
      this.counters.requests++;
      this.handle(req, res).catch((err: unknown) => this.failed(req, res, err));
    });
    server.maxConnections = 256;
    server.on('tlsClientError', () => { /* a failed handshake concerns the client only */ });
    await listen(server, this.o.port, this.o.host, 'the web pages');
    this.server = server;
    this.o.log.info({ host: this.o.host, port: this.port }, 'web pages listening');
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await closeNow(s);
  }

  private failed(req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void {
    if (err instanceof HttpError) {
      if (!res.headersSent) send(res, errorPage({ status: err.status, title: 'Request refused', message: err.message }));
      return;
    }
    this.counters.errors++;
    this.o.log.warn({ err: (err as Error).message, path: (req.url ?? '').slice(0, 200) }, 'web request failed');
    if (!res.headersSent) send(res, errorPage({ status: 500, title: 'Something went wrong', message: 'The page could not be made; the portal\'s log says why.' }));
    else res.destroy();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const raw = req.url ?? '/';
    if (raw.length > MAX_URL) throw new HttpError(414, 'The address is too long.');
    const url = new URL(raw, 'https://portal.invalid');
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (method !== 'GET' && method !== 'POST') {
      res.setHeader('Allow', 'GET, HEAD, POST');
      throw new HttpError(405, 'Only GET and POST.');
    }
    if (method === 'POST') this.sameOrigin(req);

    const file = FILES.get(url.pathname);
    if (file && method === 'GET') {
      res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': file.body.length, 'Cache-Control': 'public, max-age=31536000, immutable' });
      res.end(file.body);
      return;
    }
    if (url.pathname === '/login') return method === 'GET' ? this.loginForm(req, res, url) : this.login(req, res);

    const id = sessionId(req.headers.cookie);
    const session = this.sessions.get(id);
    if (!session) {
      const next = method === 'GET' ? `?next=${encodeURIComponent(url.pathname + url.search)}` : '';
      return redirect(res, `/login${url.pathname === '/' && url.search === '' ? '' : next}`);
    }
    if (url.pathname === '/logout') {
      if (method !== 'POST') throw new HttpError(405, 'Sign out with the button.');
      const form = await readForm(req);
      if (!this.sessions.csrfOk(session, form.get('csrf'))) throw new HttpError(403, 'The form was stale or not ours; sign out again from the page.');
      this.sessions.destroy(id);
      res.setHeader('Set-Cookie', this.sessions.clearCookie());
      this.o.log.info({ user: session.user }, 'web logout');
      return redirect(res, '/login');
    }
    if (method !== 'GET') throw new HttpError(405, 'Only GET here.');
    const r = await this.page(url, session);
    if ('body' in r) download(res, r);
    else send(res, r);
  }

  private async page(url: URL, s: Session): Promise<Rendered | Download> {
    const v: View = {
      store: this.o.store, now: this.now(), query: url.searchParams, user: s.user, csrf: s.csrf, facts: this.o.facts,
      reportTimeZone: this.o.reportTimeZone ?? 'UTC',
    };
    if (url.pathname === '/') return fleetPage(v);
    if (url.pathname === '/detections') return detectionsPage(v);
    if (url.pathname === '/reports') return reportsPage(v);
    const report = url.pathname.startsWith('/reports/') ? reportKey(url.pathname) : undefined;
    if (report) return report.pdf ? reportPdfDownload(v, report) : reportPage(v, report);
    const m = /^\/appliances\/([^/]+)$/.exec(url.pathname);
    if (m) {
      let id: string;
      try {
        id = decodeURIComponent(m[1]!);
      } catch {
        id = '';
      }
      if (id !== '' && id.length <= MAX_ID) return appliancePage(v, id);
    }
    return errorPage({ status: 404, title: 'Not found', message: 'There is no such page.', user: s.user, csrf: s.csrf });
  }

  private loginForm(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    if (this.sessions.get(sessionId(req.headers.cookie))) return redirect(res, safeNext(url.searchParams.get('next')));
    send(res, { status: 200, html: loginPage({ next: safeNext(url.searchParams.get('next')) }) });
  }

  private async login(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const form = await readForm(req);
    const user = (form.get('user') ?? '').slice(0, 64);
    const password = (form.get('password') ?? '').slice(0, 1024);
    const next = safeNext(form.get('next'));
    const remote = req.socket.remoteAddress ?? '';
    if (user === '' || !(await this.o.logins.verify(user, password, remote, ['admin']))) {
      this.counters.refusedLogins++;
      return send(res, { status: 401, html: loginPage({ error: WRONG, user, next }) });
    }
    this.counters.logins++;
    // A new id at every login, so that an id planted before it is worth nothing after.
    this.sessions.destroy(sessionId(req.headers.cookie));
    const { id } = this.sessions.create(user);
    res.setHeader('Set-Cookie', this.sessions.cookie(id));
    this.o.log.info({ user, remote }, 'web login');
    redirect(res, next);
  }

  /**
   * SameSite=Strict keeps the session cookie off other sites' requests, but
   * the login form has no session yet: a POST another site starts is
   * refused outright. Browsers say where a request comes from in
   * Sec-Fetch-Site; older ones only in Origin (which our no-referrer policy
   * turns into "null" on form posts, and that says nothing either way).
   */
  private sameOrigin(req: http.IncomingMessage): void {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined) {
      if (site === 'same-origin' || site === 'none') return;
      throw new HttpError(403, 'The form came from another site.');
    }
    const origin = req.headers.origin;
    if (origin === undefined || origin === 'null') return;
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== req.headers.host) throw new HttpError(403, 'The form came from another site.');
  }
}

/** Where to go after signing in: a path of ours, never another site (`//evil`, `/\evil`). */
function safeNext(next: string | null | undefined): string {
  if (!next || next.length > 1024 || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith('/login')) return '/';
  return /^\/[A-Za-z0-9/_.~%?=&:+-]*$/.test(next) ? next : '/';
}

function send(res: http.ServerResponse, r: Rendered): void {
  const body = Buffer.from(r.html);
  res.writeHead(r.status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
  res.end(body);
}

function download(res: http.ServerResponse, d: Download): void {
  res.writeHead(d.status, {
    'Content-Type': d.type, 'Content-Length': d.body.length, 'Cache-Control': 'no-store',
    'Content-Disposition': `attachment; filename="${d.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
  });
  res.end(d.body);
}

function redirect(res: http.ServerResponse, to: string): void {
  res.writeHead(303, { Location: to, 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new HttpError(415, 'Forms only.');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_FORM_BYTES) {
    req.resume();
    throw new HttpError(413, 'The form is too large.');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_FORM_BYTES) {
      req.destroy();
      throw new HttpError(413, 'The form is too large.');
    }
    chunks.push(c);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
