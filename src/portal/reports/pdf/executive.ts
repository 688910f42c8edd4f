// The weekly and monthly executive reports, for the people who decide: the
// bottom line first, in words, then whether things got better or worse,
// the few figures that say so, the trend behind them, and what is asked of
// the reader. The same sections and words as the report's page
// (html/executive.ts).

import type { Content } from 'pdfmake/interfaces.js';
import { duration } from '../../markup/format.ts';
import { lineChart, severityTrendChart } from '../charts.ts';
import { count, percent, points, previousName } from '../format.ts';
import type { ApplianceAvailability, ExecutiveModel } from '../model.ts';
import { actionsTable } from './actions.ts';
import { block, chart, completenessBox, delta, tiles, titleBlock, versus } from './blocks.ts';
import { hostTable, threatTable } from './daily.ts';
import { sectionTable } from './table.ts';
import { BAD, BRAND, CONTENT_WIDTH, INK, MUTED, POSTURE_COLOURS, POSTURE_NAMES, TILE_FILL } from './theme.ts';

const TREND = { better: { arrow: '\u25b2', word: 'better than' }, same: { arrow: '\u25b6', word: 'about the same as' }, worse: { arrow: '\u25bc', word: 'worse than' } } as const;

export function executiveContent(m: ExecutiveModel, replaced: number): Content[] {
  const t = m.totals;
  const up = points(m.availability.uptime, m.availability.previousUptime);
  return [
    titleBlock(m, replaced),
    lead(m),
    tiles([
      { label: 'Detections', value: count(t.detections.count), details: [versus(t.detections, m)] },
      { label: 'High severity', value: count(t.high.count), tone: t.high.count > 0 ? 'bad' : undefined, details: [versus(t.high, m)] },
      { label: 'Affected hosts', value: count(t.affectedHosts.count), details: [versus(t.affectedHosts, m)] },
      { label: 'C&C callbacks', value: count(t.cnc.count), tone: t.cnc.count > 0 ? 'bad' : 'good', details: [versus(t.cnc, m)] },
      { label: 'Hosts calling C&C', value: count(t.cncHosts.count), tone: t.cncHosts.count > 0 ? 'bad' : 'good', details: [versus(t.cncHosts, m)] },
      {
        label: 'Appliance uptime', value: percent(m.availability.uptime), tone: m.availability.uptime < 0.99 ? 'warn' : 'good',
        details: [{ text: [delta(up, 'up'), { text: ` vs ${previousName(m)}`, color: MUTED }] }],
      },
    ], 3),
    block('Detections per day', undefined, [chart((s) => severityTrendChart({ days: m.trend.days, bySeverity: m.trend.bySeverity, ...s }), CONTENT_WIDTH, 230)]),
    block('Affected hosts and C&C callbacks per day', undefined, [chart((s) => lineChart({
      days: m.trend.days, ...s,
      series: [{ name: 'Affected hosts', values: m.trend.affectedHosts }, { name: 'C&C callbacks', values: m.trend.cnc }],
    }), CONTENT_WIDTH, 200)]),
    threatTable('Top risks', undefined, m.topRisks, 'No threats were detected.'),
    hostTable(m.topHosts, 'Top hosts'),
    availability(m),
    block('Completeness', undefined, [completenessBox(m.completeness)]),
    actionsTable('Prioritised actions', m.actions),
  ];
}

/** The posture beside the bottom line: the two things an executive reads if nothing else. */
function lead(m: ExecutiveModel): Content {
  const p = m.posture;
  const trend = TREND[p.trend];
  const colour = POSTURE_COLOURS[p.level];
  return {
    margin: [0, 0, 0, 8],
    table: {
      widths: [128, '*'],
      body: [[
        {
          fillColor: TILE_FILL,
          margin: [9, 8, 9, 9],
          stack: [
            { text: 'Security posture', style: 'tileLabel' },
            { text: POSTURE_NAMES[p.level] ?? p.level, fontSize: 22, bold: true, color: colour, margin: [0, 3, 0, 0] },
            { text: [{ text: String(p.score), bold: true, fontSize: 12 }, { text: ' of 100', color: MUTED }], margin: [0, 2, 0, 4] },
            { text: `${trend.arrow} ${trend.word} ${previousName(m)} (${p.previousScore})`, fontSize: 8, color: p.trend === 'worse' ? BAD : p.trend === 'better' ? '#15803d' : MUTED },
          ],
        },
        {
          margin: [12, 4, 0, 4],
          stack: [
            { text: 'Bottom line', style: 'section' },
            { text: m.bottomLine, style: 'bottomLine', margin: [0, 4, 0, 0] },
          ],
        },
      ]],
    },
    layout: {
      hLineWidth: () => 0,
      vLineWidth: (i) => (i === 1 ? 3 : 0),
      vLineColor: () => colour,
      paddingLeft: () => 0, paddingRight: () => 0, paddingTop: () => 0, paddingBottom: () => 0,
    },
  };
}

function availability(m: ExecutiveModel): Content {
  const a = m.availability;
  const before = previousName(m);
  const up = points(a.uptime, a.previousUptime);
  return sectionTable<ApplianceAvailability>({
    title: 'Appliance availability',
    intro: {
      margin: [0, 3, 0, 2],
      fontSize: 9,
      text: [
        { text: 'The fleet was heard ' },
        { text: percent(a.uptime), bold: true, color: BRAND },
        { text: ` of the time (${percent(a.previousUptime)} in ${before}, `, color: MUTED },
        delta(up, 'up'),
        { text: ').', color: MUTED },
      ],
    },
    rows: a.appliances.items,
    omitted: a.appliances.omitted,
    noun: 'appliances',
    empty: 'No appliance was registered in this period.',
    columns: [
      { title: 'Appliance', cell: (x) => ({ text: x.id, bold: true }) },
      { title: 'Host name', width: '*', cell: (x) => (x.hostname === null ? { text: '\u2014', color: MUTED } : x.hostname) },
      { title: 'Uptime', numeric: true, cell: (x) => ({ text: percent(x.uptime), color: x.uptime < 0.99 ? BAD : INK, bold: x.uptime < 0.99 }) },
      { title: 'Silent periods', numeric: true, cell: (x) => (x.silentPeriods > 0 ? count(x.silentPeriods) : { text: '0', color: MUTED }) },
      { title: 'Longest silence', numeric: true, cell: (x) => (x.longestSilentS > 0 ? duration(x.longestSilentS) : { text: '\u2014', color: MUTED }) },
    ],
  });
}
