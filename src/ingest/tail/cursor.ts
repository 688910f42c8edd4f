// Where a followed file was read up to. Written only inside the spool's
// commit transaction (via a chunk note), so the offset never runs ahead of
// the records that are durable in the spool.

import type { Db } from '../../state/db.ts';

export interface Cursor {
  dev: number;
  ino: number;
  offset: number;
}

export class CursorStore {
  private readonly getStmt;
  private readonly putStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[string], Cursor>('SELECT dev, ino, offset FROM tail_cursor WHERE path = ?');
    this.putStmt = db.prepare(`INSERT INTO tail_cursor (path, dev, ino, offset, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(path) DO UPDATE SET dev = excluded.dev, ino = excluded.ino, offset = excluded.offset,
      updated_at = excluded.updated_at`);
  }

  get(path: string): Cursor | undefined {
    return this.getStmt.get(path);
  }

  put(path: string, c: Cursor): void {
    this.putStmt.run(path, c.dev, c.ino, c.offset, Date.now());
  }
}
