// The pieces both kinds of report are made of, besides tables: the title
// block, figure tiles, a titled block that never breaks across pages, the
// completeness box, a chart, and the marks a cell carries (a level, a change
// against the period before). Wording follows the report's page (html/).

import type { Content, TableCell } from 'pdfmake/interfaces.js';
import { count, change, percent, periodName, previousName, reportTitle, scopeName, type Direction } from '../format.ts';
import type { Completeness, CountVsPrevious, Level, ReportModel } from '../model.ts';
import { PLACEHOLDER } from './glyphs.ts';
import { FAMILY } from './fonts.ts';
import { BAD, GOOD, INK, LEVEL_COLOURS, LEVEL_NAMES, MUTED, TILE_FILL, WARN } from './theme.ts';

export function titleBlock(m: ReportModel, replaced: number): Content {
  const stack: Content[] = [
    { text: reportTitle(m.type).toUpperCase(), style: 'kicker' },
    { text: scopeName(m.scope), style: 'title', margin: [0, 2, 0, 0] },
    { text: [{ text: periodName(m.type, m.first, m.last), bold: true }, { text: ` \u00b7 compared with ${previousName(m)} \u00b7 times in ${m.timeZone}`, color: MUTED }], style: 'period', margin: [0, 3, 0, 0] },
  ];
  if (replaced > 0) {
    stack.push(box(`Some names hold characters this PDF\u2019s font cannot show (Chinese, Japanese, Korean and others); each such character prints as ${PLACEHOLDER}. ` +
      'The report\u2019s page on the portal shows them in full.', '#fffbeb', '#fcd34d'));
  }
  return { stack, margin: [0, 0, 0, 10] };
}

/** A note in a thin frame, the width of the page. */
function box(text: string, fill: string, line: string): Content {
  return {
    margin: [0, 6, 0, 0],
    table: { widths: ['*'], body: [[{ text, style: 'note', color: INK, fillColor: fill, margin: [4, 3, 4, 3] }]] },
    layout: { hLineWidth: () => 0.6, vLineWidth: () => 0.6, hLineColor: () => line, vLineColor: () => line },
  };
}

export type Tone = 'bad' | 'warn' | 'good';
const TONES: Record<Tone, string> = { bad: BAD, warn: WARN, good: GOOD };

export interface Tile {
  label: string;
  value: string;
  /** Lines under the value: its change, or what it is made of. */
  details: Array<string | Content>;
  tone?: Tone;
}

/** Figures side by side, the same width each, `perRow` to a row. */
export function tiles(list: Tile[], perRow = list.length): Content {
  const cells = list.map((t): TableCell => ({
    stack: [
      { text: t.label, style: 'tileLabel' },
      { text: t.value, style: 'tileValue', color: t.tone ? TONES[t.tone] : INK, margin: [0, 2, 0, 1] },
      ...t.details.map((d): Content => (typeof d === 'string' ? { text: d, style: 'tileDetail' } : { style: 'tileDetail', stack: [d] })),
    ],
    fillColor: TILE_FILL,
    margin: [7, 6, 7, 7],
  }));
  const body: TableCell[][] = [];
  for (let i = 0; i < cells.length; i += perRow) {
    const row = cells.slice(i, i + perRow);
    while (row.length < perRow) row.push({ text: '' });
    body.push(row);
  }
  return {
    table: { widths: Array.from({ length: perRow }, () => '*'), body, dontBreakRows: true },
    // White rules between the tiles are the gaps between them.
    layout: {
      hLineWidth: (i) => (i === 0 || i === body.length ? 0 : 6),
      vLineWidth: (i) => (i === 0 || i === perRow ? 0 : 6),
      hLineColor: () => '#ffffff',
      vLineColor: () => '#ffffff',
      paddingLeft: () => 0, paddingRight: () => 0, paddingTop: () => 0, paddingBottom: () => 0,
    },
    margin: [0, 0, 0, 6],
  };
}

/** A section that is not a table: its title, a line of what it shows, its body; kept on one page. */
export function block(title: string, intro: string | undefined, body: Content[]): Content {
  return {
    unbreakable: true,
    margin: [0, 0, 0, 6],
    stack: [
      { text: title, style: 'section', margin: [0, 10, 0, 0] },
      ...(intro ? [{ text: intro, style: 'intro', margin: [0, 1, 0, 0] } as Content] : []),
      { stack: body, margin: [0, 5, 0, 0] },
    ],
  };
}

/**
 * A chart from charts.ts at `width` points. ECharts lays it out in pixels
 * for a screen; drawn 1.25 times as large and scaled down, its 11 px labels
 * print at about 9 pt, the size of the text around it.
 */
export function chart(make: (size: { width: number; height: number }) => string, width: number, height: number): Content {
  const scale = 1.25;
  return { svg: make({ width: Math.round(width * scale), height: Math.round(height * scale) }), width, height, font: FAMILY } as Content;
}

/** "■ High": the square in the charts' colour. */
export function levelMark(level: Level): Content {
  return { text: [{ text: '\u25a0 ', color: LEVEL_COLOURS[level] }, { text: LEVEL_NAMES[level] ?? level, bold: level === 'high' }], noWrap: true };
}

const ARROWS: Record<Direction, string> = { up: '\u25b2 ', down: '\u25bc ', same: '' };

/** "▲ +17.4%", coloured by what it means: `good` says which way is good news (fewer detections, more uptime). */
export function delta(d: { text: string; direction: Direction }, good: 'up' | 'down' = 'down'): Content {
  const color = d.direction === 'same' ? MUTED : d.direction === good ? GOOD : BAD;
  return { text: `${ARROWS[d.direction]}${d.text}`, color };
}

/** "▲ +17.4% vs 29 Nov" */
export function versus(c: CountVsPrevious, m: ReportModel, good: 'up' | 'down' = 'down'): Content {
  return { text: [delta(change(c), good), { text: ` vs ${previousName(m)}`, color: MUTED }] };
}

/**
 * How much of the log never arrived, said outright beside the big
 * percentage: what a SIEM shows is only what reached it.
 */
export function completenessBox(c: Completeness): Content {
  const missing = c.lost;
  const lines: Content[] = missing === 0
    ? [{ text: `Every record the appliances logged has arrived${c.records > 0 ? `: ${count(c.records)} records` : ''}. None was dropped, no sequence numbers are missing.` }]
    : [
      { text: [{ text: `${count(missing)} record${missing === 1 ? '' : 's'} never arrived`, bold: true }, ` (of ${count(c.records + missing)}; ${count(c.records)} did).`] },
      ...(c.dropped > 0 ? [{ text: [{ text: count(c.dropped), bold: true }, ' dropped by the appliances before sending (spool full or records too large)'], margin: [8, 1, 0, 0] } as Content] : []),
      ...(c.missingRecords > 0 ? [{
        text: [{ text: count(c.missingRecords), bold: true }, ` missing in ${count(c.sequenceGaps)} gap${c.sequenceGaps === 1 ? '' : 's'} of sequence numbers: sent, or meant to be, and never received`],
        margin: [8, 1, 0, 0],
      } as Content] : []),
    ];
  const [fill, line, ink] = missing === 0 ? ['#f0fdf4', '#bbf7d0', GOOD] : ['#fef2f2', '#fecaca', BAD];
  return {
    margin: [0, 0, 0, 6],
    table: {
      widths: ['auto', '*'],
      body: [[
        { text: percent(c.ratio), fontSize: 15, bold: true, color: ink, margin: [6, 4, 4, 4] },
        { stack: lines, fontSize: 8, color: INK, margin: [4, 5, 6, 5] },
      ]],
    },
    layout: {
      hLineWidth: () => 0.6, vLineWidth: (i) => (i === 1 ? 0 : 0.6), hLineColor: () => line, vLineColor: () => line,
      fillColor: () => fill,
    },
  };
}
