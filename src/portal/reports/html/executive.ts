// The weekly and monthly executive reports, for the people who decide: the
// bottom line first, in words, then whether things got better or worse,
// the few figures that say so, the trend behind them, and what is asked
// of the reader. Details an executive does not act on stay in the daily.

import { count, duration } from '../../markup/format.ts';
import { clipped, html, type Html } from '../../markup/html.ts';
import { table } from '../../markup/parts.ts';
import { lineChart, severityTrendChart } from '../charts.ts';
import { percent, points, previousName } from '../format.ts';
import type { ExecutiveModel } from '../model.ts';
import { actions, hostTable, threatTable } from './daily.ts';
import { completenessBox, delta, figure, footer, header, more, tiles } from './parts.ts';

const POSTURE: Record<ExecutiveModel['posture']['level'], string> = { good: 'Good', fair: 'Fair', poor: 'Poor', critical: 'Critical' };
const TREND = { better: { arrow: '▲', word: 'better than' }, same: { arrow: '▶', word: 'about the same as' }, worse: { arrow: '▼', word: 'worse than' } } as const;

export function executiveBody(m: ExecutiveModel): Html {
  const before = previousName(m);
  const t = m.totals;
  const vs = (c: { count: number; previous: number }) => html`${delta(c, 'down', before)} <span class="muted">vs ${before}</span>`;
  const up = points(m.availability.uptime, m.availability.previousUptime);
  return html`<article class="report report-executive">
${header(m)}
<div class="lead">
${posture(m, before)}
<section class="bottom-line"><h2>Bottom line</h2><p>${m.bottomLine}</p></section>
</div>
${tiles([
    { label: 'Detections', value: count(t.detections.count), sub: vs(t.detections) },
    { label: 'High severity', value: count(t.high.count), sub: vs(t.high), tone: t.high.count > 0 ? 'bad' : undefined },
    { label: 'Affected hosts', value: count(t.affectedHosts.count), sub: vs(t.affectedHosts) },
    { label: 'C&C callbacks', value: count(t.cnc.count), sub: vs(t.cnc), tone: t.cnc.count > 0 ? 'bad' : 'good' },
    { label: 'Hosts calling C&C', value: count(t.cncHosts.count), sub: vs(t.cncHosts), tone: t.cncHosts.count > 0 ? 'bad' : 'good' },
    {
      label: 'Appliance uptime', value: percent(m.availability.uptime), tone: m.availability.uptime < 0.99 ? 'warn' : 'good',
      sub: html`<span class="delta delta-${up.direction === 'same' ? 'same' : up.direction === 'up' ? 'good' : 'bad'}">${up.text}</span> <span class="muted">vs ${before}</span>`,
    },
  ])}
${actions(m, 'Prioritised actions')}
<section class="report-section"><h2>Detections per day</h2>
<div class="card">${figure(severityTrendChart({ days: m.trend.days, bySeverity: m.trend.bySeverity, width: 1000, height: 300 }))}</div></section>
<section class="report-section"><h2>Affected hosts and C&amp;C callbacks per day</h2>
<div class="card">${figure(lineChart({
    days: m.trend.days, width: 1000, height: 260,
    series: [{ name: 'Affected hosts', values: m.trend.affectedHosts }, { name: 'C&C callbacks', values: m.trend.cnc }],
  }))}</div></section>
<section class="report-section"><h2>Top risks</h2>${threatTable(m.topRisks, 'No threats were detected.', 'risks')}</section>
<section class="report-section"><h2>Top hosts</h2>${hostTable(m)}</section>
${availability(m, before)}
<section class="report-section"><h2>Completeness</h2>${completenessBox(m.completeness)}</section>
${footer(m)}
</article>`;
}

function posture(m: ExecutiveModel, before: string): Html {
  const p = m.posture;
  const trend = TREND[p.trend];
  return html`<section class="posture posture-${p.level}" aria-label="Security posture">
<span class="l">Security posture</span>
<span class="level">${POSTURE[p.level] ?? p.level}</span>
<span class="score"><strong>${p.score}</strong> of 100</span>
<span class="trend trend-${p.trend}"><span aria-hidden="true">${trend.arrow}</span> ${trend.word} ${before} (${p.previousScore})</span>
</section>`;
}

function availability(m: ExecutiveModel, before: string): Html {
  const a = m.availability;
  const up = points(a.uptime, a.previousUptime);
  const head = html`<tr><th>Appliance</th><th>Hostname</th><th class="num">Uptime</th><th class="num">Silent periods</th><th class="num">Longest silence</th></tr>`;
  const rows = a.appliances.items.map((x) => html`<tr class="${x.uptime < 0.99 || x.silentPeriods > 0 ? 'attention' : ''}">
<td class="id">${clipped(x.id, 28)}</td><td class="host">${clipped(x.hostname, 32)}</td>
<td class="num${x.uptime < 0.99 ? ' warn' : ''}">${percent(x.uptime)}</td>
<td class="num">${x.silentPeriods > 0 ? count(x.silentPeriods) : html`<span class="muted">0</span>`}</td>
<td class="num">${x.longestSilentS > 0 ? duration(x.longestSilentS) : html`<span class="muted">—</span>`}</td></tr>`);
  return html`<section class="report-section"><h2>Appliance availability</h2>
<p class="fleet-uptime">The fleet was heard <strong>${percent(a.uptime)}</strong> of the time
<span class="muted">(${percent(a.previousUptime)} in ${before},</span> <span class="delta delta-${up.direction === 'same' ? 'same' : up.direction === 'up' ? 'good' : 'bad'}">${up.text}</span><span class="muted">)</span>.</p>
${halves(rows).length < 2 ? table(head, rows, 'No appliance was registered in this period.', 'availability')
    : html`<div class="pair even">${halves(rows).map((h) => table(head, h, '', 'availability'))}</div>`}${more(a.appliances, 'appliances')}</section>`;
}

/** A long list in two columns side by side, the first one longer: a page of one-line rows, not two of half-empty width. */
function halves<T>(rows: readonly T[]): T[][] {
  if (rows.length <= 12) return [rows.slice()];
  const n = Math.ceil(rows.length / 2);
  return [rows.slice(0, n), rows.slice(n)];
}
