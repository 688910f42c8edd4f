// One batch's roll-up counts, gathered while its detections are written and
// added by its finishing transaction (each store writes them its own way):
// per local day and appliance, by (severity, category, threat), by
// affected host and by C&C callback.

import type { Detection } from './types.ts';

/** The host a detection concerns: the source (the inside host of a callback), else the destination. */
export function affectedHost(d: Pick<Detection, 'srcHost' | 'dstHost'>): string | null {
  return d.srcHost ?? d.dstHost;
}

const SEP = '\u0000';

interface ThreatCount { severity: number; category: string; threat: string; n: number }
interface HostCount { n: number; sev: number; cnc: number }
interface CncCount { host: string; address: string; n: number; sev: number; first: number; last: number }

/** One local day of one appliance, in a batch. */
export interface RollupGroup {
  day: string;
  applianceId: string;
  threats: Map<string, ThreatCount>;
  /** By the host itself: a batch of a large network names tens of thousands, and no key is built for each. */
  hosts: Map<string, HostCount>;
  cnc: Map<string, CncCount>;
}

/** One batch's counts, until its finish: grouped by day and appliance (a batch is one appliance's, mostly of a day or two). */
export class RollupCounts {
  readonly groups: RollupGroup[] = [];
  private last: RollupGroup | undefined;

  private group(day: string, applianceId: string): RollupGroup {
    const l = this.last;
    if (l && l.day === day && l.applianceId === applianceId) return l;
    let g = this.groups.find((x) => x.day === day && x.applianceId === applianceId);
    if (!g) this.groups.push((g = { day, applianceId, threats: new Map(), hosts: new Map(), cnc: new Map() }));
    this.last = g;
    return g;
  }

  add(d: Detection, day: string): void {
    const g = this.group(day, d.applianceId);
    const k = `${d.severity}${SEP}${d.category}${SEP}${d.threat}`;
    const t = g.threats.get(k);
    if (t) t.n++;
    else g.threats.set(k, { severity: d.severity, category: d.category, threat: d.threat, n: 1 });
    const host = affectedHost(d);
    if (host !== null) {
      const h = g.hosts.get(host);
      if (h) {
        h.n++;
        if (d.severity > h.sev) h.sev = d.severity;
        if (d.cnc) h.cnc++;
      } else g.hosts.set(host, { n: 1, sev: d.severity, cnc: d.cnc ? 1 : 0 });
    }
    if (d.cnc && d.cncAddress !== null) {
      const from = d.srcHost ?? '?';
      const ck = `${from}${SEP}${d.cncAddress}`;
      const c = g.cnc.get(ck);
      if (c) {
        c.n++;
        c.sev = Math.max(c.sev, d.severity);
        c.first = Math.min(c.first, d.time);
        c.last = Math.max(c.last, d.time);
      } else g.cnc.set(ck, { host: from, address: d.cncAddress, n: 1, sev: d.severity, first: d.time, last: d.time });
    }
  }
}
