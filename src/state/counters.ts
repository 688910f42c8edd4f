// Persistent counters (dropped, corrupt, sequence numbers...). They live in
// the database so they survive restarts and change in the same transaction
// as the data they count.

import type { Db } from './db.ts';

export class Counters {
  private readonly getStmt;
  private readonly addStmt;
  private readonly setStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[string], { value: number }>('SELECT value FROM counter WHERE name = ?');
    this.addStmt = db.prepare('INSERT INTO counter (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value');
    this.setStmt = db.prepare('INSERT INTO counter (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value');
  }

  get(name: string): number {
    return this.getStmt.get(name)?.value ?? 0;
  }

  add(name: string, delta: number): void {
    if (delta !== 0) this.addStmt.run(name, delta);
  }

  set(name: string, value: number): void {
    this.setStmt.run(name, value);
  }
}
