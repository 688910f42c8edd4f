// The real servers the integration tests talk to, started on random free
// loopback ports from a temp directory and stopped after the tests:
// OpenSSH sshd (SFTP log server), nginx (HTTPS WebDAV log server), Mosquitto
// (MQTT status server) and tinyproxy (HTTP CONNECT proxy). Each start script
// execs the server, so the child we spawn is the server itself.
//
// sshd checks passwords against the shadow file only as root, so it runs as
// root on a high port with its own config and a dedicated test user.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const HERE = path.dirname(new URL(import.meta.url).pathname);

export const USER = 'tmsp-test';
export const PASS = 'tmsp-pass';
export const MONITOR = { user: 'tmsp-monitor', pass: 'monitor-pass' };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function waitPort(port: number, ms = 10_000, proc?: Peer): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (proc && proc.exited) throw new Error(`${proc.name} exited before it listened:\n${proc.log}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`port ${port} not ready after ${ms} ms${proc ? `:\n${proc.log}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A running server. */
export class Peer {
  readonly name: string;
  readonly port: number;
  readonly dir: string;
  private readonly args: string[];
  private readonly env: NodeJS.ProcessEnv | undefined;
  proc: ChildProcess | undefined;
  log = '';
  exited = false;

  constructor(name: string, script: string, port: number, dir: string, args: string[], env?: NodeJS.ProcessEnv) {
    this.name = name;
    this.port = port;
    this.dir = dir;
    this.args = [path.join(HERE, script), String(port), dir, ...args];
    this.env = env && { ...process.env, ...env };
  }

  async start(): Promise<this> {
    this.exited = false;
    const p = (this.proc = spawn('bash', this.args, { stdio: ['ignore', 'pipe', 'pipe'], ...(this.env ? { env: this.env } : {}) }));
    p.stdout!.on('data', (d) => (this.log += d));
    p.stderr!.on('data', (d) => (this.log += d));
    p.once('exit', () => (this.exited = true));
    await waitPort(this.port, 15_000, this);
    return this;
  }

  /** How this server is asked to stop, and how long it is given before SIGKILL. */
  protected readonly stopSignal: NodeJS.Signals = 'SIGTERM';
  protected readonly stopGraceMs: number = 3000;

  /** Stop the server (and wait for it): the "server down" of the tests. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || this.exited) return;
    const done = new Promise((r) => p.once('exit', r));
    p.kill(this.stopSignal);
    const t = setTimeout(() => p.kill('SIGKILL'), this.stopGraceMs);
    await done;
    clearTimeout(t);
  }

  get pid(): number {
    return this.proc!.pid!;
  }

  /** Server processes below the main one (connection handlers, workers). */
  descendants(): number[] {
    const out: number[] = [];
    const walk = (pid: number) => {
      const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
      for (const c of r.stdout.split('\n').filter(Boolean).map(Number)) {
        out.push(c);
        walk(c);
      }
    };
    walk(this.pid);
    return out;
  }
}

export interface Pki {
  dir: string;
  ca: string;
}

let pkiCache: Pki | undefined;

/** CA, server certificate and the broken ones (expired, not yet valid, wrong host, untrusted). */
export function pki(root: string): Pki {
  if (pkiCache && fs.existsSync(pkiCache.ca)) return pkiCache;
  const dir = path.join(root, 'pki');
  const r = spawnSync('bash', [path.join(HERE, 'certs.sh'), dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`certs.sh failed: ${r.stderr}`);
  pkiCache = { dir, ca: path.join(dir, 'ca.pem') };
  return pkiCache;
}

/** A root directory the servers' unprivileged users can traverse. */
export function peerRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-peers-'));
  fs.chmodSync(root, 0o755);
  return root;
}

export class SshPeer extends Peer {
  /** The SFTP login directory (uploads land under it). */
  get home(): string {
    return path.join(this.dir, 'upload');
  }

  get hostKey(): string {
    return fs.readFileSync(path.join(this.dir, 'hostkey.sha256'), 'utf8').trim();
  }

  /** Cut the current SFTP session: kill the per-connection processes, not the listener. */
  killSessions(): number {
    const kids = this.descendants();
    for (const pid of kids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    return kids.length;
  }
}

export async function startSshd(root: string): Promise<SshPeer> {
  const dir = path.join(root, `sshd-${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  return new SshPeer('sshd', 'sshd.sh', await freePort(), dir, [USER, PASS]).start();
}

export class NginxPeer extends Peer {
  /** The WebDAV root: https://127.0.0.1:PORT/upload/... is here. */
  get uploadRoot(): string {
    return path.join(this.dir, 'www', 'upload');
  }

  /** Every request so far, as its access log has it (written when the request ends). */
  requests(): Array<{ method: string; uri: string; status: number; contentType: string }> {
    const log = path.join(this.dir, 'access.log');
    if (!fs.existsSync(log)) return [];
    return fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => {
      const [method, uri, status, contentType] = l.split(' ');
      return { method: method!, uri: uri!, status: Number(status), contentType: contentType! };
    });
  }

  /** Kill the worker processes (the master starts new ones): a connection cut mid-transfer. */
  killWorkers(): number {
    const kids = this.descendants();
    for (const pid of kids) process.kill(pid, 'SIGKILL');
    return kids.length;
  }
}

export async function startNginx(root: string, certName = 'server'): Promise<NginxPeer> {
  const p = pki(root);
  const dir = path.join(root, `nginx-${certName}-${Date.now()}`);
  return new NginxPeer('nginx', 'nginx.sh', await freePort(), dir, [p.dir, certName, USER, PASS]).start();
}

export class MosquittoPeer extends Peer {
  /** SIGHUP: Mosquitto rereads its password file and ACL (the script execs it, so this is its pid). */
  reload(): void {
    this.proc!.kill('SIGHUP');
  }
}

/** `files`: the password file and ACL to serve (the portal's), instead of the test users'. */
export async function startMosquitto(root: string, certName = 'server', files?: { passwordFile: string; aclFile: string }): Promise<MosquittoPeer> {
  const p = pki(root);
  const dir = path.join(root, `mosquitto-${certName}-${Date.now()}`);
  const env = files && { MQ_PASSWORD_FILE: files.passwordFile, MQ_ACL_FILE: files.aclFile };
  return new MosquittoPeer('mosquitto', 'mosquitto.sh', await freePort(), dir, [p.dir, certName], env).start();
}

/** PostgreSQL: stopped with SIGINT (a fast shutdown), since SIGTERM waits for every client to leave. */
export class PostgresPeer extends Peer {
  static readonly USER = 'tmsp';
  static readonly PASSWORD = 'tmsp-pg-pass';

  /** A URL without the password (store.url's rule); the password is store.password. */
  url(database: string): string {
    return `postgresql://${PostgresPeer.USER}@127.0.0.1:${this.port}/${database}`;
  }

  protected override readonly stopSignal: NodeJS.Signals = 'SIGINT';
  protected override readonly stopGraceMs: number = 10_000;
}

export async function startPostgres(root: string): Promise<PostgresPeer> {
  const dir = path.join(root, `postgres-${Date.now()}`);
  return new PostgresPeer('postgres', 'postgres.sh', await freePort(), dir, [PostgresPeer.USER, PostgresPeer.PASSWORD]).start();
}

export async function startTinyproxy(root: string): Promise<Peer> {
  const dir = path.join(root, `tinyproxy-${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  return new Peer('tinyproxy', 'tinyproxy.sh', await freePort(), dir, [USER, PASS]).start();
}
