// A report as a document of its own, for a mail or a file in an export:
// the body the portal's page shows, its style sheet inside it because
// neither may fetch anything (and the pages' CSP does not reach them).

import { html, trusted } from '../../markup/html.ts';
import { CSS } from '../../markup/style.ts';
import { periodName, reportTitle, scopeName } from '../format.ts';
import type { ReportModel } from '../model.ts';
import { reportBody } from './body.ts';

/** The report's title, as a document or a mail subject names it. */
export function reportName(model: ReportModel): string {
  return `${reportTitle(model.type)}: ${scopeName(model.scope)}, ${periodName(model.type, model.first, model.last)}`;
}

/** A whole HTML document: no script, no link, nothing it fetches. */
export function reportDocument(model: ReportModel): string {
  const body = reportBody(model);
  return `<!doctype html>
${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${reportName(model)}</title>
<style>${trusted(CSS)}</style>
</head>
<body class="report-document">
<main>
${trusted(body)}
</main>
</body>
</html>
`.text}`;
}
