// The fleet: every appliance in one table, with what tells a healthy one
// from one that is up but not forwarding (spool growing, records dropped,
// no batch for a while) as well as from one that has gone quiet. The counts
// per state at the top are links that narrow the table to that state. The
// page refreshes itself, so an admin watching sees an appliance turn silent.

import { STATES, type Appliance, type ApplianceState, type HeartbeatBucket } from '../../store/types.ts';
import { ago, bytes, count, duration, iso } from '../../markup/format.ts';
import { applianceHref, clip, clipped, html, layout, when, type Html } from '../html.ts';
import { DAY_MS, dueBeats, slotWindow, slots, sparkline } from '../svg.ts';
import { errorPage } from './error.ts';
import { stateBadge, table } from '../../markup/parts.ts';
import { factList } from './parts.ts';
import type { Rendered, View } from './view.ts';

/** Rows drawn at most; past that, the state links narrow the table. */
export const MAX_ROWS = 500;
export const REFRESH_S = 10;
/** Cells are clipped (the whole text in their tooltip) so that the table fits a 1280-pixel window. */
const ID_CHARS = 20;
/** The states as an admin reads them: the healthy, then the troubled by how bad, then the ones nobody waits for. */
const SHOWN_ORDER: readonly ApplianceState[] = ['online', 'late', 'silent', 'offline', 'never-seen', 'retired'];

export async function fleetPage(v: View): Promise<Rendered> {
  const filter = v.query.get('state');
  if (filter !== null && filter !== '' && !(STATES as readonly string[]).includes(filter)) {
    return errorPage({ status: 400, title: 'No such state', message: `State: must be one of ${STATES.join(', ')}.`, user: v.user, csrf: v.csrf });
  }
  const state = filter ? filter as ApplianceState : undefined;
  const win = slotWindow(v.now);
  const [all, counts, buckets] = await Promise.all([
    v.store.appliances.list(),
    v.store.detections.countsSince(v.now - DAY_MS),
    v.store.appliances.heartbeatBuckets(undefined, win.from, win.until),
  ]);
  const byAppliance = new Map<string, HeartbeatBucket[]>();
  for (const b of buckets) {
    const list = byAppliance.get(b.applianceId);
    if (list) list.push(b);
    else byAppliance.set(b.applianceId, [b]);
  }
  const perState = new Map<ApplianceState, number>(STATES.map((s) => [s, 0]));
  for (const a of all) perState.set(a.state, (perState.get(a.state) ?? 0) + 1);
  const listed = state ? all.filter((a) => a.state === state) : all;
  const shown = listed.slice(0, MAX_ROWS);

  const card = (key: string, label: string, n: number, href: string, current: boolean) =>
    html`<a class="s-${key}" href="${href}" aria-current="${current ? 'true' : 'false'}"><span class="n">${count(n)}</span><span class="l">${label}</span></a>`;
  const summary = html`<div class="summary" aria-label="Appliances per state">
${card('all', 'all', all.length, '/', state === undefined)}
${SHOWN_ORDER.map((s) => card(s, s, perState.get(s) ?? 0, `/?state=${s}`, state === s))}
</div>`;

  const head = html`<tr><th>Appliance / account</th><th>Hostname</th><th>Product / model</th><th>State</th><th>Since</th>
<th title="Last heartbeat">Heartbeat</th><th title="Last batch received">Batch</th><th class="num" title="Records and bytes waiting on the appliance">Spool</th>
<th class="num" title="Records the appliance dropped">Drops</th><th class="num" title="Detections in the last 24 hours">Det. 24 h</th><th>Heartbeats 24 h</th></tr>`;
  const rows = shown.map((a) => row(a, v.now, counts.get(a.id) ?? 0, byAppliance.get(a.id) ?? []));
  const more = listed.length > shown.length
    ? html`<div class="notice">Showing the first ${count(shown.length)} of ${count(listed.length)} appliances: choose a state above to narrow the list.</div>`
    : '';
  const facts = v.facts?.();
  const about = facts ? html`<details class="about card" id="about"><summary>About this portal</summary>${factList(facts)}</details>` : '';

  return {
    status: 200,
    html: layout({ title: 'Fleet', user: v.user, csrf: v.csrf, nav: 'fleet', refreshS: REFRESH_S }, html`
<div class="head"><h1>Fleet</h1><span class="muted">${count(all.length)} appliance${all.length === 1 ? '' : 's'} · times in UTC · refreshes every ${REFRESH_S} s</span></div>
${summary}
${more}
${table(head, rows, state ? `No appliance is ${state}.` : 'No appliance has been seen yet. They appear here once they log in with their account.', 'fleet')}
${about}`),
  };
}

function row(a: Appliance, now: number, detections: number, buckets: HeartbeatBucket[]): Html {
  const r = a.registration;
  const hb = a.lastHeartbeat;
  const spool = hb
    ? html`<span title="${`${count(hb.spool.chunks)} chunks; oldest unsent ${hb.spool.oldestUnsentAgeS === null ? 'none' : duration(hb.spool.oldestUnsentAgeS)}`}">${count(hb.spool.records)}<span class="sub">${bytes(hb.spool.bytes)}</span></span>`
    : html`<span class="muted">—</span>`;
  const dropped = hb?.dropped.records ?? null;
  const drops = dropped === null ? html`<span class="muted">—</span>`
    : html`<span class="${dropped > 0 ? 'warn' : ''}" title="${`${count(hb!.dropped.chunks)} chunks, ${bytes(hb!.dropped.bytes)}`}">${count(dropped)}</span>`;
  const s = slots(buckets, { now, intervalS: a.intervalS, since: a.createdAt, due: dueBeats(a) });
  return html`<tr data-id="${a.id}" class="${a.state === 'retired' ? 'retired' : ''}">
<td class="id"><a href="${applianceHref(a.id)}"${a.id.length > ID_CHARS ? html` title="${a.id}"` : ''}>${clip(a.id, ID_CHARS)}</a><span class="sub">${clipped(a.account, 24)}</span></td>
<td class="host">${clipped(r?.hostname, 26)}</td>
<td class="nowrap">${r ? html`${clipped(r.product, 20)}<span class="sub">${clipped(r.model, 20)}</span>` : html`<span class="muted">not registered</span>`}</td>
<td>${stateBadge(a.state)}</td>
<td class="nowrap">${when(a.stateSince, now)}</td>
<td class="nowrap">${when(a.lastHeartbeatAt, now)}</td>
<td class="nowrap">${a.lastBatchAt === null ? when(null, now)
    : html`<time datetime="${iso(a.lastBatchAt)}" title="${`${a.lastBatchName ?? ''} at ${iso(a.lastBatchAt)}`}">${ago(a.lastBatchAt, now)}</time>`}</td>
<td class="num">${spool}</td>
<td class="num">${drops}</td>
<td class="num"><a href="${`/detections?appliance=${encodeURIComponent(a.id)}`}">${count(detections)}</a></td>
<td class="spark">${sparkline(s, { width: 110 })}</td>
</tr>`;
}
