// The spool: records stream into gzip members (or zstd frames), sealed chunks are stored in
// order within the byte budget, and what goes in comes out exactly once.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRecord, sourcePrefix, decodeRecord } from '../../src/protocol/record.ts';
import { selectBatch } from '../../src/spool/batch.ts';
import { segmentFile } from '../../src/spool/segments.ts';
import { crc32, gzipSync } from 'node:zlib';
import { openState, WAL_SIZE_LIMIT } from '../../src/state/db.ts';
import { chunksOf, concatenated, dirBytes, flipBodyByte, gunzip, openSpool, SMALL, unzstd } from '../helpers/spool.ts';
import { tmpdir } from '../helpers/tmp.ts';

const PREFIX = sourcePrefix('syslog');

function rec(i: number, pad = 0): string {
  const line = `<134>Nov 22 08:00:00 ddi01 CEF:0|Trend Micro|DDI|6.0|1539|test|6|id=${i} src=10.0.${i % 256}.${i % 199}${' x'.repeat(pad)}`;
  return encodeRecord(1_700_000_000_000 + i, PREFIX, 'cef', line, Buffer.from(line));
}

/** Random text compresses poorly: it fills the budget quickly. */
function noisy(i: number): string {
  const line = `id=${i} ${crypto.randomBytes(1500).toString('base64')}`;
  return encodeRecord(Date.now(), PREFIX, 'raw', line, Buffer.from(line));
}

describe('spool', () => {
  it('decompresses with plain gunzip to exactly the records appended, in order', async () => {
    const { state, spool } = openSpool(tmpdir());
    const sent: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const r = rec(i, i % 17);
      sent.push(r);
      expect(spool.chunker.append(r, Date.now())).toBe(true);
    }
    await spool.flush();
    const st = spool.stats();
    expect(st.chunks).toBeGreaterThan(5); // several sealed gzip members, one stream
    expect(st.records).toBe(5000);
    expect(gunzip(concatenated(spool))).toBe(sent.join(''));
    state.db.close();
  });

  it('keeps every record whole, whatever its size and characters, across staging buffer boundaries', async () => {
    const { state, spool } = openSpool(tmpdir());
    const sent: string[] = [];
    const texts = ['ascii', 'é ü ß', '日本語のログ', '😀🔒', '\u0000\u001f"\\'];
    for (let i = 0; i < 3000; i++) {
      // Mostly short; now and then one of thousands of repeats, past a staging buffer in UTF-8.
      const n = i % 97 === 0 ? 2000 * (1 + (i % 10)) : 1 + (i % 50);
      const line = `id=${i} ${texts[i % texts.length]!.repeat(n)}`;
      sent.push(encodeRecord(i, PREFIX, 'raw', line, Buffer.from(line)));
      if (!spool.chunker.writable) await new Promise<void>((r) => spool.chunker.onDrain(r));
      expect(spool.chunker.append(sent.at(-1)!, Date.now())).toBe(true);
    }
    await spool.flush();
    expect(spool.stats().rawBytes).toBe(Buffer.byteLength(sent.join('')));
    expect(gunzip(concatenated(spool))).toBe(sent.join(''));
    state.db.close();
  });

  it('keeps non-UTF-8 lines byte for byte', () => {
    const raw = Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0xff, 0xfe, 0x00, 0x41, 0xc3]);
    const r = decodeRecord(encodeRecord(1, PREFIX, 'raw', undefined, raw).trimEnd())!;
    expect(r.line.equals(raw)).toBe(true);
    const text = 'CEF:0|a|b|c|d|e|5|msg=quote " backslash \\ tab \t nl \n é 漢';
    expect(decodeRecord(encodeRecord(1, PREFIX, 'cef', text, Buffer.from(text)).trimEnd())!.line.toString()).toBe(text);
  });

  it('seals a chunk when its age limit passes', async () => {
    const { state, spool } = openSpool(tmpdir(), { chunkMaxAgeMs: 100 });
    spool.chunker.append(rec(1), Date.now());
    expect(spool.stats().chunks).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(spool.stats().chunks).toBe(1);
    state.db.close();
  });

  it('stays within the byte budget, database, WAL and segment files together, dropping oldest chunks with exact counters', async () => {
    const dir = tmpdir();
    const { state, spool } = openSpool(dir, { budgetBytes: 8 * 1024 * 1024, chunkMaxBytes: 256 * 1024 });
    let appended = 0;
    let maxDisk = 0;
    for (let i = 0; i < 20_000; i++) {
      if (!spool.chunker.writable) await new Promise<void>((r) => spool.chunker.onDrain(r));
      spool.chunker.append(noisy(i), Date.now());
      appended++;
      if (i % 500 === 0) {
        maxDisk = Math.max(maxDisk, dirBytes(dir));
      }
    }
    await spool.flush();
    const st = spool.stats();
    expect(st.dropped.chunks).toBeGreaterThan(0);
    expect(st.dropped.records + st.records).toBe(appended);
    expect(Math.max(maxDisk, st.diskBytes)).toBeLessThanOrEqual(8 * 1024 * 1024);
    // What survived is the newest, contiguous, and intact.
    const ids = gunzip(concatenated(spool)).trimEnd().split('\n').map((l) => Number(/id=(\d+)/.exec(l)![1]));
    expect(ids.length).toBe(st.records);
    expect(ids[ids.length - 1]).toBe(appended - 1);
    expect(ids.every((v, k) => k === 0 || v === ids[k - 1]! + 1)).toBe(true);
    expect(ids[0]).toBe(st.dropped.records);
    state.db.close();
  });

  it('releases chunks after an acknowledged upload, and reads resume after them', async () => {
    const { state, spool } = openSpool(tmpdir(), { chunkMaxBytes: 64 * 1024 });
    for (let i = 0; i < 3000; i++) spool.chunker.append(rec(i, 20), Date.now());
    await spool.flush();
    const metas = [...chunksOf(spool.ring)];
    const cut = metas[2]!;
    const freed = spool.ring.release(cut.lastSeq);
    expect(freed.chunks).toBe(3);
    expect(freed.records).toBe(metas.slice(0, 3).reduce((a, m) => a + m.records, 0));
    expect(spool.ring.next()!.firstSeq).toBe(cut.lastSeq + 1);
    const st = spool.stats();
    expect(st.released).toEqual(freed);
    expect(st.records + freed.records).toBe(3000);
    state.db.close();
  });

  it('skips and counts a corrupt chunk without blocking the others, also after a restart', async () => {
    const dir = tmpdir();
    let { state, spool } = openSpool(dir, { chunkMaxBytes: 64 * 1024 });
    for (let i = 0; i < 3000; i++) spool.chunker.append(rec(i, 20), Date.now());
    await spool.flush();
    const all = [...chunksOf(spool.ring)];
    const victim = all[1]!;
    // Flip one byte of the stored body, leaving the CRC as it was.
    flipBodyByte(state.db, dir, victim.firstSeq, 100);
    state.db.close();

    ({ state, spool } = openSpool(dir, { chunkMaxBytes: 64 * 1024 }));
    const read = [...chunksOf(spool.ring)];
    expect(read.map((c) => c.firstSeq)).toEqual(all.filter((c) => c !== victim).map((c) => c.firstSeq));
    const st = spool.stats();
    expect(st.corrupt).toEqual({ chunks: 1, records: victim.records, bytes: victim.rawBytes });
    expect(st.records).toBe(3000 - victim.records);
    expect(gunzip(concatenated(spool)).split('\n').length - 1).toBe(3000 - victim.records);
    state.db.close();
  });

  it('never selects a batch across a hole in the sequence numbers: its name promises every record of its range', async () => {
    const { state, spool } = openSpool(tmpdir(), { chunkMaxBytes: 64 * 1024 });
    for (let i = 0; i < 3000; i++) spool.chunker.append(rec(i, 20), Date.now());
    await spool.flush();
    const all = [...chunksOf(spool.ring)];
    expect(all.length).toBeGreaterThan(3);
    state.db.prepare('DELETE FROM chunk WHERE first_seq = ?').run(all[2]!.firstSeq);
    const batches = [];
    for (let b = selectBatch(spool.ring, 1 << 30); b; b = selectBatch(spool.ring, 1 << 30)) {
      batches.push(b);
      spool.ring.release(b.lastSeq);
    }
    expect(batches.map((b) => [b.firstSeq, b.lastSeq])).toEqual([[all[0]!.firstSeq, all[1]!.lastSeq], [all[3]!.firstSeq, all.at(-1)!.lastSeq]]);
    for (const b of batches) expect(b.records).toBe(b.lastSeq - b.firstSeq + 1);
    state.db.close();
  });

  it('with spool.compression zstd, stores zstd frames the zstd tool reads back; a batch never mixes the two codecs', async () => {
    const { state, spool } = openSpool(tmpdir(), { chunkMaxBytes: 64 * 1024, compression: 'zstd', compressionLevel: 3 });
    const sent: string[] = [];
    const append = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        sent.push(rec(i, i % 17));
        spool.chunker.append(sent.at(-1)!, Date.now());
      }
    };
    append(0, 2000);
    await spool.flush();
    const zst = [...chunksOf(spool.ring)];
    expect(zst.length).toBeGreaterThan(3);
    expect(zst.every((c) => c.codec === 'zstd' && c.data.readUInt32LE(0) === 0xfd2fb528)).toBe(true);
    expect(unzstd(concatenated(spool))).toBe(sent.join(''));
    // The setting changes while chunks wait (it applies from the next chunk): the next chunks are gzip, and each batch is one codec or the other.
    spool.configure({ ...SMALL, chunkMaxBytes: 64 * 1024, compression: 'gzip', compressionLevel: 6 });
    append(2000, 4000);
    await spool.flush();
    spool.configure({ ...SMALL, chunkMaxBytes: 64 * 1024, compression: 'zstd', compressionLevel: 3 });
    append(4000, 5000);
    await spool.flush();
    const batches = [];
    let text = '';
    for (let b = selectBatch(spool.ring, 1 << 30); b; b = selectBatch(spool.ring, 1 << 30)) {
      batches.push([b.codec, b.firstSeq, b.lastSeq]);
      const body = Buffer.concat(b.chunks.map((seq) => spool.ring.data(spool.ring.next(seq - 1)!)!));
      text += b.codec === 'zstd' ? unzstd(body) : gunzip(body);
      spool.ring.release(b.lastSeq);
    }
    expect(batches).toEqual([['zstd', 1, 2000], ['gzip', 2001, 4000], ['zstd', 4001, 5000]]);
    expect(text).toBe(sent.join(''));
    state.db.close();
  });

  it('commits notes in the same transaction as their chunk', async () => {
    const { state, spool } = openSpool(tmpdir());
    const seen: number[] = [];
    spool.chunker.append(rec(1), Date.now());
    spool.chunker.note('k', () => seen.push(1));
    spool.chunker.note('k', () => seen.push(2)); // replaces the first
    expect(seen).toEqual([]);
    await spool.flush();
    expect(seen).toEqual([2]);
    state.db.close();
  });

  it('keeps what it holds as running totals, exact across commits, evictions, corrupt chunks and releases', async () => {
    const { state, spool } = openSpool(tmpdir(), { chunkMaxBytes: 64 * 1024 });
    const table = () => state.db.prepare(`SELECT count(*) AS chunks, coalesce(sum(records), 0) AS records,
      coalesce(sum(bytes), 0) AS bytes, coalesce(sum(raw_bytes), 0) AS rawBytes FROM chunk`).get();
    const held = () => { const s = spool.stats(); return { chunks: s.chunks, records: s.records, bytes: s.bytes, rawBytes: s.rawBytes }; };
    // Past the 8 MiB budget: the oldest chunks are evicted.
    for (let i = 0; i < 9000; i++) {
      if (!spool.chunker.writable) await new Promise<void>((r) => spool.chunker.onDrain(r));
      spool.chunker.append(noisy(i), Date.now());
    }
    await spool.flush();
    expect(spool.stats().dropped.chunks).toBeGreaterThan(0);
    expect(held()).toEqual(table());
    expect(spool.ring.storedBytes()).toBe((table() as { bytes: number }).bytes);
    // A damaged chunk found on read is removed.
    const victim = spool.ring.next(0)!;
    state.db.prepare('UPDATE chunk SET crc = crc + 1 WHERE first_seq = ?').run(victim.firstSeq);
    expect(spool.ring.data(victim)).toBeUndefined();
    expect(held()).toEqual(table());
    // An acknowledged upload releases.
    spool.ring.release(spool.ring.next(0)!.lastSeq + 5);
    expect(held()).toEqual(table());
    // The totals are counters read by key, not sums over the table.
    expect(state.db.prepare("SELECT value FROM counter WHERE name = 'held_bytes'").get()).toEqual({ value: held().bytes });
    expect(spool.stats().lastSeq).toBe((state.db.prepare('SELECT max(last_seq) AS n FROM chunk').get() as { n: number }).n);
    state.db.close();
  });

  it('moves a damaged database aside and starts anew instead of refusing to start', () => {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, 'state.db'), crypto.randomBytes(64 * 1024));
    const opened = openState(dir, { durability: 'full' });
    expect(opened.recoveredFrom).toMatch(/state\.db\.damaged-\d+$/);
    expect(fs.existsSync(opened.recoveredFrom!)).toBe(true);
    expect(opened.db.pragma('integrity_check', { simple: true })).toBe('ok');
    opened.db.close();
  });

  it('refuses a second opener of the same state directory', () => {
    const dir = tmpdir();
    const first = openState(dir, { durability: 'full' });
    expect(() => openState(dir, { durability: 'full' })).toThrow(/in use by another tmsp-agent/);
    first.db.close();
    openState(dir, { durability: 'full' }).db.close();
  });

  describe('segment files', () => {
    const segDir = (dir: string) => path.join(dir, 'chunks');
    const segments = (dir: string) => (fs.existsSync(segDir(dir)) ? fs.readdirSync(segDir(dir)).sort() : []);
    const fill = async (spool: ReturnType<typeof openSpool>['spool'], n: number, from = 0) => {
      for (let i = from; i < from + n; i++) {
        if (!spool.chunker.writable) await new Promise<void>((r) => spool.chunker.onDrain(r));
        spool.chunker.append(noisy(i), Date.now());
      }
      await spool.flush();
    };

    it('writes each body once, to a segment file: the database and its WAL hold only the index', async () => {
      const dir = tmpdir();
      const { state, spool } = openSpool(dir, { budgetBytes: 64 * 1024 * 1024, chunkMaxBytes: 64 * 1024 });
      await fill(spool, 6000);
      const st = spool.stats();
      expect(st.chunks).toBeGreaterThan(100);
      const segBytes = segments(dir).reduce((n, f) => n + fs.statSync(path.join(segDir(dir), f)).size, 0);
      // The bodies, each padded to a whole 4 KiB page.
      expect(segBytes).toBeGreaterThanOrEqual(st.bytes);
      expect(segBytes).toBeLessThan(st.bytes + st.chunks * 4096);
      const size = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.statSync(path.join(dir, f)).size : 0);
      expect(size('state.db')).toBeLessThan(st.bytes / 20);
      // The WAL is cut back at checkpoints: at most the threshold and a transaction of index pages.
      expect(size('state.db-wal')).toBeLessThanOrEqual(WAL_SIZE_LIMIT + 16 * (4096 + 24));
      expect(st.diskBytes).toBe(size('state.db') + size('state.db-wal') + segBytes);
      // Segment files are private: they are the appliance's detections.
      for (const f of segments(dir)) expect(fs.statSync(path.join(segDir(dir), f)).mode & 0o777).toBe(0o600);
      state.db.close();
    });

    it('deletes a segment once nothing in it is held, whether released or evicted', async () => {
      const dir = tmpdir();
      let { state, spool } = openSpool(dir, { budgetBytes: 8 * 1024 * 1024, chunkMaxBytes: 64 * 1024 });
      await fill(spool, 20_000);
      // Evicted past the budget: the oldest segments went with their chunks.
      expect(spool.stats().dropped.chunks).toBeGreaterThan(0);
      expect(segments(dir).length).toBeLessThanOrEqual(33);
      expect(Number(segments(dir)[0]!.slice(0, 16))).toBeLessThanOrEqual(spool.stats().firstSeq!);
      spool.ring.release(spool.stats().lastSeq!);
      expect(segments(dir)).toEqual([]);
      expect(spool.stats().diskBytes).toBe(dirBytes(dir));
      state.db.close();
      // And the ring goes on into new segments after a restart.
      ({ state, spool } = openSpool(dir, { budgetBytes: 8 * 1024 * 1024, chunkMaxBytes: 64 * 1024 }));
      await fill(spool, 500, 20_000);
      expect(segments(dir).length).toBeGreaterThan(0);
      expect(gunzip(concatenated(spool)).trimEnd().split('\n').length).toBe(500);
      state.db.close();
    });

    it('puts right at open what a crash left: an unindexed tail is cut off, a segment nothing points into is deleted', async () => {
      const dir = tmpdir();
      let { state, spool } = openSpool(dir, { chunkMaxBytes: 64 * 1024 });
      await fill(spool, 2000);
      const before = spool.stats();
      const want = gunzip(concatenated(spool));
      state.db.close();
      // Killed after writing a body, before its index row committed; and after a commit emptied a segment, before it was deleted.
      const names = segments(dir);
      const newest = path.join(segDir(dir), names.at(-1)!);
      const size = fs.statSync(newest).size;
      fs.appendFileSync(newest, crypto.randomBytes(5000));
      fs.writeFileSync(path.join(segDir(dir), '0000000000000000.seg'), crypto.randomBytes(3000));
      fs.writeFileSync(segmentFile(segDir(dir), before.nextSeq + 10), crypto.randomBytes(3000));
      fs.writeFileSync(path.join(segDir(dir), 'not-ours.txt'), 'left alone');

      ({ state, spool } = openSpool(dir, { chunkMaxBytes: 64 * 1024 }));
      expect(segments(dir)).toEqual([...names, 'not-ours.txt'].sort());
      expect(fs.statSync(newest).size).toBe(size);
      expect(gunzip(concatenated(spool))).toBe(want);
      expect(spool.stats().corrupt.chunks).toBe(0);
      // The next body goes where the cut tail was.
      await fill(spool, 100, 2000);
      expect(gunzip(concatenated(spool)).trimEnd().split('\n').length).toBe(2100);
      state.db.close();
    });

    it('takes a body back off its segment when its index row does not commit', async () => {
      const dir = tmpdir();
      const { state, spool } = openSpool(dir);
      await fill(spool, 200);
      const files = segments(dir).map((f) => [f, fs.statSync(path.join(segDir(dir), f)).size]);
      // A row already holding the next sequence number makes the insert fail after the body is written.
      const next = spool.stats().nextSeq;
      state.db.prepare(`INSERT INTO chunk (first_seq, last_seq, records, raw_bytes, bytes, first_time, sealed_at, crc, data)
        VALUES (?, ?, 1, 1, 1, 0, 0, 0, x'00')`).run(next, next);
      expect(() => spool.ring.commit({ records: 5, rawBytes: 50, firstTime: Date.now(), codec: 'gzip', data: crypto.randomBytes(4000), notes: [] }))
        .toThrow(/UNIQUE/);
      expect(segments(dir).map((f) => [f, fs.statSync(path.join(segDir(dir), f)).size])).toEqual(files);
      // Once the row is out of the way, the same chunk goes in, and every body reads back intact.
      state.db.prepare('DELETE FROM chunk WHERE first_seq = ?').run(next);
      const data = gzipSync(rec(9999));
      spool.ring.commit({ records: 1, rawBytes: rec(9999).length, firstTime: Date.now(), codec: 'gzip', data, notes: [] });
      expect(gunzip(concatenated(spool)).trimEnd().split('\n').length).toBe(201);
      expect(spool.stats().corrupt.chunks).toBe(0);
      state.db.close();
    });

    it('still reads, verifies and frees chunks an older version stored in the row itself', async () => {
      const dir = tmpdir();
      const { state, spool } = openSpool(dir);
      const body = gzipSync(rec(1));
      state.db.prepare(`INSERT INTO chunk (first_seq, last_seq, records, raw_bytes, bytes, first_time, sealed_at, crc, data)
        VALUES (1, 1, 1, ?, ?, 0, 0, ?, ?)`).run(rec(1).length, body.length, crc32(body), body);
      state.db.prepare("INSERT INTO counter VALUES ('next_seq', 2)").run();
      spool.chunker.append(rec(2), Date.now());
      await spool.flush();
      expect(gunzip(concatenated(spool))).toBe(rec(1) + rec(2));
      spool.ring.release(1);
      expect(gunzip(concatenated(spool))).toBe(rec(2));
      state.db.close();
    });
  });
});
