// A report as HTML: its body, which the portal's page frames, and a whole
// document around it for mails and exports. The layouts live in html/ (one
// file for the daily report, one for the executive ones, the parts they
// share); this is where the rest of the portal takes them from.

export { reportBody, ReportVersionError } from './html/body.ts';
export { reportDocument, reportName } from './html/document.ts';
