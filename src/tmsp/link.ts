// The TMSP room's context: uploader and status link built from one config
// slice, started and stopped together. The daemon holds one while
// "Send logs and data to TMSP" is on, and hands it each new configuration:
// a part is rebuilt only when a setting it depends on changed, so an
// operator's change elsewhere never makes the appliance flap offline/online
// on the portal, nor cuts an upload in flight.

import type { Logger } from 'pino';
import { applianceHostname, applianceId } from '../config/identity.ts';
import type { Config } from '../config/schema.ts';
import type { Heartbeat, Registration } from '../protocol/heartbeat.ts';
import type { Spool } from '../spool/spool.ts';
import type { Counters } from '../state/counters.ts';
import { StatusLink, type StatusLinkOptions, type StatusLinkStats } from './status/link.ts';
import { createSink, logTarget, sinkName } from './sinks/index.ts';
import { statusOptions } from './target.ts';
import { Uploader, type UploadTotals, type UploaderOptions, type UploaderStats } from './uploader.ts';

export interface TmspStats {
  enabled: boolean;
  applianceId: string;
  upload: UploaderStats;
  status: StatusLinkStats;
}

/** What a session to the status server depends on; the heartbeat interval and retry cap change in place. */
function sessionKey(o: StatusLinkOptions): string {
  const { heartbeatMs: _h, retryMaxMs: _r, ...session } = o;
  return JSON.stringify(session);
}

function sinkKey(c: Config): string {
  return JSON.stringify([c.tmsp.protocol, logTarget(c)]);
}

function uploaderOptions(c: Config): UploaderOptions {
  return {
    applianceId: applianceId(c),
    intervalMs: c.tmsp.uploadIntervalMinutes * 60_000,
    highWaterPercent: c.tmsp.highWaterPercent,
    batchMaxBytes: c.tmsp.batchMaxBytes,
    retryMaxMs: c.tmsp.retryMaxSeconds * 1000,
  };
}

export class TmspLink {
  readonly uploader: Uploader;
  private statusLink: StatusLink;
  private c: Config;
  private readonly spool: Spool;
  private readonly version: string;
  private readonly started: number;
  private readonly log: Logger;
  private keys: { session: string; sink: string; registration: string };

  constructor(c: Config, spool: Spool, counters: Counters, totals: UploadTotals, version: string, started: number, log: Logger) {
    this.c = c;
    this.spool = spool;
    this.version = version;
    this.started = started;
    this.log = log.child({ room: 'tmsp' });
    this.uploader = new Uploader(spool, createSink(c), sinkName(c), counters, totals, uploaderOptions(c), this.log);
    const so = statusOptions(c);
    this.statusLink = this.newStatusLink(so);
    this.keys = { session: sessionKey(so), sink: sinkKey(c), registration: this.registrationKey() };
  }

  private get id(): string {
    return applianceId(this.c);
  }

  private registration(): Registration {
    const c = this.c;
    return {
      applianceId: this.id, email: c.tmsp.registrationEmail, product: c.appliance.productName, model: c.appliance.model,
      serial: c.appliance.serial, hostname: applianceHostname(c), version: this.version, registeredAt: new Date().toISOString(),
    };
  }

  private registrationKey(): string {
    const { registeredAt: _t, ...r } = this.registration();
    return JSON.stringify(r);
  }

  private heartbeat(): Heartbeat {
    const sp = this.spool.stats();
    const up = this.uploader.stats();
    return {
      applianceId: this.id,
      time: new Date().toISOString(),
      uptimeS: Math.round((Date.now() - this.started) / 1000),
      spool: {
        chunks: sp.chunks, records: sp.records + sp.open.records, bytes: sp.bytes,
        oldestUnsentAgeS: sp.oldestUnsentMs === null ? null : Math.round(sp.oldestUnsentMs / 1000),
      },
      dropped: sp.dropped,
      upload: { state: up.state, lastSuccessAt: up.lastSuccessAt, lastError: up.lastError, lastErrorCode: up.lastErrorCode },
      intervals: { heartbeatS: this.c.tmsp.heartbeatSeconds, uploadS: this.c.tmsp.uploadIntervalMinutes * 60 },
    };
  }

  private newStatusLink(o: StatusLinkOptions): StatusLink {
    return new StatusLink(o, () => this.registration(), () => this.heartbeat(), this.log);
  }

  start(): void {
    this.statusLink.start();
    this.uploader.start();
  }

  /** Apply a reloaded configuration, rebuilding only the parts whose settings changed. */
  async configure(c: Config): Promise<void> {
    const before = this.c;
    this.c = c;
    const so = statusOptions(c);
    const session = sessionKey(so);
    if (session !== this.keys.session) {
      // Leaving a server: tell it "offline". Staying on it: the new session takes over without a flap.
      const leaving = before.tmsp.statusServer !== c.tmsp.statusServer || applianceId(before) !== this.id;
      const old = this.statusLink;
      this.statusLink = this.newStatusLink(so);
      await old.stop({ offline: leaving });
      this.statusLink.start();
      this.log.info('status server settings changed: new session');
    } else {
      this.statusLink.setTiming(so.heartbeatMs, so.retryMaxMs);
      if (this.registrationKey() !== this.keys.registration) this.statusLink.reregister();
    }
    const sink = sinkKey(c);
    if (sink !== this.keys.sink) {
      await this.uploader.setSink(createSink(c), sinkName(c));
      this.log.info('log server settings changed');
    }
    this.uploader.configure(uploaderOptions(c));
    this.keys = { session, sink, registration: this.registrationKey() };
  }

  /** upload-now: a round right away, even during a retry wait; resolves when it ends. */
  async uploadNow(): Promise<UploaderStats> {
    await this.uploader.trigger('upload-now', true);
    this.statusLink.beat();
    return this.uploader.stats();
  }

  stats(): TmspStats {
    return { enabled: true, applianceId: this.id, upload: this.uploader.stats(), status: this.statusLink.stats() };
  }

  async stop(): Promise<void> {
    await this.uploader.stop();
    await this.statusLink.stop();
  }
}
