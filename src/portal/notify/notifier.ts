// The notify room's context: send() renders a notice and queues one message
// per channel in the store's durable queue; a delivery loop takes what is
// due, a few at a time, and retries failures with backoff until they are
// delivered, refused, or too old to matter. The queue is durable so that a
// restart of the portal loses no notice, and bounded so that a dead mail
// server cannot fill the disk: past queueLimit the oldest message goes,
// counted. The loop sleeps until the next message is due or send() wakes
// it; it never polls.

import { Backoff } from '../../core/backoff.ts';
import type { NotificationQueue } from '../store/store.ts';
import type { QueuedNotification } from '../store/types.ts';
import { messagesFor, openChannels, redactor, type ChannelName, type ChannelSettings, type MessageSettings } from './channels.ts';
import type { Channel, Notice, Outgoing } from './notice.ts';

// `notify test` sends past the queue; it is the notify room's other way out.
export { deliverNow, type ChannelOutcome } from './channels.ts';

export interface NotifyLog {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
}

export interface RetrySettings {
  /** First retry within this (ms), doubling per failure, with full jitter (core/backoff.ts). */
  baseMs: number;
  capMs: number;
  /** A message is given up after this many failed attempts, */
  maxAttempts: number;
  /** or once it is this old (ms): a day-old "silent" is history, not news. */
  maxAgeMs: number;
}

export const NOTIFY_RETRY: RetrySettings = { baseMs: 30_000, capMs: 3_600_000, maxAttempts: 50, maxAgeMs: 86_400_000 };

/** settings, portalUrl, reminderHours, emailCa, webhookTimeoutMs: see channels.ts. */
export interface NotifierOptions extends ChannelSettings, MessageSettings {
  queue: NotificationQueue;
  log: NotifyLog;
  now?: () => number;
  retry?: Partial<RetrySettings>;
  /** stop() lets deliveries under way finish this long, then cuts them (they stay queued). */
  stopGraceMs?: number;
}

export interface NotifierCounters {
  /** Messages put in the queue (one per channel per notice). */
  queued: number;
  sent: number;
  /** Refused by the receiver, or given up after maxAttempts / maxAgeMs. */
  failed: number;
  /** Failed attempts that were scheduled again. */
  retried: number;
  /** Taken out unsent because the queue was full. */
  dropped: number;
}

/** Messages taken per look at the queue. */
const BATCH = 8;
/**
 * A taken message is no other process's for this long: longer than a batch of deliveries takes
 * (8 per channel, each cut after its timeout), so it is delivered once; one whose taker died goes out after it.
 */
const LEASE_MS = 10 * 60_000;
/** The loop looks at the queue at least this often, whatever the next message's time says (a clock step). */
const MAX_SLEEP_MS = 3_600_000;

/** The wait before attempt `failures + 1`. A queued message carries its count across restarts, so it is replayed to a fresh Backoff. */
function retryDelay(failures: number, r: RetrySettings): number {
  const b = new Backoff({ baseMs: r.baseMs, capMs: r.capMs });
  for (let i = 1; i < failures; i++) b.next();
  // Full jitter may draw ~0: a floor keeps a failing receiver from being hit in a tight loop.
  return Math.max(b.next(), Math.min(1000, r.baseMs));
}

export class Notifier {
  readonly counters: NotifierCounters = { queued: 0, sent: 0, failed: 0, retried: 0, dropped: 0 };
  private readonly o: NotifierOptions;
  private readonly now: () => number;
  private readonly retry: RetrySettings;
  private readonly redact: (text: string) => string;
  private channels: Partial<Record<ChannelName, Channel>> = {};
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private again = false;
  private cut = new AbortController();
  /** send() one at a time: a full queue's drop-then-push stays exact. */
  private sending: Promise<void> = Promise.resolve();

  constructor(o: NotifierOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.retry = { ...NOTIFY_RETRY, ...o.retry };
    this.redact = redactor(o.settings);
  }

  start(): void {
    if (this.running) return;
    this.channels = openChannels(this.o);
    this.cut = new AbortController();
    this.running = true;
    // What an earlier run left queued goes out now.
    this.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    const pass = this.pass;
    if (pass) {
      const grace = setTimeout(() => this.cut.abort(), this.o.stopGraceMs ?? 3000);
      await pass;
      clearTimeout(grace);
    }
    await this.sending;
    for (const c of Object.values(this.channels)) c.close();
    this.channels = {};
  }

  /** Messages waiting for delivery (the status page's number). */
  get depth(): Promise<number> {
    return this.o.queue.size();
  }

  /** Queues the notice on every channel set up; delivered by the loop (after start()). */
  send(n: Notice): Promise<void> {
    const p = this.sending.then(() => this.enqueueNotice(n));
    this.sending = p.catch(() => undefined);
    return p;
  }

  private async enqueueNotice(n: Notice): Promise<void> {
    const out = messagesFor(n, this.o);
    const what = { kind: n.kind, applianceId: n.applianceId };
    if (out.leftOut > 0) this.o.log.warn({ ...what, leftOut: out.leftOut }, 'registration e-mail is not an address: left out');
    let queued = 0;
    if (out.email) queued += await this.enqueue('email', JSON.stringify(out.email));
    else if (out.noRecipient) this.o.log.warn(what, 'notice not e-mailed: no recipient (notify.to is empty and the appliance registered no address)');
    if (out.webhook) queued += await this.enqueue('webhook', JSON.stringify(out.webhook));
    if (!out.email && !out.webhook && !out.noRecipient) {
      this.o.log.info(what, 'notice not sent: no notification channel is set up (notify.email, notify.webhookUrl)');
    }
    if (queued > 0) this.wake();
  }

  /** 1 when queued. A full queue gives up its oldest message for the new one. */
  private async enqueue(channel: ChannelName, body: string): Promise<number> {
    const q = this.o.queue;
    const limit = this.o.settings.queueLimit;
    for (let i = 0; i < 3; i++) {
      if (await q.push(channel, body, this.now(), limit)) {
        this.counters.queued++;
        return 1;
      }
      if (await q.dropOldest()) this.dropped(limit);
    }
    // Still full: something else fills it as fast as we empty it; this message is the one dropped.
    this.dropped(limit);
    return 0;
  }

  private dropped(limit: number): void {
    this.counters.dropped++;
    this.o.log.warn({ dropped: this.counters.dropped, queueLimit: limit }, 'notification queue full: the oldest message was dropped');
  }

  private wake(): void {
    if (!this.running) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.again = false;
    this.pass = this.run()
      .catch((err: unknown) => {
        this.o.log.warn({ error: this.redact(String((err as Error)?.message ?? err)) }, 'notification delivery failed; trying again later');
        this.sleep(this.retry.baseMs);
      })
      .finally(() => {
        this.pass = undefined;
        if (this.again) this.wake();
      });
  }

  private sleep(ms: number): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), Math.min(Math.max(0, ms), MAX_SLEEP_MS));
    this.timer.unref();
  }

  private async run(): Promise<void> {
    const q = this.o.queue;
    for (;;) {
      if (!this.running) return;
      const due = await q.take(this.now(), BATCH, LEASE_MS);
      if (due.length === 0) break;
      // Channels side by side (a slow SMTP server does not hold up the webhook), each in queue order.
      const by = new Map<ChannelName, QueuedNotification[]>();
      for (const d of due) by.set(d.channel, [...(by.get(d.channel) ?? []), d]);
      await Promise.all([...by.values()].map(async (list) => {
        for (const d of list) {
          if (this.running) await this.deliver(d);
          else await q.release(d.id, this.now());
        }
      }));
    }
    // The earliest message, due or not, says when to look again.
    const [next] = await q.due(Number.MAX_SAFE_INTEGER, 1);
    if (next) this.sleep(next.nextAt - this.now());
  }

  private async deliver(d: QueuedNotification): Promise<void> {
    const q = this.o.queue;
    const about = { id: d.id, channel: d.channel };
    let m: Outgoing;
    try {
      m = JSON.parse(d.body) as Outgoing;
    } catch {
      await q.done(d.id);
      this.counters.failed++;
      this.o.log.warn(about, 'queued notification unreadable: dropped');
      return;
    }
    const what = { ...about, kind: m.kind, applianceId: m.applianceId };
    const channel = this.channels[d.channel];
    if (!channel) {
      await q.done(d.id);
      this.counters.failed++;
      this.o.log.warn(what, `queued notification dropped: ${d.channel} is no longer set up`);
      return;
    }
    const r = await channel.deliver(m, d.id, this.cut.signal);
    // Cut by stop(): given back as it was, the next start (or another portal process) delivers it.
    if (!r.ok && this.cut.signal.aborted) {
      await q.release(d.id, this.now());
      return;
    }
    if (r.ok) {
      await q.done(d.id);
      this.counters.sent++;
      this.o.log.info({ ...what, attempts: d.attempts + 1, ...(m.to ? { recipients: m.to.length } : {}) }, 'notification sent');
      if (r.note) this.o.log.warn(what, `notification sent, but ${this.redact(r.note)}`);
      return;
    }
    const error = this.redact(r.error);
    const failures = d.attempts + 1;
    const now = this.now();
    if (r.refused) {
      await q.done(d.id);
      this.counters.failed++;
      this.o.log.warn({ ...what, error }, 'notification refused by the receiver: dropped');
      return;
    }
    if (failures >= this.retry.maxAttempts || now - d.createdAt >= this.retry.maxAgeMs) {
      await q.done(d.id);
      this.counters.failed++;
      this.o.log.warn({ ...what, attempts: failures, error }, 'notification given up: not delivered after retrying');
      return;
    }
    const wait = Math.min(this.retry.capMs, Math.max(retryDelay(failures, this.retry), r.retryAfterMs ?? 0));
    await q.retry(d.id, now + wait, error);
    this.counters.retried++;
    // The first failure of a message is news; its later ones only repeat it.
    this.o.log[failures === 1 ? 'warn' : 'info']({ ...what, attempts: failures, retryInMs: wait, error }, 'notification not delivered; will retry');
  }
}
