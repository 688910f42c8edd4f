// The TMSP room's context: uploader and status link built from one config
// slice, started and stopped together. The daemon holds one while
// "Send logs and data to TMSP" is on.

import type { Logger } from 'pino';
import { applianceHostname, applianceId } from '../config/identity.ts';
import type { Config } from '../config/schema.ts';
import type { Heartbeat, Registration } from '../protocol/heartbeat.ts';
import type { Spool } from '../spool/spool.ts';
import type { Counters } from '../state/counters.ts';
import { StatusLink, type StatusLinkStats } from './status-link.ts';
import { createSink, proxyFor, statusTarget, trustFor } from './target.ts';
import { Uploader, type UploaderStats } from './uploader.ts';

export interface TmspStats {
  enabled: boolean;
  applianceId: string;
  upload: UploaderStats;
  status: StatusLinkStats;
}

export class TmspLink {
  readonly uploader: Uploader;
  readonly statusLink: StatusLink;
  private readonly id: string;

  constructor(c: Config, spool: Spool, counters: Counters, version: string, started: number, log: Logger) {
    this.id = applianceId(c);
    const l = log.child({ room: 'tmsp' });
    this.uploader = new Uploader(spool, createSink(c), counters, {
      applianceId: this.id,
      intervalMs: c.tmsp.uploadIntervalMinutes * 60_000,
      highWaterPercent: c.tmsp.highWaterPercent,
      batchMaxBytes: c.tmsp.batchMaxBytes,
      retryMaxMs: c.tmsp.retryMaxSeconds * 1000,
    }, l);
    const registration = (): Registration => ({
      applianceId: this.id, email: c.tmsp.registrationEmail, product: c.appliance.productName, model: c.appliance.model,
      serial: c.appliance.serial, hostname: applianceHostname(c), version, registeredAt: new Date().toISOString(),
    });
    const heartbeat = (): Heartbeat => {
      const sp = spool.stats();
      const up = this.uploader.stats();
      return {
        applianceId: this.id,
        time: new Date().toISOString(),
        uptimeS: Math.round((Date.now() - started) / 1000),
        spool: {
          chunks: sp.chunks, records: sp.records + sp.open.records, bytes: sp.bytes,
          oldestUnsentAgeS: sp.oldestUnsentMs === null ? null : Math.round(sp.oldestUnsentMs / 1000),
        },
        dropped: sp.dropped,
        upload: { state: up.state, lastSuccessAt: up.lastSuccessAt, lastError: up.lastError, lastErrorCode: up.lastErrorCode },
      };
    };
    const { host, port } = statusTarget(c);
    this.statusLink = new StatusLink({
      host, port, tls: c.tmsp.statusTls, trust: trustFor(c), proxy: proxyFor(c), noProxy: c.proxy.noProxy,
      username: c.tmsp.username, password: c.tmsp.password, applianceId: this.id, keepaliveS: c.tmsp.keepaliveSeconds,
      timeoutMs: c.tmsp.timeoutSeconds * 1000, heartbeatMs: c.tmsp.heartbeatSeconds * 1000,
      retryMaxMs: c.tmsp.retryMaxSeconds * 1000,
    }, registration, heartbeat, l);
  }

  start(): void {
    this.statusLink.start();
    this.uploader.start();
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
