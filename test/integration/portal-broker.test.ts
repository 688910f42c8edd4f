// The portal's status server (src/portal/receive/broker/), on loopback, with
// stock MQTT clients (Debian's mosquitto_pub / mosquitto_sub, mqtt.js) and
// the agent itself: an appliance logs in with its account, says who it is
// and that it is alive, the portal's subscriber hears it, and no account can
// speak for another's appliance. Only the accounts and the owners are stubs.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker, type BrokerOptions } from '../../src/portal/receive/broker/broker.ts';
import { certificateFingerprint, selfSigned } from '../../src/portal/tls/self-signed.ts';
import { cliAsync, startAgent, until, type RunningAgent } from '../helpers/agent.ts';
import { tmpdir } from '../helpers/tmp.ts';
import { PASS, peerRoot, startSshd, USER, type SshPeer } from '../peers/peers.ts';

const ACCOUNTS: Record<string, string> = { 'acct-a': 'pass-a', 'acct-b': 'pass-b', [USER]: PASS };
const INTERNAL = { user: 'tmsp-portal', password: 'portal-internal-secret' };
const CERT = selfSigned('tmsp-portal', ['127.0.0.1', 'localhost']);
const HOST = '127.0.0.1';

/** The accounts' store, reduced to a map: who owns which appliance id. */
class Owners {
  readonly map = new Map<string, string>();
  ownerOf(id: string): string | undefined {
    return this.map.get(id);
  }
  claim(id: string, account: string): boolean {
    const o = this.map.get(id);
    if (o !== undefined && o !== account) return false;
    this.map.set(id, account);
    return true;
  }
}

interface Logged {
  level: 'info' | 'warn';
  msg: string;
  o: Record<string, unknown>;
}

function newBroker(o: Partial<BrokerOptions> = {}): { broker: Broker; owners: Owners; logged: Logged[] } {
  const owners = new Owners();
  const logged: Logged[] = [];
  const broker = new Broker({
    host: HOST, port: 0, tls: CERT, owners, internal: INTERNAL,
    logins: { verify: async (user, password) => ACCOUNTS[user] === password },
    log: {
      info: (obj, msg) => logged.push({ level: 'info', msg, o: obj as Record<string, unknown> }),
      warn: (obj, msg) => logged.push({ level: 'warn', msg, o: obj as Record<string, unknown> }),
    },
    ...o,
  });
  return { broker, owners, logged };
}

let dir: string;
let caFile: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-broker-'));
  caFile = path.join(dir, 'portal-cert.pem');
  fs.writeFileSync(caFile, CERT.cert);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Seen {
  topic: string;
  payload: string;
  retain: boolean;
}

/** An MQTT 3.1.1 session (mqtt.js); resolves with the client, or with the CONNACK refusal code. */
async function session(port: number, user: string, password: string, o: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient | number> {
  const client = mqtt.connect({
    host: HOST, port, protocol: 'mqtts', ca: CERT.cert, username: user, password, protocolVersion: 4, reconnectPeriod: 0,
    connectTimeout: 5000, ...o,
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => {
      client.removeAllListeners('error');
      client.removeAllListeners('close');
      resolve(client);
    });
    client.once('error', (err: Error & { code?: unknown }) => {
      client.end(true);
      if (typeof err.code === 'number') resolve(err.code);
      else reject(err);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/** Resolves when the connection is gone (the broker closed it). */
function closed(c: { once(event: 'close', listener: () => void): unknown }): Promise<void> {
  return new Promise((r) => c.once('close', () => r()));
}

async function connected(port: number, user: string, password: string, o: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  const c = await session(port, user, password, o);
  if (typeof c === 'number') throw new Error(`refused with return code ${c}`);
  return c;
}

/** The portal's own subscriber: everything under tmsp/v1/. */
class Subscriber {
  readonly seen: Seen[] = [];
  client: mqtt.MqttClient | undefined;

  async start(port: number, filter = 'tmsp/v1/#'): Promise<this> {
    const c = (this.client = await connected(port, INTERNAL.user, INTERNAL.password));
    c.on('message', (topic, payload, packet) => this.seen.push({ topic, payload: payload.toString(), retain: packet.retain }));
    const granted = await c.subscribeAsync(filter, { qos: 1 });
    expect(granted[0]!.qos).toBe(1);
    return this;
  }

  on(topic: string): Seen[] {
    return this.seen.filter((s) => s.topic === topic);
  }

  payloads(topic: string): string[] {
    return this.on(topic).map((s) => s.payload);
  }

  async stop(): Promise<void> {
    await this.client?.endAsync(true);
  }
}

/** Run a stock client to its end, without blocking this process (the broker answers from it). */
function run(cmd: string, args: string[], ms = 20_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => p.kill('SIGKILL'), ms);
    p.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

function mosquitto(tool: 'mosquitto_pub' | 'mosquitto_sub', port: number, user: string, password: string, args: string[]) {
  return run(tool, ['-h', HOST, '-p', String(port), '--cafile', caFile, '-V', 'mqttv311', '-u', user, '-P', password, ...args]);
}

function heartbeat(applianceId: string, n: number): string {
  return JSON.stringify({
    applianceId, time: new Date().toISOString(), uptimeS: n,
    spool: { chunks: 0, records: 0, bytes: 0, oldestUnsentAgeS: null }, dropped: { chunks: 0, records: 0, bytes: 0 },
    upload: { state: 'idle', lastSuccessAt: null, lastError: null, lastErrorCode: null },
  });
}

describe('the status server with stock MQTT clients (mosquitto_pub / mosquitto_sub, MQTT 3.1.1 over TLS)', () => {
  const { broker, owners, logged } = newBroker();
  const sub = new Subscriber();
  let port: number;
  beforeAll(async () => {
    await broker.start();
    port = broker.port;
    await sub.start(port);
  });
  afterAll(async () => {
    await sub.stop();
    await broker.stop();
  });

  it('listens on the port it chose (port 0) with the certificate it was given', async () => {
    expect(port).toBeGreaterThan(0);
    const s = tls.connect({ host: HOST, port, ca: CERT.cert });
    const cert = await new Promise<tls.PeerCertificate>((resolve, reject) => {
      s.once('secureConnect', () => resolve(s.getPeerCertificate()));
      s.once('error', reject);
    });
    s.destroy();
    expect(cert.fingerprint256).toBe(certificateFingerprint(CERT.cert));
  });

  it('takes a heartbeat from an account for its own appliance, and the portal\'s subscriber receives it', async () => {
    const hb = heartbeat('app-a', 1);
    const r = await mosquitto('mosquitto_pub', port, 'acct-a', 'pass-a', ['-t', 'tmsp/v1/app-a/heartbeat', '-q', '1', '-m', hb]);
    expect(r.code, r.out).toBe(0);
    await until(() => sub.payloads('tmsp/v1/app-a/heartbeat').includes(hb), 10_000, 'the heartbeat at the subscriber');
    expect(JSON.parse(sub.payloads('tmsp/v1/app-a/heartbeat')[0]!).applianceId).toBe('app-a');
    // The first publish claimed the appliance for the account.
    expect(owners.ownerOf('app-a')).toBe('acct-a');
  });

  it('refuses a wrong password (mosquitto_pub exits non-zero) and counts it', async () => {
    const before = broker.counters().refusedLogins;
    const r = await mosquitto('mosquitto_pub', port, 'acct-a', 'wrong', ['-t', 'tmsp/v1/app-a/heartbeat', '-q', '1', '-m', 'x']);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/bad user name or password/i);
    expect(broker.counters().refusedLogins).toBe(before + 1);
    expect(sub.payloads('tmsp/v1/app-a/heartbeat')).not.toContain('x');
  });

  it('refuses an account publishing to another account\'s appliance: closed, counted, logged, never delivered', async () => {
    const before = broker.counters().refusedPublishes;
    const forged = heartbeat('app-a', 666);
    // QoS 1: mosquitto_pub waits for PUBACK, and sees the connection closed instead.
    const r = await mosquitto('mosquitto_pub', port, 'acct-b', 'pass-b', ['-t', 'tmsp/v1/app-a/heartbeat', '-q', '1', '-m', forged]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/connection was lost/i);
    // QoS 0 has no answer to wait for: mosquitto_pub cannot tell, but the broker refused it all the same.
    const r0 = await mosquitto('mosquitto_pub', port, 'acct-b', 'pass-b', ['-t', 'tmsp/v1/app-a/status', '-r', '-m', 'offline']);
    expect(r0.code, r0.out).toBe(0);
    await until(() => broker.counters().refusedPublishes === before + 2, 10_000, 'two refused publishes');
    expect(logged.filter((l) => l.level === 'warn' && l.msg.includes('refused a publish')).map((l) => [l.o.user, l.o.topic]))
      .toEqual(expect.arrayContaining([['acct-b', 'tmsp/v1/app-a/heartbeat'], ['acct-b', 'tmsp/v1/app-a/status']]));

    // A publish made after the refused ones arrives; the refused ones never did, nor were they retained.
    const marker = heartbeat('app-a', 2);
    expect((await mosquitto('mosquitto_pub', port, 'acct-a', 'pass-a', ['-t', 'tmsp/v1/app-a/heartbeat', '-q', '1', '-m', marker])).code).toBe(0);
    await until(() => sub.payloads('tmsp/v1/app-a/heartbeat').includes(marker), 10_000, 'the marker');
    expect(sub.payloads('tmsp/v1/app-a/heartbeat')).not.toContain(forged);
    expect(sub.payloads('tmsp/v1/app-a/status')).not.toContain('offline');
    expect(owners.ownerOf('app-a')).toBe('acct-a');
  });

  it('keeps retained messages, and lets an account subscribe to its own appliance only', async () => {
    const pub = await mosquitto('mosquitto_pub', port, 'acct-a', 'pass-a', ['-t', 'tmsp/v1/app-a/status', '-r', '-q', '1', '-m', 'online']);
    expect(pub.code, pub.out).toBe(0);
    // Connected after the publish: only the retained copy can reach it.
    const own = await mosquitto('mosquitto_sub', port, 'acct-a', 'pass-a', ['-t', 'tmsp/v1/app-a/status', '-C', '1', '-W', '10', '-v']);
    expect(own.code, own.out).toBe(0);
    expect(own.out.trim()).toBe('tmsp/v1/app-a/status online');

    const before = broker.counters().refusedSubscribes;
    const other = await mosquitto('mosquitto_sub', port, 'acct-b', 'pass-b', ['-t', 'tmsp/v1/app-a/#', '-C', '1', '-W', '3']);
    expect(other.out).toContain('All subscription requests were denied');
    const everything = await mosquitto('mosquitto_sub', port, 'acct-b', 'pass-b', ['-t', 'tmsp/v1/#', '-t', '#', '-C', '1', '-W', '3']);
    expect(everything.out).toContain('All subscription requests were denied');
    expect(broker.counters().refusedSubscribes).toBe(before + 3);
  });

  it('refuses topics that are not an appliance\'s, ids outside the agent\'s rule, and the subscriber publishing', async () => {
    const c = await connected(port, 'acct-a', 'pass-a');
    const cut = closed(c);
    const before = broker.counters().refusedPublishes;
    c.publish('tmsp/v1/app-a/commands', 'x', { qos: 1 });
    await cut;
    c.end(true);
    for (const topic of ['tmsp/v1/-bad!id/heartbeat', 'tmsp/v1/.hidden/status', `tmsp/v1/${'a'.repeat(65)}/status`, 'other/topic', '$SYS/x']) {
      const d = await connected(port, 'acct-a', 'pass-a');
      const gone = closed(d);
      d.publish(topic, 'x', { qos: 1 });
      await gone;
      d.end(true);
    }
    const s = await connected(port, INTERNAL.user, INTERNAL.password);
    const gone = closed(s);
    s.publish('tmsp/v1/app-z/status', 'online', { qos: 1, retain: true });
    await gone;
    s.end(true);
    expect(broker.counters().refusedPublishes).toBe(before + 7);
    // The portal's subscriber reads tmsp/v1/ only: not $SYS, not the whole broker.
    const reader = await connected(port, INTERNAL.user, INTERNAL.password);
    // mqtt.js rejects a SUBACK with any refusal in it; the packet holds the answer for each filter.
    // (A filter with nothing retained on it: no message races the client's end.)
    const refused = await reader.subscribeAsync(['#', '$SYS/#', 'tmsp/v1/+/registration'], { qos: 1 }).catch((e: unknown) => e);
    expect((refused as { packet: { granted: number[] } }).packet.granted).toEqual([128, 128, 1]);
    await reader.endAsync();
    expect(owners.ownerOf('app-z')).toBeUndefined();
    // And a will on an unowned appliance claims it, so the will can fire later.
    const w = await connected(port, 'acct-b', 'pass-b', { will: { topic: 'tmsp/v1/app-b/status', payload: Buffer.from('offline'), qos: 1, retain: true } });
    expect(owners.ownerOf('app-b')).toBe('acct-b');
    await w.endAsync();
  });
});

describe('the last will and retained status', () => {
  const { broker, logged } = newBroker();
  const sub = new Subscriber();
  let port: number;
  beforeAll(async () => {
    await broker.start();
    port = broker.port;
    await sub.start(port);
  });
  afterAll(async () => {
    await sub.stop();
    await broker.stop();
  });

  it('publishes the will "offline" (retained) when a client\'s connection dies without DISCONNECT', async () => {
    const status = 'tmsp/v1/app-w/status';
    const c = await connected(port, 'acct-a', 'pass-a', {
      clientId: 'appliance-w', will: { topic: status, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await c.publishAsync(status, 'online', { qos: 1, retain: true });
    await until(() => sub.payloads(status).includes('online'), 10_000, '"online"');
    c.stream.destroy(); // the appliance's power is cut: no DISCONNECT
    await until(() => sub.payloads(status).includes('offline'), 10_000, 'the will');
    expect(sub.payloads(status)).toEqual(['online', 'offline']);
    c.end(true);

    // Retained: a client connecting now is told the last word, "offline".
    const later = await mosquitto('mosquitto_sub', port, 'acct-a', 'pass-a', ['-t', status, '-C', '1', '-W', '10']);
    expect(later.out.trim()).toBe('offline');
  });

  it('discards the will on a clean DISCONNECT', async () => {
    const status = 'tmsp/v1/app-d/status';
    const c = await connected(port, 'acct-a', 'pass-a', { will: { topic: status, payload: Buffer.from('offline'), qos: 1, retain: true } });
    await c.publishAsync(status, 'online', { qos: 1, retain: true });
    await c.endAsync();
    const marker = 'tmsp/v1/app-d/heartbeat';
    const m = await connected(port, 'acct-a', 'pass-a');
    await m.publishAsync(marker, '{}', { qos: 1 });
    await m.endAsync();
    await until(() => sub.on(marker).length > 0, 10_000, 'the marker');
    expect(sub.payloads(status)).toEqual(['online']);
  });

  it('refuses at CONNECT a will on another account\'s appliance ("not authorized"), so it can never fire', async () => {
    const before = broker.counters().refusedWills;
    const r = await session(port, 'acct-b', 'pass-b', {
      clientId: 'forger', will: { topic: 'tmsp/v1/app-w/status', payload: Buffer.from('online'), qos: 1, retain: true },
    });
    expect(r).toBe(5);
    expect(broker.counters().refusedWills).toBe(before + 1);
    expect(logged.some((l) => l.msg.includes('last will not allowed') && l.o.user === 'acct-b')).toBe(true);
  });

  it('does not let another account take over a session by its client id (which would fire its will)', async () => {
    const status = 'tmsp/v1/app-t/status';
    const c = await connected(port, 'acct-a', 'pass-a', {
      clientId: 'appliance-t', will: { topic: status, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await c.publishAsync(status, 'online', { qos: 1, retain: true });
    const before = broker.counters().refusedLogins;
    expect(await session(port, 'acct-b', 'pass-b', { clientId: 'appliance-t' })).toBe(2);
    expect(broker.counters().refusedLogins).toBe(before + 1);
    expect(c.connected).toBe(true);
    // The same account may: a reconnecting appliance replaces its half-open session, and its will fires.
    const again = await connected(port, 'acct-a', 'pass-a', { clientId: 'appliance-t' });
    await until(() => sub.payloads(status).includes('offline'), 10_000, 'the old session\'s will');
    await again.endAsync();
    c.end(true);
  });
});

describe('a portal that stops', () => {
  it('fires no will for the sessions it closes: the portal going down is not its appliances going down', async () => {
    const { broker } = newBroker();
    await broker.start();
    const c = await connected(broker.port, 'acct-a', 'pass-a', {
      will: { topic: 'tmsp/v1/app-s/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    c.on('error', () => {});
    const gone = closed(c);
    const before = broker.counters().messages;
    await broker.stop();
    await gone;
    c.end(true);
    expect(broker.counters()).toMatchObject({ messages: before, clients: 0, connections: 0 });
  });
});

describe('the agent against the status server (MQTT 5 refused, 3.1.1 fallback)', () => {
  const APPLIANCE = 'tda-broker-01';
  const { broker, owners } = newBroker();
  const sub = new Subscriber();
  let root: string;
  let sshd: SshPeer;
  let agent: RunningAgent | undefined;
  const topic = (x: string) => `tmsp/v1/${APPLIANCE}/${x}`;

  beforeAll(async () => {
    root = peerRoot();
    [sshd] = await Promise.all([startSshd(root), broker.start()]);
    await sub.start(broker.port);
  });
  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await sub.stop();
    await broker.stop();
    await sshd?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  function tmsp(): Record<string, unknown> {
    return {
      enabled: true, protocol: 'ssh', logServer: `${HOST}:${sshd.port}`, logBasePath: 'upload', hostKeyFingerprint: sshd.hostKey,
      statusServer: `${HOST}:${broker.port}`, username: USER, password: PASS, registrationEmail: 'admin@example.com',
      tlsCaFile: caFile, heartbeatSeconds: 5, timeoutSeconds: 5, retryMaxSeconds: 2,
    };
  }

  it('passes Test Connection\'s status server steps: TLS with the portal\'s certificate, MQTT login over 3.1.1', async () => {
    const d = tmpdir();
    const file = path.join(d, 'config.json');
    fs.writeFileSync(file, JSON.stringify({
      appliance: { id: APPLIANCE }, tmsp: tmsp(),
      daemon: { stateDir: path.join(d, 'state'), controlSocket: path.join(d, 'control.sock') },
    }), { mode: 0o600 });
    const before = broker.counters();
    // Async: a blocking child would stop this process, and the broker in it, from answering.
    const r = await cliAsync(['--config', file, '--json', 'tmsp', 'test-connection']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.passed).toBe(true);
    const status = (r.json.steps as Array<{ target: string; step: string; ok: boolean; detail: string }>).filter((s) => s.target === 'status server');
    expect(status.map((s) => [s.step, s.ok])).toEqual([
      ['resolve', true], ['proxy', true], ['TCP connect', true], ['TLS handshake', true], ['MQTT login', true],
    ]);
    expect(status.find((s) => s.step === 'MQTT login')!.detail).toBe(`logged in as ${USER} (MQTT 3.1.1)`);
    expect(r.json.certificateFingerprints.status).toBe(certificateFingerprint(CERT.cert));
    const after = broker.counters();
    expect(after.refusedVersions).toBe(before.refusedVersions + 1); // the MQTT 5 CONNECT
    expect(after.logins).toBe(before.logins + 1); // then the 3.1.1 one
    expect(after.refusedLogins).toBe(before.refusedLogins);
    // A test has no will and publishes nothing: it claims nothing.
    expect(owners.ownerOf(APPLIANCE)).toBeUndefined();
  });

  it('carries a running agent\'s registration (retained), "online" and heartbeats to the portal, and its will when it dies', async () => {
    const before = broker.counters();
    agent = await startAgent(tmpdir(), { extra: { appliance: { id: APPLIANCE, model: 'TDA-1000' }, tmsp: tmsp() } });
    const a = agent;
    await until(() => sub.on(topic('heartbeat')).length >= 2, 30_000, 'two heartbeats');
    const link = (a.status().tmsp as any).status;
    expect(link).toMatchObject({ state: 'connected', protocolVersion: 4 });
    expect(broker.counters().refusedVersions).toBeGreaterThan(before.refusedVersions);
    expect(sub.payloads(topic('status'))).toEqual(['online']);
    const reg = JSON.parse(sub.payloads(topic('registration'))[0]!);
    expect(reg).toMatchObject({ applianceId: APPLIANCE, email: 'admin@example.com', model: 'TDA-1000' });
    for (const h of sub.payloads(topic('heartbeat'))) expect(JSON.parse(h).applianceId).toBe(APPLIANCE);
    expect(owners.ownerOf(APPLIANCE)).toBe(USER);

    // Retained: a subscriber that comes later is told who the appliance is and that it is online.
    const late = await new Subscriber().start(broker.port, `tmsp/v1/${APPLIANCE}/+`);
    await until(() => late.on(topic('registration')).length > 0 && late.on(topic('status')).length > 0, 10_000, 'the retained messages');
    expect(late.on(topic('registration'))[0]).toMatchObject({ retain: true });
    expect(JSON.parse(late.on(topic('registration'))[0]!.payload).applianceId).toBe(APPLIANCE);
    expect(late.on(topic('status'))[0]).toEqual({ topic: topic('status'), payload: 'online', retain: true });
    await late.stop();

    // Killed: no DISCONNECT, so the broker publishes the agent's will.
    await a.stop('SIGKILL');
    agent = undefined;
    await until(() => sub.payloads(topic('status')).includes('offline'), 30_000, 'the agent\'s will');
    expect(sub.payloads(topic('status'))).toEqual(['online', 'offline']);
    const after = broker.counters();
    expect(after).toMatchObject({ refusedPublishes: before.refusedPublishes, refusedWills: before.refusedWills });
    expect(after.messages - before.messages).toBe(sub.seen.filter((s) => s.topic.startsWith(`tmsp/v1/${APPLIANCE}/`)).length);
  });
});

describe('the status server under abuse', () => {
  it('survives 50 wrong passwords in a row and serves a good client afterwards, with nothing left open', async () => {
    const { broker } = newBroker();
    await broker.start();
    try {
      const sub = await new Subscriber().start(broker.port);
      const base = broker.counters();
      for (let i = 0; i < 50; i++) {
        expect(await session(broker.port, i % 2 ? 'acct-a' : 'nobody', `wrong-${i}`)).toBe(4);
      }
      expect(broker.counters().refusedLogins).toBe(base.refusedLogins + 50);
      const c = await connected(broker.port, 'acct-a', 'pass-a');
      await c.publishAsync('tmsp/v1/app-a/heartbeat', heartbeat('app-a', 3), { qos: 1 });
      await until(() => sub.on('tmsp/v1/app-a/heartbeat').length === 1, 10_000, 'the heartbeat');
      await c.endAsync();
      await until(() => broker.counters().connections === base.connections && broker.counters().clients === base.clients,
        10_000, 'every refused connection closed');
      await sub.stop();
    } finally {
      await broker.stop();
    }
  });

  it('refuses, and keeps running, when the appliance owners cannot be read', async () => {
    const { broker, logged } = newBroker({ owners: { ownerOf: () => { throw new Error('store down'); }, claim: () => false } });
    await broker.start();
    try {
      const c = await connected(broker.port, 'acct-a', 'pass-a');
      const cut = closed(c);
      c.publish('tmsp/v1/app-a/heartbeat', '{}', { qos: 1 });
      await cut;
      c.end(true);
      expect(await session(broker.port, 'acct-a', 'pass-a', {
        will: { topic: 'tmsp/v1/app-a/status', payload: Buffer.from('offline'), qos: 1, retain: true },
      })).toBe(5);
      expect(broker.counters()).toMatchObject({ refusedPublishes: 1, refusedWills: 1 });
      expect(logged.filter((l) => l.level === 'warn').every((l) => String(l.o.reason).includes('store down'))).toBe(true);
      const sub = await new Subscriber().start(broker.port);
      await sub.stop();
    } finally {
      await broker.stop();
    }
  });

  it('cuts a connection announcing a packet over the limit, before reading it', async () => {
    const { broker } = newBroker({ maxPacketBytes: 1024 });
    await broker.start();
    try {
      const sub = await new Subscriber().start(broker.port);
      const c = await connected(broker.port, 'acct-a', 'pass-a');
      const cut = closed(c);
      c.publish('tmsp/v1/app-a/heartbeat', 'x'.repeat(2000), { qos: 1 });
      await cut;
      c.end(true);
      expect(broker.counters().oversizePackets).toBe(1);

      // A fixed header announcing 256 MiB is cut at once: nothing waits for the body.
      const raw = tls.connect({ host: HOST, port: broker.port, ca: CERT.cert });
      raw.on('error', () => {}); // the broker cuts it: a reset is what is expected
      await new Promise((r) => raw.once('secureConnect', r));
      raw.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
      await closed(raw);
      expect(broker.counters().oversizePackets).toBe(2);

      const ok = await connected(broker.port, 'acct-a', 'pass-a');
      await ok.publishAsync('tmsp/v1/app-a/heartbeat', 'y'.repeat(900), { qos: 1 });
      await until(() => sub.on('tmsp/v1/app-a/heartbeat').length === 1, 10_000, 'the packet under the limit');
      expect(sub.payloads('tmsp/v1/app-a/heartbeat')).toEqual(['y'.repeat(900)]);
      await ok.endAsync();
      await sub.stop();
    } finally {
      await broker.stop();
    }
  });

  it('refuses logins past maxClients with "server unavailable", and closes connections that never send CONNECT', async () => {
    const { broker } = newBroker({ maxClients: 2, connectTimeoutMs: 500 });
    await broker.start();
    try {
      const a = await connected(broker.port, 'acct-a', 'pass-a');
      const b = await connected(broker.port, 'acct-b', 'pass-b');
      expect(await session(broker.port, 'acct-a', 'pass-a')).toBe(3);
      expect(broker.counters()).toMatchObject({ clients: 2, refusedClients: 1 });
      await b.endAsync();
      await until(() => broker.counters().clients === 1, 10_000, 'a free place');
      const c = await connected(broker.port, 'acct-b', 'pass-b');
      await c.endAsync();

      // TLS, then silence: aedes' connect timeout closes it. Plain bytes that are no TLS: the handshake fails.
      const idle = tls.connect({ host: HOST, port: broker.port, ca: CERT.cert });
      idle.on('error', () => {});
      await closed(idle);
      const junk = net.connect(broker.port, HOST, () => junk.write('GET / HTTP/1.0\r\n\r\n'));
      junk.on('error', () => {});
      await closed(junk);
      await until(() => broker.counters().tlsFailures >= 1, 10_000, 'the failed handshake counted');
      await a.endAsync();
      await until(() => broker.counters().connections === 0, 10_000, 'no connection left');
    } finally {
      await broker.stop();
    }
  });
});
