// Every page is built with one tagged template, `html`, which escapes each
// value put into it unless that value is itself Html (made by `html`, or a
// constant of ours through `trusted`). Escaping is then the default nobody
// has to remember: appliance ids, hostnames and every detection field come
// off the network, and one forgotten esc() would be a stored XSS in the
// admins' browsers.

export class Html {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  toString(): string {
    return this.text;
  }
}

export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text made safe for element content and quoted attributes. Control and
 * bidirectional-override characters become U+FFFD as well: they are never
 * in an honest hostname or threat name, and the latter can make one read
 * as another on screen.
 */
export function esc(v: string | number): string {
  return String(v)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '\ufffd')
    .replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

function part(p: Part): string {
  if (p instanceof Html) return p.text;
  if (p === null || p === undefined || p === false || p === true) return '';
  if (Array.isArray(p)) return (p as readonly Part[]).map(part).join('');
  return esc(p as string | number);
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** Markup of our own making (never anything read from a request or the store). */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/** At most `n` characters, the rest replaced by an ellipsis (the full text belongs in a title). */
export function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** Text clipped for a cell, whole in its tooltip. */
export function clipped(s: string | null | undefined, n: number): Html {
  if (s === null || s === undefined || s === '') return html`<span class="muted">—</span>`;
  return s.length <= n ? html`${s}` : html`<span title="${s}">${clip(s, n)}</span>`;
}
