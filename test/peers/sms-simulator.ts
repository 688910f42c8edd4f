// The SMS simulator: the one stand-in among the test peers, because no SMS
// runs here. It follows reference/sms-web-api.md and is strict where the
// reference is unsure: anything it cannot vouch for is refused.
//
// HTTPS with the test PKI; Basic auth, smsuser/smspass query parameters or an
// X-SMS-API-KEY header; GET or POST with parameters in the query string;
// repEntries/add|delete|query|import, bulk delete, the Status servlet; the
// four predefined Trend Micro tag categories with their List values; and a
// rate limit that answers 503 to bursts. Tests may take tag categories away
// (an SMS whose administrator has not created them), and give them back. Entries live in memory; tests read
// them back through repEntries/query (the seed's step 8) or /_sim/entries.

import fs from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export type EntryType = 'ip' | 'dns' | 'url';

export interface SimEntry {
  type: EntryType;
  value: string;
  tags: Record<string, string>;
  added: number;
}

interface Category {
  kind: 'list' | 'text';
  values?: readonly string[];
}

export const CATEGORIES: Record<string, Category> = {
  'Trend Micro Detection Category': { kind: 'list', values: ['Suspicious Object', 'C&C Callback Address'] },
  'Trend Micro Severity': { kind: 'list', values: ['High', 'Medium', 'Low'] },
  'Trend Micro Publisher': { kind: 'text' },
  'Trend Micro Source': { kind: 'text' },
};

export interface SimOptions {
  certFile: string;
  keyFile: string;
  username: string;
  password: string;
  apiKey?: string;
  /** Requests per second and burst; undefined switches the limit off. */
  rateLimit?: { perSecond: number; burst: number };
}

export interface SimRequest {
  method: string;
  path: string;
  status: number;
  at: number;
  entries: number;
}

class Refusal extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

function validAddress(type: EntryType, v: string): boolean {
  if (type === 'ip') return IPV4.test(v) || net.isIPv6(v);
  if (type === 'dns') return v.length <= 253 && v.includes('.') && v.split('.').every((l) => LABEL.test(l));
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}

/** TagData: Category,Value pairs; List values may join several with ~~~. Strict. */
export function parseTagData(text: string, categories: Record<string, Category> = CATEGORIES): Record<string, string> {
  const parts = text.split(',');
  if (parts.length % 2 !== 0) throw new Refusal(400, 'TagData: not a list of category,value pairs');
  const tags: Record<string, string> = {};
  for (let i = 0; i < parts.length; i += 2) {
    const [cat, value] = [parts[i]!, parts[i + 1]!];
    const def = categories[cat];
    if (!def) throw new Refusal(400, `TagData: no tag category "${cat}"`);
    if (cat in tags) throw new Refusal(400, `TagData: category "${cat}" given twice`);
    if (value === '') throw new Refusal(400, `TagData: empty value for "${cat}"`);
    if (def.kind === 'list') {
      for (const v of value.split('~~~')) if (!def.values!.includes(v)) throw new Refusal(400, `TagData: "${v}" is not a value of "${cat}"`);
    } else if (value.length > 255) {
      throw new Refusal(400, `TagData: value for "${cat}" longer than 255`);
    }
    tags[cat] = value;
  }
  return tags;
}

const PARAM_TYPES: Record<string, EntryType> = { ip: 'ip', dns: 'dns', url: 'url' };
const IMPORT_TYPES: Record<string, EntryType> = { ipv4: 'ip', ipv6: 'ip', dns: 'dns', url: 'url' };

function multipartFile(contentType: string, body: Buffer): string {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!/^multipart\/form-data/i.test(contentType) || !m) throw new Refusal(400, 'expected multipart/form-data with a field "file"');
  const boundary = `--${m[1] ?? m[2]}`;
  for (const part of body.toString('utf8').split(boundary)) {
    const headEnd = part.indexOf('\r\n\r\n');
    if (headEnd < 0) continue;
    const head = part.slice(0, headEnd);
    if (/name="file"/i.test(head)) return part.slice(headEnd + 4).replace(/\r\n$/, '');
  }
  throw new Refusal(400, 'no multipart field "file"');
}

export class SmsSimulator {
  readonly entries = new Map<string, SimEntry>();
  readonly requests: SimRequest[] = [];
  /** How many times each entry was added: a client that repeats work shows here. */
  readonly addCount = new Map<string, number>();
  /** The tag categories this SMS has: an SMS older than 4.6 lacks the Trend Micro ones. */
  categories: Record<string, Category> = { ...CATEGORIES };
  private readonly o: SimOptions;
  private server: https.Server | undefined;
  private readonly sockets = new Set<import('node:stream').Duplex>();
  port = 0;
  private tokens: number;
  private last = Date.now();

  constructor(o: SimOptions) {
    this.o = o;
    this.tokens = o.rateLimit?.burst ?? 0;
  }

  setRateLimit(limit: SimOptions['rateLimit']): void {
    this.o.rateLimit = limit;
    this.tokens = limit?.burst ?? 0;
  }

  async start(port = 0): Promise<this> {
    if (this.server) return this;
    const server = (this.server = https.createServer({
      cert: fs.readFileSync(this.o.certFile), key: fs.readFileSync(this.o.keyFile),
    }, (req, res) => this.handle(req, res)));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port || this.port, '127.0.0.1', () => resolve()));
    this.port = (server.address() as net.AddressInfo).port;
    return this;
  }

  /** Unreachable (connections refused), entries kept: start() brings it back on the same port. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const c of this.sockets) c.destroy();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private allow(): boolean {
    const rl = this.o.rateLimit;
    if (!rl) return true;
    const now = Date.now();
    this.tokens = Math.min(rl.burst, this.tokens + ((now - this.last) / 1000) * rl.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private authorised(req: http.IncomingMessage, q: URLSearchParams): boolean {
    const key = req.headers['x-sms-api-key'];
    if (key !== undefined) return this.o.apiKey !== undefined && key === this.o.apiKey;
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (basic) return Buffer.from(basic[1]!, 'base64').toString() === `${this.o.username}:${this.o.password}`;
    return q.get('smsuser') === this.o.username && q.get('smspass') === this.o.password;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size <= 16 * 1024 * 1024) chunks.push(d);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://sms');
      const record = (status: number, entries = 0) =>
        this.requests.push({ method: req.method ?? '', path: url.pathname, status, at: Date.now(), entries });
      const reply = (status: number, body: string, entries = 0) => {
        record(status, entries);
        res.writeHead(status, { 'Content-Type': 'text/plain' });
        res.end(body);
      };
      try {
        if (!this.allow()) throw new Refusal(503, 'too many requests: slow down');
        if (!this.authorised(req, url.searchParams)) throw new Refusal(401, 'Unauthorized');
        if (req.method !== 'GET' && req.method !== 'POST') throw new Refusal(405, 'GET or POST only');
        const body = Buffer.concat(chunks);
        const [status, text, n] = this.route(url, req.method, req.headers['content-type'] ?? '', body);
        reply(status, text, n);
      } catch (err) {
        if (err instanceof Refusal) reply(err.status, err.message);
        else reply(500, String(err));
      }
    });
  }

  private static key(type: EntryType, value: string): string {
    return `${type}:${value.toLowerCase()}`;
  }

  /** Address parameters (ip=, dns=, url=), each validated; unknown parameters are refused. */
  private addresses(q: URLSearchParams, allowed: readonly string[], syntaxStatus = 400): Array<[EntryType, string]> {
    const out: Array<[EntryType, string]> = [];
    for (const [k, v] of q) {
      if (k === 'smsuser' || k === 'smspass' || allowed.includes(k)) continue;
      const type = PARAM_TYPES[k];
      if (!type) throw new Refusal(syntaxStatus, `unknown parameter "${k}"`);
      if (!validAddress(type, v)) throw new Refusal(syntaxStatus, `invalid ${k} "${v}"`);
      out.push([type, v]);
    }
    return out;
  }

  private route(url: URL, method: string, contentType: string, body: Buffer): [number, string, number] {
    const q = url.searchParams;
    switch (url.pathname) {
      case '/dbAccess/tptDBServlet':
        if (q.get('method') !== 'Status') throw new Refusal(400, 'unknown method');
        return [200, 'SMS is running', 0];
      case '/repEntries/add': {
        const addrs = this.addresses(q, ['TagData']);
        if (addrs.length === 0) throw new Refusal(400, 'no ip, dns or url given');
        const tags = q.has('TagData') ? parseTagData(q.get('TagData')!, this.categories) : {};
        for (const [type, value] of addrs) this.put(type, value, tags);
        return [200, `${addrs.length} entries added`, addrs.length];
      }
      case '/repEntries/delete': {
        if (method === 'POST' && q.has('type')) return this.bulkDelete(q.get('type')!, contentType, body);
        const criteria = q.get('criteria');
        if (criteria === 'user' || criteria === 'all') {
          const n = this.entries.size;
          this.entries.clear();
          return [200, `${n} entries deleted`, n];
        }
        if (criteria !== 'entry') throw new Refusal(400, 'criteria must be entry, user, repdv or all');
        const addrs = this.addresses(q, ['criteria']);
        if (addrs.length === 0) throw new Refusal(400, 'no ip, dns or url given');
        for (const [type, value] of addrs) this.entries.delete(SmsSimulator.key(type, value));
        return [200, `${addrs.length} entries deleted`, addrs.length];
      }
      case '/repEntries/query': {
        const addrs = this.addresses(q, [], 412);
        if (addrs.length === 0) throw new Refusal(412, 'no ip, dns or url given');
        const found = addrs.map(([t, v]) => this.entries.get(SmsSimulator.key(t, v))).filter((e): e is SimEntry => !!e);
        if (found.length === 0) return [204, '', 0];
        return [200, found.map((e) => [e.value, ...Object.entries(e.tags).flat()].join(',')).join('\n'), found.length];
      }
      case '/repEntries/import': {
        if (method !== 'POST') throw new Refusal(405, 'import is a multipart POST');
        const type = IMPORT_TYPES[q.get('type') ?? ''];
        if (!type) throw new Refusal(400, 'type must be ipv4, ipv6, dns or url');
        const lines = multipartFile(contentType, body).split(/\r?\n/).filter((l) => l.trim() !== '');
        // The whole file is checked before anything is applied.
        const parsed = lines.map((line, i) => {
          const comma = line.indexOf(',');
          const addr = comma < 0 ? line : line.slice(0, comma);
          if (!validAddress(type, addr) || (q.get('type') === 'ipv4' && !IPV4.test(addr))) {
            throw new Refusal(400, `line ${i + 1}: invalid ${q.get('type')} address "${addr}"`);
          }
          return [addr, comma < 0 ? {} : parseTagData(line.slice(comma + 1), this.categories)] as const;
        });
        for (const [addr, tags] of parsed) this.put(type, addr, tags);
        return [200, `${parsed.length} entries imported`, parsed.length];
      }
      case '/_sim/entries':
        return [200, JSON.stringify([...this.entries.values()]), 0];
      default:
        throw new Refusal(404, 'no such endpoint');
    }
  }

  private bulkDelete(typeParam: string, contentType: string, body: Buffer): [number, string, number] {
    const type = IMPORT_TYPES[typeParam];
    if (!type) throw new Refusal(400, 'type must be ipv4, ipv6, dns or url');
    const lines = multipartFile(contentType, body).split(/\r?\n/).map((l) => l.split(',')[0]!.trim()).filter(Boolean);
    for (const [i, a] of lines.entries()) if (!validAddress(type, a)) throw new Refusal(400, `line ${i + 1}: invalid address "${a}"`);
    for (const a of lines) this.entries.delete(SmsSimulator.key(type, a));
    return [200, `${lines.length} entries deleted`, lines.length];
  }

  private put(type: EntryType, value: string, tags: Record<string, string>): void {
    const k = SmsSimulator.key(type, value);
    this.entries.set(k, { type, value, tags, added: Date.now() });
    this.addCount.set(k, (this.addCount.get(k) ?? 0) + 1);
  }

  entry(type: EntryType, value: string): SimEntry | undefined {
    return this.entries.get(SmsSimulator.key(type, value));
  }
}
