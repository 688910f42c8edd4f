// One report, at /reports/<type>/<first day> (the whole portal's) or
// /reports/<type>/<first day>/<account> (URL-encoded), as the e-mails link
// it: its HTML in the pages' frame, or with ".pdf" at the end its PDF to
// download. A path ending in ".html" is the page as well, which is how an
// account whose name ends in ".pdf" is reached. What is shown comes from
// the report's stored model only.

import type { ReportRow } from '../../store/types.ts';
import { fileNameOf } from '../../reports/make.ts';
import { periodName } from '../../reports/format.ts';
import { reportBody, reportName, ReportVersionError } from '../../reports/html.ts';
import { MODEL_VERSION, type ReportModel } from '../../reports/model.ts';
import { isDay, REPORT_TYPES, type ReportType } from '../../reports/periods.ts';
import { reportPdf } from '../../reports/pdf/pdf.ts';
import { reportPath } from '../../reports/service.ts';
import { html, layout, trusted } from '../html.ts';
import { errorPage } from './error.ts';
import type { Download, Rendered, View } from './view.ts';

export interface ReportKey {
  type: ReportType;
  firstDay: string;
  scope: string;
  pdf: boolean;
}

const MAX_SCOPE = 64;

/** The report a path names, or undefined when it names none (a 404, never a 400: it is an address, not a form). */
export function reportKey(pathname: string): ReportKey | undefined {
  const m = /^\/reports\/([a-z]+)\/(\d{4}-\d{2}-\d{2})(?:(\.pdf|\.html)|\/([^/]+))?$/.exec(pathname);
  if (!m || !(REPORT_TYPES as readonly string[]).includes(m[1]!) || !isDay(m[2]!)) return undefined;
  const key = { type: m[1] as ReportType, firstDay: m[2]! };
  // The whole portal's report has no third part: no account's name can stand for it.
  if (m[4] === undefined) return { ...key, scope: '*', pdf: m[3] === '.pdf' };
  let last = m[4];
  const pdf = last.endsWith('.pdf');
  if (pdf) last = last.slice(0, -4);
  else if (last.endsWith('.html')) last = last.slice(0, -5);
  let scope: string;
  try {
    scope = decodeURIComponent(last);
  } catch {
    return undefined;
  }
  if (scope === '' || scope === '*' || scope.length > MAX_SCOPE || /[\u0000-\u001f\u007f]/.test(scope)) return undefined;
  return { ...key, scope, pdf };
}

/** The page of a report (as the e-mails link it), or its PDF. */
export function reportHref(r: Pick<ReportRow, 'type' | 'firstDay' | 'scope'>, kind: 'page' | 'pdf' = 'page'): string {
  const page = reportPath(r);
  if (kind === 'pdf') return `${page}.pdf`;
  return /\.(pdf|html)$/.test(page) ? `${page}.html` : page;
}

type Loaded = { model: ReportModel; row: ReportRow } | { refused: Rendered };

async function load(v: View, k: ReportKey): Promise<Loaded> {
  const row = await v.store.reports.get(k.type, k.firstDay, k.scope);
  const who = k.scope === '*' ? 'all appliances' : `account ${k.scope}`;
  if (!row) {
    return { refused: errorPage({ status: 404, title: 'No such report', message: `There is no ${k.type} report from ${k.firstDay} for ${who}.`, user: v.user, csrf: v.csrf }) };
  }
  if (row.madeAt === null || row.model === null) {
    return {
      refused: errorPage({
        status: 404, title: 'Report not made yet',
        message: `The ${k.type} report from ${k.firstDay} for ${who} is being made; it is here within minutes.`, user: v.user, csrf: v.csrf,
      }),
    };
  }
  const model = JSON.parse(row.model) as ReportModel;
  if (model.version !== MODEL_VERSION) return { refused: versionRefused(v, new ReportVersionError(model.version)) };
  return { model, row };
}

function versionRefused(v: View, err: ReportVersionError): Rendered {
  return errorPage({ status: 500, title: 'Report not readable', message: `${err.message} It cannot be shown by this version.`, user: v.user, csrf: v.csrf });
}

export async function reportPage(v: View, k: ReportKey): Promise<Rendered> {
  const got = await load(v, k);
  if ('refused' in got) return got.refused;
  const { model, row } = got;
  return {
    status: 200,
    html: layout({ title: reportName(model), user: v.user, csrf: v.csrf, nav: 'reports' }, html`
<div class="report-tools">
<a href="${`/reports?month=${model.first.slice(0, 7)}`}">← Reports of ${periodName('monthly', model.first, model.first)}</a>
<a class="button" href="${reportHref(row, 'pdf')}" download>Download PDF</a>
</div>
${trusted(reportBody(model))}`),
  };
}

export async function reportPdfDownload(v: View, k: ReportKey): Promise<Rendered | Download> {
  const got = await load(v, k);
  if ('refused' in got) return got.refused;
  return { status: 200, body: await reportPdf(got.model), type: 'application/pdf', filename: fileNameOf(got.model, 'pdf') };
}
