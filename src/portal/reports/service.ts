// Reports in the running portal: the schedule makes what is due (for the
// whole portal and for each account), each made report is stored as its
// model, and then e-mailed with its PDF. A report whose mail fails is tried
// again at the next wakes, at most MAIL_ATTEMPTS times, and only while it
// is recent: a portal whose mail was off for a month does not send a
// month of reports the day it is turned on.

import type { PortalConfig } from '../config/schema.ts';
import type { Email } from '../notify/email.ts';
import type { Store } from '../store/store.ts';
import type { ReportRow } from '../store/types.ts';
import { reportMail, reportRecipients } from './mail.ts';
import { modelOf } from './make.ts';
import { checkVersion, type ReportModel } from './model.ts';
import { reportPdf } from './pdf/pdf.ts';
import { ReportSchedule } from './schedule.ts';
import type { Period } from './periods.ts';

export const MAIL_ATTEMPTS = 5;
const MAIL_WITHIN_MS = 3 * 86_400_000;
const MAILS_PER_WAKE = 50;
/** One report's e-mail is cut after this long. */
const MAIL_TIMEOUT_MS = 120_000;
/** Reports taken for e-mailing are no other process's for this long: longer than a wake's worth of e-mails can take. */
const MAIL_LEASE_MS = MAILS_PER_WAKE * MAIL_TIMEOUT_MS + 600_000;

export interface ReportLog {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
}

export interface ReportServiceOptions {
  store: Store;
  config: Pick<PortalConfig, 'reports' | 'notify'>;
  /** Who makes them (host and pid): kept with each claim. */
  by: string;
  /** The portal's host name, for the reports' footers. */
  portal: string;
  /** The web pages' base URL, for the link in each e-mail. */
  portalUrl: string;
  /** Set when e-mail is configured (notify.email and an SMTP host) and reports.email. */
  email?: Pick<Email, 'send'>;
  log: ReportLog;
  now?: () => number;
}

/** The page of a report on the portal: the whole portal's has no account part. */
export function reportPath(r: Pick<ReportRow, 'type' | 'firstDay' | 'scope'>): string {
  return `/reports/${r.type}/${r.firstDay}${r.scope === '*' ? '' : `/${encodeURIComponent(r.scope)}`}`;
}

export function parseModel(row: Pick<ReportRow, 'model'>): ReportModel {
  const m = JSON.parse(row.model ?? 'null') as ReportModel | null;
  checkVersion(m);
  return m!;
}

export class ReportService {
  private readonly o: ReportServiceOptions;
  private readonly now: () => number;
  readonly schedule: ReportSchedule;
  readonly counters = { mailed: 0, mailFailed: 0 };

  constructor(o: ReportServiceOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.schedule = new ReportSchedule({
      reports: o.store.reports,
      timeZone: o.config.reports.timeZone,
      scopes: async () => {
        const since = new Map<string, number>();
        for (const a of await o.store.appliances.list()) {
          for (const s of ['*', a.account]) since.set(s, Math.min(since.get(s) ?? Infinity, a.createdAt));
        }
        return [...since].sort(([a], [b]) => (a < b ? -1 : 1)).map(([scope, t]) => ({ scope, since: t }));
      },
      make: (p, scope) => this.make(p, scope),
      after: () => this.mailPending(),
      by: o.by,
      log: o.log,
      now: this.now,
    });
  }

  start(): void {
    this.schedule.start();
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }

  async make(p: Period, scope: string): Promise<string> {
    return JSON.stringify(await modelOf(p, scope, { store: this.o.store, now: this.now(), portal: this.o.portal }));
  }

  /** E-mails the reports made lately and not yet sent. */
  async mailPending(): Promise<void> {
    const mail = this.o.email;
    if (!mail || !this.o.config.reports.email) return;
    const rows = await this.o.store.reports.unmailed(this.now() - MAIL_WITHIN_MS, MAIL_ATTEMPTS, MAILS_PER_WAKE, this.now(), MAIL_LEASE_MS);
    if (rows.length === 0) return;
    const appliances = await this.o.store.appliances.list();
    for (const row of rows) {
      const to = reportRecipients(this.o.config, row.scope, appliances);
      const where = { type: row.type, first: row.firstDay, scope: row.scope };
      if (to.length === 0) {
        // Nobody to tell is not a failure to retry: it is said once, and the report stays on the portal.
        await this.o.store.reports.mailFailed(row.id, 'no recipients', true);
        this.o.log.info(where, 'report not e-mailed: no recipients (reports.to, or the appliances\' registration e-mails)');
        continue;
      }
      try {
        const model = parseModel(row);
        const pdf = await reportPdf(model);
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), MAIL_TIMEOUT_MS);
        const d = await mail.send(reportMail(model, pdf, to, `${this.o.portalUrl}${reportPath(row)}`, row.id), ac.signal).finally(() => clearTimeout(timer));
        if (d.ok) {
          await this.o.store.reports.mailed(row.id, this.now());
          this.counters.mailed++;
          this.o.log.info({ ...where, recipients: to.length, ...(d.note ? { note: d.note } : {}) }, 'report e-mailed');
        } else {
          await this.o.store.reports.mailFailed(row.id, d.error);
          this.counters.mailFailed++;
          this.o.log.warn({ ...where, err: d.error, attempt: row.mailAttempts + 1, of: MAIL_ATTEMPTS }, 'report e-mail failed');
        }
      } catch (err) {
        await this.o.store.reports.mailFailed(row.id, (err as Error).message);
        this.counters.mailFailed++;
        this.o.log.warn({ ...where, err: (err as Error).message }, 'report e-mail failed');
      }
    }
  }
}
