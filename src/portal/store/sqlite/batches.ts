// Batches, gaps, quarantine and the detections a batch carries, in SQLite.
// A batch is written in three steps (begin, detections, finish) so that a
// large one never sits in memory whole; only finish() makes it visible, and
// abandonUnfinished() removes what a crash left between the steps.

import type Database from 'better-sqlite3';
import type { BatchBegin, BatchStore, NewBatch } from '../store.ts';
import { batch, gap, quarantineEntry, type BatchRow, type GapRow, type QuarantineRow } from '../rows.ts';
import type { Batch, Detection, Gap } from '../types.ts';
import { RollupCounts } from '../rollup-counts.ts';
import type { Rollups } from './rollups.ts';

export class SqliteBatches implements BatchStore {
  private readonly st;
  private readonly db: Database.Database;
  /** Per batch being ingested: its detections' roll-up counts. */
  private readonly pending = new Map<number, RollupCounts>();
  private readonly rollups: Rollups;

  constructor(db: Database.Database, rollups: Rollups) {
    this.db = db;
    this.rollups = rollups;
    this.st = {
      byRange: db.prepare('SELECT * FROM batch WHERE appliance_id = ? AND first_seq = ? AND last_seq = ?'),
      overlapping: db.prepare(`SELECT first_seq, last_seq FROM batch WHERE appliance_id = ? AND state = 'done'
        AND last_seq >= ? AND first_seq <= ? ORDER BY first_seq`),
      insert: db.prepare(`INSERT INTO batch (appliance_id, first_seq, last_seq, name, via, size, records, received_at, state)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ingesting')`),
      detection: db.prepare(`INSERT INTO detection (batch_id, time, appliance_id, seq, format, event_id, threat, severity, category,
        src_host, src_port, dst_host, dst_port, protocol, action, cnc, cnc_address) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      get: db.prepare('SELECT * FROM batch WHERE id = ?'),
      done: db.prepare(`UPDATE batch SET state = 'done', new_records = ?, detections = ? WHERE id = ?`),
      bounds: db.prepare(`SELECT min(first_seq) AS lo, max(last_seq) AS hi FROM batch WHERE appliance_id = ? AND state = 'done' AND id <> ?`),
      gapsIn: db.prepare('SELECT * FROM gap WHERE appliance_id = ? AND last_seq >= ? AND first_seq <= ?'),
      gapDelete: db.prepare('DELETE FROM gap WHERE appliance_id = ? AND first_seq = ?'),
      gapInsert: db.prepare('INSERT OR REPLACE INTO gap VALUES (?, ?, ?, ?)'),
      appliance: db.prepare(`UPDATE appliance SET last_batch_at = ?, last_batch_name = ?, batches = batches + 1,
        records = records + ?, detections = detections + ? WHERE id = ?`),
      unfinished: db.prepare(`SELECT id FROM batch WHERE state <> 'done'`),
      dropDetections: db.prepare('DELETE FROM detection WHERE batch_id = ?'),
      dropBatch: db.prepare('DELETE FROM batch WHERE id = ?'),
    };
  }

  async begin(b: NewBatch): Promise<BatchBegin> {
    this.rollups.refresh();
    return this.db.transaction((): BatchBegin => {
      const old = this.st.byRange.get(b.applianceId, b.firstSeq, b.lastSeq) as BatchRow | undefined;
      if (old?.state === 'done') return { kind: 'duplicate', batch: batch(old) };
      if (old) {
        this.st.dropDetections.run(old.id);
        this.st.dropBatch.run(old.id);
      }
      const covered = (this.st.overlapping.all(b.applianceId, b.firstSeq, b.lastSeq) as Array<{ first_seq: number; last_seq: number }>)
        .map((r) => ({ firstSeq: r.first_seq, lastSeq: r.last_seq }));
      const id = Number(this.st.insert.run(b.applianceId, b.firstSeq, b.lastSeq, b.name, b.via, b.size,
        b.lastSeq - b.firstSeq + 1, b.receivedAt).lastInsertRowid);
      return { kind: 'new', id, covered };
    })();
  }

  /**
   * A slice of a batch's detections. Its commit is not synced: until finish()
   * the batch is invisible and a crash discards it whole, and finish()'s
   * synced commit makes every earlier one durable with it. The roll-up counts
   * are gathered here and written by finish(), rather than read back.
   */
  async addDetections(id: number, rows: Detection[]): Promise<void> {
    let counts = this.pending.get(id);
    if (!counts) this.pending.set(id, (counts = new RollupCounts()));
    this.db.pragma('synchronous = NORMAL');
    try {
      this.db.transaction(() => {
        for (const d of rows) {
          this.st.detection.run(id, d.time, d.applianceId, d.seq, d.format, d.eventId, d.threat, d.severity, d.category,
            d.srcHost, d.srcPort, d.dstHost, d.dstPort, d.protocol, d.action, d.cnc ? 1 : 0, d.cncAddress);
          counts!.add(d, this.rollups.dayOf(d.time));
        }
      })();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  async finish(id: number, f: { newRecords: number; detections: number; now: number }): Promise<Batch> {
    return this.db.transaction((): Batch => {
      const b = batch(this.st.get.get(id) as BatchRow);
      this.recordGaps(b, f.now);
      this.st.done.run(f.newRecords, f.detections, id);
      const counts = this.pending.get(id);
      if (counts) this.rollups.write(counts);
      this.pending.delete(id);
      this.st.appliance.run(b.receivedAt, b.name, f.newRecords, f.detections, b.applianceId);
      return { ...b, newRecords: f.newRecords, detections: f.detections };
    })();
  }

  /**
   * Gaps are the holes between the lowest and the highest sequence number
   * kept. A new range fills (part of) the holes it overlaps, and opens one
   * when it lands past either end.
   */
  private recordGaps(b: Batch, now: number): void {
    for (const g of this.st.gapsIn.all(b.applianceId, b.firstSeq, b.lastSeq) as Array<{ first_seq: number; last_seq: number }>) {
      this.st.gapDelete.run(b.applianceId, g.first_seq);
      if (g.first_seq < b.firstSeq) this.st.gapInsert.run(b.applianceId, g.first_seq, b.firstSeq - 1, now);
      if (g.last_seq > b.lastSeq) this.st.gapInsert.run(b.applianceId, b.lastSeq + 1, g.last_seq, now);
    }
    const { lo, hi } = this.st.bounds.get(b.applianceId, b.id) as { lo: number | null; hi: number | null };
    if (hi !== null && hi < b.firstSeq - 1) this.st.gapInsert.run(b.applianceId, hi + 1, b.firstSeq - 1, now);
    if (lo !== null && lo > b.lastSeq + 1) this.st.gapInsert.run(b.applianceId, b.lastSeq + 1, lo - 1, now);
  }

  async discard(id: number): Promise<void> {
    this.pending.delete(id);
    this.db.transaction(() => {
      this.st.dropDetections.run(id);
      this.st.dropBatch.run(id);
    })();
  }

  async abandonUnfinished(): Promise<number> {
    return this.db.transaction(() => {
      const ids = (this.st.unfinished.all() as Array<{ id: number }>).map((r) => r.id);
      for (const id of ids) {
        this.pending.delete(id);
        this.st.dropDetections.run(id);
        this.st.dropBatch.run(id);
      }
      return ids.length;
    })();
  }

  async list(applianceId: string, limit: number): Promise<Batch[]> {
    return (this.db.prepare(`SELECT * FROM batch WHERE appliance_id = ? AND state = 'done' ORDER BY last_seq DESC LIMIT ?`)
      .all(applianceId, limit) as BatchRow[]).map(batch);
  }

  async gaps(applianceId: string, limit: number): Promise<Gap[]> {
    return (this.db.prepare('SELECT * FROM gap WHERE appliance_id = ? ORDER BY first_seq DESC LIMIT ?').all(applianceId, limit) as GapRow[]).map(gap);
  }

  async quarantined(q: { applianceId: string | null; account: string; name: string; reason: string; at: number }): Promise<void> {
    this.db.prepare('INSERT INTO quarantine (appliance_id, account, name, reason, at) VALUES (?, ?, ?, ?, ?)')
      .run(q.applianceId, q.account, q.name, q.reason, q.at);
  }

  async quarantineList(limit: number): Promise<Array<{ applianceId: string | null; account: string; name: string; reason: string; at: number }>> {
    return (this.db.prepare('SELECT * FROM quarantine ORDER BY id DESC LIMIT ?').all(limit) as QuarantineRow[]).map(quarantineEntry);
  }
}

