// The fleet's ears: an ordinary MQTT subscription to every appliance's
// status topics, on the embedded broker or on an external one (Mosquitto)
// alike. Messages are checked (messages.ts) and handed to the fleet in the
// order they came.

import mqtt from 'mqtt';
import { TOPIC_ROOT } from '../../protocol/topics.ts';
import type { Fleet } from './fleet.ts';
import { readHeartbeat, readRegistration, readStatus, topicOf } from './messages.ts';

export interface SubscriberOptions {
  url: string;
  username: string;
  password: string;
  ca?: string;
  /** Ownership for an external broker, whose ACL the portal does not see: unknown ids are claimed for this account. */
  claim: (id: string) => Promise<boolean>;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
}

export class Subscriber {
  private client: mqtt.MqttClient | undefined;
  private readonly fleet: Fleet;
  private readonly o: SubscriberOptions;

  constructor(fleet: Fleet, o: SubscriberOptions) {
    this.fleet = fleet;
    this.o = o;
  }

  /** Resolves once subscribed; reconnects by itself afterwards. */
  async start(): Promise<void> {
    const client = mqtt.connect(this.o.url, {
      username: this.o.username, password: this.o.password, ca: this.o.ca, protocolVersion: 4,
      clientId: `tmsp-portal-fleet-${process.pid}`, clean: true, reconnectPeriod: 2000, connectTimeout: 10_000,
      rejectUnauthorized: true,
    });
    this.client = client;
    client.on('message', (topic, payload) => void this.message(topic, payload));
    client.on('error', (err) => this.o.log.warn({ err: err.message }, 'fleet subscription: broker error'));
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => reject(err);
      client.once('error', fail);
      client.on('connect', () => {
        client.subscribe(`${TOPIC_ROOT}/+/+`, { qos: 1 }, (err) => {
          client.off('error', fail);
          if (err) reject(err);
          else resolve();
        });
      });
    });
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.endAsync(true);
  }

  private async message(topic: string, payload: Buffer): Promise<void> {
    const t = topicOf(topic);
    if (!t) return;
    if (!(await this.o.claim(t.id))) return;
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
