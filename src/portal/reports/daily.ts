// The daily administrative report's model: for the people who act. Every
// figure comes from the store's grouped answers (store/sqlite/figures.ts),
// so making one costs the same for a quiet day and a busy one.

import type { DayRange, Store } from '../store/store.ts';
import { STATES, type Appliance, type ApplianceState } from '../store/types.ts';
import { heard, registeredPart, runsByAppliance, toleranceMs } from './availability.ts';
import { actionsOf } from './findings.ts';
import {
  LEVELS, levelOf, MODEL_VERSION, type ApplianceDay, type Completeness, type DailyModel, type Level, type ReportHead,
} from './model.ts';
import { addDays, periodOf, type Period } from './periods.ts';

export const LIMITS = { appliances: 500, categories: 20, threats: 10, hosts: 10, cnc: 50, network: 10, gaps: 10 } as const;

export interface MakeContext {
  store: Store;
  now: number;
  /** The portal's host name, for the footer. */
  portal: string;
}

export function accountOf(scope: string): string | undefined {
  return scope === '*' ? undefined : scope;
}

/** The appliances a report covers: the scope's, registered before the period ended. */
export async function appliancesOf(store: Store, scope: string, until: number): Promise<Appliance[]> {
  const account = accountOf(scope);
  return (await store.appliances.list()).filter((a) => (account === undefined || a.account === account) && a.createdAt < until);
}

export function head(p: Period, previous: Period, scope: string, c: MakeContext): ReportHead {
  return {
    version: MODEL_VERSION, type: p.type, scope, timeZone: p.timeZone, first: p.first, last: p.last, from: p.from, until: p.until,
    previous: { first: previous.first, last: previous.last }, madeAt: c.now, portal: c.portal,
  };
}

/** The completeness of appliances' figures: records received, dropped, missing (and in how many gaps). */
export function completenessOf(list: Iterable<{ records: number; dropped: number; missing: number; gaps: number }>): Completeness {
  const c = { records: 0, dropped: 0, missingRecords: 0, sequenceGaps: 0, lost: 0 };
  for (const a of list) {
    c.records += a.records;
    c.dropped += a.dropped;
    c.missingRecords += a.missing;
    c.sequenceGaps += a.gaps;
    c.lost += Math.max(a.dropped, a.missing);
  }
  return { ...c, ratio: c.records + c.lost === 0 ? 1 : c.records / (c.records + c.lost) };
}

export async function severityCounts(store: Store, q: DayRange): Promise<Record<Level, number>> {
  const out = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>;
  for (const r of await store.figures.severityByDay(q)) out[levelOf(r.severity)] += r.count;
  return out;
}

export function threatRows(c: { items: Array<{ threat: string; category: string; maxSeverity: number; count: number; appliances: number }> }) {
  return c.items.map((t) => ({ threat: t.threat, category: t.category, level: levelOf(t.maxSeverity), count: t.count, appliances: t.appliances }));
}

/** Appliances with something to say first: not online, losing data, silent; then by id. */
function trouble(a: ApplianceDay): number {
  return (a.state === 'online' ? 0 : 4) + (a.dropped > 0 || a.missingRecords > 0 ? 2 : 0) + (a.heartbeatGaps.items.length > 0 ? 1 : 0);
}

export async function dailyModel(p: Period, scope: string, c: MakeContext): Promise<DailyModel> {
  const { store } = c;
  const account = accountOf(scope);
  const prev = periodOf('daily', addDays(p.first, -1), p.timeZone);
  const q: DayRange = { fromDay: p.first, untilDay: p.last, account };
  const pq: DayRange = { fromDay: prev.first, untilDay: prev.last, account };
  const t = { from: p.from, until: p.until, account };

  const appliances = await appliancesOf(store, scope, p.until);
  const [spans, drops, received, gaps, perAppliance] = await Promise.all([
    store.figures.onlineSpans(t), store.figures.drops(t), store.figures.received(t), store.figures.gapsFound(t), store.figures.byAppliance(q),
  ]);
  const runs = runsByAppliance(spans);
  const days: ApplianceDay[] = appliances.map((a) => {
    const h = heard(runs.get(a.id) ?? [], registeredPart(a, p.from, p.until, c.now), toleranceMs(a));
    const r = received.get(a.id);
    const g = gaps.get(a.id);
    return {
      id: a.id, hostname: a.registration?.hostname ?? null, model: a.registration?.model ?? null, state: a.state,
      onlineS: Math.round(h.onlineMs / 1000), periodS: Math.round(h.periodMs / 1000),
      heartbeatGaps: { items: h.silences.slice(0, LIMITS.gaps), omitted: Math.max(0, h.silences.length - LIMITS.gaps) },
      lastBatchAt: r?.lastAt ?? null, batches: r?.batches ?? 0, records: r?.records ?? 0, dropped: drops.get(a.id) ?? 0,
      sequenceGaps: g?.gaps ?? 0, missingRecords: g?.records ?? 0, detections: perAppliance.get(a.id) ?? 0,
    };
  });
  days.sort((x, y) => trouble(y) - trouble(x) || (x.id < y.id ? -1 : 1));

  const fleet = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<ApplianceState, number>;
  for (const a of appliances) fleet[a.state]++;
  const completeness = completenessOf(days.map((a) => ({ records: a.records, dropped: a.dropped, missing: a.missingRecords, gaps: a.sequenceGaps })));

  const [sev, prevSev, cats, prevCats, threats, network, hosts, cnc, totals, prevTotals] = await Promise.all([
    severityCounts(store, q), severityCounts(store, pq),
    store.figures.byCategory({ ...q, limit: LIMITS.categories }), store.figures.byCategory({ ...pq, limit: 1000 }),
    store.figures.topThreats({ ...q, limit: LIMITS.threats, exceptCategory: 'network' }),
    store.figures.topThreats({ ...q, limit: LIMITS.network, category: 'network' }),
    store.figures.topHosts({ ...q, limit: LIMITS.hosts }),
    store.figures.cncCallbacks({ ...q, limit: LIMITS.cnc }),
    store.figures.hostTotals(q), store.figures.hostTotals(pq),
  ]);
  const prevCat = new Map(prevCats.items.map((x) => [x.category, x.count]));
  const total = LEVELS.reduce((s, l) => s + sev[l], 0);
  const prevTotal = LEVELS.reduce((s, l) => s + prevSev[l], 0);
  const topThreats = threatRows(threats);
  const networkRows = threatRows(network);

  const actions = actionsOf({
    cnc: { hosts: totals.cncHosts, callbacks: totals.cnc, addresses: [...new Set(cnc.items.map((x) => x.address))] },
    threats: [...topThreats, ...networkRows],
    dropped: days.filter((a) => a.dropped > 0).map((a) => [a.id, a.dropped]),
    missing: days.filter((a) => a.missingRecords > 0).map((a) => [a.id, a.missingRecords]),
    silent: days.filter((a) => a.heartbeatGaps.items.length > 0 && a.state !== 'retired')
      .map((a) => [a.id, (a.periodS - a.onlineS) * 1000]),
  });

  return {
    ...head(p, prev, scope, c),
    type: 'daily',
    fleet,
    appliances: { items: days.slice(0, LIMITS.appliances), omitted: Math.max(0, days.length - LIMITS.appliances) },
    completeness,
    detections: { count: total, previous: prevTotal },
    callbacks: { count: totals.cnc, previous: prevTotals.cnc, hosts: totals.cncHosts },
    affectedHosts: { count: totals.hosts, previous: prevTotals.hosts },
    bySeverity: LEVELS.map((l) => ({ level: l, count: sev[l], previous: prevSev[l] })),
    byCategory: { items: cats.items.map((x) => ({ category: x.category, count: x.count, previous: prevCat.get(x.category) ?? 0 })), omitted: cats.omitted },
    topThreats,
    topHosts: hosts.items.map((h) => ({ host: h.host, count: h.count, level: levelOf(h.maxSeverity), cnc: h.cnc })),
    cnc: {
      items: cnc.items.map((x) => ({
        host: x.host, address: x.address, applianceId: x.applianceId, level: levelOf(x.maxSeverity), count: x.count, firstSeen: x.first, lastSeen: x.last,
      })),
      omitted: cnc.omitted,
    },
    network: { items: networkRows, omitted: network.omitted },
    actions,
  };
}
