// One played appliance: the agent's own status session (tmsp/status:
// TLS, MQTT 5 then 3.1.1, client id tmsp-agent-<id>, "offline" as the
// retained last will; "online" and the registration retained on connect, a
// heartbeat at once and then every interval through the agent's Publisher
// and Heartbeats) and the agent's own HTTPS sink for batches (PUT
// <base>/<id>/<first>-<last>.ndjson.gz, Basic auth, application/gzip, one
// connection per request). Only the spool is played: a batch is made from
// the bench workload's lines when it is due. Many of these run in one
// generator process (fleet-generator.ts) without an agent each.

import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { RetryPolicy } from '../../src/core/backoff.ts';
import { TmspError } from '../../src/errors.ts';
import { classify } from '../../src/parse/index.ts';
import { batchName, type BatchRange } from '../../src/protocol/batch.ts';
import type { Heartbeat, Registration } from '../../src/protocol/heartbeat.ts';
import { encodeRecord, sourcePrefix } from '../../src/protocol/record.ts';
import { ONLINE, topics } from '../../src/protocol/topics.ts';
import { HttpsSink } from '../../src/tmsp/sinks/https/transport.ts';
import { connectStatus, daemonSession, drop, type MqttClient } from '../../src/tmsp/status/connect.ts';
import { Heartbeats, Publisher } from '../../src/tmsp/status/heartbeat.ts';
import type { StatusLinkOptions } from '../../src/tmsp/status/link.ts';
import type { Endpoint } from './fleet-setup.ts';

/** Who an appliance is and when it starts, in the generator's plan. */
export interface PlayedAppliance {
  id: string;
  account: string;
  password: string;
  /** When to connect, and when its first upload is due (ms since the epoch). */
  connectAt: number;
  firstUploadAt: number;
}

/** The run's clock, compressed: heartbeat and upload periods in real milliseconds. */
export interface Timing {
  heartbeatMs: number;
  uploadEveryMs: number;
  batchRecords: number;
  keepaliveMs: number;
  timeoutMs: number;
}

export interface Targets {
  mqtt: Endpoint;
  https: Endpoint;
  basePath: string;
}

/** A generator's counters, shared by its appliances. */
export interface GeneratorCounters {
  appliances: number;
  connected: number;
  connects: number;
  connectFailures: number;
  /** Sessions that ended while the appliance meant to stay. */
  lost: number;
  heartbeats: number;
  /** Heartbeats the agent's Publisher skipped: four publishes already waited for their PUBACK. */
  skipped: number;
  pubacks: number;
  uploads: number;
  uploadFailures: number;
  /** Upload rounds not started because the previous one still ran. */
  uploadsBusy: number;
  records: number;
  lastError: string | null;
}

export function newCounters(): GeneratorCounters {
  return {
    appliances: 0, connected: 0, connects: 0, connectFailures: 0, lost: 0, heartbeats: 0, skipped: 0, pubacks: 0,
    uploads: 0, uploadFailures: 0, uploadsBusy: 0, records: 0, lastError: null,
  };
}

/** Lines to make batches of: the bench workload, encoded as the agent's chunker encodes a socket source. */
export class LinePool {
  private readonly lines: string[];
  private readonly formats: ReturnType<typeof classify>[];
  private readonly prefix = sourcePrefix('syslog');

  constructor(lines: string[]) {
    this.lines = lines;
    this.formats = lines.map((l) => classify(l));
  }

  /** Records seq first..last (inclusive), gzip: one member, as one chunk of the agent's spool. */
  batch(r: BatchRange, t: number): Buffer {
    const parts: string[] = [];
    for (let s = r.firstSeq; s <= r.lastSeq; s++) {
      const i = s % this.lines.length;
      const line = this.lines[i]!;
      parts.push(encodeRecord(t, this.prefix, this.formats[i]!, line, Buffer.from(line)));
    }
    return zlib.gzipSync(parts.join(''), { level: 6 });
  }
}

/** What the bench learns of an appliance it silenced. */
export interface Silenced {
  id: string;
  /** When its last heartbeat was published (ms). */
  lastHeartbeatAt: number;
  /** When its connection was cut without DISCONNECT (mode cut), else null. */
  cutAt: number | null;
}

export class PlayedApplianceSession {
  readonly p: PlayedAppliance;
  private readonly targets: Targets;
  private readonly timing: Timing;
  private readonly pool: LinePool;
  private readonly c: GeneratorCounters;
  private readonly t: ReturnType<typeof topics>;
  private readonly out = new Publisher();
  private readonly beats: Heartbeats;
  private readonly retry = new RetryPolicy(30_000);
  private readonly sink: HttpsSink;
  private readonly started = Date.now();
  private client: MqttClient | undefined;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private quiet = false;
  private silence: { mode: 'quiet' | 'cut'; done: (s: Silenced) => void } | undefined;
  /** The spool: records made since the last batch went out. */
  private nextSeq = 1;
  private lastUploadAt = Date.now();
  private uploading = false;
  private lastUpload: { at: string; error: string | null; code: string | null } = { at: '', error: null, code: null };

  constructor(p: PlayedAppliance, targets: Targets, timing: Timing, pool: LinePool, counters: GeneratorCounters) {
    this.p = p;
    this.targets = targets;
    this.timing = timing;
    this.pool = pool;
    this.c = counters;
    this.t = topics(p.id);
    this.beats = new Heartbeats(() => this.beat());
    const h = targets.https;
    this.sink = new HttpsSink({
      host: h.host, port: h.port, username: p.account, password: p.password, basePath: targets.basePath, proxy: undefined, noProxy: [],
      timeoutMs: timing.timeoutMs, keepaliveMs: timing.keepaliveMs, bandwidthLimitBytes: 0, tls: h.trust,
    });
  }

  start(): void {
    this.after(this.p.connectAt - Date.now(), () => void this.connect());
    if (this.timing.batchRecords === 0) return;
    this.after(this.p.firstUploadAt - Date.now(), () => {
      void this.upload();
      const every = setInterval(() => void this.upload(), this.timing.uploadEveryMs);
      every.unref();
      this.timers.push(every);
    });
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    this.timers.push(t);
  }

  private options(): StatusLinkOptions {
    const m = this.targets.mqtt;
    return {
      host: m.host, port: m.port, tls: true, trust: m.trust, proxy: undefined, noProxy: [], username: this.p.account, password: this.p.password,
      applianceId: this.p.id, keepaliveMs: this.timing.keepaliveMs, timeoutMs: this.timing.timeoutMs, heartbeatMs: this.timing.heartbeatMs,
      retryMaxMs: 30_000,
    };
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let client: MqttClient;
    try {
      client = (await connectStatus(this.options(), daemonSession(this.p.id))).client;
    } catch (err) {
      this.c.connectFailures++;
      this.c.lastError = `connect ${this.p.id}: ${(err as Error).message}`;
      const e = err instanceof TmspError ? err : new TmspError('E_CONNECT', String(err));
      this.after(this.retry.next(e.code), () => void this.connect());
      return;
    }
    if (this.stopped) {
      drop(client);
      return;
    }
    this.retry.reset();
    this.client = client;
    this.c.connects++;
    this.c.connected++;
    client.on('error', () => {});
    client.on('packetreceive', (pk) => {
      if (pk.cmd === 'puback') this.c.pubacks++;
    });
    client.once('close', () => this.closed(client));
    this.out.attach(client);
    // As the agent's StatusLink does on every connect.
    this.out.publish(this.t.status, ONLINE, true);
    this.out.publish(this.t.registration, JSON.stringify(this.registration()), true);
    if (!this.quiet) this.beats.start(this.timing.heartbeatMs);
  }

  private closed(client: MqttClient): void {
    if (this.client !== client) return;
    this.c.connected--;
    this.client = undefined;
    this.out.attach(undefined);
    this.beats.stop();
    drop(client);
    if (this.stopped || this.silence?.mode === 'cut') return;
    this.c.lost++;
    this.after(this.retry.next('E_CONNECT'), () => void this.connect());
  }

  private beat(): boolean {
    const ok = this.out.publish(this.t.heartbeat, JSON.stringify(this.heartbeat()), false);
    if (ok) this.c.heartbeats++;
    else this.c.skipped++;
    const s = this.silence;
    if (ok && s && !this.quiet) {
      // This was its last heartbeat: it stays connected and says nothing more, or its network drops.
      this.quiet = true;
      const at = Date.now();
      this.beats.stop();
      let cutAt: number | null = null;
      if (s.mode === 'cut') {
        cutAt = Date.now();
        (this.client as unknown as { stream: { destroy(): void } } | undefined)?.stream.destroy();
      }
      s.done({ id: this.p.id, lastHeartbeatAt: at, cutAt });
    }
    return ok;
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** At its next heartbeat, the appliance goes silent: `quiet` keeps the connection, `cut` drops it without a word (the will fires). */
  silenceAfterNextBeat(mode: 'quiet' | 'cut'): Promise<Silenced> {
    return new Promise((done) => (this.silence = { mode, done }));
  }

  private registration(): Registration {
    const n = this.p.id.replace(/\D/g, '');
    return {
      applianceId: this.p.id, email: '', product: 'Deep Discovery Inspector', model: 'DDI 4200', serial: `BENCH${n}`,
      hostname: `${this.p.id}.bench.example`, version: '0.1.0', registeredAt: new Date().toISOString(),
    };
  }

  /** The agent's heartbeat (tmsp/link.ts), its spool the records made since the last batch. */
  private heartbeat(): Heartbeat {
    const now = Date.now();
    const waiting = Math.floor(this.timing.batchRecords * Math.min(1, (now - this.lastUploadAt) / this.timing.uploadEveryMs));
    return {
      applianceId: this.p.id, time: new Date(now).toISOString(), uptimeS: Math.round((now - this.started) / 1000),
      spool: { chunks: waiting > 0 ? 1 : 0, records: waiting, bytes: waiting * 110, oldestUnsentAgeS: waiting > 0 ? Math.round((now - this.lastUploadAt) / 1000) : null },
      dropped: { chunks: 0, records: 0, bytes: 0 },
      upload: {
        state: this.uploading ? 'uploading' : this.lastUpload.error ? 'retrying' : 'idle', lastSuccessAt: this.lastUpload.at || null,
        lastError: this.lastUpload.error, lastErrorCode: this.lastUpload.code,
      },
      intervals: { heartbeatS: this.timing.heartbeatMs / 1000, uploadS: this.timing.uploadEveryMs / 1000 },
    };
  }

  private async upload(): Promise<void> {
    if (this.stopped || this.quiet) return;
    if (this.uploading) {
      this.c.uploadsBusy++;
      return;
    }
    this.uploading = true;
    const range = { firstSeq: this.nextSeq, lastSeq: this.nextSeq + this.timing.batchRecords - 1 };
    const body = this.pool.batch(range, Date.now());
    try {
      await this.sink.upload({ name: batchName(this.p.id, range, 'gzip'), codec: 'gzip', bytes: body.length, open: () => Readable.from([body]) });
      this.nextSeq = range.lastSeq + 1;
      this.lastUploadAt = Date.now();
      this.lastUpload = { at: new Date(this.lastUploadAt).toISOString(), error: null, code: null };
      this.c.uploads++;
      this.c.records += this.timing.batchRecords;
    } catch (err) {
      // The same range again next round, as the agent's uploader retries a batch.
      const e = err as TmspError;
      this.lastUpload = { ...this.lastUpload, error: e.message, code: e.code ?? null };
      this.c.uploadFailures++;
      this.c.lastError = `upload ${this.p.id}: ${e.message}`;
    } finally {
      this.uploading = false;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.beats.stop();
    const c = this.client;
    this.client = undefined;
    if (c) {
      this.c.connected--;
      drop(c);
    }
    void this.sink.close();
  }
}
