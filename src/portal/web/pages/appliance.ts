// One appliance: who it says it is, how the portal judges it and from what
// (learned intervals, last heartbeat), the last day of heartbeats with its
// gaps, its alerts, and what it sent (batches, holes in its sequence
// numbers, latest detections). Every list is the newest few only.

import type { Alert, Appliance } from '../../store/types.ts';
import { ago, bytes, count, duration, hostPort, iso, stamp } from '../../markup/format.ts';
import { clipped, html, layout, when, type Html } from '../html.ts';
import { dueBeats, slotWindow, slots, timeline } from '../svg.ts';
import { errorPage } from './error.ts';
import { severityBadge, stateBadge, table } from '../../markup/parts.ts';
import type { Rendered, View } from './view.ts';

const LIST = 20;
export const REFRESH_S = 10;

export async function appliancePage(v: View, id: string): Promise<Rendered> {
  const a = await v.store.appliances.get(id);
  if (!a) {
    return errorPage({ status: 404, title: 'No such appliance', message: `The portal knows no appliance “${id}”.`, user: v.user, csrf: v.csrf });
  }
  const win = slotWindow(v.now);
  const [buckets, alerts, batches, gaps, detections] = await Promise.all([
    v.store.appliances.heartbeatBuckets(id, win.from, win.until),
    v.store.alerts.history(id, LIST),
    v.store.batches.list(id, LIST),
    v.store.batches.gaps(id, LIST),
    v.store.detections.search({ applianceId: id, limit: LIST }),
  ]);
  const open = alerts.filter((x) => x.closedAt === null);
  const s = slots(buckets, { now: v.now, intervalS: a.intervalS, since: a.createdAt, due: dueBeats(a) });

  const batchRows = batches.map((b) => html`<tr>
<td class="wrap mono">${b.name}</td><td class="nowrap">${when(b.receivedAt, v.now)}</td><td>${b.via}</td>
<td class="num">${count(b.records)}</td><td class="num">${count(b.newRecords)}</td><td class="num">${count(b.detections)}</td><td class="num">${bytes(b.size)}</td>
<td class="num mono small">${b.firstSeq}–${b.lastSeq}</td></tr>`);
  const gapRows = gaps.map((g) => html`<tr><td class="num mono">${g.firstSeq}–${g.lastSeq}</td><td class="num">${count(g.lastSeq - g.firstSeq + 1)}</td>
<td class="nowrap">${when(g.foundAt, v.now)}</td></tr>`);
  const detRows = detections.map((d) => html`<tr>
<td class="nowrap" title="${iso(d.time)}">${stamp(d.time)}</td><td>${severityBadge(d.severity)}</td><td class="threat">${clipped(d.threat, 120)}</td>
<td>${clipped(d.category, 40)}</td><td class="host mono">${clipped(hostPort(d.srcHost, d.srcPort), 40)}</td><td class="host mono">${clipped(hostPort(d.dstHost, d.dstPort), 40)}</td>
<td>${clipped(d.action, 24)}</td></tr>`);

  return {
    status: 200,
    html: layout({ title: a.id, user: v.user, csrf: v.csrf, nav: 'fleet', refreshS: REFRESH_S }, html`
<div class="head"><h1 class="wrap">${a.id}</h1>${stateBadge(a.state)}<span class="muted">since ${when(a.stateSince, v.now)} · account ${a.account}</span>
<span class="muted"><a href="/">← fleet</a></span></div>
${open.length === 0 ? '' : html`<div class="alert-box" role="status"><h2>Open alert${open.length === 1 ? '' : 's'}</h2>${open.map((x) =>
    html`<div><strong>${x.kind}</strong> since ${when(x.openedAt, v.now)} — ${x.detail}</div>`)}</div>`}
<div class="grid">
${registration(a, v.now)}
${judged(a, v.now)}
${heartbeat(a, v.now)}
</div>
<section class="card"><h2>Heartbeats, last 24 hours <span class="muted small">(UTC, per five minutes)</span></h2>
${timeline(s)}
<div class="legend"><span><i class="l-beat"></i>heartbeats</span><span><i class="l-gap"></i>gap: none when one was due</span><span><i class="l-before"></i>before the portal knew it</span></div>
</section>
<div class="grid">
<div><h2>Alerts</h2>
${table(html`<tr><th>Kind</th><th>Opened</th><th>Closed</th><th class="num">Notices</th><th>Detail</th></tr>`, alerts.map((x) => alertRow(x, v.now)),
    'No alerts so far.', 'alerts')}
</div>
<div><h2>Gaps in sequence numbers</h2>
${table(html`<tr><th class="num">Missing</th><th class="num">Records</th><th>Found</th></tr>`, gapRows, 'No gaps: every record between the first and the last kept has arrived.', 'gaps')}
</div>
</div>
<h2>Recent batches</h2>
${table(html`<tr><th>Name</th><th>Received</th><th>Via</th><th class="num">Records</th><th class="num">New</th><th class="num">Detections</th><th class="num">Size</th><th class="num">Sequence</th></tr>`,
    batchRows, 'No batch received yet.', 'batches')}
<h2>Recent detections <span class="muted small"><a href="${`/detections?appliance=${encodeURIComponent(a.id)}`}">search all</a></span></h2>
${table(html`<tr><th>Time (UTC)</th><th>Sev.</th><th>Threat</th><th>Category</th><th>Source</th><th>Destination</th><th>Action</th></tr>`, detRows,
    'No detections kept for this appliance.', 'detections')}
`),
  };
}

function facts(rows: Array<[string, Html | string | number | null | undefined]>): Html {
  return html`<dl class="facts">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v === null || v === undefined || v === '' ? html`<span class="muted">—</span>` : v}</dd>`)}</dl>`;
}

function registration(a: Appliance, now: number): Html {
  const r = a.registration;
  if (!r) return html`<section class="card"><h2>Registration</h2><p class="muted">It has not registered yet.</p></section>`;
  return html`<section class="card"><h2>Registration</h2>${facts([
    ['Hostname', html`<span class="wrap">${r.hostname}</span>`],
    ['Email', r.email],
    ['Product', r.product],
    ['Model', r.model],
    ['Serial', r.serial],
    ['Version', r.version],
    ['First registered', when(a.firstRegisteredAt, now)],
    ['Last registered', when(a.lastRegisteredAt, now)],
  ])}</section>`;
}

function judged(a: Appliance, now: number): Html {
  const declared = a.lastHeartbeat?.intervals;
  return html`<section class="card"><h2>State</h2>${facts([
    ['State', html`${stateBadge(a.state)} since ${when(a.stateSince, now)}`],
    ['Status topic', a.status === null ? null : html`${a.status} ${when(a.statusAt, now)}`],
    ['Heartbeat interval', a.intervalS === null ? 'not learned yet' : duration(a.intervalS)],
    ['Upload interval', a.uploadIntervalS === null ? 'not learned yet' : duration(a.uploadIntervalS)],
    ['Declared by it', declared ? `heartbeat ${duration(declared.heartbeatS)}, upload ${duration(declared.uploadS)}` : null],
    ['Last batch', a.lastBatchAt === null ? null : html`<span class="wrap mono small">${a.lastBatchName ?? ''}</span> ${when(a.lastBatchAt, now)}`],
    ['Kept', `${count(a.batches)} batches, ${count(a.records)} records, ${count(a.detections)} detections`],
    ['Known since', when(a.createdAt, now)],
  ])}</section>`;
}

function heartbeat(a: Appliance, now: number): Html {
  const hb = a.lastHeartbeat;
  if (!hb) return html`<section class="card"><h2>Last heartbeat</h2><p class="muted">None received.</p></section>`;
  const dropped = hb.dropped.records > 0 ? 'warn' : '';
  return html`<section class="card"><h2>Last heartbeat</h2>${facts([
    ['Received', when(a.lastHeartbeatAt, now)],
    ['Appliance clock', hb.time],
    ['Uptime', duration(hb.uptimeS)],
    ['Spool', `${count(hb.spool.records)} records, ${bytes(hb.spool.bytes)} in ${count(hb.spool.chunks)} chunks`],
    ['Oldest unsent', hb.spool.oldestUnsentAgeS === null ? 'nothing waiting' : duration(hb.spool.oldestUnsentAgeS)],
    ['Dropped', html`<span class="${dropped}">${count(hb.dropped.records)} records</span>, ${bytes(hb.dropped.bytes)} in ${count(hb.dropped.chunks)} chunks`],
    ['Upload', hb.upload.state],
    ['Last success', hb.upload.lastSuccessAt === null ? 'never' : lastSuccess(hb.upload.lastSuccessAt, now)],
    ['Last error', hb.upload.lastError === null ? null
      : html`<span class="warn wrap">${hb.upload.lastErrorCode ? html`<code>${hb.upload.lastErrorCode}</code> ` : ''}${hb.upload.lastError}</span>`],
  ])}</section>`;
}

/** The appliance's own timestamp: shown as it sent it, with an "ago" only when it parses. */
function lastSuccess(text: string, now: number): Html {
  const t = Date.parse(text);
  return Number.isFinite(t) ? html`<span title="${text}">${ago(t, now)}</span>` : html`${text}`;
}

function alertRow(x: Alert, now: number): Html {
  return html`<tr><td><span class="${x.closedAt === null ? 'warn' : ''}">${x.kind}</span></td><td class="nowrap">${when(x.openedAt, now)}</td>
<td class="nowrap">${x.closedAt === null ? html`<span class="warn">open</span>` : when(x.closedAt, now)}</td><td class="num">${x.notifications}</td>
<td class="wrap">${x.detail}</td></tr>`;
}
