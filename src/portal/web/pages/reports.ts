// The reports of a month as a calendar, weeks from Sunday to Saturday as
// the weekly reports run: each day lists the reports made for it, a daily
// on its day, a weekly on the Saturday it ends, a monthly on the month's
// last day, each a link. Days are the report time zone's (reports.timeZone),
// the zone the reports were made in, not UTC like the other pages: a
// report for "30 November" sits on the 30th. A report claimed but not made
// yet shows as being made.

import { isAccountName } from '../../accounts/names.ts';
import { addDays, dayOfInstant } from '../../reports/periods.ts';
import type { ReportRow } from '../../store/types.ts';
import { count, iso } from '../../markup/format.ts';
import { clip, html, layout, type Html } from '../html.ts';
import { errorPage } from './error.ts';
import { reportHref } from './report.ts';
import type { Rendered, View } from './view.ts';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const TYPES: Record<ReportRow['type'], { order: number; label: string }> = { daily: { order: 0, label: 'Daily' }, weekly: { order: 1, label: 'Weekly' }, monthly: { order: 2, label: 'Monthly' } };
/** Reports listed in one day at most; past that the account links above narrow the calendar. */
export const PER_DAY = 8;
/** A month's rows read at most: a portal with a few hundred accounts makes that many a month, and the page stays bounded past it. */
const MAX_ROWS = 20_000;

export const MONTH_RULE = 'must be a month as YYYY-MM, such as 2026-11';
export const SCOPE_RULE = 'must be * (all appliances) or an account name';

/** ?month= read strictly (a year from 2000 to 2999, a month 01-12); the report zone's current month when absent. */
export function parseMonth(p: URLSearchParams, now: number, tz: string): { month: string } | { error: string } {
  const v = p.get('month');
  if (v === null || v === '') return { month: dayOfInstant(now, tz).slice(0, 7) };
  return /^2\d{3}-(0[1-9]|1[0-2])$/.test(v) ? { month: v } : { error: `Month: “${clip(v, 20)}” is not valid; it ${MONTH_RULE}.` };
}

function monthName(month: string): string {
  return `${MONTHS[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`;
}

function shiftMonth(month: string, n: number): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7)) - 1 + n;
  const d = new Date(Date.UTC(y, m, 1));
  return d.toISOString().slice(0, 7);
}

function weekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

function calendarHref(month: string, scope: string | undefined): string {
  const q = new URLSearchParams({ month });
  if (scope !== undefined) q.set('scope', scope);
  return `/reports?${q.toString()}`;
}

/** The day a report sits on: a daily's own, a weekly's or monthly's last. */
function dayOf(r: ReportRow): string {
  return r.type === 'daily' ? r.firstDay : r.lastDay;
}

function byTypeThenScope(a: ReportRow, b: ReportRow): number {
  return TYPES[a.type].order - TYPES[b.type].order || (a.scope === '*' ? -1 : b.scope === '*' ? 1 : a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0);
}

export async function reportsPage(v: View): Promise<Rendered> {
  const tz = v.reportTimeZone;
  const parsed = parseMonth(v.query, v.now, tz);
  if ('error' in parsed) return errorPage({ status: 400, title: 'No such month', message: parsed.error, user: v.user, csrf: v.csrf });
  const rawScope = v.query.get('scope');
  const scope = rawScope === null || rawScope === '' ? undefined : rawScope;
  if (scope !== undefined && scope !== '*' && !isAccountName(scope)) {
    return errorPage({ status: 400, title: 'No such account', message: `Scope: “${clip(scope, 64)}” is not valid; it ${SCOPE_RULE}.`, user: v.user, csrf: v.csrf });
  }
  const { month } = parsed;
  const firstOfMonth = `${month}-01`;
  const lastOfMonth = addDays(`${shiftMonth(month, 1)}-01`, -1);
  const first = addDays(firstOfMonth, -weekday(firstOfMonth));
  const last = addDays(lastOfMonth, 6 - weekday(lastOfMonth));
  const rows = (await v.store.reports.list(first, last)).slice(0, MAX_ROWS);
  const scopes = [...new Set(rows.map((r) => r.scope))].sort((a, b) => (a === '*' ? -1 : b === '*' ? 1 : a < b ? -1 : 1));
  const shown = scope === undefined ? rows : rows.filter((r) => r.scope === scope);
  const byDay = new Map<string, ReportRow[]>();
  for (const r of shown) {
    const d = dayOf(r);
    if (d < first || d > last) continue;
    const list = byDay.get(d);
    if (list) list.push(r);
    else byDay.set(d, [r]);
  }
  const today = dayOfInstant(v.now, tz);

  const weeks: Html[] = [];
  for (let week = first; week <= last; week = addDays(week, 7)) {
    const cells: Html[] = [];
    for (let i = 0; i < 7; i++) {
      const day = addDays(week, i);
      cells.push(dayCell(day, (byDay.get(day) ?? []).sort(byTypeThenScope), { outside: day.slice(0, 7) !== month, today: day === today }));
    }
    weeks.push(html`<tr>${cells}</tr>`);
  }
  const made = shown.filter((r) => r.madeAt !== null).length;
  const filter = scopes.length < 2 && scope === undefined ? '' : html`<nav class="scopes" aria-label="Reports of">
<span class="muted">Show:</span>
<a href="${calendarHref(month, undefined)}" aria-current="${scope === undefined ? 'true' : 'false'}">every scope</a>
${scopes.map((s) => html`<a href="${calendarHref(month, s)}" aria-current="${scope === s ? 'true' : 'false'}">${s === '*' ? 'All appliances' : clip(s, 40)}</a>`)}
</nav>`;

  return {
    status: 200,
    html: layout({ title: `Reports, ${monthName(month)}`, user: v.user, csrf: v.csrf, nav: 'reports' }, html`
<div class="head"><h1>Reports · ${monthName(month)}</h1>
<span class="muted">${count(made)} made${made === shown.length ? '' : `, ${count(shown.length - made)} being made`} · days in ${tz}</span>
<span class="month-nav"><a href="${calendarHref(shiftMonth(month, -1), scope)}" rel="prev">← ${monthName(shiftMonth(month, -1))}</a>
${month === today.slice(0, 7) ? '' : html`<a href="${calendarHref(today.slice(0, 7), scope)}">this month</a>`}
<a href="${calendarHref(shiftMonth(month, 1), scope)}" rel="next">${monthName(shiftMonth(month, 1))} →</a></span></div>
${filter}
<div class="cal-legend"><span class="r-daily">Daily: on its day</span><span class="r-weekly">Weekly: on the Saturday it ends</span><span class="r-monthly">Monthly: on the month's last day</span></div>
<div class="table"><table class="calendar" aria-label="${`Reports in ${monthName(month)}`}">
<thead><tr>${WEEKDAYS.map((d) => html`<th scope="col"><abbr title="${d}">${d.slice(0, 3)}</abbr></th>`)}</tr></thead>
<tbody>${weeks}</tbody></table></div>
${shown.length === 0 ? html`<p class="muted">No reports ${scope === undefined ? '' : html`for ${scope === '*' ? 'all appliances' : scope} `}in ${monthName(month)}. The portal makes each day's at 02:00 the morning after (${tz}).</p>` : ''}`),
  };
}

function dayCell(day: string, rows: readonly ReportRow[], o: { outside: boolean; today: boolean }): Html {
  const cls = ['cal-day', o.outside ? 'cal-out' : '', o.today ? 'cal-today' : ''].filter(Boolean).join(' ');
  const listed = rows.slice(0, PER_DAY);
  const items = listed.map((r) => {
    const who = r.scope === '*' ? 'All appliances' : clip(r.scope, 40);
    const label = html`<span class="t">${TYPES[r.type].label}</span>${who}`;
    if (r.madeAt === null) {
      return html`<li><span class="being-made" title="${`claimed by ${r.claimedBy} at ${iso(r.claimedAt)}`}">${label} · being made</span></li>`;
    }
    return html`<li><a class="r-${r.type}" href="${reportHref(r)}" title="${`${TYPES[r.type].label} report ${r.firstDay}${r.type === 'daily' ? '' : ` to ${r.lastDay}`}, ${r.scope === '*' ? 'all appliances' : `account ${r.scope}`}`}">${label}</a></li>`;
  });
  const rest = rows.length - listed.length;
  return html`<td class="${cls}" data-day="${day}"><span class="cal-num">${Number(day.slice(8, 10))}</span>${items.length === 0 ? '' : html`<ul class="cal-reports">${items}${rest > 0
    ? html`<li class="muted">and ${count(rest)} more: choose an account above</li>` : ''}</ul>`}</td>`;
}
