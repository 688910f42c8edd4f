// TCP syslog on the loopback. TCP can push back, so when the spool's memory
// bound is reached the sockets are paused (the senders block) instead of
// shedding; they resume when the spool drains. Frames already read when the
// bound was hit wait in a per-connection list bounded by one socket read.

import net from 'node:net';
import type { Logger } from 'pino';
import type { Chunker } from '../../spool/chunker.ts';
import { Source, type IngestSource, type Intake } from '../intake.ts';
import { GarbageBudget } from '../../native/gc.ts';
import { StreamFramer } from './framing.ts';

export interface TcpOptions {
  host: string;
  port: number;
  maxConnections: number;
}

export class TcpSyslog implements IngestSource {
  readonly source: Source;
  private readonly opts: TcpOptions;
  private readonly intake: Intake;
  private readonly chunker: Chunker;
  private readonly log: Logger;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private paused = false;
  private readonly held = new Map<net.Socket, Array<[Buffer, boolean]>>();
  private readonly junk = new GarbageBudget(2 * 1024 * 1024);

  constructor(opts: TcpOptions, intake: Intake, chunker: Chunker, log: Logger) {
    this.opts = opts;
    this.intake = intake;
    this.chunker = chunker;
    this.log = log;
    this.source = new Source(`tcp:${opts.host}:${opts.port}`, 'tcp', 'syslog');
  }

  start(): Promise<void> {
    const server = (this.server = net.createServer((socket) => this.accept(socket)));
    server.maxConnections = this.opts.maxConnections;
    return new Promise((resolve, reject) => {
      server.once('error', (err) => {
        this.source.stats.state = 'failed';
        this.source.fail(err);
        reject(err);
      });
      server.listen({ host: this.opts.host, port: this.opts.port }, () => {
        this.source.stats.state = 'listening';
        server.removeAllListeners('error');
        server.on('error', (err) => this.source.fail(err));
        resolve();
      });
    });
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    const framer = new StreamFramer(this.intake.limit, (frame, truncated) => {
      const held = this.held.get(socket);
      if (held || !this.chunker.writable) {
        if (held) held.push([frame, truncated]);
        else this.held.set(socket, [[frame, truncated]]);
        this.pause();
        return;
      }
      this.intake.accept(this.source, frame, truncated);
    });
    socket.on('data', (d: Buffer) => {
      const before = framer.discarded;
      framer.push(d);
      // Junk past the limit is garbage at once; V8 would let tens of MB of it wait (native/gc.ts).
      if (framer.discarded > before) this.junk.add(framer.discarded - before);
    });
    socket.on('end', () => framer.end());
    socket.on('error', (err) => {
      this.source.fail(err);
      this.log.debug({ err }, 'tcp syslog connection error');
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.replay(socket);
    });
    if (this.paused) socket.pause();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    for (const s of this.sockets) s.pause();
    this.chunker.onDrain(() => this.resume());
  }

  /** Hand on what a connection had read before the pause; false if the bound was hit again. */
  private replay(socket: net.Socket): boolean {
    const held = this.held.get(socket);
    if (!held) return true;
    while (held.length > 0) {
      if (!this.chunker.writable) return false;
      const [frame, truncated] = held.shift()!;
      this.intake.accept(this.source, frame, truncated);
    }
    this.held.delete(socket);
    return true;
  }

  private resume(): void {
    this.paused = false;
    for (const s of this.held.keys()) {
      if (!this.replay(s)) {
        this.pause();
        return;
      }
    }
    for (const s of this.sockets) s.resume();
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of this.sockets) s.end();
    // Give senders a moment to finish what they were writing, then cut.
    const timer = setTimeout(() => { for (const s of this.sockets) s.destroy(); }, 1000);
    await closed;
    clearTimeout(timer);
    this.source.stats.state = 'stopped';
  }
}
