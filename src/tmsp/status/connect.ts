// One MQTT session to the status server: the stream (TLS by default, through
// the proxy when configured), MQTT 5 where the broker offers it and 3.1.1
// otherwise, who the session is (the daemon's with its last will, or a
// connection test's of its own), and how a session ends.

import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { IClientOptions } from 'mqtt';
import mqttClientModule from 'mqtt/lib/client';
import { TmspError } from '../../errors.ts';
import { openStream } from '../../net/connect.ts';
import { toAgentError } from '../../net/errors.ts';
import type { ProxySettings } from '../../net/proxy.ts';
import { startTls, type TlsTrust } from '../../net/tls.ts';
import { OFFLINE, topics } from '../../protocol/topics.ts';

/** The status server and how to reach it (tmsp/target.ts statusOptions). */
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
  keepaliveMs: number;
  timeoutMs: number;
  heartbeatMs: number;
  retryMaxMs: number;
}


// The client class alone: mqtt's index would also bundle WebSocket, SOCKS and
// browser transports we never use (about 130 KiB). Imported from ESM, the CJS
// module's exports object is the default; the class is its .default.
const MqttClient = mqttClientModule.default;
export type MqttClient = InstanceType<typeof MqttClient>;

/** MQTT CONNACK refusals in the agent's codes (3.1.1 return codes and MQTT 5 reason codes). */
function connackError(code: number | undefined, message: string): TmspError {
  if (code === 4 || code === 5 || code === 134 || code === 135) {
    return new TmspError('E_AUTH', `the status server refused the login: ${message}`);
  }
  if (code === 1 || code === 132) return new TmspError('E_PROTOCOL', `the status server refused the MQTT version: ${message}`);
  return new TmspError('E_REMOTE', `the status server refused the connection: ${message}`);
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
    keepalive: Math.round(o.keepaliveMs / 1000), // MQTT counts seconds
    reconnectPeriod: 0,
    connectTimeout: o.timeoutMs,
    clean: true,
    queueQoSZero: false,
    resubscribe: false,
    will: session.will ? { topic: t.status, payload: Buffer.from(OFFLINE), qos: 1, retain: true } : undefined,
  };
  return new Promise((resolve, reject) => {
    const client = new MqttClient(() => stream, opts);
    const fail = (err: TmspError) => {
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
      ? connackError(err.code, err.message) : toAgentError(err, 'status server')));
    client.once('close', () => fail(new TmspError(version === 5 ? 'E_PROTOCOL' : 'E_CONNECT',
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
    { proxy: o.proxy, noProxy: o.noProxy, timeoutMs: o.timeoutMs, keepaliveMs: o.keepaliveMs });
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
    if (!(err instanceof TmspError) || err.code !== 'E_PROTOCOL') throw err;
    return { client: await mqttConnect(await openStatusStream(o), o, 4, session), version: 4 };
  }
}

/** Cut a session at once (its socket is gone, or it is being replaced): no listener of it is left behind. */
export function drop(client: MqttClient): void {
  client.removeAllListeners();
  client.on('error', () => {});
  client.end(true);
}

/** Say "offline" (retained) on the way out, waiting at most a moment for the broker to take it. */
export function publishOffline(client: MqttClient, applianceId: string, timeoutMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    client.publish(topics(applianceId).status, OFFLINE, { qos: 1, retain: true }, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
