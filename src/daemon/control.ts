// The control socket: a Unix stream socket, mode 0660, that the CLI (and so
// the appliance menus) use to ask the running daemon for status and actions.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { clearStaleSocket, removeOwnSocket } from '../core/socket-file.ts';
import { errorCode } from '../errors.ts';
import {
  MAX_CONTROL_LINE, type ControlCommand, type ControlCommands, type ControlRequest, type ControlResponse,
} from './control-protocol.ts';

/** A command's handler: its arguments as the CLI sends them (still to be checked), its answer as the table says. */
export type ControlHandler<K extends ControlCommand> =
  (args: Partial<ControlCommands[K]['args']>) => ControlCommands[K]['result'] | Promise<ControlCommands[K]['result']>;

const REQUEST_TIMEOUT_MS = 10_000;

/** Is something answering on this stream socket path? */
function inUse(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(file);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class ControlServer {
  private readonly file: string;
  private readonly log: Logger;
  private readonly handlers = new Map<string, (args: Record<string, unknown>) => unknown>();
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(file: string, log: Logger) {
    this.file = file;
    this.log = log;
  }

  handle<K extends ControlCommand>(cmd: K, fn: ControlHandler<K>): void {
    this.handlers.set(cmd, fn as (args: Record<string, unknown>) => unknown);
  }

  async start(): Promise<void> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o750 });
    await clearStaleSocket(this.file, 'daemon.controlSocket', () => inUse(this.file));
    const server = (this.server = net.createServer((s) => this.serve(s)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.file, () => {
        server.off('error', reject);
        resolve();
      });
    });
    fs.chmodSync(this.file, 0o660);
    server.on('error', (err) => this.log.error({ err }, 'control socket error'));
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > MAX_CONTROL_LINE) socket.destroy();
        return;
      }
      socket.off('data', onData);
      void this.answer(buf.slice(0, nl)).then((res) => socket.end(`${JSON.stringify(res)}\n`));
    };
    socket.on('data', onData);
  }

  private async answer(line: string): Promise<ControlResponse> {
    let req: ControlRequest;
    try {
      req = JSON.parse(line) as ControlRequest;
    } catch {
      return { ok: false, error: { code: 'E_DAEMON_PROTOCOL', message: 'request is not JSON' } };
    }
    const fn = typeof req?.cmd === 'string' ? this.handlers.get(req.cmd) : undefined;
    if (!fn) return { ok: false, error: { code: 'E_DAEMON_PROTOCOL', message: `unknown command ${String(req?.cmd)}` } };
    try {
      return { ok: true, result: await fn(req.args ?? {}) };
    } catch (err) {
      this.log.warn({ err, cmd: req.cmd }, 'control command failed');
      return { ok: false, error: { code: errorCode(err), message: (err as Error).message } };
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    removeOwnSocket(this.file);
  }
}
