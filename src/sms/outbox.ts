// The durable outbox and what the SMS holds from us. `sent` is what the SMS
// was last given (with its tags); `outbox` is the difference still to send,
// one coalesced row per entry: a later change replaces an earlier one, and
// an add cancelled before it went out never leaves. This side is the
// distributor's: the next batch, what was delivered, what the SMS refused.

import type { Counters } from '../state/counters.ts';
import type { Db, Statement } from '../state/db.ts';
import type { ObjectType } from './object.ts';

export interface OutboxRow {
  type: ObjectType;
  value: string;
  op: 'add' | 'delete';
  tags: string;
  attempts: number;
}

/** An entry the SMS itself refused (4xx), set aside until the operator retries it. */
export interface FailedEntry {
  type: ObjectType;
  value: string;
  op: 'add' | 'delete';
  /** The SMS's answer. */
  error: string;
  failedAt: number;
  attempts: number;
}

type Key = { type: ObjectType; value: string };

export class Outbox {
  private readonly db: Db;
  private readonly counters: Counters;
  private readonly s: {
    sent: Statement<[string, string], { tags: string }>;
    sentPut: Statement<[string, string, string, number]>;
    sentDel: Statement<[string, string]>;
    sentPage: Statement<[string, string, number], Key>;
    box: Statement<[string, string], { op: string; tags: string; failed: number }>;
    boxPut: Statement<[string, string, string, string, number]>;
    boxDel: Statement<[string, string]>;
    boxDelIf: Statement<[string, string, string, string]>;
    boxPage: Statement<[string, string, number], Key>;
    boxFirst: Statement<[], OutboxRow>;
    boxSame: Statement<[string, string, string, number], OutboxRow>;
    boxType: Statement<[string, string, number], OutboxRow>;
    boxCountType: Statement<[string, string], { n: number }>;
    boxAttempt: Statement<[string, string, string]>;
    boxFail: Statement<[string, number, string, string]>;
    boxFailed: Statement<[number, string, string, number], FailedEntry>;
    boxRetryAll: Statement<[]>;
    boxRetry: Statement<[string, string]>;
    boxCounts: Statement<[], { pending: number; failed: number }>;
  };

  constructor(db: Db, counters: Counters) {
    this.db = db;
    this.counters = counters;
    this.s = {
      sent: db.prepare('SELECT tags FROM sent WHERE type = ? AND value = ?'),
      sentPut: db.prepare(`INSERT INTO sent (type, value, tags, sent_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (type, value) DO UPDATE SET tags = excluded.tags, sent_at = excluded.sent_at`),
      sentDel: db.prepare('DELETE FROM sent WHERE type = ? AND value = ?'),
      sentPage: db.prepare('SELECT type, value FROM sent WHERE (type, value) > (?, ?) ORDER BY type, value LIMIT ?'),
      box: db.prepare('SELECT op, tags, failed FROM outbox WHERE type = ? AND value = ?'),
      boxPut: db.prepare(`INSERT INTO outbox (type, value, op, tags, queued_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (type, value) DO UPDATE SET op = excluded.op, tags = excluded.tags, queued_at = excluded.queued_at,
        attempts = 0, failed = 0, last_error = NULL, failed_at = NULL`),
      boxDel: db.prepare('DELETE FROM outbox WHERE type = ? AND value = ?'),
      boxDelIf: db.prepare('DELETE FROM outbox WHERE type = ? AND value = ? AND op = ? AND tags = ?'),
      boxPage: db.prepare('SELECT type, value FROM outbox WHERE (type, value) > (?, ?) ORDER BY type, value LIMIT ?'),
      boxFirst: db.prepare('SELECT type, value, op, tags, attempts FROM outbox WHERE failed = 0 ORDER BY queued_at LIMIT 1'),
      boxSame: db.prepare(`SELECT type, value, op, tags, attempts FROM outbox
        WHERE failed = 0 AND op = ? AND type = ? AND tags = ? ORDER BY queued_at LIMIT ?`),
      boxType: db.prepare(`SELECT type, value, op, tags, attempts FROM outbox
        WHERE failed = 0 AND op = ? AND type = ? ORDER BY queued_at LIMIT ?`),
      boxCountType: db.prepare('SELECT count(*) AS n FROM outbox WHERE failed = 0 AND op = ? AND type = ?'),
      boxAttempt: db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE type = ? AND value = ?'),
      boxFail: db.prepare('UPDATE outbox SET failed = 1, last_error = ?, failed_at = ? WHERE type = ? AND value = ?'),
      boxFailed: db.prepare(`SELECT type, value, op, last_error AS error,
        failed_at AS failedAt, attempts FROM outbox WHERE failed = 1 AND (failed_at, type, value) < (?, ?, ?)
        ORDER BY failed_at DESC, type DESC, value DESC LIMIT ?`),
      boxRetryAll: db.prepare('UPDATE outbox SET failed = 0, attempts = 0, last_error = NULL, failed_at = NULL WHERE failed = 1'),
      boxRetry: db.prepare(`UPDATE outbox SET failed = 0, attempts = 0, last_error = NULL, failed_at = NULL
        WHERE failed = 1 AND type = ? AND value = ?`),
      boxCounts: db.prepare('SELECT coalesce(sum(failed = 0), 0) AS pending, coalesce(sum(failed = 1), 0) AS failed FROM outbox'),
    };
  }

  // The reconciler's side: what the SMS holds and what is queued, per entry.

  sentTags(type: ObjectType, value: string): string | undefined {
    return this.s.sent.get(type, value)?.tags;
  }

  queued(type: ObjectType, value: string): { op: string; tags: string } | undefined {
    return this.s.box.get(type, value);
  }

  queue(type: ObjectType, value: string, op: 'add' | 'delete', tags: string): void {
    this.s.boxPut.run(type, value, op, tags, Date.now());
  }

  unqueue(type: ObjectType, value: string): void {
    this.s.boxDel.run(type, value);
  }

  /** Entries on the SMS, then entries queued, by key, `limit` after `after` (for a reconcile of everything). */
  sentPage(after: { type: string; value: string }, limit: number): Key[] {
    return this.s.sentPage.all(after.type, after.value, limit);
  }

  queuedPage(after: { type: string; value: string }, limit: number): Key[] {
    return this.s.boxPage.all(after.type, after.value, limit);
  }

  get onSms(): number {
    return this.counters.get('on_sms');
  }

  // The distributor's side.

  /** The next rows that can go in one request: same operation, type (and tags, for adds). */
  nextBatch(maxRows: number, importThreshold: number, bulkMaxRows: number): { rows: OutboxRow[]; bulk: boolean } | undefined {
    const first = this.s.boxFirst.get();
    if (!first) return undefined;
    const total = this.s.boxCountType.get(first.op, first.type)!.n;
    // Large sets go as one CSV file per type (per-line tags); small ones as query parameters.
    if (total >= importThreshold) return { rows: this.s.boxType.all(first.op, first.type, bulkMaxRows), bulk: true };
    const rows = first.op === 'add'
      ? this.s.boxSame.all('add', first.type, first.tags, maxRows)
      : this.s.boxType.all('delete', first.type, maxRows);
    return { rows, bulk: false };
  }

  /** The SMS accepted these rows: record what it now holds, and clear them (unless they changed meanwhile). */
  delivered(rows: readonly OutboxRow[], now = Date.now()): void {
    this.db.transaction(() => {
      for (const r of rows) {
        if (r.op === 'add') {
          if (!this.s.sent.get(r.type, r.value)) this.counters.add('on_sms', 1);
          this.s.sentPut.run(r.type, r.value, r.tags, now);
        } else if (this.s.sentDel.run(r.type, r.value).changes > 0) {
          this.counters.add('on_sms', -1);
        }
        this.s.boxDelIf.run(r.type, r.value, r.op, r.tags);
      }
      this.counters.add(rows[0]?.op === 'add' ? 'sms_sent_adds' : 'sms_sent_deletes', rows.length);
    })();
  }

  attempted(rows: readonly OutboxRow[], error: string): void {
    this.db.transaction(() => {
      for (const r of rows) this.s.boxAttempt.run(error, r.type, r.value);
    })();
  }

  /** The SMS refuses this entry itself: keep it out of the queue (counted as failed) until something changes. */
  failed(row: OutboxRow, error: string, now = Date.now()): void {
    this.s.boxFail.run(error, now, row.type, row.value);
  }

  /** The entries set aside, newest first: `limit` of them after `before` (one page). */
  failedEntries(limit: number, before?: { failedAt: number; type: string; value: string }): FailedEntry[] {
    const b = before ?? { failedAt: Number.MAX_SAFE_INTEGER, type: '', value: '' };
    return this.s.boxFailed.all(b.failedAt, b.type, b.value, limit);
  }

  /** Put entries set aside back in the queue (all, or one), once the operator fixed the cause. */
  retryFailed(entry?: Key): number {
    return (entry ? this.s.boxRetry.run(entry.type, entry.value) : this.s.boxRetryAll.run()).changes;
  }

  counts(): { pending: number; failed: number; onSms: number; adds: number; deletes: number } {
    const box = this.s.boxCounts.get()!;
    return {
      pending: box.pending, failed: box.failed, onSms: this.onSms,
      adds: this.counters.get('sms_sent_adds'), deletes: this.counters.get('sms_sent_deletes'),
    };
  }
}
