// The pages' frame and what only pages need (relative times, links); the
// escaping template itself is markup/html.ts, shared with the reports.

import { ago, iso } from '../markup/format.ts';
import { CSS_PATH, JS_PATH } from './static.ts';
import { html, trusted, type Html } from '../markup/html.ts';

export { clip, clipped, esc, html, Html, trusted, type Part } from '../markup/html.ts';

/** A time as "3 min ago", the exact UTC time in its tooltip. */
export function when(t: number | null | undefined, now: number): Html {
  if (t === null || t === undefined) return html`<span class="muted">never</span>`;
  return html`<time datetime="${iso(t)}" title="${iso(t)}">${ago(t, now)}</time>`;
}

/** The path of an appliance's page: ids are the appliances' own, so they are encoded, never pasted. */
export function applianceHref(id: string): string {
  return `/appliances/${encodeURIComponent(id)}`;
}

export interface Frame {
  title: string;
  /** The signed-in admin; absent on the login page. */
  user?: string;
  csrf?: string;
  nav?: 'fleet' | 'detections' | 'reports';
  /** Seconds between the page's own refreshes (static.ts's script); none when absent. */
  refreshS?: number;
}

/** A whole document around a page's main content. */
export function layout(f: Frame, main: Html): string {
  const nav = (key: Frame['nav'], href: string, label: string) =>
    html`<a href="${href}"${f.nav === key ? trusted(' aria-current="page"') : ''}>${label}</a>`;
  const header = f.user === undefined ? html`<header class="top"><span class="brand">tmsp-portal</span></header>` : html`
<header class="top">
  <span class="brand">tmsp-portal</span>
  <nav>${nav('fleet', '/', 'Fleet')}${nav('detections', '/detections', 'Detections')}${nav('reports', '/reports', 'Reports')}</nav>
  <span class="who">
    <span id="refreshed" class="muted" aria-live="polite"></span>
    <span>${f.user}</span>
    <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="${f.csrf ?? ''}"><button type="submit" class="link">Sign out</button></form>
  </span>
</header>`;
  const refresh = f.refreshS === undefined ? '' : html` data-refresh="${f.refreshS}"`;
  return `<!doctype html>
${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${f.title} · tmsp-portal</title>
<link rel="stylesheet" href="${CSS_PATH}">
<script src="${JS_PATH}" defer></script>
</head>
<body>
${header}
<main id="main"${refresh}>
${main}
</main>
</body>
</html>
`.text}`;
}
