// When an appliance was heard, from the runs of heartbeat buckets the store
// returns: runs closer than the appliance's own heartbeat period allows are
// one stretch (an appliance beating every ten minutes leaves every other
// five-minute bucket empty and is still online), and what lies between the
// stretches are its silences.

import { BUCKET_MS, type Appliance } from '../store/types.ts';
import type { Span } from './model.ts';

export interface Heard {
  /** The part of the period the appliance was registered for (ms). */
  periodMs: number;
  onlineMs: number;
  /** Silences, longest first. */
  silences: Span[];
}

/** The part of [from, until) an appliance existed for, and not past `now`. */
export function registeredPart(a: Appliance, from: number, until: number, now: number): Span {
  const start = Math.max(from, a.firstRegisteredAt ?? a.createdAt);
  return { from: start, until: Math.max(start, Math.min(until, now)) };
}

/** A hole shorter than this is not a silence: twice the appliance's heartbeat period, and at least a bucket. */
export function toleranceMs(a: Pick<Appliance, 'intervalS'>): number {
  return Math.max(BUCKET_MS, 2 * (a.intervalS ?? 60) * 1000);
}

export function heard(runs: Span[], part: Span, tolerance: number): Heard {
  const merged: Span[] = [];
  for (const r of runs) {
    const s = { from: Math.max(r.from, part.from), until: Math.min(r.until, part.until) };
    if (s.until <= s.from) continue;
    const last = merged.at(-1);
    if (last && s.from - last.until <= tolerance) last.until = Math.max(last.until, s.until);
    else merged.push(s);
  }
  const silences: Span[] = [];
  let at = part.from;
  for (const m of merged) {
    if (m.from - at > tolerance) silences.push({ from: at, until: m.from });
    at = m.until;
  }
  if (part.until - at > tolerance) silences.push({ from: at, until: part.until });
  const periodMs = part.until - part.from;
  const silentMs = silences.reduce((n, s) => n + s.until - s.from, 0);
  silences.sort((a, b) => b.until - b.from - (a.until - a.from) || a.from - b.from);
  return { periodMs, onlineMs: Math.max(0, periodMs - silentMs), silences };
}

/** The store's runs, by appliance. */
export function runsByAppliance(spans: ReadonlyArray<{ applianceId: string } & Span>): Map<string, Span[]> {
  const runs = new Map<string, Span[]>();
  for (const s of spans) {
    let list = runs.get(s.applianceId);
    if (!list) runs.set(s.applianceId, (list = []));
    list.push({ from: s.from, until: s.until });
  }
  return runs;
}
