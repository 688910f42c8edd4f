// What the link publishes, and the heartbeat: every publish is QoS 1, and at
// most MAX_UNACKED wait for the broker's acknowledgement; past that a new
// heartbeat is skipped (counted) rather than queued, so memory does not grow
// with a slow or stalled broker. The next heartbeat carries the current state.

import { Ticker } from '../../core/timers.ts';
import type { MqttClient } from './connect.ts';

/** Unacknowledged QoS 1 publishes allowed before new heartbeats are skipped. */
const MAX_UNACKED = 4;

export class Publisher {
  private client: MqttClient | undefined;
  private unacked = 0;

  /** The session to publish on; undefined when there is none. */
  attach(client: MqttClient | undefined): void {
    this.client = client;
    this.unacked = 0;
  }

  get attached(): boolean {
    return this.client !== undefined;
  }

  publish(topic: string, payload: string, retain: boolean): boolean {
    const c = this.client;
    if (!c || this.unacked >= MAX_UNACKED) return false;
    this.unacked++;
    c.publish(topic, payload, { qos: 1, retain }, () => {
      this.unacked = Math.max(0, this.unacked - 1);
    });
    return true;
  }
}

/** The periodic heartbeat on a publisher, with its counters. */
export class Heartbeats {
  private readonly ticker = new Ticker(() => this.beat());
  private readonly send: () => boolean;
  heartbeats = 0;
  skipped = 0;
  lastAt: number | null = null;

  /** `send` publishes one heartbeat; false when it could not be sent. */
  constructor(send: () => boolean) {
    this.send = send;
  }

  /** Beat now, then every `ms` (a new period restarts the ticker). */
  start(ms: number): void {
    this.beat();
    this.ticker.start(ms);
  }

  /** A new period on a running ticker, without a beat. */
  retime(ms: number): void {
    if (this.ticker.running) this.ticker.start(ms);
  }

  beat(): void {
    if (this.send()) {
      this.heartbeats++;
      this.lastAt = Date.now();
    } else {
      this.skipped++;
    }
  }

  stop(): void {
    this.ticker.stop();
  }
}
