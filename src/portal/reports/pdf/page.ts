// What every page of a report carries, so that a page printed or forwarded
// on its own still says what it is: the header names the product, the
// report, its scope and period; the footer the portal that made it, when,
// and the page's place in the whole.

import type { Content, DynamicContent } from 'pdfmake/interfaces.js';
import { dateTime, periodName, reportTitle, scopeName } from '../format.ts';
import type { ReportModel } from '../model.ts';
import { BRAND, CONTENT_WIDTH, INK, MUTED, PAGE, RULE } from './theme.ts';

/** The header has one line: a long account name is cut there (the title block under it has it whole). */
const HEADER_SCOPE_CHARS = 44;

function clip(s: string, n: number): string {
  const chars = [...s];
  return chars.length <= n ? s : `${chars.slice(0, n - 1).join('').trimEnd()}\u2026`;
}

export function pageHeader(m: ReportModel): DynamicContent {
  const right = `${clip(scopeName(m.scope), HEADER_SCOPE_CHARS)} \u00b7 ${periodName(m.type, m.first, m.last)}`;
  return (): Content => ({
    margin: [PAGE.left, 26, PAGE.right, 0],
    stack: [
      {
        columns: [
          { width: 'auto', noWrap: true, text: [{ text: 'TMSP', bold: true, color: BRAND, fontSize: 10.5 }, { text: `   ${reportTitle(m.type)}`, fontSize: 8.5, color: INK }] },
          { width: '*', noWrap: true, text: right, alignment: 'right', fontSize: 8.5, color: MUTED, margin: [0, 1.5, 0, 0] },
        ],
        columnGap: 12,
      },
      { canvas: [{ type: 'line', x1: 0, y1: 5, x2: CONTENT_WIDTH, y2: 5, lineWidth: 0.6, lineColor: RULE }] },
    ],
  });
}

export function pageFooter(m: ReportModel): DynamicContent {
  const made = `Made ${dateTime(m.madeAt, m.timeZone)} (${m.timeZone})`;
  return (page: number, pages: number): Content => ({
    margin: [PAGE.left, 16, PAGE.right, 0],
    fontSize: 7.5,
    color: MUTED,
    columns: [
      { width: '*', text: m.portal },
      { width: 'auto', text: made, alignment: 'center' },
      { width: '*', text: `Page ${page} of ${pages}`, alignment: 'right' },
    ],
  });
}
