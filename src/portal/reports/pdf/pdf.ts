// A report's PDF, made from its model alone with pdfmake (pdfkit underneath),
// no browser: A4 portrait, DejaVu Sans embedded, a header and a footer on
// every page, the charts as vectors. The same model always makes the same
// document, dates included, so a report opened a year later prints as it
// did the day it was made.

import pdfmake from 'pdfmake';
import type { Content, TDocumentDefinitions } from 'pdfmake/interfaces.js';
import { TmspError } from '../../../errors.ts';
import { periodName, reportTitle, scopeName } from '../format.ts';
import { checkVersion, type ReportModel } from '../model.ts';
import { dailyContent } from './daily.ts';
import { executiveContent } from './executive.ts';
import { FAMILY, fontDictionary } from './fonts.ts';
import { printableModel } from './glyphs.ts';
import { pageFooter, pageHeader } from './page.ts';
import { BASE_SIZE, INK, PAGE, STYLES } from './theme.ts';

let ready = false;

/**
 * pdfmake is one shared instance. A report names no file and no URL, so
 * nothing may be fetched, and only the fonts read from disk.
 */
function setUp(): void {
  if (ready) return;
  const fonts = fontDictionary();
  const allowed = new Set(Object.values(fonts).flatMap((f) => Object.values(f)));
  pdfmake.setFonts(fonts);
  pdfmake.setUrlAccessPolicy(() => false);
  pdfmake.setLocalAccessPolicy((file: string) => allowed.has(file));
  ready = true;
}

function reportDocument(model: ReportModel): TDocumentDefinitions {
  checkVersion(model);
  const { model: m, replaced } = printableModel(model);
  let content: Content[];
  if (m.type === 'daily') content = dailyContent(m, replaced);
  else if (m.type === 'weekly' || m.type === 'monthly') content = executiveContent(m, replaced);
  else throw new TmspError('E_STATE', `a report of unknown type ${String((m as { type: unknown }).type)}`);
  const title = `${reportTitle(m.type)}: ${scopeName(m.scope)}, ${periodName(m.type, m.first, m.last)}`;
  return {
    pageSize: 'A4',
    pageOrientation: 'portrait',
    pageMargins: [PAGE.left, PAGE.top, PAGE.right, PAGE.bottom],
    info: { title, author: m.portal, subject: reportTitle(m.type), creator: 'tmsp-portal', producer: 'tmsp-portal (pdfmake)', creationDate: new Date(m.madeAt) },
    language: 'en',
    defaultStyle: { font: FAMILY, fontSize: BASE_SIZE, color: INK, lineHeight: 1.15 },
    styles: STYLES,
    header: pageHeader(m),
    footer: pageFooter(m),
    content,
  };
}

/** The report as a PDF; a model of another version than this portal's is refused (E_STATE). */
export async function reportPdf(model: ReportModel): Promise<Buffer> {
  const doc = reportDocument(model);
  setUp();
  return pdfmake.createPdf(doc).getBuffer();
}
