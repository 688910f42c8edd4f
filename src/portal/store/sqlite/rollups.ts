// The roll-ups reports read instead of the detections: per local day of the
// report time zone, per appliance, counts by (severity, category, threat),
// by affected host and by C&C callback; and the first of these summed per
// account, which is what a week's or a month's report reads. A batch's counts are gathered while
// its detections are written and added in its finishing transaction, so a
// report costs the same however many detections a day holds. When the zone
// changes, the roll-ups are rebuilt from the detections kept, day by day.

import type Database from 'better-sqlite3';
import { addDays, dayOfInstant, LocalDays, localInstant } from '../../../core/local-days.ts';
import type { RollupCounts } from '../rollup-counts.ts';

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
    for (const g of c.groups) {
      const account = (this.st.ownerOf.get(g.applianceId) as string | undefined) ?? '';
      for (const t of g.threats.values()) {
        this.st.threat.run(g.day, g.applianceId, t.severity, t.category, t.threat, t.n);
        this.st.account.run(g.day, account, t.severity, t.category, t.threat, t.n);
      }
      for (const [host, h] of g.hosts) this.st.host.run(g.day, g.applianceId, host, h.n, h.sev, h.cnc);
      for (const x of g.cnc.values()) this.st.cnc.run(g.day, g.applianceId, x.host, x.address, x.n, x.sev, x.first, x.last);
    }
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
