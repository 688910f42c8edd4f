// The running portal: every room started in the order data flows, and
// stopped in reverse. Receivers hand landed files to ingest; the fleet
// listens to the broker through an ordinary MQTT subscription; notices go
// out through notify; the web pages read the store.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { writeAtomic } from '../../settings/file.ts';
import { Logins } from '../accounts/logins.ts';
import { makeArchive } from '../archive/index.ts';
import type { PortalConfig } from '../config/schema.ts';
import { pathsOf, portalUrl, publicName, type PortalPaths } from '../config/load.ts';
import { Fleet } from '../fleet/fleet.ts';
import { clientIdFor, Subscriber } from '../fleet/subscriber.ts';
import { Ingest } from '../ingest/ingest.ts';
import { pruneFiles } from '../ingest/retention.ts';
import { Email } from '../notify/email.ts';
import { Notifier } from '../notify/notifier.ts';
import { Broker } from '../receive/broker/broker.ts';
import { HttpsReceiver } from '../receive/https/server.ts';
import { loadOrCreateHostKey } from '../receive/sftp/host-key.ts';
import { SftpReceiver } from '../receive/sftp/server.ts';
import type { Store } from '../store/store.ts';
import { ReportService } from '../reports/service.ts';
import { openStore } from '../store/open.ts';
import { loadOrCreateCertificate, type ServedCertificate } from '../tls/files.ts';
import { WebServer } from '../web/server.ts';
import { takeLock } from '../../settings/lock.ts';

const STATUS_MS = 5000;
const PRUNE_MS = 3_600_000;

export interface PortalFacts {
  pid: number;
  version: string;
  startedAt: string;
  updatedAt: string;
  dataDir: string;
  url: string;
  listeners: { sftp: number | null; https: number | null; mqtt: number | null; web: number };
  sshHostKey: string;
  tlsFingerprint: string;
  tlsSelfSigned: boolean;
  tlsCertFile: string;
  /** Where accepted batches are kept (batches.kind): a directory, or s3://bucket/prefix at an endpoint. */
  batches: string;
  counters: Record<string, unknown>;
}

export class Portal {
  readonly c: PortalConfig;
  readonly paths: PortalPaths;
  readonly log: Logger;
  readonly version: string;
  store!: Store;
  ingest!: Ingest;
  fleet!: Fleet;
  private logins!: Logins;
  private notifier!: Notifier;
  private sftp: SftpReceiver | undefined;
  private https: HttpsReceiver | undefined;
  private broker: Broker | undefined;
  private subscriber: Subscriber | undefined;
  private web!: WebServer;
  private reports: ReportService | undefined;
  private reportMail: Email | undefined;
  private certificate!: ServedCertificate;
  private hostKey!: { key: string; fingerprint: string };
  private unlock: (() => void) | undefined;
  private timers: NodeJS.Timeout[] = [];
  private startedAt = new Date();

  constructor(c: PortalConfig, log: Logger, version: string) {
    this.c = c;
    this.paths = pathsOf(c);
    this.log = log;
    this.version = version;
  }

  async start(): Promise<void> {
    const c = this.c;
    const p = this.paths;
    fs.mkdirSync(p.dataDir, { recursive: true, mode: 0o750 });
    this.unlock = takeLock(path.join(p.dataDir, 'portal.pid'));
    try {
      await this.startRooms(c, p);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async startRooms(c: PortalConfig, p: PortalPaths): Promise<void> {
    const host = c.portal.listenAddress;
    const name = publicName(c);
    const names = [...new Set([name, 'localhost', '127.0.0.1', '::1', os.hostname(), ...(host.startsWith('0.') || host === '::' ? [] : [host])])];
    this.certificate = loadOrCreateCertificate(p.tlsCert, p.tlsKey, c.https.certFile !== '', name, names);
    this.hostKey = loadOrCreateHostKey(p.hostKey);
    const tls = { cert: this.certificate.cert, key: this.certificate.key };

    this.store = await openStore(c, p.db, {
      rollups: true, applicationName: `tmsp-portal ${os.hostname()}:${process.pid}`,
      onRebuild: (r) => this.log.info(r, 'the report time zone changed: roll-ups counted again in it'),
    });
    this.logins = new Logins(this.store.accounts, this.log.child({ room: 'accounts' }));
    this.notifier = new Notifier({
      queue: this.store.queue, settings: c.notify, portalUrl: this.url, reminderHours: c.fleet.reminderHours,
      log: this.log.child({ room: 'notify' }),
    });
    this.notifier.start();
    this.fleet = new Fleet(this.store, {
      settings: c.fleet, notify: (n) => this.notifier.send(n), log: this.log.child({ room: 'fleet' }),
    });
    this.ingest = new Ingest(this.store, {
      incoming: p.incoming, archive: await makeArchive(c, p), quarantine: p.quarantine, maxBatchBytes: c.ingest.maxBatchBytes,
      maxAppliancesPerAccount: c.fleet.maxAppliancesPerAccount,
      log: this.log.child({ room: 'ingest' }),
      onOutcome: (o) => {
        if (o.kind === 'ingested') void this.fleet.batch(o.applianceId);
      },
    });
    await this.ingest.start();

    const logins = this.logins.forAppliances();
    const landed = (l: Parameters<Ingest['landed']>[0]) => this.ingest.landed(l);
    if (c.sftp.enabled) {
      this.sftp = new SftpReceiver({
        host, port: c.sftp.port, hostKey: this.hostKey.key, logins, incoming: p.incoming, onLanded: landed, log: this.log.child({ room: 'sftp' }),
        limits: { maxFileBytes: c.ingest.maxBatchBytes },
      });
      await this.sftp.start();
    }
    if (c.https.enabled) {
      this.https = new HttpsReceiver({
        host, port: c.https.port, tls, logins, incoming: p.incoming, onLanded: landed, maxBodyBytes: c.ingest.maxBatchBytes,
        log: this.log.child({ room: 'https' }),
      });
      await this.https.start();
    }
    const appliances = this.store.appliances;
    const now = () => Date.now();
    const owners = {
      ownerOf: (id: string) => appliances.ownerOf(id),
      claim: (id: string, account: string) => {
        const owner = appliances.ownerOf(id);
        if (owner !== undefined) return owner === account;
        if (appliances.countOf(account) >= c.fleet.maxAppliancesPerAccount) {
          this.log.warn({ account, applianceId: id, limit: c.fleet.maxAppliancesPerAccount }, 'a new appliance refused: the account owns as many as it may');
          return false;
        }
        void appliances.claim(id, account, now());
        return true;
      },
    };
    if (c.mqtt.enabled && c.mqtt.broker === 'external') {
      // The broker authenticates and its ACL confines each account to its appliances (mqtt.aclFile, README): no broker here.
      this.subscriber = new Subscriber(this.fleet, {
        url: c.mqtt.url, username: c.mqtt.user, password: c.mqtt.password,
        ...(c.mqtt.caFile !== '' ? { ca: fs.readFileSync(c.mqtt.caFile, 'utf8') } : {}),
        clientId: clientIdFor(p.dataDir), shareGroup: c.mqtt.shareGroup,
        claim: async (id) => {
          if (appliances.ownerOf(id) !== undefined) return true;
          // Claimed since this process read the owners (account claim, another portal): learn the owner the store has.
          const a = await appliances.get(id);
          if (!a) return false;
          await appliances.claim(id, a.account, now());
          return true;
        },
        log: this.log.child({ room: 'fleet' }),
      });
      await this.subscriber.start();
    } else if (c.mqtt.enabled) {
      const internal = { user: `tmsp-portal-${crypto.randomBytes(6).toString('hex')}`, password: crypto.randomBytes(24).toString('base64') };
      this.broker = new Broker({
        host, port: c.mqtt.port, tls, logins, owners, internal, maxClients: c.mqtt.maxClients, log: this.log.child({ room: 'broker' }),
      });
      await this.broker.start();
      this.subscriber = new Subscriber(this.fleet, {
        url: `mqtts://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${this.broker.port}`, username: internal.user, password: internal.password, ca: this.certificate.cert,
        // The embedded broker claimed every id its ACL let through.
        claim: async (id) => appliances.ownerOf(id) !== undefined,
        log: this.log.child({ room: 'fleet' }),
      });
      await this.subscriber.start();
    }
    this.fleet.start();
    this.web = new WebServer({
      host, port: c.web.port, tls, store: this.store, logins: this.logins, sessionHours: c.web.sessionHours,
      log: this.log.child({ room: 'web' }), facts: () => this.facts() as unknown as Record<string, unknown>,
      reportTimeZone: c.reports.timeZone,
    });
    await this.web.start();
    if (c.reports.email && c.notify.email && c.notify.smtpHost !== '') this.reportMail = new Email(c.notify);
    this.reports = new ReportService({
      store: this.store, config: c, by: `${os.hostname()}:${process.pid}`, portal: publicName(c), portalUrl: this.url,
      ...(this.reportMail ? { email: this.reportMail } : {}), log: this.log.child({ room: 'reports' }),
    });
    this.reports.start();

    this.writeStatus();
    this.timers.push(setInterval(() => this.writeStatus(), STATUS_MS));
    const prune = () => {
      const before = Date.now() - c.ingest.retentionDays * 86_400_000;
      const quarantined = pruneFiles(p.quarantine, before);
      void this.ingest.archive.prune(before).then((batches) => {
        if (batches + quarantined > 0) this.log.info({ files: batches + quarantined, retentionDays: c.ingest.retentionDays }, 'old batch files removed');
      }, (err: Error) => this.log.error({ err }, 'pruning old batch files failed'));
      void this.store.prune(before).catch((err: Error) => this.log.error({ err }, 'pruning old data failed'));
    };
    prune();
    this.timers.push(setInterval(prune, PRUNE_MS));
    for (const t of this.timers) t.unref();
    this.log.info({ ...this.facts(), counters: undefined }, 'portal started');
  }

  get url(): string {
    return portalUrl(this.c, this.web?.port || this.c.web.port);
  }

  facts(): PortalFacts {
    return {
      pid: process.pid, version: this.version, startedAt: this.startedAt.toISOString(), updatedAt: new Date().toISOString(),
      dataDir: this.paths.dataDir, url: this.url,
      listeners: { sftp: this.sftp?.port ?? null, https: this.https?.port ?? null, mqtt: this.broker?.port ?? null, web: this.web.port },
      sshHostKey: this.hostKey.fingerprint, tlsFingerprint: this.certificate.fingerprint, tlsSelfSigned: this.certificate.selfSigned,
      tlsCertFile: this.certificate.certFile, batches: this.ingest.archive.describe(),
      counters: {
        ingest: { ...this.ingest.counters, depth: this.ingest.depth }, fleet: this.fleet.counters, logins: this.logins.counters,
        sftp: this.sftp?.counters() ?? null, https: this.https?.counters ?? null, broker: this.broker?.counters() ?? null,
        subscriber: this.subscriber?.counters ?? null,
        notify: this.notifier.counters,
        reports: { ...this.reports?.schedule.counters, ...this.reports?.counters, nextWake: this.reports?.schedule.nextWake() ?? null },
      },
    };
  }

  /** The running portal's facts for `tmsp-portal status`, rewritten every few seconds. */
  private writeStatus(): void {
    try {
      writeAtomic(path.join(this.paths.dataDir, 'status.json'), `${JSON.stringify(this.facts())}\n`, 0o640);
    } catch (err) {
      this.log.warn({ err }, 'cannot write status.json');
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    // Inbound first, so nothing new arrives while the rest winds down.
    await this.reports?.stop().catch(() => {});
    this.reportMail?.close();
    await this.web?.stop().catch(() => {});
    await this.sftp?.stop().catch(() => {});
    await this.https?.stop().catch(() => {});
    await this.subscriber?.stop().catch(() => {});
    await this.broker?.stop().catch(() => {});
    await this.ingest?.stop().catch(() => {});
    await this.fleet?.stop().catch(() => {});
    await this.notifier?.stop().catch(() => {});
    await this.store?.close().catch(() => {});
    fs.rmSync(path.join(this.paths.dataDir, 'status.json'), { force: true });
    this.unlock?.();
    this.unlock = undefined;
  }
}
