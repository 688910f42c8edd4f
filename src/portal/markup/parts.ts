// Pieces the pages and the reports' HTML both show: state and severity
// badges, and a table that says so when it is empty.

import type { ApplianceState } from '../store/types.ts';
import { severityBand } from './format.ts';
import { html, type Html } from './html.ts';

export function stateBadge(state: ApplianceState): Html {
  return html`<span class="badge state-${state}" data-state="${state}">${state}</span>`;
}

export function severityBadge(s: number): Html {
  return html`<span class="badge sev sev-${severityBand(s)}" title="severity ${s} (${severityBand(s).replace('-', ' ')})">${s}</span>`;
}

/** A table, or a line saying there is nothing to show. */
export function table(head: Html, rows: readonly Html[], empty: string, cls = ''): Html {
  if (rows.length === 0) return html`<div class="table ${cls}"><div class="empty">${empty}</div></div>`;
  return html`<div class="table ${cls}"><table><thead>${head}</thead><tbody>${rows}</tbody></table></div>`;
}
