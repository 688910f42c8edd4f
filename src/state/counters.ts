// Persistent counters (dropped, corrupt, sequence numbers...). They live in
// the database so they survive restarts and change in the same transaction
// as the data they count.

import type { Db } from './db.ts';

export class Counters {
  private readonly getStmt;
  private readonly addStmt;
  private readonly setStmt;
  /** Inside batch(): the counters touched, by value, written once when it ends. */
  private pending: Map<string, number> | undefined;

  constructor(db: Db) {
    this.getStmt = db.prepare<[string], { value: number }>('SELECT value FROM counter WHERE name = ?');
    this.addStmt = db.prepare('INSERT INTO counter (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value');
    this.setStmt = db.prepare('INSERT INTO counter (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value');
  }

  private stored(name: string): number {
    return this.getStmt.get(name)?.value ?? 0;
  }

  get(name: string): number {
    return this.pending?.get(name) ?? this.stored(name);
  }

  add(name: string, delta: number): void {
    if (delta === 0) return;
    if (this.pending) this.pending.set(name, this.get(name) + delta);
    else this.addStmt.run(name, delta);
  }

  set(name: string, value: number): void {
    if (this.pending) this.pending.set(name, value);
    else this.setStmt.run(name, value);
  }

  /**
   * Run fn with the counters it moves kept in memory and written once at the
   * end: a batch of a thousand objects moves the same few counters thousands
   * of times. Call it inside the transaction that holds fn's writes, so that
   * the counters commit or roll back with them; if fn throws, nothing of the
   * batch is written.
   */
  batch<T>(fn: () => T): T {
    if (this.pending) return fn();
    this.pending = new Map();
    try {
      const out = fn();
      for (const [name, value] of this.pending) this.setStmt.run(name, value);
      return out;
    } finally {
      this.pending = undefined;
    }
  }
}
