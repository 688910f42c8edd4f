// The set-up past one machine: PostgreSQL (Debian's, run as the postgres
// user), S3-compatible storage (s3rver, a process of its own), Mosquitto as
// the external broker with the password file and ACL the portal's account
// commands write, and FLEET_PORTALS portal processes (2 unless told)
// sharing them, behind a round-robin TCP balancer for the HTTPS log server.
// Each portal is started the way the README says (tmsp-portal run --config).

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { portalSettings, RunningPortal } from '../helpers/portal-process.ts';
import { peerRoot, pki, PostgresPeer, startMosquitto, startPostgres, type Peer } from '../peers/peers.ts';
import { addAccounts, portalCommand, portalCounters } from './fleet-portal.ts';
import type { FleetSetup, RunningSetup, SeenHeartbeat, SetupOptions } from './fleet-setup.ts';

const BROKER_USER = 'tmsp-portal';
const BROKER_PASS = 'bench-broker-secret-1';
const BUCKET = 'tmsp-batches';

/** A helper process that prints "port N" once listening. */
function child(script: string, args: string[]): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, [path.join(import.meta.dirname, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) resolve({ proc, port: Number(m[1]) });
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
}

class Scaled implements FleetSetup {
  readonly name = 'scaled';
  private root: string | undefined;
  private peers: Peer[] = [];
  private children: ChildProcess[] = [];
  private portals: RunningPortal[] = [];
  private db: pg.Client | undefined;

  async start(o: SetupOptions): Promise<RunningSetup> {
    const root = (this.root = peerRoot());
    const ca = pki(root).ca;
    const server = path.join(path.dirname(ca), 'server');
    const postgres = await startPostgres(root);
    this.peers.push(postgres);
    const admin = new pg.Client({ host: '127.0.0.1', port: postgres.port, user: PostgresPeer.USER, password: PostgresPeer.PASSWORD, database: 'postgres' });
    await admin.connect();
    await admin.query('CREATE DATABASE tmsp');
    await admin.end();
    const s3dir = path.join(root, 's3');
    fs.mkdirSync(s3dir);
    const s3 = await child('s3-server.ts', [s3dir, BUCKET]);
    this.children.push(s3.proc);
    const files = { passwordFile: path.join(root, 'broker', 'tmsp.passwd'), aclFile: path.join(root, 'broker', 'tmsp.acl') };
    fs.mkdirSync(path.dirname(files.passwordFile), { mode: 0o755 });
    const count = Number(process.env.FLEET_PORTALS ?? 2);
    let brokerPort = 0;
    const settings = (i: number) => portalSettings(path.join(root, `portal-${i}`), {
      portal: { logLevel: 'warn' },
      sftp: { enabled: false },
      https: { certFile: `${server}.pem`, keyFile: `${server}.key` },
      store: { kind: 'postgresql', url: postgres.url('tmsp'), password: PostgresPeer.PASSWORD, poolSize: 10 },
      batches: { kind: 's3', s3Endpoint: `http://127.0.0.1:${s3.port}`, s3Bucket: BUCKET, s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER' },
      mqtt: { broker: 'external', url: `mqtts://127.0.0.1:${brokerPort || 1}`, caFile: ca, user: BROKER_USER, password: BROKER_PASS, ...files },
      fleet: { ...o.fleet },
      notify: { webhookUrl: o.webhook.url, webhookSecret: o.webhook.secret, registrationEmail: false },
    });
    const write = (i: number) => {
      const file = path.join(root, `portal-${i}`, 'portal.json');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(settings(i)), { mode: 0o600 });
      return file;
    };
    // Accounts and their appliances first: Mosquitto starts from the files these commands write.
    const first = write(0);
    await addAccounts(first, o.accounts);
    const owned = new Map<string, string[]>();
    for (const a of o.appliances ?? []) owned.set(a.account, [...(owned.get(a.account) ?? []), a.id]);
    for (const [account, ids] of owned) await portalCommand(first, ['account', 'claim', account, ...ids]);
    const broker = await startMosquitto(root, 'server', files);
    this.peers.push(broker);
    brokerPort = broker.port;
    const configs = Array.from({ length: count }, (_, i) => write(i));
    this.portals = await Promise.all(configs.map((f) => new RunningPortal(f).ready(60_000)));
    const lb = await child('tcp-balancer.ts', this.portals.map((p) => String(p.facts.listeners.https)));
    this.children.push(lb.proc);
    const u = new URL(postgres.url('tmsp'));
    this.db = new pg.Client({ host: u.hostname, port: Number(u.port), user: u.username, database: 'tmsp', password: PostgresPeer.PASSWORD });
    await this.db.connect();
    const trust = { caFile: ca, fingerprints: [] };
    const statusFiles = this.portals.map((p) => path.join(p.facts.dataDir, 'status.json'));
    return {
      processes: [
        ...this.portals.map((p, i) => ({ name: `portal ${i + 1}`, pid: p.facts.pid, role: 'portal' as const })),
        { name: 'postgres (all its processes)', pid: postgres.pid, role: 'peer', tree: true },
        { name: 'mosquitto', pid: broker.pid, role: 'peer' },
        { name: 's3rver', pid: s3.proc.pid!, role: 'peer' },
        { name: 'tcp balancer', pid: lb.proc.pid!, role: 'peer' },
      ],
      mqtt: { host: '127.0.0.1', port: broker.port, trust },
      https: { host: '127.0.0.1', port: lb.port, trust },
      basePath: 'upload',
      counters: () => portalCounters(statusFiles),
      lastHeartbeats: async () => {
        const rows = (await this.db!.query(`SELECT id, last_heartbeat_at AS at, last_heartbeat::json->>'time' AS time FROM appliance
          WHERE last_heartbeat_at IS NOT NULL`)).rows as Array<{ id: string; at: string; time: string }>;
        return rows.map((r): SeenHeartbeat => ({ id: r.id, handledAt: Number(r.at), sentAt: Date.parse(r.time) }));
      },
      log: () => this.portals.map((p, i) => `portal ${i + 1}:\n${p.log.slice(-2000)}`).join('\n'),
    };
  }

  async stop(): Promise<void> {
    await this.db?.end().catch(() => {});
    this.db = undefined;
    await Promise.all(this.portals.map((p) => p.stop()));
    this.portals = [];
    for (const c of this.children) c.kill('SIGTERM');
    this.children = [];
    for (const p of this.peers.reverse()) await p.stop();
    this.peers = [];
    if (this.root && !process.env.KEEP_BENCH_DIR) fs.rmSync(this.root, { recursive: true, force: true });
    this.root = undefined;
  }
}

export function scaledSetup(): FleetSetup {
  return new Scaled();
}
