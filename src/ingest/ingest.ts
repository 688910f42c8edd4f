// The ingest room: builds the configured sources, starts and stops them, and
// on reload restarts only the sources whose settings changed.

import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { Chunker } from '../spool/chunker.ts';
import type { Db } from '../state/db.ts';
import { Intake, type IngestSource, type SourceStats } from './intake.ts';
import { TcpSyslog } from './syslog/tcp.ts';
import { UdpSyslog } from './syslog/udp.ts';
import { UnixSyslog } from './syslog/unix.ts';
import { CursorStore } from './tail/cursor.ts';
import { FileTail } from './tail/tail.ts';

interface Running {
  key: string;
  source: IngestSource;
}

type IngestConfig = Config['ingest'];

export class Ingest {
  readonly intake: Intake;
  private readonly chunker: Chunker;
  private readonly cursors: CursorStore;
  private readonly log: Logger;
  private running: Running[] = [];
  /** Sources that failed to start, kept for status. */
  private failed: SourceStats[] = [];

  constructor(db: Db, chunker: Chunker, maxMessageBytes: number, log: Logger) {
    this.chunker = chunker;
    this.cursors = new CursorStore(db);
    this.log = log;
    this.intake = new Intake(chunker, maxMessageBytes);
  }

  /** One entry per source: a key that changes whenever the source must restart. */
  private wanted(c: IngestConfig): Array<{ key: string; make: () => IngestSource }> {
    const out: Array<{ key: string; make: () => IngestSource }> = [];
    if (c.unixSocket !== '') out.push({ key: `unix ${c.unixSocket}`, make: () => new UnixSyslog(c.unixSocket, this.intake) });
    if (c.udpPort !== 0) {
      out.push({
        key: `udp ${c.listenAddress}:${c.udpPort}`,
        make: () => new UdpSyslog({ host: c.listenAddress, port: c.udpPort }, this.intake),
      });
    }
    if (c.tcpPort !== 0) {
      out.push({
        key: `tcp ${c.listenAddress}:${c.tcpPort} ${c.tcpMaxConnections}`,
        make: () => new TcpSyslog({ host: c.listenAddress, port: c.tcpPort, maxConnections: c.tcpMaxConnections },
          this.intake, this.chunker, this.log),
      });
    }
    for (const file of c.files) {
      out.push({
        key: `file ${file} ${c.tailPollMs} ${c.tailStartAt}`,
        make: () => new FileTail({ path: file, pollMs: c.tailPollMs, startAt: c.tailStartAt }, this.intake,
          this.chunker, this.cursors, this.log),
      });
    }
    return out;
  }

  /** Start what is configured and not running; stop what is running and no longer configured. */
  async apply(c: IngestConfig): Promise<void> {
    this.intake.configure(c.maxMessageBytes);
    const wanted = this.wanted(c);
    const keep = new Set(wanted.map((w) => w.key));
    const stopping = this.running.filter((r) => !keep.has(r.key));
    this.running = this.running.filter((r) => keep.has(r.key));
    await Promise.all(stopping.map((r) => r.source.stop()));
    this.failed = [];
    for (const w of wanted) {
      if (this.running.some((r) => r.key === w.key)) continue;
      const s = w.make();
      try {
        await s.start();
        this.running.push({ key: w.key, source: s });
      } catch (err) {
        this.failed.push(s.source.stats);
        this.log.error({ err, source: s.source.stats.name }, 'ingest source failed to start');
      }
    }
  }

  async stop(): Promise<void> {
    const all = this.running;
    this.running = [];
    await Promise.all(all.map((r) => r.source.stop()));
  }

  stats(): SourceStats[] {
    return [...this.running.map((r) => r.source.source.stats), ...this.failed];
  }
}
