// The sign-in form. It says only that the name or the password was wrong,
// never which: the difference would tell a stranger which names exist.

import { html, layout } from '../html.ts';

export const WRONG = 'Wrong user name or password';

export function loginPage(o: { error?: string; user?: string; next?: string } = {}): string {
  return layout({ title: 'Sign in' }, html`
<div class="login card">
  <h1>Sign in</h1>
  ${o.error === undefined ? '' : html`<div class="error" role="alert">${o.error}</div>`}
  <form method="post" action="/login">
    <input type="hidden" name="next" value="${o.next ?? '/'}">
    <label>User name<input name="user" autocomplete="username" maxlength="64" required autofocus value="${o.user ?? ''}"></label>
    <label>Password<input name="password" type="password" autocomplete="current-password" maxlength="1024" required></label>
    <button type="submit" class="primary">Sign in</button>
  </form>
</div>`);
}
