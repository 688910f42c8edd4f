// The bench's webhook receiver (notify.webhookUrl): plain HTTP on loopback,
// every POST kept with the moment it arrived, its signature checked with
// the portal's own signing function, answered 204 at once so that delivery
// is never held up by the receiver.

import http from 'node:http';
import type net from 'node:net';
import crypto from 'node:crypto';
import { signature } from '../../src/portal/notify/webhook.ts';

/** The fields of the portal's webhook body (notify/webhook.ts webhookBody) the bench reads. */
export interface WebhookNotice {
  kind: string;
  applianceId: string | null;
  account: string | null;
  at: string;
  lastHeartbeatAt: string | null;
  since: string | null;
}

export interface Received {
  /** When the POST's body had arrived here (ms since the epoch). */
  receivedAt: number;
  notice: WebhookNotice;
  signed: boolean;
}

export class WebhookSink {
  readonly secret = crypto.randomBytes(24).toString('base64');
  readonly received: Received[] = [];
  private server: http.Server | undefined;
  private waiters: Array<() => void> = [];

  get url(): string {
    const a = this.server?.address() as net.AddressInfo | null;
    return `http://127.0.0.1:${a?.port ?? 0}/hooks/tmsp-bench`;
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const receivedAt = Date.now();
        const body = Buffer.concat(chunks).toString('utf8');
        res.writeHead(204).end();
        try {
          const notice = JSON.parse(body) as WebhookNotice;
          this.received.push({ receivedAt, notice, signed: req.headers['x-tmsp-signature'] === signature(body, this.secret) });
          for (const w of this.waiters.splice(0)) w();
        } catch {
          // not a notice: nothing to count
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return this;
  }

  /** Resolves when `done` holds of what was received, or after `ms`. */
  async until(done: (r: readonly Received[]) => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (!done(this.received)) {
      const left = end - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return true;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
