// Test-side syslog senders for each transport.

import dgram from 'node:dgram';
import net from 'node:net';
import { loadAddon } from '../../src/native/addons.ts';

interface Binding {
  AF_UNIX: number;
  SOCK_DGRAM: number;
  socket(d: number, t: number, p: number, recv: () => void, writable: () => void): number;
  sendto(fd: number, buf: Buffer, off: number, len: number, path: string): number;
  close(fd: number): number;
}

/** A unix datagram client, like syslog(3) writing to /dev/log. */
export class UnixSender {
  private readonly b = loadAddon('unix_dgram') as Binding;
  private readonly fd: number;
  private readonly path: string;
  constructor(path: string) {
    this.path = path;
    this.fd = this.b.socket(this.b.AF_UNIX, this.b.SOCK_DGRAM, 0, () => {}, () => {});
  }
  /** Returns false when the receiver's queue is full (non-blocking socket): retry later. */
  send(msg: string | Buffer): boolean {
    const buf = typeof msg === 'string' ? Buffer.from(msg) : msg;
    const r = this.b.sendto(this.fd, buf, 0, buf.length, this.path);
    if (r < 0 && r !== -11) throw new Error(`sendto failed: errno ${-r}`);
    return r === 0;
  }
  async sendAll(msgs: Iterable<string | Buffer>): Promise<void> {
    for (const m of msgs) {
      while (!this.send(m)) await new Promise((r) => setImmediate(r));
    }
  }
  close(): void {
    this.b.close(this.fd);
  }
}

export async function sendUdp(port: number, msgs: string[]): Promise<void> {
  const s = dgram.createSocket('udp4');
  for (const m of msgs) await new Promise<void>((r, j) => s.send(m, port, '127.0.0.1', (e) => (e ? j(e) : r())));
  s.close();
}

export async function sendTcp(port: number, data: string | Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(data));
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}
