// The daily administrative report, for the people who act: what the
// appliances did and what of their log arrived, what they found, which
// hosts to look at first, and what to do. The same sections, in the same
// order and words, as the report's page (html/daily.ts). Times are the
// report's zone's; a time on another day than the report's says its date.

import type { Content } from 'pdfmake/interfaces.js';
import { compareBars } from '../charts.ts';
import { change, clock, clockSpan, count, dailyHeadline, hoursMinutes, percent, previousName, shortName } from '../format.ts';
import type { ApplianceDay, CncRow, DailyModel, HostRow, ThreatRow } from '../model.ts';
import { actionsTable } from './actions.ts';
import { chart, completenessBox, delta, levelMark, tiles, titleBlock, versus } from './blocks.ts';
import { sectionTable } from './table.ts';
import { BAD, CONTENT_WIDTH, INK, LEVEL_NAMES, MUTED, STATE_COLOURS } from './theme.ts';


export function dailyContent(m: DailyModel, replaced: number): Content[] {
  return [
    titleBlock(m, replaced),
    summary(m),
    ...appliances(m),
    threatSummary(m),
    threatTable('Top threats', undefined, m.topThreats, 'No threats were detected.'),
    hostTable(m.topHosts, 'Top affected hosts'),
    callbacks(m),
    threatTable('Suspicious network activity', 'Detections that name no malware: scans, policy breaches, unusual protocols.',
      m.network.items, 'No suspicious network activity was detected.', m.network.omitted, 'kinds of activity'),
    actionsTable('Recommended actions', m.actions),
  ];
}

function summary(m: DailyModel): Content {
  const { high, callbacks, cncHosts, missing, fleet, troubled } = dailyHeadline(m);
  return tiles([
    { label: 'Detections', value: count(m.detections.count), details: [versus(m.detections, m)] },
    { label: 'High severity', value: count(high.count), tone: high.count > 0 ? 'bad' : undefined, details: [versus(high, m)] },
    {
      label: 'C&C callbacks', value: count(callbacks), tone: callbacks > 0 ? 'bad' : 'good',
      details: [callbacks === 0 ? 'none' : `from ${count(cncHosts)} host${cncHosts === 1 ? '' : 's'}`, versus(m.callbacks, m)],
    },
    {
      label: 'Data completeness', value: percent(m.completeness.ratio), tone: missing > 0 ? 'warn' : 'good',
      details: [missing > 0 ? { text: `${count(missing)} records never arrived`, color: BAD } : 'nothing lost'],
    },
    {
      label: 'Appliances online', value: `${count(m.fleet.online ?? 0)} of ${count(fleet)}`, tone: troubled.length > 0 ? 'warn' : 'good',
      details: [troubled.length === 0 ? 'all reporting' : {
        text: troubled.flatMap((k, i) => [...(i > 0 ? [' \u00b7 '] : []), { text: `${count(m.fleet[k])} ${k}`, color: STATE_COLOURS[k] }]),
      }],
    },
  ]);
}

function appliances(m: DailyModel): Content[] {
  const day = m.first;
  const c = m.completeness;
  const table = sectionTable<ApplianceDay>({
    title: 'Appliance status',
    intro: `Each appliance\u2019s day; the state is as it was when the report was made. Times in ${m.timeZone}.`,
    rows: m.appliances.items,
    omitted: m.appliances.omitted,
    noun: 'appliances',
    empty: 'No appliance was registered for this day.',
    total: [
      { text: `All appliances \u00b7 ${percent(c.ratio)} of the log arrived`, colSpan: 5 }, '', '', '', '',
      count(c.records),
      { text: count(c.dropped), color: c.dropped > 0 ? BAD : INK },
      { text: count(c.missingRecords), color: c.missingRecords > 0 ? BAD : INK },
      count(m.detections.count),
    ],
    columns: [
      {
        title: 'Appliance', width: '*',
        cell: (a) => ({
          text: [{ text: a.id, bold: true }, ...(a.model ? [{ text: `  ${a.model}`, color: MUTED, fontSize: 7 }] : []), '\n', { text: a.hostname ?? '\u2014', color: MUTED, fontSize: 7.5 }],
        }),
      },
      { title: 'State', cell: (a) => ({ text: a.state, color: STATE_COLOURS[a.state], bold: a.state !== 'online' }) },
      {
        title: 'Online', numeric: true,
        cell: (a) => {
          const share = a.periodS > 0 ? a.onlineS / a.periodS : 1;
          return lines(hoursMinutes(a.onlineS), { text: percent(share), color: share < 1 ? BAD : MUTED });
        },
      },
      {
        title: 'Heartbeat gaps',
        cell: (a) => a.heartbeatGaps.items.length === 0 ? { text: 'none', color: MUTED } : {
          text: [
            { text: a.heartbeatGaps.items.map((g) => clockSpan(g.from, g.until, m.timeZone, day)).join('\n'), color: BAD },
            ...(a.heartbeatGaps.omitted > 0 ? [{ text: `\nand ${count(a.heartbeatGaps.omitted)} more`, color: MUTED, fontSize: 7.5 }] : []),
          ],
          noWrap: true,
        },
      },
      {
        title: 'Last batch',
        cell: (a) => lines(
          a.lastBatchAt === null ? { text: 'none', color: BAD, bold: true } : clock(a.lastBatchAt, m.timeZone, day),
          { text: `${count(a.batches)} batch${a.batches === 1 ? '' : 'es'}`, color: MUTED },
        ),
      },
      { title: 'Records', numeric: true, cell: (a) => count(a.records) },
      { title: 'Dropped', numeric: true, cell: (a) => (a.dropped > 0 ? { text: count(a.dropped), color: BAD, bold: true } : '0') },
      {
        title: 'Missing', numeric: true,
        cell: (a) => a.missingRecords === 0 && a.sequenceGaps === 0 ? '0' : lines(
          { text: count(a.missingRecords), color: BAD, bold: true },
          { text: `${count(a.sequenceGaps)} gap${a.sequenceGaps === 1 ? '' : 's'}`, color: MUTED },
        ),
      },
      { title: 'Detections', numeric: true, cell: (a) => count(a.detections) },
    ],
  });
  return [table, completenessBox(c)];
}

/** A figure over a smaller line that qualifies it; neither wraps: "24 batches" cut in two reads as two things. */
function lines(main: string | Content, sub: Content): Content {
  const top: Content = typeof main === 'string' ? { text: main } : main;
  return { stack: [{ ...top as object, noWrap: true } as Content, { fontSize: 7.5, ...sub as object, noWrap: true } as Content] };
}

/** By severity and by category, each a chart over its table, side by side and kept together. */
function threatSummary(m: DailyModel): Content {
  const today = shortName(m.type, m.first, m.last);
  const before = previousName(m);
  const gap = 14;
  const width = (CONTENT_WIDTH - gap) / 2;
  const cat = m.byCategory.items;
  const rows = m.bySeverity.length;
  // The two charts the same height, so the tables under them start level.
  const height = Math.max(120, 36 + Math.max(rows, cat.length) * 24);
  const card = (title: string, svg: Content, table: Content): Content => ({
    width, stack: [{ text: title, style: 'subsection', margin: [0, 0, 0, 3] }, svg, { ...table as object, margin: [0, 4, 0, 0] } as Content],
  }) as Content;
  const compared = (first: string) => ({
    columns: [
      { title: first, width: '*' as const, cell: (r: { name: Content | string }) => r.name },
      { title: today, numeric: true, cell: (r: { count: number }) => ({ text: count(r.count), bold: true }) },
      { title: before, numeric: true, cell: (r: { previous: number }) => ({ text: count(r.previous), color: MUTED }) },
      { title: 'Change', numeric: true, cell: (r: { count: number; previous: number }) => delta(change(r)) },
    ],
  });
  return {
    unbreakable: true,
    stack: [
      { text: 'Threat summary', style: 'section', margin: [0, 10, 0, 1] },
      { text: `Detections on ${today} against ${before}.`, style: 'intro', margin: [0, 0, 0, 6] },
      {
        columnGap: gap,
        columns: [
          card('By severity', chart((s) => compareBars({
            labels: m.bySeverity.map((x) => LEVEL_NAMES[x.level]), current: m.bySeverity.map((x) => x.count), previous: m.bySeverity.map((x) => x.previous),
            currentName: today, previousName: before, ...s,
          }), width, height), sectionTable({
            ...compared('Severity'), rows: m.bySeverity.map((x) => ({ name: levelMark(x.level), count: x.count, previous: x.previous })), empty: 'No detections.',
          })),
          card('By category', chart((s) => compareBars({
            labels: cat.map((c) => c.category), current: cat.map((c) => c.count), previous: cat.map((c) => c.previous),
            currentName: today, previousName: before, ...s,
          }), width, height), sectionTable({
            ...compared('Category'), rows: cat.map((c) => ({ name: c.category, count: c.count, previous: c.previous })), empty: 'No detections.',
            omitted: m.byCategory.omitted, noun: 'categories',
          })),
        ],
      },
    ],
    margin: [0, 0, 0, 6],
  };
}

export function threatTable(title: string, intro: string | undefined, rows: ThreatRow[], empty: string, omitted = 0, noun = 'threats'): Content {
  return sectionTable<ThreatRow>({
    title, intro, rows, omitted, empty, noun,
    columns: [
      { title: '#', numeric: true, cell: (_, i) => ({ text: String(i + 1), color: MUTED }) },
      { title: 'Threat', width: '*', cell: (t) => t.threat },
      { title: 'Category', cell: (t) => t.category },
      { title: 'Level', cell: (t) => levelMark(t.level) },
      { title: 'Detections', numeric: true, cell: (t) => ({ text: count(t.count), bold: true }) },
      { title: 'Appliances', numeric: true, cell: (t) => count(t.appliances) },
    ],
  });
}

export function hostTable(rows: HostRow[], title: string): Content {
  return sectionTable<HostRow>({
    title,
    rows,
    empty: 'No host was affected.',
    columns: [
      { title: '#', numeric: true, cell: (_, i) => ({ text: String(i + 1), color: MUTED }) },
      { title: 'Host', width: '*', cell: (h) => h.host },
      { title: 'Highest level', cell: (h) => levelMark(h.level) },
      { title: 'Detections', numeric: true, cell: (h) => ({ text: count(h.count), bold: true }) },
      { title: 'C&C callbacks', numeric: true, cell: (h) => (h.cnc > 0 ? { text: count(h.cnc), color: BAD, bold: true } : { text: '0', color: MUTED }) },
    ],
  });
}

function callbacks(m: DailyModel): Content {
  const day = m.first;
  return sectionTable<CncRow>({
    title: 'C&C callbacks',
    intro: `Hosts that contacted a known command-and-control server: each is likely compromised. Times in ${m.timeZone}.`,
    rows: m.cnc.items,
    omitted: m.cnc.omitted,
    noun: 'C&C callbacks (host and address pairs)',
    empty: 'No host called back to a command-and-control server.',
    columns: [
      { title: 'Host', width: '*', cell: (c) => c.host },
      { title: 'Callback address', width: '*', cell: (c) => ({ text: c.address, color: BAD }) },
      { title: 'Appliance', cell: (c) => c.applianceId },
      { title: 'Risk', cell: (c) => levelMark(c.level) },
      { title: 'Callbacks', numeric: true, cell: (c) => ({ text: count(c.count), bold: true }) },
      { title: 'First seen', cell: (c) => ({ text: clock(c.firstSeen, m.timeZone, day), noWrap: true }) },
      { title: 'Last seen', cell: (c) => ({ text: clock(c.lastSeen, m.timeZone, day), noWrap: true }) },
    ],
  });
}
