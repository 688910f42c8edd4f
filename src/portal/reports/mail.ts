// A report by e-mail: to reports.to, and for an account's report (when
// reports.registrationEmail) the addresses its appliances registered with;
// the whole portal's report also goes to notify.to. The PDF is attached;
// the text says the headline figures and where the page is.

import type { PortalConfig } from '../config/schema.ts';
import { envelope } from '../notify/channels.ts';
import type { Mail } from '../notify/email.ts';
import type { Appliance } from '../store/types.ts';
import { percent, periodName, reportTitle, scopeName } from './format.ts';
import { fileNameOf } from './make.ts';
import type { ReportModel } from './model.ts';
import { count } from '../markup/format.ts';

/** A bound on what one report fans out to. */
export const MAX_REPORT_RECIPIENTS = 50;

export function reportRecipients(c: Pick<PortalConfig, 'reports' | 'notify'>, scope: string, appliances: Appliance[]): string[] {
  const list = [...c.reports.to, ...(scope === '*' ? c.notify.to : [])];
  if (scope !== '*' && c.reports.registrationEmail) {
    for (const a of appliances) if (a.account === scope && a.registration) list.push(a.registration.email);
  }
  return envelope(list, MAX_REPORT_RECIPIENTS).to;
}

export function reportMail(m: ReportModel, pdf: Buffer, to: string[], pageUrl: string, id: number): Mail {
  const title = `${reportTitle(m.type)}: ${periodName(m.type, m.first, m.last)}`;
  const lines = [`${title}`, `${scopeName(m.scope)}, times in ${m.timeZone}`, ''];
  if (m.type === 'daily') {
    lines.push(
      `Detections: ${count(m.detections.count)} (the day before: ${count(m.detections.previous)})`,
      `C&C callbacks: ${count(m.callbacks.count)} from ${count(m.callbacks.hosts)} hosts (the day before: ${count(m.callbacks.previous)})`,
      `Data completeness: ${percent(m.completeness.ratio)} (${count(m.completeness.dropped)} records dropped at the appliances, `
        + `${count(m.completeness.missingRecords)} missing)`,
    );
  } else {
    lines.push(m.bottomLine);
  }
  if (m.actions.length > 0) {
    lines.push('', 'Recommended actions:');
    for (const a of m.actions.slice(0, 5)) lines.push(`${a.priority}. ${a.finding} ${a.action}`);
  }
  lines.push('', `The report is attached as a PDF, and on the portal: ${pageUrl}`);
  return {
    to,
    subject: `[TMSP] ${title} (${scopeName(m.scope)})`,
    text: `${lines.join('\n')}\n`,
    attachments: [{ filename: fileNameOf(m, 'pdf'), content: pdf, contentType: 'application/pdf' }],
    kind: `report-${m.type}`,
    id: `report-${id}`,
  };
}
