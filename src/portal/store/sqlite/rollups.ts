// The roll-ups reports read instead of the detections: per local day of the
// report time zone, per appliance, counts by (severity, category, threat),
// by affected host and by C&C callback; and the first of these summed per
// account, which is what a week's or a month's report reads. A batch's counts are gathered while
// its detections are written and added in its finishing transaction, so a
// report costs the same however many detections a day holds. When the zone
// changes, the roll-ups are rebuilt from the detections kept, day by day.

import type Database from 'better-sqlite3';
import { addDays, dayOfInstant, LocalDays, localInstant } from '../../../core/local-days.ts';
import type { Detection } from '../types.ts';

/** The host a detection concerns: the source (the inside host of a callback), else the destination. */
export function affectedHost(d: Pick<Detection, 'srcHost' | 'dstHost'>): string | null {
  return d.srcHost ?? d.dstHost;
}

const SEP = '\u0000';

interface CncCount { n: number; sev: number; first: number; last: number }

/** One batch's counts, until its finish. */
export class RollupCounts {
  readonly threats = new Map<string, number>();
  readonly hosts = new Map<string, { n: number; sev: number; cnc: number }>();
  readonly cnc = new Map<string, CncCount>();

  add(d: Detection, day: string): void {
    const k = [day, d.applianceId, d.severity, d.category, d.threat].join(SEP);
    this.threats.set(k, (this.threats.get(k) ?? 0) + 1);
    const host = affectedHost(d);
    if (host !== null) {
      const hk = [day, d.applianceId, host].join(SEP);
      const h = this.hosts.get(hk);
      if (h) {
        h.n++;
        h.sev = Math.max(h.sev, d.severity);
        h.cnc += d.cnc ? 1 : 0;
      } else this.hosts.set(hk, { n: 1, sev: d.severity, cnc: d.cnc ? 1 : 0 });
    }
    if (d.cnc && d.cncAddress !== null) {
      const ck = [day, d.applianceId, d.srcHost ?? '?', d.cncAddress].join(SEP);
      const c = this.cnc.get(ck);
      if (c) {
        c.n++;
        c.sev = Math.max(c.sev, d.severity);
        c.first = Math.min(c.first, d.time);
        c.last = Math.max(c.last, d.time);
      } else this.cnc.set(ck, { n: 1, sev: d.severity, first: d.time, last: d.time });
    }
  }
}

export class Rollups {
  private readonly db: Database.Database;
  private days: LocalDays;
  private readonly st;

  constructor(db: Database.Database) {
    this.db = db;
    this.days = new LocalDays(this.zone());
    this.st = {
      threat: db.prepare(`INSERT INTO rollup_daily (day, appliance_id, severity, category, threat, count) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (day, appliance_id, severity, category, threat) DO UPDATE SET count = count + excluded.count`),
      account: db.prepare(`INSERT INTO rollup_account (day, account, severity, category, threat, count) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (day, account, severity, category, threat) DO UPDATE SET count = count + excluded.count`),
      ownerOf: db.prepare('SELECT account FROM appliance WHERE id = ?').pluck(),
      host: db.prepare(`INSERT INTO rollup_host VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (day, appliance_id, host) DO UPDATE SET
        count = count + excluded.count, max_severity = max(max_severity, excluded.max_severity), cnc = cnc + excluded.cnc`),
      cnc: db.prepare(`INSERT INTO rollup_cnc VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, appliance_id, host, address) DO UPDATE SET
        count = count + excluded.count, max_severity = max(max_severity, excluded.max_severity), first = min(first, excluded.first),
        last = max(last, excluded.last)`),
    };
  }

  /** The zone the roll-ups' days are counted in. */
  zone(): string {
    return (this.db.prepare(`SELECT value FROM meta WHERE key = 'rollup_zone'`).get() as { value: string }).value;
  }

  dayOf(t: number): string {
    return this.days.dayOf(t);
  }

  /** Another process (a command) may have counted the roll-ups again in a new zone: asked at each batch's start. */
  refresh(): void {
    const zone = this.zone();
    if (zone !== this.days.timeZone) this.days = new LocalDays(zone);
  }

  /** Adds a batch's counts; inside the batch's finishing transaction. */
  write(c: RollupCounts): void {
    const owners = new Map<string, string>();
    for (const [k, n] of c.threats) {
      const [day, id, sev, cat, threat] = k.split(SEP) as [string, string, string, string, string];
      this.st.threat.run(day, id, Number(sev), cat, threat, n);
      let account = owners.get(id);
      if (account === undefined) owners.set(id, (account = (this.st.ownerOf.get(id) as string | undefined) ?? ''));
      this.st.account.run(day, account, Number(sev), cat, threat, n);
    }
    for (const [k, h] of c.hosts) this.st.host.run(...(k.split(SEP) as [string, string, string]), h.n, h.sev, h.cnc);
    for (const [k, x] of c.cnc) this.st.cnc.run(...(k.split(SEP) as [string, string, string, string]), x.n, x.sev, x.first, x.last);
  }

  /**
   * Counts the roll-ups again in `zone`, from the detections kept: once,
   * when the report time zone changes. Day by day, each an index range of
   * the detections, so memory stays flat however many there are.
   * Returns the number of days counted.
   */
  rebuild(zone: string): number {
    const bounds = this.db.prepare('SELECT min(time) AS lo, max(time) AS hi FROM detection').get() as { lo: number | null; hi: number | null };
    const done = `FROM detection d JOIN batch b ON b.id = d.batch_id WHERE b.state = 'done' AND d.time >= ? AND d.time < ?`;
    const threat = this.db.prepare(`INSERT INTO rollup_daily SELECT ?, d.appliance_id, d.severity, d.category, d.threat, count(*) ${done}
      GROUP BY 2, 3, 4, 5`);
    const host = this.db.prepare(`INSERT INTO rollup_host SELECT ?, d.appliance_id, coalesce(d.src_host, d.dst_host), count(*),
      max(d.severity), sum(d.cnc) ${done} AND coalesce(d.src_host, d.dst_host) IS NOT NULL GROUP BY 2, 3`);
    const cnc = this.db.prepare(`INSERT INTO rollup_cnc SELECT ?, d.appliance_id, coalesce(d.src_host, '?'), d.cnc_address, count(*),
      max(d.severity), min(d.time), max(d.time) ${done} AND d.cnc = 1 AND d.cnc_address IS NOT NULL GROUP BY 2, 3, 4`);
    let days = 0;
    this.db.transaction(() => {
      this.db.exec('DELETE FROM rollup_daily; DELETE FROM rollup_host; DELETE FROM rollup_cnc; DELETE FROM rollup_account');
      if (bounds.lo !== null && bounds.hi !== null) {
        const last = dayOfInstant(bounds.hi, zone);
        for (let day = dayOfInstant(bounds.lo, zone); day <= last; day = addDays(day, 1)) {
          const from = localInstant(day, 0, zone);
          const until = localInstant(addDays(day, 1), 0, zone);
          threat.run(day, from, until);
          host.run(day, from, until);
          cnc.run(day, from, until);
          days++;
        }
      }
      this.db.exec(`INSERT INTO rollup_account SELECT r.day, a.account, r.severity, r.category, r.threat, sum(r.count) FROM rollup_daily r
        JOIN appliance a ON a.id = r.appliance_id GROUP BY 1, 2, 3, 4, 5`);
      this.db.prepare(`UPDATE meta SET value = ? WHERE key = 'rollup_zone'`).run(zone);
    }).immediate();
    this.days = new LocalDays(zone);
    return days;
  }
}
