// Pieces both report layouts show: the header and footer, level badges,
// figure tiles with their change against the period before, the
// completeness box, the "and N more" under a capped list.

import { count } from '../../markup/format.ts';
import { html, trusted, type Html } from '../../markup/html.ts';
import { LEVEL_NAMES } from '../charts.ts';
import type { Capped, Completeness, CountVsPrevious, Level, ReportModel } from '../model.ts';
import { change, dateTime, percent, periodName, previousName, reportTitle, scopeName, type Direction } from '../format.ts';

export function header(m: ReportModel): Html {
  return html`<header class="report-head">
<p class="kicker">${reportTitle(m.type)}</p>
<h1>${scopeName(m.scope)}</h1>
<p class="period"><strong>${periodName(m.type, m.first, m.last)}</strong><span class="muted"> · compared with ${previousName(m)} · times in ${m.timeZone}</span></p>
</header>`;
}

export function footer(m: ReportModel): Html {
  return html`<footer class="report-foot muted">Made ${dateTime(m.madeAt, m.timeZone)} (${m.timeZone}) by ${m.portal} · tmsp-portal report, model version ${m.version}</footer>`;
}

export function levelBadge(l: Level): Html {
  return html`<span class="badge level level-${l}">${LEVEL_NAMES[l] ?? l}</span>`;
}

const ARROWS: Record<Direction, string> = { up: '▲', down: '▼', same: '' };

/**
 * A count's change, coloured by what it means: more detections is bad news,
 * more uptime good. `good` says which way is good.
 */
export function delta(c: CountVsPrevious, good: 'down' | 'up' = 'down', against?: string): Html {
  const d = change(c);
  const tone = d.direction === 'same' ? 'same' : d.direction === good ? 'good' : 'bad';
  return html`<span class="delta delta-${tone}" title="${`${count(c.count)} against ${count(c.previous)}${against ? ` in ${against}` : ''}`}">${ARROWS[d.direction] === '' ? '' : html`<span aria-hidden="true">${ARROWS[d.direction]}</span> `}${d.text}</span>`;
}

export interface Tile {
  label: string;
  value: string;
  /** A line under the value: its change, or what it is made of. */
  sub?: Html | string;
  tone?: 'bad' | 'warn' | 'good';
  title?: string;
}

export function tiles(list: readonly Tile[]): Html {
  return html`<div class="tiles">${list.map((t) => html`<div class="tile${t.tone ? ` tile-${t.tone}` : ''}"${t.title ? html` title="${t.title}"` : ''}>
<span class="l">${t.label}</span><span class="n">${t.value}</span>${t.sub === undefined ? '' : html`<span class="s">${t.sub}</span>`}</div>`)}</div>`;
}

/** "and 14 more C&C callbacks" under a capped list; nothing when it is whole. */
export function more(c: Capped<unknown>, noun: string): Html | string {
  return c.omitted > 0 ? html`<p class="more">and ${count(c.omitted)} more ${noun}</p>` : '';
}

/**
 * How much of the log never arrived, said outright: what a SIEM shows is
 * only what reached it, and nobody else tells an administrator what did not.
 */
export function completenessBox(c: Completeness): Html {
  const missing = c.lost;
  if (missing === 0) {
    return html`<div class="complete complete-ok" role="note"><span class="big">${percent(c.ratio)}</span>
<span>Every record the appliances logged has arrived${c.records > 0 ? html`: ${count(c.records)} records` : ''}. None was dropped, no sequence numbers are missing.</span></div>`;
  }
  const parts: Html[] = [];
  if (c.dropped > 0) parts.push(html`<li><strong>${count(c.dropped)}</strong> dropped by the appliances before sending (spool full or records too large)</li>`);
  if (c.missingRecords > 0) {
    parts.push(html`<li><strong>${count(c.missingRecords)}</strong> missing in ${count(c.sequenceGaps)} gap${c.sequenceGaps === 1 ? '' : 's'} of sequence numbers: sent, or meant to be, and never received</li>`);
  }
  return html`<div class="complete complete-loss" role="note"><span class="big">${percent(c.ratio)}</span>
<div><strong>${count(missing)} record${missing === 1 ? '' : 's'} never arrived</strong> (of ${count(c.records + missing)}; ${count(c.records)} did).
<ul>${parts}</ul>${c.dropped + c.missingRecords > missing
    ? html`<span class="small">A record an appliance drops also leaves a gap in its sequence numbers: it is counted once.</span>` : ''}</div></div>`;
}

/** A chart's SVG (made by charts.ts, its text escaped there) in its frame. */
export function figure(svg: string, caption?: string): Html {
  return html`<figure class="chart">${trusted(svg)}${caption === undefined ? '' : html`<figcaption class="muted small">${caption}</figcaption>`}</figure>`;
}
