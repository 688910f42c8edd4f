// The pages' one style sheet and one script, served from /static/ because
// the Content-Security-Policy allows no inline style or script (and so no
// style="" attributes either: every look is a class here). Their paths carry
// a hash of their content, so a browser may keep them for good and still
// never runs an old script against a new page.

import crypto from 'node:crypto';

import { CSS } from '../markup/style.ts';

export { CSS };

/**
 * The page refreshes itself: every few seconds it fetches itself again and
 * swaps in the new main content, keeping the scroll position and any open
 * <details>. When the login has expired the fetch lands on /login, and the
 * page goes there. A hidden tab does not poll.
 */
export const JS = `'use strict';
(function () {
  var main = document.getElementById('main');
  if (!main || !main.hasAttribute('data-refresh')) return;
  var every = Math.max(2, Number(main.getAttribute('data-refresh')) || 10) * 1000;
  var stamp = document.getElementById('refreshed');
  var busy = false;
  function say(text) { if (stamp) stamp.textContent = text; }
  function tick() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(location.href, { credentials: 'same-origin', cache: 'no-store' }).then(function (r) {
      if (r.redirected && new URL(r.url).pathname === '/login') { location.assign(r.url); return null; }
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.text();
    }).then(function (text) {
      if (text === null) return;
      var fresh = new DOMParser().parseFromString(text, 'text/html').getElementById('main');
      if (!fresh) return;
      var open = {};
      main.querySelectorAll('details[id][open]').forEach(function (d) { open[d.id] = true; });
      var next = document.importNode(fresh, true);
      next.querySelectorAll('details[id]').forEach(function (d) { if (open[d.id]) d.setAttribute('open', ''); });
      main.replaceWith(next);
      main = next;
      say('updated ' + new Date().toISOString().slice(11, 19) + ' UTC');
    }).catch(function (e) {
      say('not updated: ' + e.message);
    }).finally(function () { busy = false; });
  }
  setInterval(tick, every);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) tick(); });
})();
`;

const tag = (s: string) => crypto.createHash('sha256').update(s).digest('hex').slice(0, 12);

export const CSS_PATH = `/static/app.css?v=${tag(CSS)}`;
export const JS_PATH = `/static/app.js?v=${tag(JS)}`;

/** What /static/ serves, by path (the version query is ignored: any version gets the current file). */
export const FILES: ReadonlyMap<string, { type: string; body: Buffer }> = new Map([
  ['/static/app.css', { type: 'text/css; charset=utf-8', body: Buffer.from(CSS) }],
  ['/static/app.js', { type: 'text/javascript; charset=utf-8', body: Buffer.from(JS) }],
]);
