// A page that says what went wrong, in the frame of the others.

import { html, layout } from '../html.ts';
import type { Rendered } from './view.ts';

export function errorPage(o: { status: number; title: string; message: string; user?: string; csrf?: string }): Rendered {
  return {
    status: o.status,
    html: layout({ title: o.title, user: o.user, csrf: o.csrf }, html`
<h1>${o.title}</h1>
<div class="card"><p>${o.message}</p><p><a href="/">Back to the fleet</a></p></div>`),
  };
}
