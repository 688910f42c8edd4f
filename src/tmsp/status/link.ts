// The status server link (MQTT): retained "online" on connect with "offline"
// as the last will, the registration record (retained), and a heartbeat
// every N seconds (heartbeat.ts). The link owns its reconnects (the shared
// retry policy) instead of mqtt.js's fixed period, keeps one session at a
// time (connect.ts) and drops every listener of a dead one. Nothing is queued
// while offline, so memory does not grow with time offline.

import type { Logger } from 'pino';
import { RetryPolicy } from '../../core/backoff.ts';
import { TmspError, type ErrorCode } from '../../errors.ts';
import { toAgentError } from '../../net/errors.ts';
import type { Heartbeat, Registration } from '../../protocol/heartbeat.ts';
import { ONLINE, topics } from '../../protocol/topics.ts';
import { connectStatus, daemonSession, disconnect, drop, publishOffline, type MqttClient, type StatusLinkOptions } from './connect.ts';
import { Heartbeats, Publisher } from './heartbeat.ts';

export type { StatusLinkOptions } from './connect.ts';

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

export class StatusLink {
  private readonly o: StatusLinkOptions;
  private readonly log: Logger;
  private readonly registration: () => Registration;
  private readonly heartbeat: () => Heartbeat;
  private readonly retryPolicy: RetryPolicy;
  private client: MqttClient | undefined;
  private readonly out = new Publisher();
  private readonly beats = new Heartbeats(() => this.out.publish(topics(this.o.applianceId).heartbeat, JSON.stringify(this.heartbeat()), false));
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private connectedAt: number | null = null;
  private s: Omit<StatusLinkStats, 'connectedAt' | 'lastHeartbeatAt' | 'heartbeats' | 'skipped'>;

  constructor(o: StatusLinkOptions, registration: () => Registration, heartbeat: () => Heartbeat, log: Logger) {
    this.registration = registration;
    this.heartbeat = heartbeat;
    this.log = log;
    this.o = { ...o };
    this.retryPolicy = new RetryPolicy(o.retryMaxMs);
    this.s = {
      state: 'connecting', protocolVersion: null, attempts: 0, lastError: null, lastErrorCode: null,
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
    this.beats.retime(heartbeatMs);
  }

  /** The registration record changed (email, product, model...): publish it again on the open session. */
  reregister(): void {
    this.out.publish(topics(this.o.applianceId).registration, JSON.stringify(this.registration()), true);
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
      drop(client);
      return;
    }
    this.client = client;
    this.out.attach(client);
    this.connectedAt = Date.now();
    this.s.state = 'connected';
    this.s.lastError = null;
    this.s.lastErrorCode = null;
    this.retryPolicy.reset();
    this.log.info({ host: this.o.host, port: this.o.port, mqtt: this.s.protocolVersion === 5 ? '5' : '3.1.1' }, 'status server connected');
    const t = topics(this.o.applianceId);
    client.on('error', (err: Error) => this.log.warn({ err: err.message }, 'status server error'));
    client.once('close', () => this.dropped());
    this.out.publish(t.status, ONLINE, true);
    this.out.publish(t.registration, JSON.stringify(this.registration()), true);
    this.beats.start(this.o.heartbeatMs);
  }

  /** Send a heartbeat now (also used after an upload, so TMSP sees it at once). */
  beat(): void {
    this.beats.beat();
  }

  private dropped(): void {
    this.teardown();
    if (this.stopped) return;
    this.log.warn('status server connection lost');
    this.retry(new TmspError('E_CONNECT', 'the status server connection was lost'));
  }

  private teardown(): void {
    this.beats.stop();
    const c = this.client;
    this.client = undefined;
    this.out.attach(undefined);
    this.connectedAt = null;
    if (c) drop(c);
  }

  private retry(err: unknown): void {
    if (this.stopped) return;
    const e = err instanceof TmspError ? err : toAgentError(err, 'status server');
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
      heartbeats: this.beats.heartbeats,
      skipped: this.beats.skipped,
      connectedAt: this.connectedAt === null ? null : new Date(this.connectedAt).toISOString(),
      lastHeartbeatAt: this.beats.lastAt === null ? null : new Date(this.beats.lastAt).toISOString(),
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
    this.out.attach(undefined);
    this.connectedAt = null;
    if (c?.connected) {
      if (o.offline ?? true) await publishOffline(c, this.o.applianceId);
      await disconnect(c);
    } else if (c) {
      drop(c);
    }
    this.s.state = 'stopped';
  }
}

