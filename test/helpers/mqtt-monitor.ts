// A subscriber on the status server, as TMSP would be: sees what the agent publishes.

import fs from 'node:fs';
import mqtt from 'mqtt';
import { MONITOR } from '../peers/peers.ts';

export interface Seen {
  topic: string;
  payload: string;
  retain: boolean;
  at: number;
}

export class Monitor {
  readonly seen: Seen[] = [];
  private client: mqtt.MqttClient | undefined;

  async start(port: number, ca: string, topic = 'tmsp/v1/#'): Promise<this> {
    const client = (this.client = mqtt.connect({
      host: '127.0.0.1', port, protocol: 'mqtts', ca: fs.readFileSync(ca), username: MONITOR.user, password: MONITOR.pass,
      protocolVersion: 5, reconnectPeriod: 500,
    }));
    client.on('message', (t, p, packet) => this.seen.push({ topic: t, payload: p.toString(), retain: packet.retain, at: Date.now() }));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => client.subscribe(topic, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
      client.once('error', reject);
    });
    return this;
  }

  on(topic: string): Seen[] {
    return this.seen.filter((s) => s.topic === topic);
  }

  last(topic: string): Seen | undefined {
    const all = this.on(topic);
    return all[all.length - 1];
  }

  async stop(): Promise<void> {
    await this.client?.endAsync(true);
  }
}
