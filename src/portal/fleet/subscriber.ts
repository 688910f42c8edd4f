// The fleet's ears: an ordinary MQTT subscription to every appliance's
// status topics, on the embedded broker or on an external one (Mosquitto,
// EMQX, HiveMQ, VerneMQ). Messages are checked (messages.ts) and handed to
// the fleet in the order they came, for appliance ids the store says are
// owned: the topic names the id, and nothing in a payload says who owns it.
//
// The embedded broker (aedes, MQTT 3.1.1) has one portal: one plain
// subscription, a clean session.
//
// On an external broker several portal processes may listen at once, and each
// message must be handled by exactly one of them (MQTT 5):
// - `$share/<group>/tmsp/v1/+/+` at QoS 1, in a session that ends with the
//   connection: the broker hands each message to one member of the group,
//   and a member that is gone is no member, so what it would have got goes
//   to the others. A session kept for a member that restarts (or never comes
//   back) would hold its share meanwhile and deliver it late: heartbeats
//   minutes old, taken as new, make a silent appliance look alive again
//   (the three-process test saw a silence notified twice that way). The
//   client id is the caller's, stable across restarts (clientIdFor);
// - retained state: MQTT 5 sends no retained messages to a shared
//   subscription (Mosquitto 2 does anyway), so a portal that starts would not
//   learn the registrations and the "offline" of appliances that changed
//   while it was down. A second, plain subscription to registration and
//   status only, at QoS 0 (nothing of it is queued while away), is made at
//   every connect; of what it brings, only the retained copies (retain flag
//   set, sent because the subscription was just made) are handled, and live
//   ones are left to the shared subscription. The two are told apart by
//   subscription identifiers. Handling a registration or a status twice
//   changes nothing: the store keeps the latest, and a state changes once.
//   A broker without subscription identifiers gets the shared one alone.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { TOPIC_ROOT } from '../../protocol/topics.ts';
import { writeAtomic } from '../../settings/file.ts';
import type { Fleet } from './fleet.ts';
import { readHeartbeat, readRegistration, readStatus, topicOf } from './messages.ts';


/** Subscription identifiers (MQTT 5): which of the two subscriptions brought a message. */
const SHARED = 1;
const STATE = 2;

export interface SubscriberOptions {
  url: string;
  username: string;
  password: string;
  ca?: string;
  /** Default: one of this process alone (the embedded broker's). */
  clientId?: string;
  /** External broker: MQTT 5, this shared-subscription group in a session that ends with the connection, and the retained-state subscription. */
  shareGroup?: string;
  /** Is the id owned (claimed in the store)? A message for an unowned id is dropped and counted. */
  claim: (id: string) => Promise<boolean>;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
}

/** What the subscriber hands on: the fleet, or a test's counter. */
export type FleetInput = Pick<Fleet, 'heartbeat' | 'registration' | 'status' | 'malformed'>;

export interface SubscriberCounters {
  /** Messages handed to the fleet. */
  handled: number;
  /** Retained copies learned at a (re)connect. */
  retained: number;
  /** Live copies on the retained-state subscription, left to the shared one. */
  skipped: number;
  /** For ids no account owns. */
  unowned: number;
  connects: number;
}

export class Subscriber {
  private client: mqtt.MqttClient | undefined;
  private readonly fleet: FleetInput;
  private readonly o: SubscriberOptions;
  /** The retained-state subscription is in use (the broker has subscription identifiers). */
  private state = false;
  readonly counters: SubscriberCounters = { handled: 0, retained: 0, skipped: 0, unowned: 0, connects: 0 };

  constructor(fleet: FleetInput, o: SubscriberOptions) {
    this.fleet = fleet;
    this.o = o;
  }

  private get external(): boolean {
    return this.o.shareGroup !== undefined;
  }

  /** Resolves once subscribed; reconnects (and subscribes again) by itself afterwards. */
  async start(): Promise<void> {
    const external = this.external;
    const client = mqtt.connect(this.o.url, {
      username: this.o.username, password: this.o.password, ca: this.o.ca, rejectUnauthorized: true,
      clientId: this.o.clientId ?? `tmsp-portal-fleet-${process.pid}-${crypto.randomBytes(4).toString('hex')}`,
      reconnectPeriod: 2000, connectTimeout: 10_000, resubscribe: false,
      ...(external
        ? { protocolVersion: 5, clean: true, properties: { sessionExpiryInterval: 0 } }
        : { protocolVersion: 4, clean: true }),
    });
    this.client = client;
    client.on('message', (topic, payload, packet) => void this.message(topic, payload, packet));
    client.on('error', (err) => this.o.log.warn({ err: err.message }, 'fleet subscription: broker error'));
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => reject(err);
      client.once('error', fail);
      client.on('connect', (connack) => {
        this.counters.connects++;
        this.subscribe(client, connack).then(() => {
          client.off('error', fail);
          resolve();
        }, (err: Error) => {
          this.o.log.warn({ err: err.message }, 'fleet subscription: subscribe failed');
          reject(err);
        });
      });
    });
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    // Its session ends with it: the rest of the group takes what would have come here.
    if (c) await c.endAsync(true);
  }

  /** Subscribe at every connect (the session began with it); the state subscription brings the retained copies again. */
  private async subscribe(client: mqtt.MqttClient, connack: mqtt.IConnackPacket): Promise<void> {
    const all = `${TOPIC_ROOT}/+/+`;
    if (!this.external) {
      await client.subscribeAsync(all, { qos: 1 });
      return;
    }
    // Absent means available (MQTT 5, 3.2.2.3.12).
    this.state = connack.properties?.subscriptionIdentifiersAvailable !== false;
    const id = (n: number) => (this.state ? { properties: { subscriptionIdentifier: n } } : {});
    await checked(await client.subscribeAsync(`$share/${this.o.shareGroup}/${all}`, { qos: 1, ...id(SHARED) }));
    if (this.state) {
      await checked(await client.subscribeAsync([`${TOPIC_ROOT}/+/registration`, `${TOPIC_ROOT}/+/status`], { qos: 0, ...id(STATE) }));
    }
    this.o.log.info({ clientId: client.options.clientId, shareGroup: this.o.shareGroup, sessionPresent: connack.sessionPresent,
      retainedState: this.state }, 'fleet subscription: subscribed on the external broker');
  }

  /** Should this copy be handled here? Each message once in the whole group; retained state in every portal. */
  private wanted(packet: mqtt.IPublishPacket): boolean {
    if (!this.external || !this.state) return true;
    const sid = packet.properties?.subscriptionIdentifier;
    const ids = Array.isArray(sid) ? sid : sid === undefined ? [] : [sid];
    if (packet.retain) {
      // Mosquitto also sends retained copies to the shared subscription: the state subscription's are enough.
      if (ids.includes(STATE)) {
        this.counters.retained++;
        return true;
      }
      return false;
    }
    if (ids.includes(SHARED)) return true;
    this.counters.skipped++;
    return false;
  }

  private async message(topic: string, payload: Buffer, packet: mqtt.IPublishPacket): Promise<void> {
    if (!this.wanted(packet)) return;
    const t = topicOf(topic);
    if (!t) return;
    if (!(await this.o.claim(t.id))) {
      this.counters.unowned++;
      return;
    }
    this.counters.handled++;
    if (t.kind === 'heartbeat') {
      const hb = readHeartbeat(t.id, payload);
      if (hb) await this.fleet.heartbeat(t.id, hb);
      else this.fleet.malformed(t.id, t.kind);
    } else if (t.kind === 'registration') {
      const r = readRegistration(t.id, payload);
      if (r) await this.fleet.registration(t.id, r);
      else this.fleet.malformed(t.id, t.kind);
    } else {
      const s = readStatus(payload);
      if (s) await this.fleet.status(t.id, s);
      else this.fleet.malformed(t.id, t.kind);
    }
  }
}

/** A SUBACK that refused (reason code 0x80 and up) is an error, not a subscription. */
async function checked(granted: mqtt.ISubscriptionGrant[]): Promise<void> {
  const refused = granted.filter((g) => g.qos >= 0x80);
  if (refused.length > 0) throw new Error(`the broker refused the subscription to ${refused.map((g) => g.topic).join(', ')} (is mqtt.user allowed to read tmsp/v1/#?)`);
}

/**
 * This portal's client id on an external broker: unique (random, so two
 * hosts with the same host name and pid still differ) and the same after a
 * restart (kept in the data directory), so that the broker's log names a
 * portal process the same way across its restarts.
 */
export function clientIdFor(dataDir: string): string {
  const file = path.join(dataDir, 'mqtt-client-id');
  try {
    const kept = fs.readFileSync(file, 'utf8').trim();
    if (/^tmsp-portal-[A-Za-z0-9-]{1,80}$/.test(kept)) return kept;
  } catch {
    // none yet
  }
  const host = os.hostname().replace(/[^A-Za-z0-9-]+/g, '-').slice(0, 40) || 'host';
  const id = `tmsp-portal-${host}-${crypto.randomBytes(6).toString('hex')}`;
  writeAtomic(file, `${id}\n`, 0o640);
  return id;
}
