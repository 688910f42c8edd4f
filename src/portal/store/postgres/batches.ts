// Batches, gaps, quarantine and detections in PostgreSQL. A batch is one
// transaction on a client of its own, from begin() to finish(): nothing of
// it is visible before its commit, and a process killed mid-batch leaves
// nothing behind (the server rolls its transaction back), so no other
// process's start ever has to guess whose unfinished batch it sees. The
// transaction holds an advisory lock on the appliance: two processes given
// batches of one appliance ingest them one after the other, each seeing
// what the other kept.

import type pg from 'pg';
import { RollupCounts } from '../rollup-counts.ts';
import { batch, gap, quarantineEntry, type BatchRow, type GapRow, type QuarantineRow } from '../rows.ts';
import type { BatchBegin, BatchStore, NewBatch } from '../store.ts';
import type { Batch, Detection, Gap } from '../types.ts';
import { changes, one, rows, type Db, type Queryable } from './db.ts';
import type { PgRollups } from './rollups.ts';

interface Open {
  client: pg.PoolClient;
  counts: RollupCounts;
}

export class PgBatches implements BatchStore {
  private readonly db: Db;
  private readonly rollups: PgRollups;
  /** Batches being ingested by this process: their transactions. */
  private readonly open = new Map<number, Open>();

  constructor(db: Db, rollups: PgRollups) {
    this.db = db;
    this.rollups = rollups;
  }

  async begin(b: NewBatch): Promise<BatchBegin> {
    const client = await this.db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`batch:${b.applianceId}`]);
      await this.rollups.refresh(client);
      const old = await one<BatchRow>(client, 'SELECT * FROM batch WHERE appliance_id = $1 AND first_seq = $2 AND last_seq = $3',
        [b.applianceId, b.firstSeq, b.lastSeq]);
      if (old?.state === 'done') {
        await this.end(client, 'ROLLBACK');
        return { kind: 'duplicate', batch: batch(old) };
      }
      if (old) {
        await client.query('DELETE FROM detection WHERE batch_id = $1', [old.id]);
        await client.query('DELETE FROM batch WHERE id = $1', [old.id]);
      }
      const covered = (await rows<{ first_seq: number; last_seq: number }>(client, `SELECT first_seq, last_seq FROM batch
        WHERE appliance_id = $1 AND state = 'done' AND last_seq >= $2 AND first_seq <= $3 ORDER BY first_seq`, [b.applianceId, b.firstSeq, b.lastSeq]))
        .map((r) => ({ firstSeq: r.first_seq, lastSeq: r.last_seq }));
      const { id } = (await one<{ id: number }>(client, `INSERT INTO batch (appliance_id, first_seq, last_seq, name, via, size, records,
        received_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ingesting') RETURNING id`,
      [b.applianceId, b.firstSeq, b.lastSeq, b.name, b.via, b.size, b.lastSeq - b.firstSeq + 1, b.receivedAt]))!;
      this.open.set(id, { client, counts: new RollupCounts() });
      return { kind: 'new', id, covered };
    } catch (err) {
      await this.end(client, 'ROLLBACK');
      throw err;
    }
  }

  private async end(client: pg.PoolClient, how: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    try {
      await client.query(how);
      client.release();
    } catch (err) {
      // A client whose transaction state is unknown is not given back to the pool.
      client.release(err as Error);
      if (how === 'COMMIT') throw err;
    }
  }

  private batchOf(id: number): Open {
    const o = this.open.get(id);
    if (!o) throw new Error(`batch ${id} is not being ingested by this process`);
    return o;
  }

  async addDetections(id: number, list: Detection[]): Promise<void> {
    const o = this.batchOf(id);
    if (list.length === 0) return;
    const cols: unknown[][] = Array.from({ length: 17 }, () => []);
    for (const d of list) {
      const cells = [id, d.time, d.applianceId, d.seq, d.format, d.eventId, d.threat, d.severity, d.category, d.srcHost, d.srcPort,
        d.dstHost, d.dstPort, d.protocol, d.action, d.cnc ? 1 : 0, d.cncAddress];
      for (let i = 0; i < cells.length; i++) cols[i]!.push(cells[i]);
      o.counts.add(d, this.rollups.dayOf(d.time));
    }
    await o.client.query(`INSERT INTO detection (batch_id, time, appliance_id, seq, format, event_id, threat, severity, category, src_host,
      src_port, dst_host, dst_port, protocol, action, cnc, cnc_address) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[],
      $4::bigint[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[], $11::int[], $12::text[], $13::int[],
      $14::text[], $15::text[], $16::int[], $17::text[])`, cols);
  }

  async finish(id: number, f: { newRecords: number; detections: number; now: number }): Promise<Batch> {
    const o = this.batchOf(id);
    this.open.delete(id);
    try {
      const c = o.client;
      const b = batch((await one<BatchRow>(c, 'SELECT * FROM batch WHERE id = $1', [id]))!);
      await this.recordGaps(c, b, f.now);
      await c.query(`UPDATE batch SET state = 'done', new_records = $1, detections = $2 WHERE id = $3`, [f.newRecords, f.detections, id]);
      await this.rollups.write(c, o.counts);
      await c.query(`UPDATE appliance SET last_batch_at = $1, last_batch_name = $2, batches = batches + 1, records = records + $3,
        detections = detections + $4 WHERE id = $5`, [b.receivedAt, b.name, f.newRecords, f.detections, b.applianceId]);
      await this.end(c, 'COMMIT');
      return { ...b, newRecords: f.newRecords, detections: f.detections };
    } catch (err) {
      await this.end(o.client, 'ROLLBACK').catch(() => {});
      throw err;
    }
  }

  /** As SQLite's: the holes between the lowest and highest sequence number kept, mended or opened by this range. */
  private async recordGaps(c: Queryable, b: Batch, now: number): Promise<void> {
    const put = (first: number, last: number) => c.query(`INSERT INTO gap VALUES ($1, $2, $3, $4)
      ON CONFLICT (appliance_id, first_seq) DO UPDATE SET last_seq = excluded.last_seq, found_at = excluded.found_at`,
    [b.applianceId, first, last, now]);
    for (const g of await rows<{ first_seq: number; last_seq: number }>(c,
      'SELECT * FROM gap WHERE appliance_id = $1 AND last_seq >= $2 AND first_seq <= $3', [b.applianceId, b.firstSeq, b.lastSeq])) {
      await c.query('DELETE FROM gap WHERE appliance_id = $1 AND first_seq = $2', [b.applianceId, g.first_seq]);
      if (g.first_seq < b.firstSeq) await put(g.first_seq, b.firstSeq - 1);
      if (g.last_seq > b.lastSeq) await put(b.lastSeq + 1, g.last_seq);
    }
    const { lo, hi } = (await one<{ lo: number | null; hi: number | null }>(c, `SELECT min(first_seq) AS lo, max(last_seq) AS hi FROM batch
      WHERE appliance_id = $1 AND state = 'done' AND id <> $2`, [b.applianceId, b.id]))!;
    if (hi !== null && hi < b.firstSeq - 1) await put(hi + 1, b.firstSeq - 1);
    if (lo !== null && lo > b.lastSeq + 1) await put(b.lastSeq + 1, lo - 1);
  }

  async discard(id: number): Promise<void> {
    const o = this.open.get(id);
    this.open.delete(id);
    if (o) await this.end(o.client, 'ROLLBACK');
  }

  /** Nothing an interrupted ingest did outlives its connection; rows a pre-release store left are dropped all the same. */
  async abandonUnfinished(): Promise<number> {
    return this.db.tx(async (c) => {
      const ids = (await rows<{ id: number }>(c, `SELECT id FROM batch WHERE state <> 'done'`)).map((r) => r.id);
      if (ids.length === 0) return 0;
      await c.query('DELETE FROM detection WHERE batch_id = ANY($1::bigint[])', [ids]);
      await c.query('DELETE FROM batch WHERE id = ANY($1::bigint[])', [ids]);
      return ids.length;
    });
  }

  async list(applianceId: string, limit: number): Promise<Batch[]> {
    return (await rows<BatchRow>(this.db.pool, `SELECT * FROM batch WHERE appliance_id = $1 AND state = 'done' ORDER BY last_seq DESC LIMIT $2`,
      [applianceId, limit])).map(batch);
  }

  async gaps(applianceId: string, limit: number): Promise<Gap[]> {
    return (await rows<GapRow>(this.db.pool, 'SELECT * FROM gap WHERE appliance_id = $1 ORDER BY first_seq DESC LIMIT $2', [applianceId, limit])).map(gap);
  }

  async quarantined(q: { applianceId: string | null; account: string; name: string; reason: string; at: number }): Promise<void> {
    await changes(this.db.pool, 'INSERT INTO quarantine (appliance_id, account, name, reason, at) VALUES ($1, $2, $3, $4, $5)',
      [q.applianceId, q.account, q.name, q.reason, q.at]);
  }

  async quarantineList(limit: number): Promise<Array<{ applianceId: string | null; account: string; name: string; reason: string; at: number }>> {
    return (await rows<QuarantineRow>(this.db.pool, 'SELECT * FROM quarantine ORDER BY id DESC LIMIT $1', [limit])).map(quarantineEntry);
  }

  /** Rolls back what this process still has open (its stop). */
  async close(): Promise<void> {
    for (const id of [...this.open.keys()]) await this.discard(id).catch(() => {});
  }
}
