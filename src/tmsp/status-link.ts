// The status server link (MQTT): retained "online" on connect with "offline"
// as the last will, the registration record (retained), and a heartbeat
// every N seconds. MQTT 5 where the broker offers it, 3.1.1 otherwise; TLS
// by default; through the proxy when configured.
//
// The link owns its reconnects (jittered backoff) instead of mqtt.js's fixed
// period, keeps one client at a time and drops every listener of a dead one.
// Nothing is queued while offline: the next heartbeat carries the current
// state, so memory does not grow with time offline.

import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { IClientOptions } from 'mqtt';
import mqttClientModule from 'mqtt/lib/client';
import type { Logger } from 'pino';
import { RetryPolicy } from '../core/backoff.ts';
import { Ticker } from '../core/timers.ts';
import { AgentError, type ErrorCode } from '../errors.ts';
import { openStream } from '../net/connect.ts';
import { classify } from '../net/errors.ts';
import type { ProxySettings } from '../net/proxy.ts';
import { startTls, type TlsTrust } from '../net/tls.ts';
import type { Heartbeat, Registration } from '../protocol/heartbeat.ts';
import { OFFLINE, ONLINE, topics } from '../protocol/topics.ts';

export interface StatusLinkOptions {
  host: string;
  port: number;
  tls: boolean;
  trust: TlsTrust;
  proxy: ProxySettings | undefined;
  noProxy: readonly string[];
  username: string;
  password: string;
  applianceId: string;
  keepaliveS: number;
  timeoutMs: number;
  heartbeatMs: number;
  retryMaxMs: number;
}

export interface StatusLinkStats {
  state: 'connecting' | 'connected' | 'retrying' | 'stopped';
  protocolVersion: 4 | 5 | null;
  connectedAt: string | null;
  lastHeartbeatAt: string | null;
  heartbeats: number;
  skipped: number;
  attempts: number;
  lastError: string | null;
  lastErrorCode: ErrorCode | null;
}

// The client class alone: mqtt's index would also bundle WebSocket, SOCKS and
// browser transports we never use (about 130 KiB). Imported from ESM, the CJS
// module's exports object is the default; the class is its .default.
const MqttClient = mqttClientModule.default;
type MqttClient = InstanceType<typeof MqttClient>;

/** Unacknowledged QoS 1 publishes allowed before new heartbeats are skipped. */
const MAX_UNACKED = 4;

/** MQTT CONNACK refusals in the agent's codes (3.1.1 return codes and MQTT 5 reason codes). */
function connackError(code: number | undefined, message: string): AgentError {
  if (code === 4 || code === 5 || code === 134 || code === 135) {
    return new AgentError('E_AUTH', `the status server refused the login: ${message}`);
  }
  if (code === 1 || code === 132) return new AgentError('E_PROTOCOL', `the status server refused the MQTT version: ${message}`);
  return new AgentError('E_REMOTE', `the status server refused the connection: ${message}`);
}

/**
 * Who a session is. The daemon's session carries the last will; a connection
 * test logs in under a client id of its own and without a will, because a
 * broker closes an older session with the same id (and publishes its will):
 * a test must never mark a running appliance offline.
 */
export interface MqttSession {
  clientId: string;
  will: boolean;
}

export function daemonSession(applianceId: string): MqttSession {
  return { clientId: `tmsp-agent-${applianceId}`, will: true };
}

export function probeSession(applianceId: string): MqttSession {
  return { clientId: `tmsp-agent-${applianceId}-test-${crypto.randomBytes(4).toString('hex')}`, will: false };
}

/** Connect one MQTT session over an open stream; resolves on CONNACK. */
export function mqttConnect(stream: Duplex, o: StatusLinkOptions, version: 4 | 5, session: MqttSession): Promise<MqttClient> {
  const t = topics(o.applianceId);
  const opts: IClientOptions = {
    protocolVersion: version,
    clientId: session.clientId,
    username: o.username,
    password: o.password,
    keepalive: o.keepaliveS,
    reconnectPeriod: 0,
    connectTimeout: o.timeoutMs,
    clean: true,
    queueQoSZero: false,
    resubscribe: false,
    will: session.will ? { topic: t.status, payload: Buffer.from(OFFLINE), qos: 1, retain: true } : undefined,
  };
  return new Promise((resolve, reject) => {
    const client = new MqttClient(() => stream, opts);
    const fail = (err: AgentError) => {
      client.removeAllListeners();
      client.on('error', () => {});
      client.end(true);
      stream.destroy();
      reject(err);
    };
    client.once('connect', () => {
      client.removeAllListeners('error');
      client.removeAllListeners('close');
      resolve(client);
    });
    client.once('error', (err: Error & { code?: number }) => fail(typeof err.code === 'number'
      ? connackError(err.code, err.message) : classify(err, 'status server')));
    client.once('close', () => fail(new AgentError(version === 5 ? 'E_PROTOCOL' : 'E_CONNECT',
      'the status server closed the connection before accepting it')));
  });
}

/**
 * End a session with DISCONNECT, so the broker discards the will (a closed
 * socket without it is a crash to the broker); cut it if the broker does not
 * take the packet in time.
 */
export function disconnect(client: MqttClient, timeoutMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    client.removeAllListeners();
    client.on('error', () => {});
    const timer = setTimeout(() => {
      client.end(true);
      resolve();
    }, timeoutMs);
    client.end(false, {}, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function openStatusStream(o: StatusLinkOptions): Promise<Duplex> {
  const raw = await openStream({ host: o.host, port: o.port },
    { proxy: o.proxy, noProxy: o.noProxy, timeoutMs: o.timeoutMs, keepAliveMs: o.keepaliveS * 1000 });
  if (!o.tls) return raw;
  try {
    return (await startTls(raw, o.host, o.trust, o.timeoutMs)).socket;
  } catch (err) {
    raw.destroy();
    throw err;
  }
}

/** MQTT 5 first; a broker that refuses it gets 3.1.1 on a fresh connection. */
export async function connectStatus(o: StatusLinkOptions, session: MqttSession): Promise<{ client: MqttClient; version: 4 | 5 }> {
  try {
    return { client: await mqttConnect(await openStatusStream(o), o, 5, session), version: 5 };
  } catch (err) {
    if (!(err instanceof AgentError) || err.code !== 'E_PROTOCOL') throw err;
    return { client: await mqttConnect(await openStatusStream(o), o, 4, session), version: 4 };
  }
}

export class StatusLink {
  private readonly o: StatusLinkOptions;
  private readonly log: Logger;
  private readonly registration: () => Registration;
  private readonly heartbeat: () => Heartbeat;
  private readonly retryPolicy: RetryPolicy;
  private client: MqttClient | undefined;
  private readonly beats = new Ticker(() => this.beat());
  private retryTimer: NodeJS.Timeout | undefined;
  private unacked = 0;
  private stopped = false;
  private connectedAt: number | null = null;
  private lastBeat: number | null = null;
  private s: Omit<StatusLinkStats, 'connectedAt' | 'lastHeartbeatAt'>;

  constructor(o: StatusLinkOptions, registration: () => Registration, heartbeat: () => Heartbeat, log: Logger) {
    this.registration = registration;
    this.heartbeat = heartbeat;
    this.log = log;
    this.o = { ...o };
    this.retryPolicy = new RetryPolicy(o.retryMaxMs);
    this.s = {
      state: 'connecting', protocolVersion: null, heartbeats: 0, skipped: 0, attempts: 0, lastError: null, lastErrorCode: null,
    };
  }

  start(): void {
    void this.connect();
  }

  /** A new heartbeat interval or retry cap takes effect on the open session: no reconnect. */
  setTiming(heartbeatMs: number, retryMaxMs: number): void {
    this.retryPolicy.setCap(retryMaxMs);
    this.o.retryMaxMs = retryMaxMs;
    if (heartbeatMs === this.o.heartbeatMs) return;
    this.o.heartbeatMs = heartbeatMs;
    if (this.client) this.beats.start(heartbeatMs);
  }

  /** The registration record changed (email, product, model...): publish it again on the open session. */
  reregister(): void {
    if (this.client) this.publish(topics(this.o.applianceId).registration, JSON.stringify(this.registration()), true);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.s.state = 'connecting';
    this.s.attempts++;
    let client: MqttClient;
    try {
      const c = await connectStatus(this.o, daemonSession(this.o.applianceId));
      client = c.client;
      this.s.protocolVersion = c.version;
    } catch (err) {
      this.retry(err);
      return;
    }
    if (this.stopped) {
      client.end(true);
      return;
    }
    this.client = client;
    this.connectedAt = Date.now();
    this.s.state = 'connected';
    this.s.lastError = null;
    this.s.lastErrorCode = null;
    this.retryPolicy.reset();
    this.log.info({ host: this.o.host, port: this.o.port, mqtt: this.s.protocolVersion === 5 ? '5' : '3.1.1' }, 'status server connected');
    const t = topics(this.o.applianceId);
    client.on('error', (err: Error) => this.log.warn({ err: err.message }, 'status server error'));
    client.once('close', () => this.dropped());
    this.publish(t.status, ONLINE, true);
    this.publish(t.registration, JSON.stringify(this.registration()), true);
    this.beat();
    this.beats.start(this.o.heartbeatMs);
  }

  private publish(topic: string, payload: string, retain: boolean): boolean {
    const c = this.client;
    if (!c || this.unacked >= MAX_UNACKED) return false;
    this.unacked++;
    c.publish(topic, payload, { qos: 1, retain }, () => {
      this.unacked = Math.max(0, this.unacked - 1);
    });
    return true;
  }

  /** Send a heartbeat now (also used after an upload, so TMSP sees it at once). */
  beat(): void {
    if (this.publish(topics(this.o.applianceId).heartbeat, JSON.stringify(this.heartbeat()), false)) {
      this.s.heartbeats++;
      this.lastBeat = Date.now();
    } else {
      this.s.skipped++;
    }
  }

  private dropped(): void {
    this.teardown();
    if (this.stopped) return;
    this.log.warn('status server connection lost');
    this.retry(new AgentError('E_CONNECT', 'the status server connection was lost'));
  }

  private teardown(): void {
    this.beats.stop();
    const c = this.client;
    this.client = undefined;
    this.connectedAt = null;
    this.unacked = 0;
    if (c) {
      c.removeAllListeners();
      c.on('error', () => {});
      c.end(true);
    }
  }

  private retry(err: unknown): void {
    if (this.stopped) return;
    const e = err instanceof AgentError ? err : classify(err, 'status server');
    const delay = this.retryPolicy.next(e.code);
    this.s.state = 'retrying';
    this.s.lastError = e.message;
    this.s.lastErrorCode = e.code;
    this.log.warn({ code: e.code, err: e.message, retryInMs: delay }, 'status server unavailable');
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }

  stats(): StatusLinkStats {
    return {
      ...this.s,
      connectedAt: this.connectedAt === null ? null : new Date(this.connectedAt).toISOString(),
      lastHeartbeatAt: this.lastBeat === null ? null : new Date(this.lastBeat).toISOString(),
    };
  }

  /**
   * Graceful stop: say "offline" ourselves, then DISCONNECT, which makes the
   * broker discard the will (it is only for a crash). `offline: false` when
   * the session is replaced by one to the same server: the appliance does not
   * go away, so the portal must not see it flap.
   */
  async stop(o: { offline?: boolean } = {}): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.beats.stop();
    const c = this.client;
    this.client = undefined;
    this.connectedAt = null;
    if (c?.connected) {
      if (o.offline ?? true) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 2000);
          c.publish(topics(this.o.applianceId).status, OFFLINE, { qos: 1, retain: true }, () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      await disconnect(c);
    } else if (c) {
      c.removeAllListeners();
      c.on('error', () => {});
      c.end(true);
    }
    this.s.state = 'stopped';
  }
}

