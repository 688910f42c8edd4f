// tmsp-portal report generate | list | show | export: reports on demand,
// from the same store the running portal makes them in. A report made here
// is claimed like a scheduled one, so the schedule never makes it again
// (and generate for one made already shows it), and the running portal
// e-mails it at its next wake.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Out } from '../../core/out.ts';
import { TmspError, UsageError } from '../../errors.ts';
import { writeAtomic } from '../../settings/file.ts';
import { ACCOUNT_NAME_RULE, isAccountName } from '../accounts/names.ts';
import { publicName } from '../config/load.ts';
import { reportDocument } from '../reports/html/document.ts';
import { exportZip } from '../reports/export.ts';
import { modelOf } from '../reports/make.ts';
import type { ReportModel } from '../reports/model.ts';
import { reportPdf } from '../reports/pdf/pdf.ts';
import { addDays, dayOfInstant, isDay, makeAt, periodOf, REPORT_TYPES, type Period, type ReportType } from '../reports/periods.ts';
import { parseModel } from '../reports/service.ts';
import type { Store } from '../store/store.ts';
import type { ReportRow } from '../store/types.ts';
import { withStore, type PortalCtx } from './context.ts';

export interface ReportOptions {
  type?: string;
  period?: string;
  account?: string;
  output?: string;
  from?: string;
  to?: string;
}

/** The longest range one export takes: a year of reports is a few hundred files. */
const MAX_EXPORT_DAYS = 400;

function typeOf(s: string | undefined): ReportType {
  if (s === undefined || !(REPORT_TYPES as readonly string[]).includes(s)) throw new UsageError('--type must be daily, weekly or monthly');
  return s as ReportType;
}

function dayArg(name: string, s: string | undefined): string {
  if (s === undefined || !isDay(s)) throw new UsageError(`--${name} must be a day as YYYY-MM-DD, such as 2026-11-30`);
  return s;
}

function scopeOf(account: string | undefined): string {
  if (account === undefined) return '*';
  if (!isAccountName(account)) throw new UsageError(`--account ${ACCOUNT_NAME_RULE} (an account's name: see account list)`);
  return account;
}

function periodArg(o: ReportOptions, tz: string): Period {
  return periodOf(typeOf(o.type), dayArg('period', o.period), tz);
}

async function rowOf(s: Store, p: Period, scope: string): Promise<ReportRow> {
  const r = await s.reports.get(p.type, p.first, scope);
  if (!r || r.madeAt === null) {
    throw new TmspError('E_NOT_FOUND', `no ${p.type} report for ${p.first}${scope === '*' ? '' : ` of account ${scope}`}${r ? ' yet (it is being made)' : ''}`);
  }
  return r;
}

function summary(r: Pick<ReportRow, 'type' | 'firstDay' | 'lastDay' | 'scope' | 'madeAt' | 'mailedAt' | 'mailError'>) {
  return {
    type: r.type, first: r.firstDay, last: r.lastDay, scope: r.scope, madeAt: r.madeAt === null ? null : new Date(r.madeAt).toISOString(),
    mailedAt: r.mailedAt === null ? null : new Date(r.mailedAt).toISOString(), mailError: r.mailError,
  };
}

function line(r: ReturnType<typeof summary>): string {
  const mail = r.mailedAt ? `e-mailed ${r.mailedAt}` : r.mailError ? `not e-mailed: ${r.mailError}` : 'not e-mailed';
  return `${r.type.padEnd(8)} ${r.first}${r.last !== r.first ? `..${r.last}` : '            '}  ${(r.scope === '*' ? 'all' : r.scope).padEnd(20)} `
    + `${r.madeAt ? `made ${r.madeAt}` : 'being made'}  ${mail}`;
}

/** Writes a rendering by the output file's extension: .pdf, .html or .json. */
async function render(m: ReportModel, file: string): Promise<Buffer> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.pdf') return reportPdf(m);
  if (ext === '.html' || ext === '.htm') return Buffer.from(reportDocument(m));
  if (ext === '.json') return Buffer.from(`${JSON.stringify(m, null, 1)}\n`);
  throw new UsageError('--output must end in .pdf, .html or .json');
}

export async function reportCommand(ctx: PortalCtx, out: Out, args: string[], o: ReportOptions): Promise<number> {
  const [sub] = args;
  const tz = ctx.config.reports.timeZone;
  const now = Date.now();
  if (sub === 'generate') {
    const p = periodArg(o, tz);
    const scope = scopeOf(o.account);
    if (p.until > now) {
      throw new UsageError(`the ${p.type} report for ${p.first} can be made once its period is over (${new Date(p.until).toISOString()}, `
        + `midnight in ${tz}); the schedule makes it at ${new Date(makeAt(p)).toISOString()}`);
    }
    // Reports are never made twice: asking again for one made shows it, and says so.
    const { row, made } = await withStore(ctx, async (s) => {
      if (scope !== '*' && !(await s.accounts.get(scope)) && !(await s.appliances.list()).some((a) => a.account === scope)) {
        throw new TmspError('E_NOT_FOUND', `no account ${scope}`);
      }
      const claim = await s.reports.claim({
        type: p.type, firstDay: p.first, lastDay: p.last, scope, timeZone: tz, claimedAt: now, claimedBy: `${os.hostname()}:${process.pid} (cli)`,
      });
      if (!claim) return { row: await rowOf(s, p, scope), made: false };
      try {
        const model = await modelOf(p, scope, { store: s, now: Date.now(), portal: publicName(ctx.config) });
        await s.reports.made(claim.id, JSON.stringify(model), Date.now());
      } catch (err) {
        await s.reports.release(claim.id);
        throw err;
      }
      return { row: (await s.reports.get(p.type, p.first, scope))!, made: true };
    }, { rollups: true });
    const r = summary(row);
    out.done({ report: r, made }, `${made ? 'made' : 'made before, not again'}: ${line(r)}`);
    return 0;
  }
  if (sub === 'list') {
    const today = dayOfInstant(now, tz);
    const from = o.from === undefined ? addDays(today, -31) : dayArg('from', o.from);
    const to = o.to === undefined ? today : dayArg('to', o.to);
    if (to < from) throw new UsageError('--to must not be before --from');
    const rows = (await withStore(ctx, (s) => s.reports.list(from, to)))
      .filter((r) => o.account === undefined || r.scope === scopeOf(o.account)).map(summary);
    out.done({ reports: rows }, rows.length === 0 ? `no reports from ${from} to ${to}` : rows.map(line).join('\n'));
    return 0;
  }
  if (sub === 'show') {
    const p = periodArg(o, tz);
    const scope = scopeOf(o.account);
    const row = await withStore(ctx, (s) => rowOf(s, p, scope));
    const model = parseModel(row);
    if (o.output !== undefined) {
      const body = await render(model, o.output);
      writeAtomic(o.output, body, 0o640);
      out.done({ report: summary(row), output: path.resolve(o.output), bytes: body.length }, `${o.output}: ${body.length} bytes`);
      return 0;
    }
    out.done({ report: summary(row), model }, `${JSON.stringify(model, null, 1)}`);
    return 0;
  }
  if (sub === 'export') {
    const from = dayArg('from', o.from);
    const to = dayArg('to', o.to);
    if (to < from) throw new UsageError('--to must not be before --from');
    if (addDays(from, MAX_EXPORT_DAYS) < to) throw new UsageError(`--from and --to may be at most ${MAX_EXPORT_DAYS} days apart`);
    if (o.output === undefined || !o.output.toLowerCase().endsWith('.zip')) throw new UsageError('--output must name a .zip file');
    const scope = o.account === undefined ? undefined : scopeOf(o.account);
    const output = o.output;
    const n = await withStore(ctx, async (s) => {
      const rows = (await s.reports.list(from, to)).filter((r) => r.madeAt !== null && (scope === undefined || r.scope === scope));
      return exportZip(rows, async (r) => parseModel((await s.reports.get(r.type, r.firstDay, r.scope))!), output);
    });
    const size = fs.statSync(output).size;
    out.done({ output: path.resolve(output), reports: n, bytes: size }, `${output}: ${n} reports, ${size} bytes`);
    return 0;
  }
  throw new UsageError('report generate --type daily|weekly|monthly --period DAY [--account A] | list [--from DAY] [--to DAY] [--account A]'
    + ' | show --type T --period DAY [--account A] [--output FILE.pdf|.html|.json] | export --from DAY --to DAY [--account A] --output FILE.zip');
}
