// Detection search: a form that is also the address (GET, so a search can be
// bookmarked and mailed), results newest first, PAGE at a time, and an
// "older" link that carries the last row's key rather than an offset (the
// store pages by key, so page 500 costs what page 1 does). A value the form
// cannot use is named back to the admin with what it should be, and nothing
// is searched; it is never a server error.

import type { Detection, DetectionQuery } from '../../store/types.ts';
import { count, hostPort, iso, parseDatetimeLocal, stamp } from '../../markup/format.ts';
import { applianceHref, clip, clipped, html, layout, trusted, type Html } from '../html.ts';
import { severityBadge, table } from '../../markup/parts.ts';
import type { Rendered, View } from './view.ts';

export const PAGE = 50;
const MAX_OPTIONS = 1000;
const LIMITS = { appliance: 128, host: 255, threat: 200 };
const FIELDS = ['from', 'until', 'appliance', 'severity', 'host', 'threat'] as const;
type Field = (typeof FIELDS)[number];

interface Parsed {
  q: DetectionQuery;
  errors: Array<{ field: Field | 'before'; message: string }>;
}

/** The form's values as a query, or what is wrong with them (each message names its field as the form labels it). */
export function parseQuery(p: URLSearchParams): Parsed {
  const q: DetectionQuery = { limit: PAGE + 1 };
  const errors: Parsed['errors'] = [];
  const get = (k: string) => (p.get(k) ?? '').trim();
  for (const [k, label] of [['from', 'From'], ['until', 'Until']] as const) {
    const v = get(k);
    if (v === '') continue;
    const t = parseDatetimeLocal(v);
    if (t === undefined) errors.push({ field: k, message: `${label}: “${clip(v, 40)}” is not a date and time (YYYY-MM-DDTHH:MM, UTC)` });
    else q[k] = t;
  }
  if (q.from !== undefined && q.until !== undefined && q.until <= q.from) errors.push({ field: 'until', message: 'Until: must be later than From' });
  const appliance = get('appliance');
  if (appliance.length > LIMITS.appliance) errors.push({ field: 'appliance', message: `Appliance: at most ${LIMITS.appliance} characters` });
  else if (appliance !== '') q.applianceId = appliance;
  const sev = get('severity');
  if (sev !== '') {
    if (!/^\d{1,2}$/.test(sev) || Number(sev) > 10) errors.push({ field: 'severity', message: 'Minimum severity: a whole number from 0 to 10' });
    else q.minSeverity = Number(sev);
  }
  const host = get('host');
  if (host.length > LIMITS.host) errors.push({ field: 'host', message: `Host: at most ${LIMITS.host} characters` });
  else if (host !== '') q.host = host;
  const threat = get('threat');
  if (threat.length > LIMITS.threat) errors.push({ field: 'threat', message: `Threat: at most ${LIMITS.threat} characters` });
  else if (threat !== '') q.threat = threat;
  const before = get('before');
  if (before !== '') {
    const m = /^(\d{1,15}):(\d{1,15}):(.{1,128})$/s.exec(before);
    if (!m) errors.push({ field: 'before', message: 'Older: the paging position is not valid; start again from the newest' });
    else q.before = { time: Number(m[1]), seq: Number(m[2]), applianceId: m[3]! };
  }
  return { q, errors };
}

/** The search's own address with `before` set (or dropped). */
function href(p: URLSearchParams, before?: Detection): string {
  const out = new URLSearchParams();
  for (const k of FIELDS) {
    const v = (p.get(k) ?? '').trim();
    if (v !== '') out.set(k, v);
  }
  if (before) out.set('before', `${before.time}:${before.seq}:${before.applianceId}`);
  const s = out.toString();
  return s === '' ? '/detections' : `/detections?${s}`;
}

export async function detectionsPage(v: View): Promise<Rendered> {
  const { q, errors } = parseQuery(v.query);
  const appliances = (await v.store.appliances.list()).slice(0, MAX_OPTIONS);
  if (q.applianceId !== undefined && !appliances.some((a) => a.id === q.applianceId) && !(await v.store.appliances.get(q.applianceId))) {
    errors.push({ field: 'appliance', message: `Appliance: the portal knows no appliance “${clip(q.applianceId, 60)}”` });
  }
  const rows = errors.length === 0 ? await v.store.detections.search(q) : [];
  const page = rows.slice(0, PAGE);
  const older = rows.length > PAGE ? page[page.length - 1] : undefined;
  const bad = new Set(errors.map((e) => e.field));
  const val = (k: Field) => (v.query.get(k) ?? '').trim();
  const invalid = (k: Field) => (bad.has(k) ? trusted(' aria-invalid="true"') : '');

  const form = html`<form class="search card" method="get" action="/detections" role="search">
<label>From (UTC)<input type="datetime-local" name="from" value="${val('from')}"${invalid('from')}></label>
<label>Until (UTC)<input type="datetime-local" name="until" value="${val('until')}"${invalid('until')}></label>
<label>Appliance<select name="appliance"${invalid('appliance')}><option value="">all</option>${appliances.map((a) =>
    html`<option value="${a.id}"${a.id === val('appliance') ? trusted(' selected') : ''}>${clip(a.id, 48)}${a.registration ? ` (${clip(a.registration.hostname, 32)})` : ''}</option>`)}</select></label>
<label>Minimum severity<select name="severity"${invalid('severity')}><option value="">any</option>${Array.from({ length: 11 }, (_, s) =>
    html`<option value="${s}"${String(s) === val('severity') ? trusted(' selected') : ''}>${s}</option>`)}</select></label>
<label>Host (source or destination)<input name="host" value="${val('host')}" maxlength="${LIMITS.host}" placeholder="10.0.0.5" spellcheck="false"${invalid('host')}></label>
<label>Threat contains<input name="threat" value="${val('threat')}" maxlength="${LIMITS.threat}" spellcheck="false"${invalid('threat')}></label>
<span class="actions"><button type="submit" class="primary">Search</button><a href="/detections">clear</a></span>
</form>`;

  const head = html`<tr><th>Time (UTC)</th><th>Appliance</th><th>Sev.</th><th>Threat</th><th>Category</th><th>Source</th><th>Destination</th><th>Protocol</th><th>Action</th><th>C&amp;C</th></tr>`;
  const body = page.map((d) => html`<tr>
<td class="nowrap" title="${iso(d.time)}">${stamp(d.time)}</td>
<td class="id"><a href="${applianceHref(d.applianceId)}"${d.applianceId.length > 22 ? html` title="${d.applianceId}"` : ''}>${clip(d.applianceId, 22)}</a></td>
<td>${severityBadge(d.severity)}</td>
<td class="threat">${clipped(d.threat, 160)}</td>
<td>${clipped(d.category, 40)}</td>
<td class="host mono">${clipped(hostPort(d.srcHost, d.srcPort), 40)}</td>
<td class="host mono">${clipped(hostPort(d.dstHost, d.dstPort), 40)}</td>
<td>${clipped(d.protocol, 16)}</td>
<td>${clipped(d.action, 24)}</td>
<td class="host">${d.cnc ? html`<span class="cnc">C&amp;C</span>${d.cncAddress ? html` <span class="mono">${clipped(d.cncAddress, 40)}</span>` : ''}` : ''}</td>
</tr>`);
  const pager = html`<div class="pager">
<span class="muted">${count(page.length)} shown, newest first${q.before ? ', after the first page' : ''}</span>
${q.before ? html`<a href="${href(v.query)}">newest</a>` : ''}
${older ? html`<a href="${href(v.query, older)}" rel="next">older →</a>` : ''}
</div>`;
  const problems: Html | string = errors.length === 0 ? ''
    : html`<div class="error" role="alert"><ul>${errors.map((e) => html`<li>${e.message}</li>`)}</ul></div>`;

  return {
    status: errors.length === 0 ? 200 : 400,
    html: layout({ title: 'Detections', user: v.user, csrf: v.csrf, nav: 'detections' }, html`
<div class="head"><h1>Detections</h1><span class="muted">times in UTC</span></div>
${form}
${problems}
${errors.length === 0 ? html`${pager}${table(head, body, 'No detections match.', 'results')}${page.length > 20 ? pager : ''}` : ''}`),
  };
}
