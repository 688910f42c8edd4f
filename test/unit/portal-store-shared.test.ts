// Several portal processes on one store (two stores opened on the same
// data): a notification is taken by one of them, an alert notified or
// closed by one. PostgreSQL alone is shared by processes (SQLite's data
// directory is locked to one): there, a batch given to both is kept once,
// an appliance claimed by one is known to the other, and a batch whose
// process died leaves nothing behind.

import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/portal/store/store.ts';
import type { Detection } from '../../src/portal/store/types.ts';
import { until } from '../helpers/agent.ts';
import { BACKENDS, storePlace } from '../helpers/stores.ts';

const ID = 'tda-01';

function detection(seq: number): Detection {
  return {
    time: Date.UTC(2026, 11, 1, 10) + seq, applianceId: ID, seq, format: 'cef', eventId: '1', threat: 'T', severity: 8, category: 'malware',
    srcHost: '10.0.0.1', srcPort: 1, dstHost: '203.0.113.1', dstPort: 80, protocol: 'HTTP', action: null, cnc: false, cncAddress: null,
  };
}

async function two(kind: (typeof BACKENDS)[number]): Promise<[Store, Store]> {
  const place = await storePlace(kind);
  return [await place.open(), await place.open()];
}

describe.each(BACKENDS)('two portal processes on one store (%s)', (kind) => {
  it('take each due notification once, and one whose taker died comes due after its lease', async () => {
    const [a, b] = await two(kind);
    for (let i = 0; i < 20; i++) await a.queue.push('webhook', `{"n":${i}}`, 1000, 100);
    const [x, y] = await Promise.all([a.queue.take(2000, 8, 60_000), b.queue.take(2000, 8, 60_000)]);
    const taken = [...x, ...y].map((m) => m.id);
    expect(taken).toHaveLength(16);
    expect(new Set(taken).size).toBe(16);
    const rest = await b.queue.take(2000, 8, 60_000);
    expect(rest).toHaveLength(4);
    expect(await a.queue.take(2000, 8, 60_000)).toHaveLength(0);
    // The taker of x died: after the lease its messages are due again, and only those.
    await Promise.all([...y, ...rest].map((m) => b.queue.done(m.id)));
    const again = await a.queue.take(2000 + 60_000, 100, 60_000);
    expect(again.map((m) => m.id).sort()).toEqual(x.map((m) => m.id).sort());
    await b.queue.release(again[0]!.id, 70_000);
    expect((await b.queue.take(70_000, 100, 60_000)).map((m) => m.id)).toEqual([again[0]!.id]);
    await a.close();
    await b.close();
  });

  it('notify an alert and close it exactly once between them', async () => {
    const [a, b] = await two(kind);
    await a.appliances.claim(ID, 'acme', 1);
    const [p, q] = await Promise.all([a.alerts.open(ID, 'silent', 10, 'quiet'), b.alerts.open(ID, 'silent', 10, 'quiet')]);
    expect(p.id).toBe(q.id);
    const sent = await Promise.all([a.alerts.notified(p.id, 20, null), b.alerts.notified(p.id, 20, null)]);
    expect(sent.filter(Boolean)).toHaveLength(1);
    // A reminder is judged against the notice recorded: a caller that saw the old one loses.
    expect(await a.alerts.notified(p.id, 30, null)).toBe(false);
    expect(await b.alerts.notified(p.id, 30, 20)).toBe(true);
    const closed = await Promise.all([a.alerts.close(p.id, 40), b.alerts.close(p.id, 40)]);
    expect(closed.filter(Boolean)).toHaveLength(1);
    expect(await a.alerts.history(ID, 10)).toMatchObject([{ notifications: 2, closedAt: 40 }]);
    await a.close();
    await b.close();
  });
  it('e-mail each made report once: one takes it, the other finds none until the lease ends', async () => {
    const [a, b] = await two(kind);
    const r = (await a.reports.claim({ type: 'daily', firstDay: '2026-11-30', lastDay: '2026-11-30', scope: '*', timeZone: 'UTC', claimedAt: 1, claimedBy: 'a' }))!;
    await a.reports.made(r.id, '{}', 100);
    const [x, y] = await Promise.all([a.reports.unmailed(0, 5, 10, 200, 60_000), b.reports.unmailed(0, 5, 10, 200, 60_000)]);
    expect([...x, ...y].map((m) => m.id)).toEqual([r.id]);
    expect(await b.reports.unmailed(0, 5, 10, 200 + 59_000, 60_000)).toHaveLength(0);
    // Its taker died before it was sent: taken again after the lease, and once mailed never again.
    const again = await b.reports.unmailed(0, 5, 10, 200 + 60_000, 60_000);
    expect(again.map((m) => m.id)).toEqual([r.id]);
    await b.reports.mailed(r.id, 300);
    expect(await a.reports.unmailed(0, 5, 10, 10_000_000, 60_000)).toHaveLength(0);
    await a.close();
    await b.close();
  });
});

describe('two portal processes on one PostgreSQL store', () => {
  it('keep a batch given to both once: the other finds it a duplicate', async () => {
    const [a, b] = await two('postgresql');
    await a.appliances.claim(ID, 'acme', 1);
    const batch = { applianceId: ID, firstSeq: 1, lastSeq: 3, name: '1-3.ndjson.gz', via: 'https', size: 10, receivedAt: 5 };
    const ingest = async (s: Store) => {
      const begun = await s.batches.begin(batch);
      if (begun.kind === 'duplicate') return 'duplicate';
      await s.batches.addDetections(begun.id, [1, 2, 3].map(detection));
      await s.batches.finish(begun.id, { newRecords: 3, detections: 3, now: 6 });
      return 'new';
    };
    expect((await Promise.all([ingest(a), ingest(b)])).sort()).toEqual(['duplicate', 'new']);
    expect(await b.detections.search({ limit: 10 })).toHaveLength(3);
    expect(await a.appliances.get(ID)).toMatchObject({ batches: 1, records: 3, detections: 3 });
    await a.close();
    await b.close();
  });

  it('know each other\'s claims at once, without a restart', async () => {
    const [a, b] = await two('postgresql');
    expect(await a.appliances.claim('tda-new', 'acme', 1)).toBe('acme');
    await until(() => b.appliances.ownerOf('tda-new') === 'acme', 5000);
    expect(b.appliances.countOf('acme')).toBe(1);
    // Claimed at once by both for different accounts: one owner, which both agree on.
    const [x, y] = await Promise.all([a.appliances.claim('tda-race', 'acme', 2), b.appliances.claim('tda-race', 'other', 2)]);
    expect(x).toBe(y);
    await until(() => a.appliances.ownerOf('tda-race') === x && b.appliances.ownerOf('tda-race') === x, 5000);
    await a.close();
    await b.close();
  });

  it('leave nothing of a batch whose process died mid-way', async () => {
    const place = await storePlace('postgresql');
    const dying = await place.open();
    const other = await place.open();
    await dying.appliances.claim(ID, 'acme', 1);
    const begun = await dying.batches.begin({ applianceId: ID, firstSeq: 1, lastSeq: 3, name: '1-3.ndjson.gz', via: 'sftp', size: 1, receivedAt: 5 });
    if (begun.kind !== 'new') throw new Error('expected a new batch');
    await dying.batches.addDetections(begun.id, [1, 2].map(detection));
    // The other process starts meanwhile: what it drops is nothing of the live batch.
    expect(await other.batches.abandonUnfinished()).toBe(0);
    // The process dies: its connections close without a commit.
    await dying.close();
    expect(await other.detections.search({ limit: 10 })).toHaveLength(0);
    expect(await other.batches.list(ID, 10)).toHaveLength(0);
    // And the batch, sent again, is new.
    const again = await other.batches.begin({ applianceId: ID, firstSeq: 1, lastSeq: 3, name: '1-3.ndjson.gz', via: 'sftp', size: 1, receivedAt: 6 });
    expect(again.kind).toBe('new');
    await other.batches.discard((again as { id: number }).id);
    await other.close();
  });
});
