// The daily administrative report, for the people who act: what the
// appliances did and what of their log arrived, what they found, which
// hosts to look at first, and what to do. Tables over pictures: an
// administrator copies an address or a host out of them.

import { count } from '../../markup/format.ts';
import { clipped, html, type Html } from '../../markup/html.ts';
import { stateBadge, table } from '../../markup/parts.ts';
import { compareBars, LEVEL_NAMES } from '../charts.ts';
import { clock, clockSpan, dailyHeadline, hoursMinutes, percent, previousName, shortName } from '../format.ts';
import type { ApplianceDay, DailyModel, ThreatRow } from '../model.ts';
import { completenessBox, delta, figure, footer, header, levelBadge, more, tiles } from './parts.ts';


export function dailyBody(m: DailyModel): Html {
  const today = shortName(m.type, m.first, m.last);
  const before = previousName(m);
  return html`<article class="report report-daily">
${header(m)}
${summary(m, before)}
${actions(m)}
${appliances(m)}
${threats(m, today, before)}
<div class="pair">
<section class="report-section"><h2>Top threats</h2>${threatTable(m.topThreats, 'No threats were detected.', 'threats')}</section>
<section class="report-section"><h2>Top affected hosts</h2>${hostTable(m)}</section>
</div>
${cnc(m)}
<section class="report-section"><h2>Suspicious network activity</h2>
<p class="muted small">Detections that name no malware: scans, policy breaches, unusual protocols.</p>
${threatTable(m.network.items, 'No suspicious network activity was detected.', 'network')}${more(m.network, 'kinds of activity')}</section>
${footer(m)}
</article>`;
}

function summary(m: DailyModel, before: string): Html {
  const { high, callbacks, cncHosts, missing, fleet, troubled } = dailyHeadline(m);
  return tiles([
    { label: 'Detections', value: count(m.detections.count), sub: html`${delta(m.detections, 'down', before)} <span class="muted">vs ${before}</span>` },
    { label: 'High severity', value: count(high.count), sub: html`${delta(high, 'down', before)} <span class="muted">vs ${before}</span>`, tone: high.count > 0 ? 'bad' : undefined },
    {
      label: 'C&C callbacks', value: count(callbacks), tone: callbacks > 0 ? 'bad' : 'good',
      sub: callbacks === 0 ? html`none ${delta(m.callbacks, 'down', before)}` : html`from ${count(cncHosts)} host${cncHosts === 1 ? '' : 's'} ${delta(m.callbacks, 'down', before)}`,
    },
    {
      label: 'Data completeness', value: percent(m.completeness.ratio), tone: missing > 0 ? 'warn' : 'good',
      sub: missing > 0 ? `${count(missing)} records never arrived` : 'nothing lost',
    },
    {
      label: 'Appliances online', value: `${count(m.fleet.online ?? 0)} of ${count(fleet)}`, tone: troubled.length > 0 ? 'warn' : 'good',
      sub: troubled.length === 0 ? 'all reporting' : troubled.map((k) => `${count(m.fleet[k])} ${k}`).join(' · '),
    },
  ]);
}

function appliances(m: DailyModel): Html {
  const head = html`<tr><th>Appliance</th><th>State</th><th class="num">Online</th><th>Heartbeat gaps</th><th>Last batch</th>
<th class="num">Records</th><th class="num">Dropped</th><th class="num">Missing</th><th class="num">Detections</th></tr>`;
  const rows = m.appliances.items.map((a) => applianceRow(a, m));
  const c = m.completeness;
  const missing = c.lost;
  const total = html`<tfoot><tr class="${missing > 0 ? 'loss' : 'whole'}">
<th colspan="5">All appliances · ${percent(c.ratio)} of the log arrived${missing > 0 ? html` · <span class="warn">${count(missing)} records lost</span>` : ''}</th>
<td class="num">${count(c.records)}</td><td class="num${c.dropped > 0 ? ' warn' : ''}">${count(c.dropped)}</td>
<td class="num${c.missingRecords > 0 ? ' warn' : ''}">${count(c.missingRecords)}${c.sequenceGaps > 0 ? html`<span class="sub">${count(c.sequenceGaps)} gap${c.sequenceGaps === 1 ? '' : 's'}</span>` : ''}</td>
<td class="num">${count(m.detections.count)}</td></tr></tfoot>`;
  const body = rows.length === 0 ? html`<div class="table"><div class="empty">No appliance was registered for this day.</div></div>`
    : html`<div class="table appliances"><table><thead>${head}</thead><tbody>${rows}</tbody>${total}</table></div>`;
  return html`<section class="report-section"><h2>Appliance status</h2>
${completenessBox(c)}
${body}${more(m.appliances, 'appliances')}</section>`;
}

function applianceRow(a: ApplianceDay, m: DailyModel): Html {
  const share = a.periodS > 0 ? a.onlineS / a.periodS : 1;
  const attention = a.state !== 'online' || a.dropped > 0 || a.missingRecords > 0 || a.heartbeatGaps.items.length > 0;
  const gaps = a.heartbeatGaps.items.length === 0 ? html`<span class="muted">none</span>`
    : html`${a.heartbeatGaps.items.map((g) => html`<span class="gap">${clockSpan(g.from, g.until, m.timeZone, m.first)}</span>`)}${a.heartbeatGaps.omitted > 0
      ? html`<span class="sub">and ${count(a.heartbeatGaps.omitted)} more</span>` : ''}`;
  return html`<tr class="${attention ? 'attention' : ''}">
<td class="id">${clipped(a.id, 32)}<span class="sub">${clipped(a.hostname, 32)}${a.model ? html` · ${clipped(a.model, 20)}` : ''}</span></td>
<td>${stateBadge(a.state)}</td>
<td class="num">${hoursMinutes(a.onlineS)}<span class="sub${share < 1 ? ' warn' : ''}">${percent(share)}</span></td>
<td class="gaps">${gaps}</td>
<td class="nowrap">${a.lastBatchAt === null ? html`<span class="warn">none</span>` : clock(a.lastBatchAt, m.timeZone, m.first)}<span class="sub">${count(a.batches)} batch${a.batches === 1 ? '' : 'es'}</span></td>
<td class="num">${count(a.records)}</td>
<td class="num${a.dropped > 0 ? ' warn' : ''}">${count(a.dropped)}</td>
<td class="num${a.missingRecords > 0 ? ' warn' : ''}">${count(a.missingRecords)}${a.sequenceGaps > 0 ? html`<span class="sub">${count(a.sequenceGaps)} gap${a.sequenceGaps === 1 ? '' : 's'}</span>` : ''}</td>
<td class="num">${count(a.detections)}</td>
</tr>`;
}

function threats(m: DailyModel, today: string, before: string): Html {
  const sev = m.bySeverity;
  const cat = m.byCategory.items;
  const rows = (list: ReadonlyArray<{ name: Html | string; count: number; previous: number }>) => list.map((r) => html`<tr>
<td>${r.name}</td><td class="num">${count(r.count)}</td><td class="num muted">${count(r.previous)}</td><td class="num">${delta(r, 'down', before)}</td></tr>`);
  const head = (first: string) => html`<tr><th>${first}</th><th class="num">${today}</th><th class="num">${before}</th><th class="num">Change</th></tr>`;
  return html`<section class="report-section"><h2>Threat summary</h2>
<div class="pair even">
<div class="card"><h3>By severity</h3>
${figure(compareBars({ labels: sev.map((s) => LEVEL_NAMES[s.level]), current: sev.map((s) => s.count), previous: sev.map((s) => s.previous), currentName: today, previousName: before, width: 560, height: 200 }))}
${table(head('Severity'), rows(sev.map((s) => ({ name: levelBadge(s.level), count: s.count, previous: s.previous }))), 'No detections.', 'by-severity')}
</div>
<div class="card"><h3>By category</h3>
${figure(compareBars({ labels: cat.map((c) => c.category), current: cat.map((c) => c.count), previous: cat.map((c) => c.previous), currentName: today, previousName: before, width: 560, height: Math.max(200, 44 + cat.length * 34) }))}
${table(head('Category'), rows(cat.map((c) => ({ name: c.category, count: c.count, previous: c.previous }))), 'No detections.', 'by-category')}${more(m.byCategory, 'categories')}
</div>
</div></section>`;
}

export function threatTable(list: readonly ThreatRow[], empty: string, cls: string): Html {
  const head = html`<tr><th class="num">#</th><th>Threat</th><th>Category</th><th>Level</th><th class="num">Detections</th><th class="num">Appliances</th></tr>`;
  return table(head, list.map((t, i) => html`<tr><td class="num muted">${i + 1}</td><td class="threat">${clipped(t.threat, 120)}</td><td>${clipped(t.category, 40)}</td>
<td>${levelBadge(t.level)}</td><td class="num">${count(t.count)}</td><td class="num">${count(t.appliances)}</td></tr>`), empty, cls);
}

export function hostTable(m: { topHosts: DailyModel['topHosts'] }): Html {
  const head = html`<tr><th class="num">#</th><th>Host</th><th>Level</th><th class="num">Detections</th><th class="num" title="Callbacks to command-and-control servers">C&amp;C</th></tr>`;
  return table(head, m.topHosts.map((h, i) => html`<tr><td class="num muted">${i + 1}</td><td class="host mono">${clipped(h.host, 60)}</td><td>${levelBadge(h.level)}</td>
<td class="num">${count(h.count)}</td><td class="num">${h.cnc > 0 ? html`<span class="cnc">${count(h.cnc)}</span>` : html`<span class="muted">0</span>`}</td></tr>`),
  'No host was affected.', 'hosts');
}

function cnc(m: DailyModel): Html {
  const head = html`<tr><th>Host</th><th>Callback address</th><th>Appliance</th><th>Risk</th><th class="num">Callbacks</th><th>First seen</th><th>Last seen</th></tr>`;
  const rows = m.cnc.items.map((c) => html`<tr><td class="host mono">${clipped(c.host, 48)}</td><td class="host mono cnc">${clipped(c.address, 64)}</td>
<td class="nowrap">${clipped(c.applianceId, 32)}</td><td>${levelBadge(c.level)}</td><td class="num">${count(c.count)}</td>
<td class="nowrap">${clock(c.firstSeen, m.timeZone, m.first)}</td><td class="nowrap">${clock(c.lastSeen, m.timeZone, m.first)}</td></tr>`);
  return html`<section class="report-section"><h2>C&amp;C callbacks</h2>
<p class="muted small">Hosts that contacted a known command-and-control server: each is likely compromised. Times in ${m.timeZone}.</p>
${table(head, rows, 'No host called back to a command-and-control server.', 'cnc-table')}${more(m.cnc, 'C&C callbacks (host and address pairs)')}</section>`;
}

export function actions(m: { actions: DailyModel['actions'] }, title = 'Recommended actions'): Html {
  const head = html`<tr><th class="num">Priority</th><th>Level</th><th>Finding</th><th>What to do</th></tr>`;
  const rows = [...m.actions].sort((a, b) => a.priority - b.priority).map((a) => html`<tr class="action-${a.level}"><td class="num"><span class="priority">${a.priority}</span></td>
<td>${levelBadge(a.level)}</td><td class="finding">${a.finding}</td><td class="todo">${a.action}</td></tr>`);
  return html`<section class="report-section"><h2>${title}</h2>${table(head, rows, 'Nothing needs doing.', 'actions')}</section>`;
}
