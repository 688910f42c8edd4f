// The weekly and monthly executive reports' model: for the people who
// decide. A posture score sums up the period (posture.ts says how), the
// trend compares it with the period before, and a bottom line says it in
// one paragraph.

import type { DayRange, Store, TimeRange } from '../store/store.ts';
import type { Appliance } from '../store/types.ts';
import { heard, registeredPart, runsByAppliance, toleranceMs } from './availability.ts';
import {
  accountOf, appliancesOf, completenessOf, head, LIMITS, severityCounts, threatRows, type MakeContext,
} from './daily.ts';
import { actionsOf } from './findings.ts';
import { LEVELS, levelOf, type ApplianceAvailability, type ExecutiveModel, type Level } from './model.ts';
import { addDays, daysOf, periodOf, type Period } from './periods.ts';
import { bottomLine, postureOf, trendOf } from './posture.ts';

const TOP = 10;

interface Uptime {
  uptime: number;
  appliances: Array<ApplianceAvailability & { silentMs: number }>;
}

async function uptimeOf(store: Store, appliances: Appliance[], t: TimeRange, now: number): Promise<Uptime> {
  const runs = runsByAppliance(await store.figures.onlineSpans(t));
  let period = 0;
  let online = 0;
  const out = appliances.filter((a) => a.state !== 'retired').map((a) => {
    const h = heard(runs.get(a.id) ?? [], registeredPart(a, t.from, t.until, now), toleranceMs(a));
    period += h.periodMs;
    online += h.onlineMs;
    return {
      id: a.id, hostname: a.registration?.hostname ?? null, uptime: h.periodMs === 0 ? 1 : h.onlineMs / h.periodMs,
      silentPeriods: h.silences.length, longestSilentS: Math.round((h.silences[0] ? h.silences[0].until - h.silences[0].from : 0) / 1000),
      silentMs: h.periodMs - h.onlineMs,
    };
  });
  out.sort((a, b) => a.uptime - b.uptime || (a.id < b.id ? -1 : 1));
  return { uptime: period === 0 ? 1 : online / period, appliances: out };
}

async function dataOf(store: Store, t: TimeRange) {
  const [drops, received, gaps] = await Promise.all([store.figures.drops(t), store.figures.received(t), store.figures.gapsFound(t)]);
  const ids = new Set([...drops.keys(), ...received.keys(), ...gaps.keys()]);
  const completeness = completenessOf([...ids].map((id) => ({
    records: received.get(id)?.records ?? 0, dropped: drops.get(id) ?? 0, missing: gaps.get(id)?.records ?? 0, gaps: gaps.get(id)?.gaps ?? 0,
  })));
  return { drops, gaps, completeness };
}

async function totalsOf(store: Store, q: DayRange) {
  const sev = await severityCounts(store, q);
  const hosts = await store.figures.hostTotals(q);
  return { sev, detections: LEVELS.reduce((s, l) => s + sev[l], 0), ...hosts };
}

export async function executiveModel(p: Period, scope: string, c: MakeContext): Promise<ExecutiveModel> {
  if (p.type === 'daily') throw new Error('an executive report is weekly or monthly');
  const { store } = c;
  const account = accountOf(scope);
  const prev = periodOf(p.type, addDays(p.first, -1), p.timeZone);
  const q: DayRange = { fromDay: p.first, untilDay: p.last, account };
  const pq: DayRange = { fromDay: prev.first, untilDay: prev.last, account };
  const t = { from: p.from, until: p.until, account };

  const appliances = await appliancesOf(store, scope, p.until);
  const pt = { ...t, from: prev.from, until: prev.until };
  const [now, before, up, prevUp, byDay, hostsByDay, risks, hosts, data, prevData] = await Promise.all([
    totalsOf(store, q), totalsOf(store, pq),
    uptimeOf(store, appliances, t, c.now), uptimeOf(store, await appliancesOf(store, scope, prev.until), pt, c.now),
    store.figures.severityByDay(q), store.figures.hostsByDay(q),
    store.figures.topThreats({ ...q, limit: TOP, bySeverity: true }), store.figures.topHosts({ ...q, limit: TOP }),
    dataOf(store, t), dataOf(store, pt),
  ]);

  const days = daysOf(p.first, p.last);
  const index = new Map(days.map((d, i) => [d, i]));
  const bySeverity = Object.fromEntries(LEVELS.map((l) => [l, days.map(() => 0)])) as Record<Level, number[]>;
  for (const r of byDay) {
    const i = index.get(r.day);
    if (i !== undefined) bySeverity[levelOf(r.severity)][i]! += r.count;
  }
  const affectedHosts = days.map(() => 0);
  const cnc = days.map(() => 0);
  for (const r of hostsByDay) {
    const i = index.get(r.day);
    if (i === undefined) continue;
    affectedHosts[i] = r.hosts;
    cnc[i] = r.cnc;
  }

  const { completeness } = data;

  const totals = {
    detections: { count: now.detections, previous: before.detections },
    high: { count: now.sev.high, previous: before.sev.high },
    affectedHosts: { count: now.hosts, previous: before.hosts },
    cnc: { count: now.cnc, previous: before.cnc },
    cncHosts: { count: now.cncHosts, previous: before.cncHosts },
  };
  const fleetSize = Math.max(1, up.appliances.length);
  const score = postureOf({ cncHosts: now.cncHosts, high: now.sev.high, appliances: fleetSize, days: days.length, uptime: up.uptime, completeness: completeness.ratio });
  const prevScore = postureOf({
    cncHosts: before.cncHosts, high: before.sev.high, appliances: Math.max(1, prevUp.appliances.length), days: daysOf(prev.first, prev.last).length,
    uptime: prevUp.uptime, completeness: prevData.completeness.ratio,
  });
  const topRisks = threatRows(risks);
  const cncRows = await store.figures.cncCallbacks({ ...q, limit: 5 });
  const actions = actionsOf({
    cnc: { hosts: now.cncHosts, callbacks: now.cnc, addresses: [...new Set(cncRows.items.map((x) => x.address))] },
    threats: topRisks,
    dropped: [...data.drops].filter(([, n]) => n > 0),
    missing: [...data.gaps].filter(([, g]) => g.records > 0).map(([id, g]) => [id, g.records]),
    silent: up.appliances.filter((a) => a.silentPeriods > 0).map((a) => [a.id, a.silentMs]),
  });
  const posture = { ...score, previousScore: prevScore.score, trend: trendOf(score.score, prevScore.score) };
  return {
    ...head(p, prev, scope, c),
    type: p.type,
    bottomLine: bottomLine({ type: p.type, totals, posture, uptime: up.uptime, completeness: completeness.ratio, first: actions[0] }),
    posture,
    totals,
    trend: { days, bySeverity, affectedHosts, cnc },
    topRisks,
    topHosts: hosts.items.map((h) => ({ host: h.host, count: h.count, level: levelOf(h.maxSeverity), cnc: h.cnc })),
    availability: {
      uptime: up.uptime, previousUptime: prevUp.uptime,
      appliances: {
        items: up.appliances.slice(0, LIMITS.appliances).map(({ silentMs: _, ...a }) => a),
        omitted: Math.max(0, up.appliances.length - LIMITS.appliances),
      },
    },
    completeness,
    actions,
  };
}
