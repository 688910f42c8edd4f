// The heartbeat interval an appliance keeps, learned from its heartbeats:
// the period it declares (intervals.heartbeatS, agents that carry it), else
// the median of the last gaps between its heartbeats. The median ignores the
// one long gap of an outage and the short one of a restart.

const GAPS = 7;

export class IntervalLearner {
  private readonly gaps = new Map<string, number[]>();
  private readonly last = new Map<string, number>();

  /** A heartbeat at `at`; returns the interval (s) to judge by, or `known` when nothing better is learned yet. */
  observe(id: string, at: number, declared: number | undefined, known: number | null): number | null {
    const prev = this.last.get(id);
    this.last.set(id, at);
    if (declared !== undefined && Number.isFinite(declared) && declared >= 1 && declared <= 86_400) return declared;
    if (prev === undefined || at <= prev) return known;
    const g = this.gaps.get(id) ?? [];
    g.push((at - prev) / 1000);
    if (g.length > GAPS) g.shift();
    this.gaps.set(id, g);
    if (g.length < 3) return known ?? (g.length === 2 ? Math.min(...g) : null);
    const sorted = [...g].sort((a, b) => a - b);
    return Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10;
  }

  forget(id: string): void {
    this.gaps.delete(id);
    this.last.delete(id);
  }
}
