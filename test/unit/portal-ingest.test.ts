// Ingest against the real stores (SQLite, and PostgreSQL): what a batch must be to count, that
// it counts once, what is kept of its detections, and what a crash leaves.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LocalArchive } from '../../src/portal/archive/local.ts';
import { Ingest } from '../../src/portal/ingest/ingest.ts';
import { batchOf } from '../../src/portal/ingest/batch.ts';
import { detectionOf } from '../../src/portal/ingest/detection.ts';
import { eventTime } from '../../src/portal/ingest/event-time.ts';
import { zstdDecoded } from '../../src/portal/ingest/zstd.ts';
import type { Landed } from '../../src/portal/receive/landed.ts';
import type { Store } from '../../src/portal/store/store.ts';
import { BACKENDS, storePlace, type Backend } from '../helpers/stores.ts';
import { CEF_LINE, compressed, LEEF_LINE, ndjson, PLAIN_LINE, writeBatch } from '../helpers/portal.ts';
import { unzstdBytes } from '../helpers/spool.ts';
import { tmpdir } from '../helpers/tmp.ts';

const ID = 'tda-01';
const quiet = { info() {}, warn() {}, error() {} };

async function setup(kind: Backend) {
  const root = tmpdir('tmsp-portal-ingest-');
  const incoming = path.join(root, 'incoming');
  const place = await storePlace(kind);
  const store = await place.open();
  const outcomes: string[] = [];
  const make = () => new Ingest(store, {
    incoming, archive: new LocalArchive(path.join(root, 'batches')), quarantine: path.join(root, 'quarantine'), maxBatchBytes: 1 << 20, log: quiet,
    onOutcome: (o) => outcomes.push(o.kind === 'quarantined' ? `quarantined: ${o.reason}` : o.kind),
  });
  const acct = (a: string) => path.join(incoming, a);
  const land = (ingest: Ingest, account: string, b: { relPath: string; file: string }): Landed => {
    const l: Landed = { account, via: 'sftp', relPath: b.relPath, file: b.file };
    ingest.landed(l);
    return l;
  };
  return { root, place, store, outcomes, make, acct, land };
}

const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? CEF_LINE(from + i) : i % 3 === 1 ? LEEF_LINE(from + i) : PLAIN_LINE(from + i)));

describe.each(BACKENDS)('portal ingest (%s)', (kind) => {
  it('keeps a batch once: records, detections, roll-ups; a re-send changes nothing', async () => {
    const s = await setup(kind);
    const ingest = s.make();
    await ingest.start();
    const b = writeBatch(s.acct('acme'), ID, 1, lines(30));
    const copy = fs.readFileSync(b.file);
    s.land(ingest, 'acme', b);
    await ingest.idle();
    expect(s.outcomes).toEqual(['ingested']);
    const a = (await s.store.appliances.get(ID))!;
    expect([a.account, a.batches, a.records, a.detections]).toEqual(['acme', 1, 30, 20]);
    expect(fs.existsSync(path.join(s.root, 'batches', ID, path.basename(b.file)))).toBe(true);
    expect(fs.existsSync(b.file)).toBe(false);
    const found = await s.store.detections.search({ limit: 100 });
    expect(found).toHaveLength(20);
    const cef = found.find((d) => d.format === 'cef')!;
    expect(cef).toMatchObject({ threat: 'Windows Remote Management Service Detected - HTTP', severity: 8, dstHost: '216.52.115.2', dstPort: 80,
      protocol: 'HTTP', action: 'not blocked', cnc: false, time: Date.UTC(2026, 2, 9, 9, 5, 21) });
    const leef = found.find((d) => d.format === 'leef')!;
    expect(leef).toMatchObject({ threat: 'Malware URL requested - Type 1', severity: 6, category: 'malware', cnc: true, cncAddress: 'evil.example' });
    const roll = await s.store.detections.rollups('2026-03-09', '2026-03-09');
    expect(roll.reduce((n, r) => n + r.count, 0)).toBe(20);

    fs.mkdirSync(path.dirname(b.file), { recursive: true });
    fs.writeFileSync(b.file, copy);
    s.land(ingest, 'acme', b);
    await ingest.idle();
    expect(s.outcomes).toEqual(['ingested', 'duplicate']);
    expect((await s.store.appliances.get(ID))!.records).toBe(30);
    expect(await s.store.detections.search({ limit: 100 })).toHaveLength(20);
    await ingest.stop();
    await s.store.close();
  });

  it('quarantines what is not what its name says, and keeps nothing of it', async () => {
    const s = await setup(kind);
    const ingest = s.make();
    await ingest.start();
    const good = zlib.gzipSync(ndjson(lines(10)));
    const cases: Array<[string, Buffer, number]> = [
      ['not gzip', Buffer.from(ndjson(lines(10))), 10],
      ['truncated', good.subarray(0, good.length - 9), 10],
      ['too few records', good, 11],
      ['too many records', good, 9],
      ['not records', zlib.gzipSync('hello\nworld\n'), 2],
      ['a time no Date holds', zlib.gzipSync(ndjson([CEF_LINE(1)], 1e300)), 1],
    ];
    let first = 100;
    for (const [, raw, count] of cases) {
      s.land(ingest, 'acme', writeBatch(s.acct('acme'), ID, first, [], { lastSeq: first + count - 1, raw }));
      first += 100;
    }
    await ingest.idle();
    expect(s.outcomes).toEqual([
      expect.stringMatching(/^quarantined: not a complete gzip stream/),
      expect.stringMatching(/^quarantined: not a complete gzip stream/),
      'quarantined: 10 records, the name\'s range says 11',
      'quarantined: more records than the name\'s range (9)',
      'quarantined: record 500 is not a record',
      'quarantined: record 600 has no valid time',
    ]);
    expect((await s.store.appliances.get(ID))!.batches).toBe(0);
    expect(await s.store.detections.search({ limit: 10 })).toEqual([]);
    expect(await s.store.batches.quarantineList(10)).toHaveLength(6);
    expect(fs.readdirSync(path.join(s.root, 'quarantine', 'acme', ID))).toHaveLength(6);
    await ingest.stop();
    await s.store.close();
  });

  it('takes zstd batches as the agent writes them (a frame per chunk), and quarantines one cut short, damaged or mislabelled', async () => {
    const s = await setup(kind);
    const ingest = s.make();
    await ingest.start();
    const b = writeBatch(s.acct('acme'), ID, 1, lines(30), { codec: 'zstd' });
    expect(b.file.endsWith('000000000001-000000000030.ndjson.zst')).toBe(true);
    fs.writeFileSync(b.file, compressed(lines(30), 'zstd', 7));
    s.land(ingest, 'acme', b);
    await ingest.idle();
    expect(s.outcomes).toEqual(['ingested']);
    expect((await s.store.appliances.get(ID))!).toMatchObject({ batches: 1, records: 30, detections: 20 });
    expect(fs.existsSync(path.join(s.root, 'batches', ID, path.basename(b.file)))).toBe(true);

    const good = compressed(lines(10), 'zstd', 4);
    const damaged = Buffer.from(good);
    damaged[good.length - 12]! ^= 0x5a;
    const cases: Array<[Buffer, number]> = [
      [good.subarray(0, good.length - 3), 10],
      [good.subarray(0, good.length - good.length % 97), 10],
      [damaged, 10],
      [compressed(lines(10), 'gzip'), 10],
      [Buffer.concat([good, Buffer.from('trailing')]), 10],
    ];
    let first = 100;
    for (const [raw, count] of cases) {
      s.land(ingest, 'acme', writeBatch(s.acct('acme'), ID, first, [], { lastSeq: first + count - 1, raw, codec: 'zstd' }));
      first += 100;
    }
    await ingest.idle();
    expect(s.outcomes.slice(1)).toEqual([
      'quarantined: the stream ends inside a zstd frame (checksum)',
      expect.stringMatching(/^quarantined: the stream ends inside a zstd frame/),
      expect.stringMatching(/^quarantined: not a complete zstd stream \(/),
      'quarantined: not a zstd frame (bad magic number)',
      'quarantined: not a zstd frame (bad magic number)',
    ]);
    expect((await s.store.appliances.get(ID))!).toMatchObject({ batches: 1, records: 30 });
    await ingest.stop();
    await s.store.close();
  });

  it('refuses another account\'s appliance, and names that are not batches', async () => {
    const s = await setup(kind);
    const ingest = s.make();
    await ingest.start();
    s.land(ingest, 'acme', writeBatch(s.acct('acme'), ID, 1, lines(3)));
    await ingest.idle();
    s.land(ingest, 'intruder', writeBatch(s.acct('intruder'), ID, 4, lines(3)));
    const stray = path.join(s.acct('acme'), 'notes.txt');
    fs.writeFileSync(stray, 'x');
    s.land(ingest, 'acme', { relPath: 'notes.txt', file: stray });
    await ingest.idle();
    expect(s.outcomes).toEqual(['ingested', `quarantined: appliance ${ID} belongs to another account`, 'ignored']);
    expect((await s.store.appliances.get(ID))!.records).toBe(3);
    expect(batchOf('upload/../x/1-2.ndjson.gz')).toMatchObject({ applianceId: 'x' });
    expect(batchOf('upload/a b/1-2.ndjson.gz')).toBeUndefined();
    expect(batchOf('upload/x/2-1.ndjson.gz')).toBeUndefined();
    expect(batchOf('upload/x/1-2.ndjson.zst')).toMatchObject({ applianceId: 'x', codec: 'zstd' });
    expect(batchOf('upload/x/1-2.ndjson.xz')).toBeUndefined();
    await ingest.stop();
    await s.store.close();
  });

  it('lets an account own only so many appliances (fleet.maxAppliancesPerAccount)', async () => {
    const s = await setup(kind);
    const ingest = new Ingest(s.store, {
      incoming: path.join(s.root, 'incoming'), archive: new LocalArchive(path.join(s.root, 'batches')), quarantine: path.join(s.root, 'quarantine'),
      maxBatchBytes: 1 << 20, maxAppliancesPerAccount: 2, log: quiet,
      onOutcome: (o) => s.outcomes.push(o.kind === 'quarantined' ? `quarantined: ${o.reason}` : o.kind),
    });
    await ingest.start();
    for (const id of ['a-1', 'a-2', 'a-3']) s.land(ingest, 'acme', writeBatch(s.acct('acme'), id, 1, lines(3)));
    s.land(ingest, 'acme', writeBatch(s.acct('acme'), 'a-1', 4, lines(3)));
    await ingest.idle();
    expect(s.outcomes).toEqual(['ingested', 'ingested', 'quarantined: account acme owns as many appliances as it may (fleet.maxAppliancesPerAccount 2)', 'ingested']);
    expect(await s.store.appliances.get('a-3')).toBeUndefined();
    expect(s.store.appliances.countOf('acme')).toBe(2);
    await ingest.stop();
    await s.store.close();
  });

  it('records gaps between ranges and fills them; overlapping records are not kept twice', async () => {
    const s = await setup(kind);
    const ingest = s.make();
    await ingest.start();
    s.land(ingest, 'acme', writeBatch(s.acct('acme'), ID, 1, lines(10)));
    s.land(ingest, 'acme', writeBatch(s.acct('acme'), ID, 21, lines(10, 20)));
    s.land(ingest, 'acme', writeBatch(s.acct('acme'), ID, 41, lines(10, 40)));
    await ingest.idle();
    expect((await s.store.batches.gaps(ID, 10)).map((g) => [g.firstSeq, g.lastSeq])).toEqual([[31, 40], [11, 20]]);
    // 6-25 overlaps 1-10 and 21-30: only 11-20 are new, and the first gap closes.
    s.land(ingest, 'acme', writeBatch(s.acct('acme'), ID, 6, lines(20, 5)));
    await ingest.idle();
    expect((await s.store.batches.gaps(ID, 10)).map((g) => [g.firstSeq, g.lastSeq])).toEqual([[31, 40]]);
    const a = (await s.store.appliances.get(ID))!;
    expect(a.records).toBe(40);
    const seqs = (await s.store.detections.search({ limit: 1000 })).map((d) => d.seq).sort((x, y) => x - y);
    expect(new Set(seqs).size).toBe(seqs.length);
    await ingest.stop();
    await s.store.close();
  });

  it('after a crash mid-ingest, drops the half-written batch and ingests the file again, once', async () => {
    const s = await setup(kind);
    const b = writeBatch(s.acct('acme'), ID, 1, lines(9));
    // What a crash leaves: a batch begun with some detections written, never finished; the file still in incoming.
    const dying = await s.place.open();
    await dying.appliances.claim(ID, 'acme', Date.now());
    const begun = await dying.batches.begin({ applianceId: ID, name: path.basename(b.file), via: 'sftp', size: 1, receivedAt: 1, firstSeq: 1, lastSeq: 9 });
    if (begun.kind !== 'new') throw new Error('expected a new batch');
    await dying.batches.addDetections(begun.id, [detectionOf(CEF_LINE(1), ID, 1, 0)!]);
    expect(await s.store.detections.search({ limit: 10 })).toEqual([]);
    await dying.close();
    const ingest = s.make();
    await ingest.start();
    await ingest.idle();
    expect(s.outcomes).toEqual(['ingested']);
    expect((await s.store.appliances.get(ID))!).toMatchObject({ batches: 1, records: 9, detections: 6 });
    expect(await s.store.detections.search({ limit: 10 })).toHaveLength(6);
    await ingest.stop();
    await s.store.close();
  });

  it('keeps a batch the store failed in the middle of, and ingests it when the store is back, never quarantining it', async () => {
    const s = await setup(kind);
    const failing: Store = {
      ...s.store, rollupZone: () => s.store.rollupZone(), prune: (b) => s.store.prune(b), close: () => s.store.close(),
      batches: Object.assign(Object.create(s.store.batches) as Store['batches'], {
        addDetections: async () => { throw new Error('connection terminated'); },
      }),
    };
    const b = writeBatch(s.acct('acme'), ID, 1, lines(9));
    const broken = new Ingest(failing, {
      incoming: path.join(s.root, 'incoming'), archive: new LocalArchive(path.join(s.root, 'batches')), quarantine: path.join(s.root, 'quarantine'),
      maxBatchBytes: 1 << 20, log: quiet, onOutcome: (o) => s.outcomes.push(o.kind),
    });
    await broken.start();
    await broken.idle();
    await broken.stop();
    expect(broken.counters).toMatchObject({ failed: 1, quarantined: 0 });
    expect(fs.existsSync(b.file)).toBe(true);
    expect(await s.store.batches.quarantineList(10)).toEqual([]);
    const ingest = s.make();
    await ingest.start();
    await ingest.idle();
    expect(s.outcomes).toEqual(['ingested']);
    expect((await s.store.appliances.get(ID))!).toMatchObject({ batches: 1, records: 9, detections: 6 });
    await ingest.stop();
    await s.store.close();
  });
});

describe('zstd batches', () => {
  async function decode(data: Buffer, piece: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (let i = 0; i < data.length; i += piece) parts.push(data.subarray(i, i + piece));
    const out: Buffer[] = [];
    for await (const b of zstdDecoded(Readable.from(parts))) out.push(b);
    return Buffer.concat(out);
  }

  it('reads every frame as the zstd tool does, in whatever pieces the bytes arrive: compressed, raw and RLE blocks, skippable frames', async () => {
    const text = Buffer.from(ndjson(lines(2000)));
    const noise = crypto.randomBytes(300_000);
    const skippable = Buffer.concat([Buffer.from([0x5e, 0x2a, 0x4d, 0x18, 5, 0, 0, 0]), Buffer.from('skip!')]);
    const parts = [
      zlib.zstdCompressSync(text), skippable, zlib.zstdCompressSync(noise), zlib.zstdCompressSync(Buffer.alloc(500_000, 'a')),
      zlib.zstdCompressSync(Buffer.alloc(0)),
    ];
    const frames = Buffer.concat(parts);
    const expected = unzstdBytes(frames);
    expect(expected.length).toBe(text.length + noise.length + 500_000);
    for (const piece of [7, 4096, 65536, frames.length]) expect((await decode(frames, piece)).equals(expected)).toBe(true);
    // A cut between frames is a shorter stream (the record count catches that); a cut anywhere inside a frame fails.
    const ends = parts.map((_, i) => Buffer.concat(parts.slice(0, i + 1)).length);
    for (const end of ends.slice(0, -1)) {
      const prefix = unzstdBytes(frames.subarray(0, end));
      expect((await decode(frames.subarray(0, end), 65536)).equals(prefix)).toBe(true);
    }
    const cuts = [1, 3, 4, 5, 6, 7, 8, 9, ...ends.flatMap((e) => [e - 1, e + 1, e + 5])];
    for (let cut = 11; cut < frames.length; cut += 4099) cuts.push(cut);
    for (const cut of cuts.filter((c) => c > 0 && c < frames.length && !ends.includes(c))) {
      await expect(decode(frames.subarray(0, cut), 65536), `cut at ${cut}`).rejects.toThrow();
    }
  });
});

describe('incoming/ holds only batches in flight', () => {
  it('removes, after a day, an abandoned upload and a file that never became a batch; keeps fresh ones', async () => {
    const s = await setup('sqlite');
    const dir = path.join(s.acct('acme'), 'upload', ID);
    fs.mkdirSync(dir, { recursive: true });
    const old = new Date(Date.now() - 25 * 3_600_000);
    const abandoned = path.join(dir, '.000000000001-000000000010.ndjson.gz.part');
    const stray = path.join(dir, 'notes.txt');
    const fresh = path.join(dir, '.000000000011-000000000020.ndjson.gz.part');
    for (const f of [abandoned, stray, fresh]) fs.writeFileSync(f, 'x');
    fs.utimesSync(abandoned, old, old);
    fs.utimesSync(stray, old, old);
    const ingest = s.make();
    await ingest.start();
    await ingest.idle();
    expect(fs.readdirSync(dir)).toEqual([path.basename(fresh)]);
    expect(ingest.counters.staleRemoved).toBe(2);
    await ingest.stop();
    await s.store.close();
  });
});

describe('retention of batch files', () => {
  it('removes archived files older than the cut, and only those', async () => {
    const { pruneFiles } = await import('../../src/portal/ingest/retention.ts');
    const dir = tmpdir('tmsp-portal-retention-');
    const old = path.join(dir, ID, '000000000001-000000000010.ndjson.gz');
    const recent = path.join(dir, ID, '000000000011-000000000020.ndjson.gz');
    fs.mkdirSync(path.dirname(old), { recursive: true });
    fs.writeFileSync(old, 'x');
    fs.writeFileSync(recent, 'y');
    const day = 86_400_000;
    fs.utimesSync(old, new Date(Date.now() - 91 * day), new Date(Date.now() - 91 * day));
    expect(pruneFiles(dir, Date.now() - 90 * day)).toBe(1);
    expect(fs.readdirSync(path.dirname(old))).toEqual([path.basename(recent)]);
  });
});

describe('detection fields', () => {
  it('reads event times as Deep Discovery writes them', () => {
    expect(eventTime('Mar 09 2015 17:05:21 GMT+08:00')).toBe(Date.UTC(2015, 2, 9, 9, 5, 21));
    expect(eventTime('Jan 18 2023 10:49:39 GMT+00:00')).toBe(Date.UTC(2023, 0, 18, 10, 49, 39));
    expect(eventTime('1426000000000')).toBe(1426000000000);
    expect(eventTime('yesterday')).toBeUndefined();
    expect(eventTime('Foo 09 2015 17:05:21')).toBeUndefined();
  });

  it('keeps a hostile line\'s fields as bounded text, and ignores lines that are not detections', () => {
    const d = detectionOf(`CEF:0|Trend Micro|DDI|1|9|<script>alert(1)</script>|high|src=${'a'.repeat(5000)} spt=99999`, ID, 1, 5)!;
    expect(d).toMatchObject({ threat: '<script>alert(1)</script>', severity: 8, srcPort: null, time: 5 });
    expect(d.srcHost!.length).toBe(512);
    expect(detectionOf(PLAIN_LINE(1), ID, 1, 0)).toBeUndefined();
    expect(detectionOf('\u0000\uffff garbage', ID, 1, 0)).toBeUndefined();
  });
});
