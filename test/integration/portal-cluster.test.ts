// Three portal processes past one machine: one PostgreSQL store, one S3
// bucket (s3rver), one Mosquitto they read through a shared subscription,
// one webhook receiver. Batches go to whichever process (as a TCP load
// balancer would send them); one process is killed while it ingests a
// large batch, another while heartbeats arrive. Nothing is lost, nothing is
// kept or done twice, and the silence of an appliance is notified once.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortalConfig } from '../../src/portal/config/schema.ts';
import { until } from '../helpers/agent.ts';
import { CEF_LINE, PLAIN_LINE, writeBatch } from '../helpers/portal.ts';
import { portalCli, portalSettings, RunningPortal } from '../helpers/portal-process.ts';
import { S3_KEY, S3_SECRET, startS3, type S3Peer } from '../helpers/s3.ts';
import { postgresDatabase } from '../helpers/stores.ts';
import { peerRoot, pki, startMosquitto, type MosquittoPeer } from '../peers/peers.ts';

const PORTAL_USER = 'tmsp-portal';
const PORTAL_PASS = 'portal-broker-secret-1';
const ACME = { name: 'acme', pass: 'acme-secret-1' };
const IDS = ['tda-c-01', 'tda-c-02', 'tda-c-03'];
const QUIET = 'tda-c-quiet';

let root: string;
let ca: string;
let store: PortalConfig['store'];
let s3: S3Peer;
let broker: MosquittoPeer;
let db: pg.Client;
const portals: RunningPortal[] = [];
const configs: string[] = [];
const notices: Array<{ kind: string; applianceId: string }> = [];
let webhook: http.Server;

function settings(i: number, webhookPort: number, files: { passwordFile: string; aclFile: string }): Record<string, Record<string, unknown>> {
  const dir = path.join(root, `portal-${i}`);
  return portalSettings(dir, {
    store: { ...store },
    batches: { kind: 's3', s3Endpoint: s3.endpoint, s3Bucket: s3.bucket, s3AccessKeyId: S3_KEY, s3SecretAccessKey: S3_SECRET },
    mqtt: { broker: 'external', url: `mqtts://127.0.0.1:${broker?.port ?? 1}`, caFile: ca, user: PORTAL_USER, password: PORTAL_PASS, ...files },
    sftp: { hostKeyFile: path.join(root, 'shared-ssh', 'host_ed25519_key') },
    notify: { webhookUrl: `http://127.0.0.1:${webhookPort}/hook` },
    fleet: { silentMinimumMinutes: 0, lateIntervals: 2, silentIntervals: 3 },
    ingest: { retentionDays: 3650 },
    portal: { logLevel: 'info' },
  });
}

function writeConfig(i: number, s: Record<string, Record<string, unknown>>): string {
  const dir = path.join(root, `portal-${i}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'portal.json');
  fs.writeFileSync(file, JSON.stringify(s), { mode: 0o600 });
  return file;
}

async function start(i: number): Promise<RunningPortal> {
  const p = await new RunningPortal(configs[i]!).ready();
  portals[i] = p;
  return p;
}

/** curl -T to process `i`'s HTTPS log server. */
function put(i: number, b: { relPath: string; file: string }): Promise<number> {
  const p = portals[i]!;
  return new Promise((resolve, reject) => {
    const c = spawn('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', p.facts.tlsCertFile, '-u', `${ACME.name}:${ACME.pass}`,
      '-T', b.file, `https://127.0.0.1:${p.facts.listeners.https}/${b.relPath}`]);
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.once('error', reject);
    c.once('exit', () => resolve(Number(out)));
  });
}

async function q<T>(sql: string, args: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, args)).rows as T[];
}

const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? CEF_LINE(from + i) : PLAIN_LINE(from + i)));

beforeAll(async () => {
  root = peerRoot();
  ca = pki(root).ca;
  store = await postgresDatabase('file');
  s3 = await startS3('tmsp-batches', path.join(root, 's3'));
  webhook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const m = JSON.parse(body) as { kind: string; applianceId: string };
      notices.push({ kind: m.kind, applianceId: m.applianceId });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
  const webhookPort = (webhook.address() as { port: number }).port;
  const brokerFiles = path.join(root, 'broker-files');
  fs.mkdirSync(brokerFiles, { mode: 0o755 });
  const files = { passwordFile: path.join(brokerFiles, 'tmsp.passwd'), aclFile: path.join(brokerFiles, 'tmsp.acl') };
  // The account and its appliances first (one command, on any process's settings): Mosquitto starts from the files it writes.
  const first = writeConfig(0, settings(0, webhookPort, files));
  expect(portalCli(first, ['--json', 'account', 'add', ACME.name, '--password-stdin'], `${ACME.pass}\n`).json).toMatchObject({ ok: true });
  expect(portalCli(first, ['--json', 'account', 'claim', ACME.name, ...IDS, QUIET]).json).toMatchObject({ ok: true });
  broker = await startMosquitto(root, 'server', files);
  for (let i = 0; i < 3; i++) configs.push(writeConfig(i, settings(i, webhookPort, files)));
  await Promise.all([0, 1, 2].map(start));
  const u = new URL(store.url);
  db = new pg.Client({ host: u.hostname, port: Number(u.port), user: u.username, database: u.pathname.slice(1), password: store.password });
  await db.connect();
}, 120_000);

afterAll(async () => {
  await Promise.all(portals.map((p) => p?.stop()));
  await db?.end();
  await broker?.stop();
  await s3?.stop();
  await new Promise((r) => webhook?.close(r));
  fs.rmSync(root, { recursive: true, force: true });
});

describe('three portal processes on one PostgreSQL, one bucket and one broker', () => {
  it('share one SSH host key (sftp.hostKeyFile), so an appliance pinning it reaches any of them', () => {
    expect(new Set(portals.map((p) => p.facts.sshHostKey)).size).toBe(1);
  });

  it('take any appliance\'s batch at any process; one killed mid-ingest loses nothing and keeps nothing twice', async () => {
    const incoming = (i: number) => path.join(root, `portal-${i}`, 'data', 'incoming', ACME.name);
    // Nine small batches, spread over the three as a balancer would; one of them sent to two (a retry that went elsewhere).
    const small: Array<{ relPath: string; file: string }> = [];
    for (let k = 0; k < 9; k++) {
      const id = IDS[k % 3]!;
      const seq = 1 + Math.floor(k / 3) * 100;
      const src = writeBatch(path.join(root, 'out', String(k)), id, seq, lines(100, k * 1000));
      small.push(src);
      expect(await put(k % 3, src)).toBe(201);
    }
    expect(await put(1, small[0]!)).toBe(201);
    // A large batch to process 2, which is killed while its ingest transaction is open.
    const big = writeBatch(path.join(root, 'out', 'big'), IDS[0]!, 1000, lines(200_000, 50_000));
    expect(await put(2, big)).toBe(201);
    const pid = portals[2]!.proc.pid;
    await until(async () => (await q(`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE $1 AND xact_start IS NOT NULL
      AND backend_xid IS NOT NULL`, [`%:${pid}`])).length > 0, 30_000, 'process 2 to be mid-ingest');
    portals[2]!.proc.kill('SIGKILL');
    await portals[2]!.exited;
    // Nothing of the big batch is visible: its transaction died with its process.
    expect(await q(`SELECT 1 FROM batch WHERE first_seq = 1000`)).toEqual([]);
    await until(async () => (await q<{ n: number }>(`SELECT count(*)::int AS n FROM batch WHERE state = 'done'`))[0]!.n === 9, 30_000, 'the nine small batches');
    // Its file waits in that process's incoming/, and its restart ingests it, once.
    expect(fs.existsSync(path.join(incoming(2), big.relPath))).toBe(true);
    await start(2);
    await until(async () => (await q<{ n: number }>(`SELECT count(*)::int AS n FROM batch WHERE state = 'done'`))[0]!.n === 10, 60_000, 'the big batch');
    const perAppliance = await q<{ id: string; batches: number; records: number }>(
      'SELECT id, batches::int, records::int FROM appliance WHERE id = ANY($1) ORDER BY id', [IDS]);
    expect(perAppliance).toEqual([
      { id: IDS[0], batches: 4, records: 300 + 200_000 }, { id: IDS[1], batches: 3, records: 300 }, { id: IDS[2], batches: 3, records: 300 },
    ]);
    expect((await q<{ n: number }>('SELECT count(*)::int AS n FROM detection'))[0]!.n).toBe(9 * 50 + 100_000);
    // Every batch in the bucket once; nothing left in any process's incoming/.
    await until(() => s3.keys().length === 10, 30_000, 'ten objects');
    // A file goes from incoming/ once its object is stored, which the bucket may show a moment before the portal hears it.
    const left = () => {
      const out: string[] = [];
      const walk = (d: string) => { for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) { if (e.isDirectory()) walk(path.join(d, e.name)); else out.push(e.name); } };
      for (let i = 0; i < 3; i++) walk(incoming(i));
      return out;
    };
    await until(() => left().length === 0, 30_000, 'every incoming/ empty');
    expect(s3.keys()).toHaveLength(10);
  }, 180_000);

  it('handle each heartbeat once between them, and notify a silence once, even with one of them killed', async () => {
    const c = mqtt.connect({
      host: '127.0.0.1', port: broker.port, protocol: 'mqtts', ca: fs.readFileSync(ca), username: ACME.name, password: ACME.pass,
      clientId: `tmsp-agent-${QUIET}`, protocolVersion: 5, reconnectPeriod: 0,
    });
    await new Promise<void>((resolve, reject) => { c.once('connect', () => resolve()); c.once('error', reject); });
    const beat = (n: number) => c.publishAsync(`tmsp/v1/${QUIET}/heartbeat`, JSON.stringify({
      applianceId: QUIET, time: new Date().toISOString(), uptimeS: n, spool: { chunks: 0, records: 0, bytes: 0, oldestUnsentAgeS: null },
      dropped: { chunks: 0, records: 0, bytes: 0 }, upload: { state: 'idle', lastSuccessAt: null, lastError: null, lastErrorCode: null },
      intervals: { heartbeatS: 2, uploadS: 3600 },
    }), { qos: 1 });
    const counted = async () => (await q<{ n: number }>('SELECT coalesce(sum(count), 0)::int AS n FROM heartbeat_bucket WHERE appliance_id = $1', [QUIET]))[0]!.n;
    for (let n = 1; n <= 30; n++) await beat(n);
    // Split between the processes, none handled twice: the three handled thirty in all, and the store counts thirty.
    const fleet = (p: RunningPortal) => (p.status().counters as { fleet: { heartbeats: number; rounds: number } }).fleet;
    const handled = await until(() => {
      const h = portals.map((p) => fleet(p).heartbeats);
      return h.reduce((a, b) => a + b, 0) >= 30 ? h : undefined;
    }, 30_000, 'thirty heartbeats handled');
    expect(handled.reduce((a, b) => a + b, 0)).toBe(30);
    expect(handled.filter((h) => h > 0).length).toBeGreaterThan(1);
    await until(async () => (await counted()) === 30, 20_000, 'thirty heartbeats counted');

    // One process dies while heartbeats keep coming every 2 s; then they stop, and the appliance goes silent.
    portals[1]!.proc.kill('SIGKILL');
    await portals[1]!.exited;
    for (let n = 31; n <= 34; n++) {
      await beat(n);
      await new Promise((r) => setTimeout(r, 2000));
    }
    await until(() => notices.some((m) => m.kind === 'silent' && m.applianceId === QUIET), 60_000, 'the silence notice');
    await start(1);
    // Two more judging rounds of every process after the notice: a second notice would have come by then.
    const after = portals.map((p) => fleet(p).rounds);
    await until(() => portals.every((p, i) => fleet(p).rounds >= after[i]! + 2), 60_000, 'two more rounds everywhere');
    expect(notices.filter((m) => m.applianceId === QUIET && m.kind === 'silent')).toHaveLength(1);
    await c.endAsync(true);
  }, 180_000);
});
