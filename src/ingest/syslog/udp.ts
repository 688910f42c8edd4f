// UDP syslog on the loopback: one message per datagram (RFC 5426). A push
// source: it is always drained, and what the spool cannot take is counted.

import dgram from 'node:dgram';
import net from 'node:net';
import { Source, type IngestSource, type Intake } from '../intake.ts';
import { trimDatagram } from './datagram.ts';

export interface UdpOptions {
  host: string;
  port: number;
}

export class UdpSyslog implements IngestSource {
  readonly source: Source;
  private readonly opts: UdpOptions;
  private readonly intake: Intake;
  private socket: dgram.Socket | undefined;

  constructor(opts: UdpOptions, intake: Intake) {
    this.opts = opts;
    this.intake = intake;
    this.source = new Source(`udp:${opts.host}:${opts.port}`, 'udp', 'syslog');
  }

  start(): Promise<void> {
    const socket = (this.socket = dgram.createSocket({
      type: net.isIPv6(this.opts.host) ? 'udp6' : 'udp4',
      recvBufferSize: 4 * 1024 * 1024, // the kernel caps this at net.core.rmem_max
    }));
    socket.on('message', (msg) => {
      const line = trimDatagram(msg);
      if (line.length > 0) this.intake.accept(this.source, line);
    });
    return new Promise((resolve, reject) => {
      socket.once('error', (err) => {
        this.source.stats.state = 'failed';
        this.source.fail(err);
        reject(err);
      });
      socket.bind(this.opts.port, this.opts.host, () => {
        this.source.stats.state = 'listening';
        socket.removeAllListeners('error');
        socket.on('error', (err) => this.source.fail(err));
        resolve();
      });
    });
  }

  stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.source.stats.state = 'stopped';
    return new Promise((resolve) => (socket ? socket.close(() => resolve()) : resolve()));
  }
}
