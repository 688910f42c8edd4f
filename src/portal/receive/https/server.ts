// The SSL log server: HTTPS PUT with Basic auth, as the agent's ssl sink
// sends it (PUT <base>/<applianceId>/<name>, exact Content-Length; 201 new,
// 204 replaced) and DELETE for its Test Connection probe. A body streams to
// a hidden .part file beside its target and is renamed into place only when
// every announced byte arrived, so a file under its final name is always
// complete; a body is never held in memory.

import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { closeNow, listen } from '../../../core/listen.ts';
import { accountDir, insideJail } from '../jail.ts';
import type { LoginCheck, OnLanded } from '../landed.ts';

export interface HttpsReceiverOptions {
  host: string;
  port: number;
  tls: { cert: string; key: string };
  logins: LoginCheck;
  incoming: string;
  onLanded: OnLanded;
  maxBodyBytes: number;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
  maxConnections?: number;
}

export interface HttpsCounters {
  requests: number;
  uploads: number;
  bytes: number;
  refusedLogins: number;
  refused: number;
}

export class HttpsReceiver {
  private server: https.Server | undefined;
  private readonly o: HttpsReceiverOptions;
  readonly counters: HttpsCounters = { requests: 0, uploads: 0, bytes: 0, refusedLogins: 0, refused: 0 };

  constructor(o: HttpsReceiverOptions) {
    this.o = o;
  }

  get port(): number {
    return (this.server?.address() as net.AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    const server = https.createServer({
      cert: this.o.tls.cert, key: this.o.tls.key,
      // Slow clients may not hold a connection: headers within 20 s, a request idle for 60 s is cut.
      headersTimeout: 20_000, requestTimeout: 0, keepAliveTimeout: 5_000,
    }, (req, res) => {
      this.counters.requests++;
      this.handle(req, res).catch((err: Error) => {
        this.o.log.warn({ err: err.message, path: req.url }, 'https request failed');
        if (!res.headersSent) reply(res, 500, 'internal error');
        else res.destroy();
      });
    });
    server.maxConnections = this.o.maxConnections ?? 256;
    server.setTimeout(60_000, (sock) => sock.destroy());
    server.on('tlsClientError', () => { /* a handshake that failed concerns the client only */ });
    await listen(server, this.o.port, this.o.host, 'the HTTPS log server');
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await closeNow(s);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const user = await this.login(req);
    if (!user) {
      this.counters.refusedLogins++;
      res.setHeader('WWW-Authenticate', 'Basic realm="tmsp-portal", charset="UTF-8"');
      return reply(res, 401, 'login required');
    }
    const root = accountDir(this.o.incoming, user);
    let requested: string;
    try {
      requested = decodeURIComponent(new URL(req.url ?? '/', 'https://x').pathname);
    } catch {
      return this.refuse(res, 400, 'the path is not valid percent-encoding');
    }
    const where = insideJail(root, requested);
    if (!where || where.relPath === '') return this.refuse(res, 403, 'the path leaves the account\'s directory');
    if (req.method === 'PUT') return this.put(req, res, user, where);
    if (req.method === 'DELETE') return this.remove(res, where.file);
    res.setHeader('Allow', 'PUT, DELETE');
    return this.refuse(res, 405, 'only PUT and DELETE');
  }

  private async login(req: http.IncomingMessage): Promise<string | undefined> {
    const m = /^Basic ([A-Za-z0-9+/=]{1,400})$/.exec(req.headers.authorization ?? '');
    if (!m) return undefined;
    const text = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon <= 0) return undefined;
    const user = text.slice(0, colon);
    const ok = await this.o.logins.verify(user, text.slice(colon + 1), req.socket.remoteAddress ?? '');
    return ok ? user : undefined;
  }

  private refuse(res: http.ServerResponse, status: number, msg: string): void {
    this.counters.refused++;
    reply(res, status, msg);
  }

  private async put(req: http.IncomingMessage, res: http.ServerResponse, account: string, where: { file: string; relPath: string }):
    Promise<void> {
    const lengthText = req.headers['content-length'];
    if (req.headers['transfer-encoding'] !== undefined || lengthText === undefined) {
      return this.refuse(res, 411, 'an exact Content-Length is required');
    }
    if (!/^\d{1,16}$/.test(lengthText)) return this.refuse(res, 400, 'Content-Length is not a number');
    const length = Number(lengthText);
    if (length > this.o.maxBodyBytes) {
      res.setHeader('Connection', 'close');
      return this.refuse(res, 413, `larger than ${this.o.maxBodyBytes} bytes (ingest.maxBatchBytes)`);
    }
    const dir = path.dirname(where.file);
    fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
    if (fs.lstatSync(where.file, { throwIfNoEntry: false })?.isDirectory()) return this.refuse(res, 409, 'a directory has that name');
    const part = path.join(dir, `.${path.basename(where.file)}.${crypto.randomBytes(4).toString('hex')}.part`);
    let received = 0;
    req.on('data', (c: Buffer) => { received += c.length; });
    try {
      const out = fs.createWriteStream(part, { flags: 'wx', mode: 0o640 });
      await pipeline(req, out);
      if (received !== length) throw new Error(`${received} of ${length} bytes arrived`);
      const fd = fs.openSync(part, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      fs.rmSync(part, { force: true });
      this.o.log.warn({ account, file: where.relPath, err: (err as Error).message }, 'upload incomplete; nothing kept');
      if (!res.headersSent && !req.socket.destroyed) reply(res, 400, 'the body ended before Content-Length bytes');
      return;
    }
    const existed = fs.existsSync(where.file);
    fs.renameSync(part, where.file);
    this.counters.uploads++;
    this.counters.bytes += received;
    reply(res, existed ? 204 : 201, '');
    const base = path.basename(where.file);
    if (!base.startsWith('.') && !base.endsWith('.part')) this.o.onLanded({ account, via: 'https', relPath: where.relPath, file: where.file });
  }

  private async remove(res: http.ServerResponse, file: string): Promise<void> {
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!st) return reply(res, 404, 'no such file');
    if (!st.isFile()) return this.refuse(res, 409, 'not a file');
    fs.rmSync(file);
    reply(res, 204, '');
  }
}

function reply(res: http.ServerResponse, status: number, msg: string): void {
  if (status === 204 || msg === '') {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${msg}\n`);
}
