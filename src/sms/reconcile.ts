// What the outbox row of an entry must be, from its object, the distribution
// policy and what the SMS holds: reconcile() is the one place that decides,
// so a restart, a filter change, an expiry or a purge all reduce to it. A
// policy change recomputes every entry, a slice per transaction, the event
// loop getting its turn between slices; the same policy again costs nothing.

import type { Counters } from '../state/counters.ts';
import type { Db } from '../state/db.ts';
import type { ObjectType } from './object.ts';
import type { ObjectTable } from './objects.ts';
import type { Outbox } from './outbox.ts';
import { qualifies, tagData, type Policy } from './policy.ts';

/** Entries reconciled per transaction when the policy changes. */
const SLICE = 1000;

export class Reconciler {
  private readonly db: Db;
  private readonly objects: () => ObjectTable;
  private readonly outbox: Outbox;
  private readonly counters: Counters;
  /** The distribution policy; undefined while distribution is off (nothing is reconciled). */
  private policy: Policy | undefined;
  purging: boolean;
  /** The policy the outbox was last reconciled for. */
  private policyKey: string | undefined;
  /** Bumped by each reconcile of everything: a newer one (or close) ends an older one between slices. */
  private generation = 0;

  /** `objects` is asked for lazily: the object table tells this reconciler of its changes, and is built after it. */
  constructor(db: Db, objects: () => ObjectTable, outbox: Outbox, counters: Counters) {
    this.db = db;
    this.objects = objects;
    this.outbox = outbox;
    this.counters = counters;
    this.purging = counters.get('sms_purging') === 1;
  }

  /** Recompute one entry's outbox row; inside the caller's transaction. */
  one(type: ObjectType, value: string): void {
    if (!this.policy && !this.purging) return; // distribution off: the outbox waits as it is
    const obj = this.objects().get(type, value);
    const want = !this.purging && this.policy && obj && qualifies(this.policy, obj.type, obj.risk)
      ? tagData(this.policy, obj.category, obj.risk) : null;
    const sent = this.outbox.sentTags(type, value);
    const box = this.outbox.queued(type, value);
    if (want !== null) {
      if (sent === want) this.outbox.unqueue(type, value);
      else if (!(box && box.op === 'add' && box.tags === want)) this.outbox.queue(type, value, 'add', want);
    } else if (sent !== undefined) {
      if (!(box && box.op === 'delete')) this.outbox.queue(type, value, 'delete', '');
    } else if (box) {
      this.outbox.unqueue(type, value);
    }
  }

  setPolicy(policy: Policy | undefined): Promise<void> {
    const key = JSON.stringify(policy ?? null);
    if (key === this.policyKey) return Promise.resolve();
    this.policy = policy;
    this.policyKey = key;
    return this.all();
  }

  /** Take back everything we put on the SMS. */
  purge(): void {
    this.purging = true;
    this.counters.set('sms_purging', 1);
    void this.all().catch(() => {});
  }

  /** Purging ends once every delete went out; distribution then starts from a clean SMS. */
  endPurgeIfDone(): boolean {
    if (!this.purging || this.outbox.onSms > 0) return false;
    this.purging = false;
    this.counters.set('sms_purging', 0);
    void this.all().catch(() => {});
    return true;
  }

  /** Every object, then every entry whose object is gone (on the SMS: to delete; queued: to drop), a slice at a time. */
  private *slices(): Generator<void> {
    for (let after: { type: string; value: string } | undefined; ;) {
      const rows = this.objects().page(SLICE, after);
      this.db.transaction(() => this.counters.batch(() => {
        for (const r of rows) this.one(r.type, r.value);
      }))();
      if (rows.length < SLICE) break;
      after = rows[rows.length - 1]!;
      yield;
    }
    for (const page of [this.outbox.sentPage, this.outbox.queuedPage]) {
      for (let after: { type: string; value: string } = { type: '', value: '' }; ;) {
        const rows = page.call(this.outbox, after, SLICE);
        this.db.transaction(() => {
          for (const r of rows) if (!this.objects().get(r.type, r.value)) this.one(r.type, r.value);
        })();
        if (rows.length < SLICE) break;
        after = rows[rows.length - 1]!;
        yield;
      }
    }
  }

  /**
   * Reconcile every entry: the first slice now, the rest each on its own turn
   * of the event loop, so that a store of a million objects never stops
   * ingest from draining its sockets. Resolves when done (or superseded).
   */
  all(): Promise<void> {
    const gen = ++this.generation;
    const it = this.slices();
    return new Promise((resolve, reject) => {
      const step = () => {
        try {
          if (gen !== this.generation || it.next().done) resolve();
          else setImmediate(step);
        } catch (err) {
          reject(err);
        }
      };
      step();
    });
  }

  /** No reconcile goes on after this (the database is about to close). */
  close(): void {
    this.generation++;
  }
}
