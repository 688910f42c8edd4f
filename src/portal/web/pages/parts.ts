// The about box's list of facts (badges and tables are markup/parts.ts).

import { clip, html, type Html } from '../html.ts';

const MAX_FACTS = 200;

/**
 * The portal's facts as name/value pairs, nested objects flattened to
 * dotted names; bounded, because what the caller hands over may grow.
 */
export function factList(facts: Record<string, unknown>): Html {
  const out: Array<[string, string]> = [];
  const walk = (prefix: string, v: unknown, depth: number) => {
    if (out.length >= MAX_FACTS) return;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < 3) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(prefix ? `${prefix}.${k}` : k, x, depth + 1);
      return;
    }
    const text = typeof v === 'string' ? v : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')
      : JSON.stringify(v) ?? String(v);
    out.push([prefix, clip(text, 500)]);
  };
  walk('', facts, 0);
  return html`<dl class="facts">${out.map(([k, v]) => html`<dt>${k}</dt><dd class="mono">${v}</dd>`)}</dl>`;
}
