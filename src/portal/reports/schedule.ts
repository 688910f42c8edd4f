// When reports are made: at start (the catch-up of what an outage missed)
// and then at every wake, each period due and not yet made is claimed in
// the store and handed to `make`, one at a time, oldest first and daily,
// weekly, monthly within a day. A claim another portal holds is skipped; a
// making that fails gives its claim back and is tried at the next wake, and
// one whose maker died (a claim never made) is taken over once stale. The
// wake is croner's, at the top of every hour in the report time zone (so
// 02:00 local, or the first instant after it when DST skips it); what is
// due comes from duePeriods(), so a wake missed (a suspended VM) or
// doubled changes nothing.

import { Cron } from 'croner';
import type { ReportStore } from '../store/store.ts';
import { addDays, dayOfInstant, duePeriods, type Period } from './periods.ts';

/** A report claimed this long ago and not made was left by a maker that died: far longer than any report takes to make. */
export const STALE_CLAIM_MS = 30 * 60_000;

/** Every hour on the hour, local time: reports are due at 02:00, and a failed one is tried again an hour later. */
export const WAKE_PATTERN = '0 0 * * * *';
/** At most this many reports per wake: a long outage is caught up over a few minutes, not in one burst. */
const PER_WAKE = 50;

export interface ScheduleOptions {
  reports: ReportStore;
  timeZone: string;
  /**
   * '*' for the whole portal, and each account's name, with when its first
   * appliance appeared: a period over before then has nothing to report, and
   * a new portal does not make two months of empty reports.
   */
  scopes: () => Promise<Array<{ scope: string; since: number }>>;
  make: (p: Period, scope: string) => Promise<string>;
  /** After each wake's making: the e-mails of what was made. */
  after?: () => Promise<void>;
  /** Who claims (host and pid): shown with the report. */
  by: string;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void };
  now?: () => number;
  horizonDays?: number;
}

export class ReportSchedule {
  private readonly o: ScheduleOptions;
  private readonly now: () => number;
  private cron: Cron | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  readonly counters = { made: 0, failed: 0, skipped: 0 };

  constructor(o: ScheduleOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.cron = new Cron(WAKE_PATTERN, { timezone: this.o.timeZone, unref: true, protect: true }, () => void this.wake());
    void this.wake();
  }

  /** When the next wake is (ms), for `status`. */
  nextWake(): number | null {
    return this.cron?.nextRun()?.getTime() ?? null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cron?.stop();
    this.cron = undefined;
    await this.running;
  }

  /** One pass: make what is due. Resolves when it is done (tests call it directly). */
  wake(): Promise<void> {
    this.running ??= this.pass().then(() => this.o.after?.()).catch((err: unknown) => {
      this.counters.failed++;
      this.o.log.warn({ err: (err as Error).message }, 'report wake failed; it is tried again at the next');
    }).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    const now = this.now();
    let budget = PER_WAKE;
    const horizon = this.o.horizonDays ?? 62;
    // Only the reports the horizon can name are read: a wake costs the same however many are kept.
    const today = dayOfInstant(now, this.o.timeZone);
    const kept = await this.o.reports.list(addDays(today, -(horizon + 31)), today);
    for (const { scope, since } of await this.o.scopes()) {
      // A claim its maker never finished (it died mid-report) does not count once it is stale: it is taken over below.
      const made = new Set(kept.filter((r) => r.scope === scope && (r.madeAt !== null || r.claimedAt >= now - STALE_CLAIM_MS))
        .map((r) => `${r.type} ${r.firstDay}`));
      for (const p of duePeriods(now, this.o.timeZone, (x) => x.until <= since || made.has(`${x.type} ${x.first}`), horizon)) {
        if (this.stopped || budget-- <= 0) return;
        const claim = await this.o.reports.claim({
          type: p.type, firstDay: p.first, lastDay: p.last, scope, timeZone: p.timeZone, claimedAt: now, claimedBy: this.o.by,
        }, STALE_CLAIM_MS);
        if (!claim) {
          this.counters.skipped++;
          continue;
        }
        try {
          await this.o.reports.made(claim.id, await this.o.make(p, scope), this.now());
          this.counters.made++;
          this.o.log.info({ type: p.type, first: p.first, last: p.last, scope }, 'report made');
        } catch (err) {
          this.counters.failed++;
          await this.o.reports.release(claim.id);
          this.o.log.warn({ type: p.type, first: p.first, scope, err: (err as Error).message }, 'report failed; it is tried again at the next wake');
        }
      }
    }
  }
}
