// Report models from a real store (SQLite, and PostgreSQL) fed through its own interface:
// every figure is checked against counts the test makes from the same
// generated data, in the report's time zone (local days, not UTC ones),
// and again after the time zone changes (the roll-ups are counted anew).

import { describe, expect, it } from 'vitest';
import { dayOfInstant, localInstant } from '../../src/core/local-days.ts';
import type { Heartbeat } from '../../src/protocol/heartbeat.ts';
import { dailyModel } from '../../src/portal/reports/daily.ts';
import { executiveModel } from '../../src/portal/reports/executive.ts';
import { LEVELS, levelOf, MODEL_VERSION } from '../../src/portal/reports/model.ts';
import { periodOf } from '../../src/portal/reports/periods.ts';
import type { Store } from '../../src/portal/store/store.ts';
import { BUCKET_MS, type Detection } from '../../src/portal/store/types.ts';
import { rng } from '../helpers/rng.ts';
import { BACKENDS, freshStore, storePlace } from '../helpers/stores.ts';

const TZ = 'Europe/Berlin';
const DAY = '2026-11-30';
const H = 3_600_000;
const IDS = ['ddi-a', 'ddi-b', 'ddi-c'];
const CATEGORIES = ['malware', 'network', 'exploit', 'command and control communication'];

function heartbeat(id: string, t: number, dropped: number, uptimeS: number): Heartbeat {
  return {
    applianceId: id, time: new Date(t).toISOString(), uptimeS, spool: { chunks: 0, records: 0, bytes: 0, oldestUnsentAgeS: null },
    dropped: { chunks: 0, records: dropped, bytes: 0 }, upload: { state: 'idle', lastSuccessAt: null, lastError: null, lastErrorCode: null },
    intervals: { heartbeatS: 60, uploadS: 300 },
  };
}

/** Detections over three local days around DAY, some within minutes of local midnight. */
function generate(): Detection[] {
  const r = rng(7);
  const from = localInstant('2026-11-29', 0, TZ) - 2 * H;
  const out: Detection[] = [];
  for (let i = 0; i < 3000; i++) {
    const id = IDS[i % 3]!;
    const cnc = i % 17 === 0;
    out.push({
      time: from + Math.floor(r() * 74 * H), applianceId: id, seq: Math.floor(i / 3) + 1, format: 'cef', eventId: String(1000 + (i % 9)),
      threat: `Threat ${i % 9}`, severity: [2, 4, 6, 8][i % 4]!, category: CATEGORIES[i % 7 % 4]!, srcHost: `10.0.0.${i % 23}`, srcPort: 1000,
      dstHost: '203.0.113.5', dstPort: 80, protocol: 'HTTP', action: null, cnc, cncAddress: cnc ? `c2-${i % 5}.example` : null,
    });
  }
  return out;
}

async function feed(store: Store, all: Detection[], now: number): Promise<void> {
  for (const id of IDS) {
    await store.appliances.claim(id, id === 'ddi-c' ? 'other' : 'acme', now - 30 * 24 * H);
    const mine = all.filter((d) => d.applianceId === id).sort((a, b) => a.seq - b.seq);
    // Two batches per appliance; ddi-b's second leaves a hole of 50 sequence numbers (a gap).
    const half = Math.floor(mine.length / 2);
    const parts = [mine.slice(0, half), mine.slice(half)];
    let first = 1;
    for (const [k, part] of parts.entries()) {
      const shift = id === 'ddi-b' && k === 1 ? 50 : 0;
      const rows = part.map((d) => ({ ...d, seq: d.seq + shift }));
      const b = await store.batches.begin({
        applianceId: id, firstSeq: first + shift, lastSeq: first + shift + part.length - 1, name: `${first}.ndjson.gz`, via: 'sftp', size: 1,
        receivedAt: localInstant(DAY, 10 + k, TZ),
      });
      if (b.kind !== 'new') throw new Error('duplicate');
      await store.batches.addDetections(b.id, rows);
      await store.batches.finish(b.id, { newRecords: part.length, detections: part.length, now: localInstant(DAY, 10 + k, TZ) });
      first += part.length;
    }
  }
}

describe.each(BACKENDS)('report models (%s)', (kind) => {
  it('daily: every figure matches the data, counted by local day in the report zone', async () => {
    const now = localInstant('2026-12-01', 2, TZ);
    const store = await freshStore(kind, { rollupZone: TZ });
    const all = generate();
    await feed(store, all, now);
    // Heartbeats all day for a and c; b is silent 08:00-14:00 and its drop counter rises by 40 then restarts and reaches 7.
    const p = periodOf('daily', DAY, TZ);
    const rows = [];
    for (let t = p.from; t < p.until; t += BUCKET_MS) {
      for (const id of IDS) {
        if (id === 'ddi-b' && t >= localInstant(DAY, 8, TZ) && t < localInstant(DAY, 14, TZ)) continue;
        const droppedNew = id === 'ddi-b' && t === localInstant(DAY, 6, TZ) ? 40 : id === 'ddi-b' && t === localInstant(DAY, 15, TZ) ? 7 : 0;
        rows.push({ id, heartbeat: heartbeat(id, t, 0, 100), at: t, count: 5, intervalS: 60, uploadIntervalS: 300, droppedNew });
      }
    }
    await store.appliances.heartbeats(rows);

    const m = await dailyModel(p, '*', { store, now, portal: 'test' });
    expect(m.version).toBe(MODEL_VERSION);
    const inDay = (d: Detection) => dayOfInstant(d.time, TZ) === DAY;
    const inPrev = (d: Detection) => dayOfInstant(d.time, TZ) === '2026-11-29';
    expect(m.detections).toEqual({ count: all.filter(inDay).length, previous: all.filter(inPrev).length });
    for (const l of LEVELS) {
      expect(m.bySeverity.find((x) => x.level === l)).toEqual({
        level: l, count: all.filter((d) => inDay(d) && levelOf(d.severity) === l).length,
        previous: all.filter((d) => inPrev(d) && levelOf(d.severity) === l).length,
      });
    }
    for (const c of m.byCategory.items) {
      expect(c.count).toBe(all.filter((d) => inDay(d) && d.category === c.category).length);
      expect(c.previous).toBe(all.filter((d) => inPrev(d) && d.category === c.category).length);
    }
    expect(m.byCategory.items.map((c) => c.category).sort()).toEqual([...new Set(all.filter(inDay).map((d) => d.category))].sort());
    const top = m.topThreats[0]!;
    expect(top.count).toBe(all.filter((d) => inDay(d) && d.threat === top.threat && d.category === top.category).length);
    expect(m.topThreats.every((t) => t.category !== 'network')).toBe(true);
    expect(m.network.items.every((t) => t.category === 'network')).toBe(true);
    const host = m.topHosts[0]!;
    expect(host.count).toBe(all.filter((d) => inDay(d) && d.srcHost === host.host).length);
    const cnc = all.filter((d) => inDay(d) && d.cnc);
    expect(m.callbacks).toEqual({ count: cnc.length, previous: all.filter((d) => inPrev(d) && d.cnc).length, hosts: new Set(cnc.map((d) => d.srcHost)).size });
    expect(m.affectedHosts.count).toBe(new Set(all.filter(inDay).map((d) => d.srcHost)).size);
    expect(m.cnc.items.length + m.cnc.omitted).toBe(new Set(cnc.map((d) => `${d.applianceId} ${d.srcHost} ${d.cncAddress}`)).size);
    const c0 = m.cnc.items[0]!;
    const mine = cnc.filter((d) => d.srcHost === c0.host && d.cncAddress === c0.address && d.applianceId === c0.applianceId);
    expect([c0.firstSeen, c0.lastSeen]).toEqual([Math.min(...mine.map((d) => d.time)), Math.max(...mine.map((d) => d.time))]);

    const b = m.appliances.items.find((a) => a.id === 'ddi-b')!;
    expect(b.dropped).toBe(47);
    expect([b.sequenceGaps, b.missingRecords]).toEqual([1, 50]);
    expect(b.heartbeatGaps.items).toEqual([{ from: localInstant(DAY, 8, TZ), until: localInstant(DAY, 14, TZ) }]);
    expect(b.onlineS).toBe(18 * 3600);
    expect(b.records).toBe(1000);
    expect(m.appliances.items[0]!.id).toBe('ddi-b'); // trouble first
    const a = m.appliances.items.find((x) => x.id === 'ddi-a')!;
    expect([a.onlineS, a.periodS, a.heartbeatGaps.items.length, a.dropped]).toEqual([86_400, 86_400, 0, 0]);
    expect(m.completeness).toMatchObject({ records: 3000, dropped: 47, missingRecords: 50, sequenceGaps: 1, lost: 50 });
    expect(m.completeness.ratio).toBeCloseTo(3000 / 3050, 10);
    expect(m.actions[0]!.finding).toMatch(/command-and-control/);
    expect(m.actions.some((x) => /ddi-b/.test(x.finding) && /dropped/.test(x.finding))).toBe(true);

    // An account's report holds its appliances only.
    const acme = await dailyModel(p, 'acme', { store, now, portal: 'test' });
    expect(acme.detections.count).toBe(all.filter((d) => inDay(d) && d.applianceId !== 'ddi-c').length);
    expect(acme.appliances.items.map((x) => x.id).sort()).toEqual(['ddi-a', 'ddi-b']);
    await store.close();
  });

  it('a new time zone counts the roll-ups again: local days of the new zone', async () => {
    const place = await storePlace(kind);
    const now = localInstant('2026-12-01', 2, TZ);
    const all = generate();
    const first = await place.open({ rollupZone: TZ });
    await feed(first, all, now);
    await first.close();
    const NY = 'America/New_York';
    const rebuilt: unknown[] = [];
    const store = await place.open({ rollupZone: NY, onRebuild: (r) => rebuilt.push(r) });
    expect(rebuilt).toMatchObject([{ from: TZ, to: NY }]);
    expect(store.rollupZone()).toBe(NY);
    const m = await dailyModel(periodOf('daily', DAY, NY), '*', { store, now: localInstant('2026-12-02', 2, NY), portal: 'test' });
    expect(m.detections.count).toBe(all.filter((d) => dayOfInstant(d.time, NY) === DAY).length);
    await store.close();
  });

  it('weekly and monthly: trends per local day, totals against the period before, posture', async () => {
    const now = localInstant('2026-12-01', 2, TZ);
    const store = await freshStore(kind, { rollupZone: TZ });
    const all = generate();
    await feed(store, all, now);
    const w = periodOf('weekly', DAY, TZ); // Sunday 29 Nov to Saturday 5 Dec
    expect([w.first, w.last]).toEqual(['2026-11-29', '2026-12-05']);
    const m = await executiveModel(periodOf('monthly', DAY, TZ), '*', { store, now, portal: 'test' });
    expect(m.trend.days).toHaveLength(30);
    const inMonth = all.filter((d) => dayOfInstant(d.time, TZ).startsWith('2026-11'));
    expect(m.totals.detections.count).toBe(inMonth.length);
    expect(m.totals.detections.previous).toBe(all.filter((d) => dayOfInstant(d.time, TZ).startsWith('2026-10')).length);
    expect(m.totals.high.count).toBe(inMonth.filter((d) => d.severity >= 8).length);
    expect(m.totals.affectedHosts.count).toBe(new Set(inMonth.map((d) => d.srcHost)).size);
    expect(m.totals.cncHosts.count).toBe(new Set(inMonth.filter((d) => d.cnc).map((d) => d.srcHost)).size);
    for (const [i, day] of m.trend.days.entries()) {
      const of = all.filter((d) => dayOfInstant(d.time, TZ) === day);
      for (const l of LEVELS) expect(m.trend.bySeverity[l][i]).toBe(of.filter((d) => levelOf(d.severity) === l).length);
      expect(m.trend.cnc[i]).toBe(of.filter((d) => d.cnc).length);
      expect(m.trend.affectedHosts[i]).toBe(new Set(of.map((d) => d.srcHost)).size);
    }
    expect(m.posture.score).toBeGreaterThanOrEqual(0);
    expect(m.posture.score).toBeLessThan(60); // callbacks from many hosts
    expect(m.bottomLine).toContain(m.totals.detections.count.toLocaleString('en-US'));
    expect(m.completeness).toMatchObject({ records: 3000, missingRecords: 50, sequenceGaps: 1 });
    await store.close();
  });
});

describe('report models in both stores', () => {
  it('are the same, figure for figure, from the same data', async () => {
    const now = localInstant('2026-12-01', 2, TZ);
    const all = generate();
    const models = [];
    for (const kind of BACKENDS) {
      const store = await freshStore(kind, { rollupZone: TZ });
      await feed(store, all, now);
      const p = periodOf('daily', DAY, TZ);
      const rows = [];
      for (let t = p.from; t < p.until; t += BUCKET_MS) {
        for (const id of IDS) rows.push({ id, heartbeat: heartbeat(id, t, 0, 100), at: t, count: 5, intervalS: 60, uploadIntervalS: 300, droppedNew: t % 7 });
      }
      await store.appliances.heartbeats(rows);
      const ctx = { store, now, portal: 'test' };
      models.push({
        daily: await dailyModel(p, '*', ctx), acme: await dailyModel(p, 'acme', ctx),
        weekly: await executiveModel(periodOf('weekly', DAY, TZ), '*', ctx), monthly: await executiveModel(periodOf('monthly', DAY, TZ), 'acme', ctx),
      });
      await store.close();
    }
    expect(models[1]).toEqual(models[0]);
  });
});
