// Test-side syslog senders for each transport.

import dgram from 'node:dgram';
import net from 'node:net';
import { loadAddon } from '../../src/native/addons.ts';
import type { DgramBinding } from '../../src/ingest/syslog/unix.ts';

/** A unix datagram client, like syslog(3) writing to /dev/log (non-blocking). */
export class UnixSender {
  private readonly b = loadAddon('tmsp_dgram') as DgramBinding;
  private readonly fd = this.b.socket();
  private readonly path: string;
  constructor(path: string) {
    this.path = path;
  }
  /** Returns false when the receiver's queue is full: retry later. */
  send(msg: string | Buffer): boolean {
    const r = this.b.sendto(this.fd, this.path, typeof msg === 'string' ? Buffer.from(msg) : msg);
    if (r < 0 && r !== -11) throw new Error(`sendto failed: errno ${-r}`);
    return r === 0;
  }
  async sendAll(msgs: Iterable<string | Buffer>): Promise<void> {
    for (const m of msgs) {
      while (!this.send(m)) await new Promise((r) => setImmediate(r));
    }
  }
  close(): void {
    this.b.closefd(this.fd);
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
