// The agent daemon: composes state, spool, ingest and the control socket, and owns
// their lifecycle (start, reload, stop). Data flows one way: sources →
// intake → chunker → ring.

import type { Logger } from 'pino';
import { load } from '../config/store.ts';
import type { Config } from '../config/schema.ts';
import { Ingest } from '../ingest/ingest.ts';
import { Spool, type SpoolOptions } from '../spool/spool.ts';
import { Counters } from '../state/counters.ts';
import { isDamage } from '../state/connection.ts';
import { openState, type OpenedDb } from '../state/db.ts';
import { TmspError } from '../errors.ts';
import type { TmspLink } from '../tmsp/link.ts';
import type { UploadTotals } from '../tmsp/uploader.ts';
import { openObjects } from '../sms/database.ts';
import { SmsRoom } from '../sms/room.ts';
import path from 'node:path';
import { setAddonExtractDir } from '../native/addons.ts';
import { ControlServer } from './control.ts';
import { PAGE_ROWS } from './control-protocol.ts';
import { buildStatus, type Status } from './status.ts';
import { VERSION } from './version.ts';

function spoolOptions(c: Config): SpoolOptions {
  return {
    budgetBytes: c.spool.budgetBytes, chunkMaxBytes: c.spool.chunkMaxBytes, chunkMaxAgeMs: c.spool.chunkMaxAgeMs,
    maxPendingBytes: c.spool.maxPendingBytes, durability: c.spool.durability,
    // One level for the chunker: the setting of the codec chosen.
    compression: c.spool.compression,
    compressionLevel: c.spool.compression === 'zstd' ? c.spool.zstdLevel : c.spool.compressionLevel,
  };
}

/** A page's row limit from a control request: a whole number of rows, at most a page. */
function limitArg(a: Record<string, unknown>): number {
  const n = a.limit ?? PAGE_ROWS;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > PAGE_ROWS) {
    throw new TmspError('E_USAGE', `limit: must be a whole number from 1 to ${PAGE_ROWS}`);
  }
  return n;
}

export class Agent {
  private readonly configFile: string;
  private readonly log: Logger;
  private config: Config;
  private state: OpenedDb | undefined;
  private spool!: Spool;
  private ingest: Ingest | undefined;
  private readonly control: ControlServer;
  private tmsp: TmspLink | undefined;
  private sms: SmsRoom | undefined;
  /** Uploaded since the agent started, across reloads and TMSP off/on. */
  private readonly uploaded: UploadTotals = { batches: 0, records: 0, bytes: 0 };
  private readonly startedAt = Date.now();
  private reloading: Promise<unknown> = Promise.resolve();

  constructor(configFile: string, config: Config, log: Logger) {
    this.configFile = configFile;
    this.config = config;
    this.log = log;
    this.control = new ControlServer(config.daemon.controlSocket, log);
  }

  async start(): Promise<void> {
    const c = this.config;
    // The control socket first: "another agent is running" is the clearest refusal.
    await this.control.start();
    setAddonExtractDir(c.daemon.addonDir || path.join(c.daemon.stateDir, 'native'));
    const state = (this.state = openState(c.daemon.stateDir, { durability: c.spool.durability }));
    if (state.recoveredFrom) {
      this.log.error({ movedTo: state.recoveredFrom }, 'state database was damaged; moved aside and started anew');
    }
    state.db.onRecovered = (movedTo, err) => this.log.error({ movedTo, err },
      'state database found damaged; moved aside, what could be read carried into a new one');
    this.spool = new Spool(state.db, state.file, spoolOptions(c), this.log);
    const ingest = (this.ingest = new Ingest(state.db, this.spool.chunker, c.ingest.maxMessageBytes, this.log));
    // The SMS room's own database, beside the spool's: objects never count against the spool's budget.
    const sms = (this.sms = new SmsRoom(openObjects(c.daemon.stateDir, { durability: c.spool.durability }, state.db), c, this.log));
    ingest.intake.onDetection((line) => sms.detection(line));
    this.control.handle('ping', () => ({ pong: true }));
    this.control.handle('status', () => this.afterDamage(() => this.status()));
    this.control.handle('reload', () => this.reload());
    this.control.handle('flush', async () => {
      await this.spool.flush();
      return this.status().spool;
    });
    this.control.handle('upload-now', async () => {
      if (!this.tmsp) throw new TmspError('E_NOT_CONFIGURED', 'sending logs to TMSP is off (tmsp.enabled=false)');
      await this.spool.flush();
      return await this.tmsp.uploadNow();
    });
    this.control.handle('objects-add', (a) => sms.add(a));
    this.control.handle('objects-remove', (a) => sms.remove(a));
    this.control.handle('objects-expire', (a) => sms.expire(a));
    // Lists are asked for page by page (the CLI streams them): an answer stays far below the control line limit.
    this.control.handle('objects-list', (a) => sms.list(limitArg(a), a.after));
    this.control.handle('objects-failed', (a) => sms.failed(limitArg(a), a.after));
    this.control.handle('sms-retry', (a) => sms.retry(a));
    this.control.handle('sms-purge', () => sms.purge());
    this.control.handle('sms-status', () => sms.stats());
    sms.start();
    await ingest.apply(c.ingest);
    await this.applyTmsp(c);
    this.log.info({ configFile: this.configFile, stateDir: c.daemon.stateDir, sources: ingest.stats().map((s) => s.name) },
      'tmsp-agent started');
  }

  /**
   * Start or stop the TMSP link to match the configuration, or hand it the
   * new settings (it changes only what they touch). Loaded on first use: an
   * appliance that does not send to TMSP never pays for the SSH and MQTT code
   * in memory.
   */
  private async applyTmsp(c: Config): Promise<void> {
    if (!c.tmsp.enabled) {
      const old = this.tmsp;
      this.tmsp = undefined;
      await old?.stop();
      return;
    }
    if (this.tmsp) {
      await this.tmsp.configure(c);
      return;
    }
    const { TmspLink } = await import('../tmsp/link.ts');
    this.tmsp = new TmspLink(c, this.spool, new Counters(this.state!.db), this.uploaded, VERSION, this.startedAt, this.log);
    this.tmsp.start();
  }

  /**
   * Run fn; if it found a damaged database, answer again once the database
   * has been replaced: status keeps answering through the replacement.
   */
  private async afterDamage<T>(fn: () => T): Promise<T> {
    try {
      return fn();
    } catch (err) {
      if (!isDamage(err)) throw err;
      await Promise.all([this.state?.db.recovered(), this.sms?.recovered()]);
      return fn();
    }
  }

  status(): Status {
    return buildStatus({
      configFile: this.configFile, startedAt: this.startedAt, sources: this.ingest?.stats() ?? [],
      spool: this.spool.stats(), recoveredFrom: this.state?.recoveredFrom ?? null, tmsp: this.tmsp?.stats(),
      sms: this.sms?.stats(),
    });
  }

  /** Re-read the config file; an invalid file is refused and the running config kept. */
  reload(): Promise<{ reloaded: boolean; restartRequired: string[] }> {
    const run = this.reloading.then(async () => {
      const next = load(this.configFile);
      const restartRequired: string[] = [];
      if (next.daemon.stateDir !== this.config.daemon.stateDir) restartRequired.push('daemon.stateDir');
      if (next.daemon.controlSocket !== this.config.daemon.controlSocket) restartRequired.push('daemon.controlSocket');
      if (next.spool.durability !== this.config.spool.durability) restartRequired.push('spool.durability');
      this.log.level = next.daemon.logLevel;
      this.sms?.apply(next);
      this.spool.configure(spoolOptions(next));
      await this.ingest?.apply(next.ingest);
      await this.applyTmsp(next);
      this.config = next;
      this.log.info({ restartRequired }, 'configuration reloaded');
      return { reloaded: true, restartRequired };
    });
    this.reloading = run.catch(() => {});
    return run;
  }

  /** Stop accepting, seal and store the open chunk, close the database. Safe after a failed start. */
  async stop(): Promise<void> {
    await this.control.stop();
    await this.ingest?.stop();
    await this.tmsp?.stop();
    await this.sms?.stop();
    if (this.state) {
      await this.spool?.stop();
      this.state.db.close();
    }
    this.log.info('tmsp-agent stopped');
  }
}
