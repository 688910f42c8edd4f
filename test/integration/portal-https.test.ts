// The SSL log server against a stock client (curl -T) and against bad
// input: wrong logins in a loop, no or a huge Content-Length, a body that
// ends early, paths out of the account's directory.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logins } from '../../src/portal/accounts/logins.ts';
import { HttpsReceiver } from '../../src/portal/receive/https/server.ts';
import type { Landed } from '../../src/portal/receive/landed.ts';
import { SqliteStore } from '../../src/portal/store/sqlite/store.ts';
import { selfSigned } from '../../src/portal/tls/self-signed.ts';
import { until } from '../helpers/agent.ts';
import { addAccount } from '../helpers/portal.ts';

let root: string;
let store: SqliteStore;
let rx: HttpsReceiver;
let ca: string;
const landed: Landed[] = [];
const warnings: string[] = [];

beforeAll(async () => {
  root = fs.mkdtempSync('/tmp/tmsp-portal-https-');
  store = new SqliteStore(path.join(root, 'portal.db'));
  await addAccount(store, 'acme', 'acme-secret-1');
  const cert = selfSigned('localhost', ['localhost', '127.0.0.1']);
  ca = path.join(root, 'ca.pem');
  fs.writeFileSync(ca, cert.cert);
  const log = { info() {}, warn: (_o: object, m: string) => { warnings.push(m); } };
  rx = new HttpsReceiver({
    host: '127.0.0.1', port: 0, tls: cert, logins: new Logins(store.accounts, log).forAppliances(), incoming: path.join(root, 'incoming'),
    onLanded: (l) => landed.push(l), maxBodyBytes: 1 << 20, log,
  });
  await rx.start();
});

afterAll(async () => {
  await rx.stop();
  await store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** curl, asynchronously: the server under test runs in this process. */
function curl(args: string[]): Promise<{ code: number; status: number; body: string }> {
  return new Promise((resolve) => {
    const p = spawn('curl', ['-sS', '--cacert', ca, '-o', '-', '-w', '\n%{http_code}', ...args]);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => {
      const lines = out.trimEnd().split('\n');
      resolve({ code: code ?? -1, status: Number(lines.at(-1)), body: lines.slice(0, -1).join('\n') });
    });
  });
}

const url = (p: string) => `https://127.0.0.1:${rx.port}${p}`;

/** A raw request over TLS: what curl will not send. */
function raw(request: string, endAfter = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: rx.port, ca: fs.readFileSync(ca), servername: 'localhost' }, () => {
      s.write(request);
      if (endAfter) s.end();
    });
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

const auth = `Authorization: Basic ${Buffer.from('acme:acme-secret-1').toString('base64')}\r\n`;

describe('HTTPS log server', () => {
  it('takes curl -T: 201 new, 204 replaced, the file complete under its name, then DELETE', async () => {
    const src = path.join(root, 'batch.gz');
    fs.writeFileSync(src, Buffer.alloc(200_000, 7));
    const put = await curl(['-u', 'acme:acme-secret-1', '-T', src, url('/upload/tda-01/000000000001-000000000010.ndjson.gz')]);
    expect(put.status).toBe(201);
    const file = path.join(root, 'incoming', 'acme', 'upload', 'tda-01', '000000000001-000000000010.ndjson.gz');
    expect(fs.readFileSync(file).equals(fs.readFileSync(src))).toBe(true);
    expect(landed.at(-1)).toMatchObject({ account: 'acme', via: 'https', relPath: 'upload/tda-01/000000000001-000000000010.ndjson.gz', file });
    expect((await curl(['-u', 'acme:acme-secret-1', '-T', src, url('/upload/tda-01/000000000001-000000000010.ndjson.gz')])).status).toBe(204);
    expect((await curl(['-u', 'acme:acme-secret-1', '-X', 'DELETE', url('/upload/tda-01/000000000001-000000000010.ndjson.gz')])).status).toBe(204);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readdirSync(path.dirname(file))).toEqual([]);
  });

  it('refuses no Content-Length, a huge one, and a path out of the account\'s directory', async () => {
    expect(await raw(`PUT /upload/y HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`)).toMatch(/^HTTP\/1.1 411/);
    expect(await raw(`PUT /upload/y HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 999999999999\r\n\r\n`)).toMatch(/^HTTP\/1.1 413/);
    const src = path.join(root, 'y');
    fs.writeFileSync(src, 'y');
    // Dot segments in the URL resolve as URLs do, at its root: the file stays inside the account's directory.
    const escape = await curl(['--path-as-is', '-u', 'acme:acme-secret-1', '-T', src, url('/../../escape')]);
    expect(escape.status).toBe(201);
    expect(fs.existsSync(path.join(root, 'incoming', 'acme', 'escape'))).toBe(true);
    // Encoded, they are a name that climbs: refused.
    expect((await curl(['--path-as-is', '-u', 'acme:acme-secret-1', '-T', src, url('/upload/..%2F..%2F..%2Fescape2')])).status).toBe(403);
    expect(fs.existsSync(path.join(root, 'escape'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'incoming', 'escape'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'incoming', 'escape2'))).toBe(false);
  });

  it('keeps nothing of a body that ends before its Content-Length', async () => {
    const before = landed.length;
    const uploads = rx.counters.uploads;
    await raw(`PUT /upload/tda-01/000000000020-000000000030.ndjson.gz HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 1000\r\n\r\n${'z'.repeat(400)}`);
    await until(() => warnings.includes('upload incomplete; nothing kept'), 10_000, 'the incomplete upload to be noticed');
    expect(rx.counters.uploads).toBe(uploads);
    const dir = path.join(root, 'incoming', 'acme', 'upload', 'tda-01');
    await until(() => fs.readdirSync(dir).length === 0, 10_000, 'the .part file to go');
    expect(landed.length).toBe(before);
  });
  // Last: the throttle then holds this address for a minute.
  it('refuses a wrong password, and throttles a loop of them without falling over', async () => {
    const src = path.join(root, 'x');
    fs.writeFileSync(src, 'x');
    expect((await curl(['-u', 'acme:wrong', '-T', src, url('/a/x')])).status).toBe(401);
    for (let i = 0; i < 20; i++) expect((await curl(['-u', 'acme:wrong', '-T', src, url('/a/x')])).status).toBe(401);
    expect(warnings).toContain('logins refused for a minute after repeated wrong passwords');
    expect(rx.counters.refusedLogins).toBeGreaterThanOrEqual(21);
    expect(fs.existsSync(path.join(root, 'incoming', 'acme', 'a', 'x'))).toBe(false);
  });
});
