// The portal on an external status server: a real Mosquitto (TLS, password
// file and ACL) instead of the embedded broker. The portal's account commands
// keep Mosquitto's password_file and acl_file; Mosquitto itself then lets an
// appliance in with its account's password and only onto its own appliances'
// topics. The built portal, told mqtt.broker external, starts no broker and
// hears the real agent's registration and heartbeats through Mosquitto; and
// portal processes in one shared-subscription group each handle a message
// once, and a restarted one gets what the broker kept for it.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Subscriber, type FleetInput } from '../../src/portal/fleet/subscriber.ts';
import { mosquittoVerify } from '../../src/portal/receive/broker/mosquitto-files.ts';
import type { Heartbeat } from '../../src/protocol/heartbeat.ts';
import { startAgent, until, type RunningAgent } from '../helpers/agent.ts';
import { PORTAL, portalCli, portalSettings, startPortal, type RunningPortal } from '../helpers/portal-process.ts';
import { tmpdir } from '../helpers/tmp.ts';
import { peerRoot, pki, startMosquitto, type MosquittoPeer } from '../peers/peers.ts';

const PORTAL_USER = 'tmsp-portal';
const PORTAL_PASS = 'portal-broker-secret-1';
const ACME = { name: 'acme', pass: 'acme-secret-1' };
const GLOBEX = { name: 'globex', pass: 'globex-secret-1' };
const APPLIANCE = 'tda-ext-01';
const OTHER = 'gx-ext-01';

let root: string;
let ca: string;
let dir: string;
let configFile: string;
let files: { passwordFile: string; aclFile: string };
let broker: MosquittoPeer;
let portal: RunningPortal | undefined;
let agent: RunningAgent | undefined;
const clients: mqtt.MqttClient[] = [];

function cli(args: string[], stdin?: string) {
  return portalCli(configFile, ['--json', ...args], stdin);
}

function mqttSettings(): Record<string, unknown> {
  return { user: PORTAL_USER, password: PORTAL_PASS, ...files };
}

beforeAll(async () => {
  root = peerRoot();
  ca = pki(root).ca;
  const brokerFiles = path.join(root, 'broker-files');
  fs.mkdirSync(brokerFiles, { mode: 0o755 });
  files = { passwordFile: path.join(brokerFiles, 'tmsp.passwd'), aclFile: path.join(brokerFiles, 'tmsp.acl') };
  dir = path.join(root, 'portal');
  fs.mkdirSync(dir);
  // Accounts first: Mosquitto needs its files to start. The embedded broker is not started by commands.
  configFile = path.join(dir, 'portal.json');
  fs.writeFileSync(configFile, JSON.stringify(portalSettings(dir, { mqtt: mqttSettings() })), { mode: 0o600 });
  for (const a of [ACME, GLOBEX]) expect(cli(['account', 'add', a.name, '--password-stdin'], `${a.pass}\n`).json).toMatchObject({ ok: true });
  broker = await startMosquitto(root, 'server', files);
});

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await portal?.stop();
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await broker?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

/** An MQTT 5 client of the broker, as an appliance (or the portal) logs in. */
async function login(user: string, password: string, o: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  const c = mqtt.connect({
    host: '127.0.0.1', port: broker.port, protocol: 'mqtts', ca: fs.readFileSync(ca), username: user, password,
    protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, ...o,
  });
  clients.push(c);
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

/** Logs in, or the reason code Mosquitto refused with. */
async function tryLogin(user: string, password: string): Promise<true | number> {
  try {
    await (await login(user, password)).endAsync();
    return true;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

function heartbeat(applianceId: string, n: number): string {
  return JSON.stringify({
    applianceId, time: new Date().toISOString(), uptimeS: n,
    spool: { chunks: 0, records: 0, bytes: 0, oldestUnsentAgeS: null }, dropped: { chunks: 0, records: 0, bytes: 0 },
    upload: { state: 'idle', lastSuccessAt: null, lastError: null, lastErrorCode: null },
  });
}

/** The portal's subscriber user, reading everything: what reached the broker's subscribers. */
async function watch(): Promise<{ seen: Array<{ topic: string; payload: string }> }> {
  const c = await login(PORTAL_USER, PORTAL_PASS);
  const w = { seen: [] as Array<{ topic: string; payload: string }> };
  c.on('message', (topic, p) => w.seen.push({ topic, payload: p.toString() }));
  await c.subscribeAsync('tmsp/v1/#', { qos: 1 });
  return w;
}

describe('account commands keep Mosquitto\'s password_file and acl_file', () => {
  it('writes files the real Mosquitto accepts: the password logs in, a wrong one is refused, another account\'s appliance is refused', async () => {
    // The ids are claimed before the appliances first connect: the ACL names each account's own.
    const claimed = cli(['account', 'claim', ACME.name, APPLIANCE]);
    expect(claimed.json, claimed.stdout).toMatchObject({ ok: true, account: ACME.name, claimed: [APPLIANCE],
      brokerFiles: { accounts: 2, appliances: 1, withoutPassword: [] } });
    expect(claimed.json.brokerFiles.reload).toMatch(/systemctl reload mosquitto|kill -HUP/);
    expect(cli(['account', 'claim', GLOBEX.name, OTHER]).json).toMatchObject({ ok: true, brokerFiles: { appliances: 2 } });
    // One account cannot take another's appliance, and nothing is claimed then.
    expect(cli(['account', 'claim', GLOBEX.name, APPLIANCE, 'gx-ext-02'])).toMatchObject({ code: 2 });

    const passwd = fs.readFileSync(files.passwordFile, 'utf8');
    expect(fs.statSync(files.passwordFile).mode & 0o777).toBe(0o600);
    expect(passwd).toMatch(new RegExp(`^${PORTAL_USER}:\\$7\\$101\\$`, 'm'));
    expect(passwd).toMatch(/^acme:\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/m);
    expect(passwd).not.toContain(ACME.pass);
    const acl = fs.readFileSync(files.aclFile, 'utf8');
    expect(acl).toContain(`user ${PORTAL_USER}\ntopic read tmsp/v1/#`);
    expect(acl).toContain(`user acme\ntopic write tmsp/v1/${APPLIANCE}/status\ntopic write tmsp/v1/${APPLIANCE}/heartbeat\ntopic write tmsp/v1/${APPLIANCE}/registration`);
    // The same format as mosquitto_passwd's own: a line it makes checks out here.
    const theirs = path.join(root, 'theirs.passwd');
    expect(spawnSync('mosquitto_passwd', ['-c', '-b', theirs, 'x', 'their-secret-1']).status).toBe(0);
    const hash = fs.readFileSync(theirs, 'utf8').trim().slice('x:'.length);
    expect(mosquittoVerify('their-secret-1', hash)).toBe(true);
    expect(mosquittoVerify('their-secret-2', hash)).toBe(false);
    // Rewritten by root, the files keep the owner Mosquitto reads them as.
    expect(fs.statSync(files.passwordFile).uid).toBe(fs.statSync(broker.dir).uid);

    broker.reload();
    const w = await watch();
    await until(async () => (await tryLogin(ACME.name, ACME.pass)) === true, 10_000, 'acme to log in');
    expect(await tryLogin(ACME.name, 'wrong-password')).toBe(135); // MQTT 5 "not authorized"
    expect(await tryLogin('nobody', ACME.pass)).toBe(135);

    const acme = await login(ACME.name, ACME.pass, { clientId: `tmsp-agent-${APPLIANCE}` });
    const own = heartbeat(APPLIANCE, 1);
    await acme.publishAsync(`tmsp/v1/${APPLIANCE}/heartbeat`, own, { qos: 1 });
    const globex = await login(GLOBEX.name, GLOBEX.pass, { clientId: `tmsp-agent-${APPLIANCE}-test` });
    const forged = heartbeat(APPLIANCE, 666);
    // MQTT 5 tells the publisher: PUBACK with 135, and the message goes nowhere.
    await expect(globex.publishAsync(`tmsp/v1/${APPLIANCE}/heartbeat`, forged, { qos: 1 })).rejects.toMatchObject({ code: 135 });
    await expect(globex.publishAsync('tmsp/v1/elsewhere/heartbeat', forged, { qos: 1 })).rejects.toMatchObject({ code: 135 });
    await expect(acme.publishAsync(`tmsp/v1/${OTHER}/status`, 'offline', { qos: 1, retain: true })).rejects.toMatchObject({ code: 135 });
    const marker = heartbeat(OTHER, 2);
    await globex.publishAsync(`tmsp/v1/${OTHER}/heartbeat`, marker, { qos: 1 });
    await until(() => w.seen.some((s) => s.payload === marker), 10_000, 'globex\'s own heartbeat at the portal user');
    expect(w.seen.map((s) => s.payload)).toContain(own);
    expect(w.seen.map((s) => s.payload)).not.toContain(forged);
    // Appliances write; they do not read one another.
    const peek: string[] = [];
    globex.on('message', (t) => peek.push(t));
    await globex.subscribeAsync('tmsp/v1/#', { qos: 1 });
    await acme.publishAsync(`tmsp/v1/${APPLIANCE}/heartbeat`, heartbeat(APPLIANCE, 3), { qos: 1 });
    await until(() => w.seen.some((s) => s.payload.includes('"uptimeS":3')), 10_000, 'the third heartbeat');
    expect(peek).toEqual([]);
  });

  it('passwd replaces the line and remove drops it; Mosquitto takes either at its reload', async () => {
    const changed = cli(['account', 'passwd', GLOBEX.name, '--password-stdin'], 'globex-secret-2\n');
    expect(changed.json).toMatchObject({ ok: true, brokerFiles: { passwordFile: files.passwordFile } });
    expect(portalCli(configFile, ['account', 'passwd', GLOBEX.name, '--password-stdin'], 'globex-secret-3\n').stdout)
      .toMatch(/reload the broker for it to take effect: systemctl reload mosquitto \(or kill -HUP its pid\)/);
    broker.reload();
    await until(async () => (await tryLogin(GLOBEX.name, 'globex-secret-3')) === true, 10_000, 'the new password');
    expect(await tryLogin(GLOBEX.name, GLOBEX.pass)).toBe(135);

    expect(cli(['account', 'remove', GLOBEX.name]).json).toMatchObject({ ok: true, removed: true, brokerFiles: { accounts: 1 } });
    expect(fs.readFileSync(files.passwordFile, 'utf8')).not.toMatch(/^globex:/m);
    expect(fs.readFileSync(files.aclFile, 'utf8')).not.toMatch(/^user globex$/m);
    broker.reload();
    await until(async () => (await tryLogin(GLOBEX.name, 'globex-secret-3')) === 135, 10_000, 'globex refused');
    expect(await tryLogin(ACME.name, ACME.pass)).toBe(true);
    // The portal's own login is never an account.
    expect(cli(['account', 'add', PORTAL_USER, '--password-stdin'], 'long-enough-1\n')).toMatchObject({ code: 2 });
  });
  it('keeps every line when account commands run at once (they take turns at the files)', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `para${i}`);
    await Promise.all(names.map((n) => new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, [PORTAL, '--config', configFile, 'account', 'add', n, '--password-stdin'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`account add ${n}: ${code} ${err}`))));
      p.stdin.end(`${n}-secret-1\n`);
    })));
    const passwd = fs.readFileSync(files.passwordFile, 'utf8');
    for (const n of names) expect(passwd).toMatch(new RegExp(`^${n}:\\$7\\$`, 'm'));
    expect(fs.existsSync(`${files.passwordFile}.lock`)).toBe(false);
    for (const n of names) expect(cli(['account', 'remove', n]).json).toMatchObject({ ok: true, removed: true });
  });
});

describe('the portal with mqtt.broker external', () => {
  function external(d: string, extra: Record<string, unknown> = {}): Record<string, Record<string, unknown>> {
    return {
      mqtt: { broker: 'external', url: `mqtts://127.0.0.1:${broker.port}`, caFile: ca, ...mqttSettings(), ...extra },
      fleet: { silentMinimumMinutes: 0 },
      portal: { dataDir: path.join(d, 'data') },
    };
  }

  it('starts no broker, and hears the real agent\'s registration and heartbeats through Mosquitto: the appliance is online', async () => {
    portal = await startPortal(dir, external(dir));
    expect(portal.facts.listeners.mqtt).toBeNull();
    const f = portal.facts;
    const d = tmpdir('tmsp-portal-ext-agent-');
    agent = await startAgent(d, {
      extra: {
        appliance: { id: APPLIANCE, hostname: `${APPLIANCE}.example.com` },
        tmsp: {
          enabled: true, protocol: 'ssh', logServer: `127.0.0.1:${f.listeners.sftp}`, logBasePath: 'upload',
          statusServer: `127.0.0.1:${broker.port}`, username: ACME.name, password: ACME.pass, registrationEmail: 'ops@example.com',
          tlsCaFile: ca, hostKeyFingerprint: f.sshHostKey, heartbeatSeconds: 5, timeoutSeconds: 10, retryMaxSeconds: 2,
        },
      },
    });
    const a = await until(() => {
      const s = portal!.appliance(APPLIANCE);
      return s && s.registration?.hostname === `${APPLIANCE}.example.com` && s.lastHeartbeatAt !== null && s.state === 'online' ? s : undefined;
    }, 30_000, 'the appliance registered and online at the portal');
    expect(a.account).toBe(ACME.name);
    const list = portal.cli(['--json', 'appliances']).json.appliances;
    expect(list.find((x: { id: string }) => x.id === APPLIANCE)).toMatchObject({ state: 'online', hostname: `${APPLIANCE}.example.com` });
    // The client id is kept in the data directory: the same after a restart, so the broker's session is found again.
    const id = fs.readFileSync(path.join(dir, 'data', 'mqtt-client-id'), 'utf8').trim();
    expect(id).toMatch(/^tmsp-portal-.+-[0-9a-f]{12}$/);
    expect(portal.status().counters.subscriber).toMatchObject({ connects: 1 });
  });

  it('a portal started later learns the retained registration and status at once (its shared subscription gets none in MQTT 5)', async () => {
    // A second portal process with a store of its own, in the same group.
    const d2 = tmpdir('tmsp-portal-ext-2-');
    const second = external(d2, { passwordFile: '', aclFile: '' });
    const file = path.join(d2, 'portal.json');
    fs.writeFileSync(file, JSON.stringify(portalSettings(d2, second)), { mode: 0o600 });
    expect(portalCli(file, ['--json', 'account', 'add', ACME.name, '--password-stdin'], `${ACME.pass}\n`).json).toMatchObject({ ok: true });
    expect(portalCli(file, ['--json', 'account', 'claim', ACME.name, APPLIANCE]).json).toMatchObject({ ok: true });
    const p2 = await startPortal(d2, second);
    try {
      const a = await until(() => {
        const s = p2.appliance(APPLIANCE);
        return s && s.registration?.hostname === `${APPLIANCE}.example.com` ? s : undefined;
      }, 20_000, 'the retained registration at the second portal');
      expect(a.registration.email).toBe('ops@example.com');
      // Through the plain registration/status subscription (status.json is rewritten every few seconds).
      await until(() => ((p2.status().counters.subscriber as { retained?: number } | null)?.retained ?? 0) >= 2, 20_000, 'the retained copies counted');
    } finally {
      await p2.stop();
    }
  });
});

describe('portal processes in one shared-subscription group', () => {
  /** A fleet that counts: what one portal process would have handled. */
  function counting(): FleetInput & { beats: number[] } {
    const beats: number[] = [];
    return {
      beats,
      heartbeat: async (_id: string, hb: Heartbeat) => void beats.push(hb.uptimeS),
      registration: async () => {},
      status: async () => {},
      malformed: () => {},
    };
  }
  const quiet = { info: () => {}, warn: () => {} };
  function subscriber(fleet: FleetInput, clientId: string): Subscriber {
    return new Subscriber(fleet, {
      url: `mqtts://127.0.0.1:${broker.port}`, username: PORTAL_USER, password: PORTAL_PASS, ca: fs.readFileSync(ca, 'utf8'),
      clientId, shareGroup: 'split-test', claim: async (id) => id === APPLIANCE, log: quiet,
    });
  }

  it('hands each heartbeat to exactly one of them; while one is away, the others get all, and nothing old reaches it when back', async () => {
    const fa = counting();
    const fb = counting();
    const a = subscriber(fa, 'tmsp-portal-test-a');
    let b = subscriber(fb, 'tmsp-portal-test-b');
    await a.start();
    await b.start();
    const acme = await login(ACME.name, ACME.pass, { clientId: 'tmsp-agent-split' });
    const N = 40;
    for (let i = 1; i <= N; i++) await acme.publishAsync(`tmsp/v1/${APPLIANCE}/heartbeat`, heartbeat(APPLIANCE, 1000 + i), { qos: 1 });
    await until(() => fa.beats.length + fb.beats.length >= N, 10_000, `${N} heartbeats between the two`);
    const all = [...fa.beats, ...fb.beats].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: N }, (_, i) => 1000 + i + 1));
    expect(fa.beats.length).toBeGreaterThan(0);
    expect(fb.beats.length).toBeGreaterThan(0);

    // b stops: its session ends with it, so what is published meanwhile all goes to a, and none waits for b.
    await b.stop();
    const M = 20;
    for (let i = 1; i <= M; i++) await acme.publishAsync(`tmsp/v1/${APPLIANCE}/heartbeat`, heartbeat(APPLIANCE, 2000 + i), { qos: 1 });
    await until(() => fa.beats.filter((n) => n > 2000).length >= M, 10_000, `${M} heartbeats at a while b is away`);
    expect(fa.beats.filter((n) => n > 2000)).toEqual(Array.from({ length: M }, (_, i) => 2000 + i + 1));
    const fb2 = counting();
    b = subscriber(fb2, 'tmsp-portal-test-b');
    await b.start();
    // Back in the group, b shares again, and was handed nothing of the time it was away.
    for (let i = 1; i <= N; i++) await acme.publishAsync(`tmsp/v1/${APPLIANCE}/heartbeat`, heartbeat(APPLIANCE, 3000 + i), { qos: 1 });
    await until(() => fa.beats.filter((n) => n > 3000).length + fb2.beats.length >= N, 10_000, `${N} heartbeats after b came back`);
    expect(fb2.beats.length).toBeGreaterThan(0);
    expect(fb2.beats.every((n) => n > 3000)).toBe(true);
    expect(a.counters.unowned).toBe(0);
    await a.stop();
    await b.stop();
  });
});
