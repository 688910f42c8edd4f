// Web logins. A session id is 32 random bytes in a cookie the page's scripts
// cannot read (HttpOnly), sent only over TLS (Secure) and never on a request
// another site starts (SameSite=Strict); the __Host- prefix makes browsers
// refuse the cookie unless it is all of that and bound to this host. The map
// is keyed by a hash of the id, so that what sits in memory is not itself a
// login. It is bounded: when full, expired sessions go first, then the
// oldest. Each session carries a CSRF token that every form POST must echo.
// A login lasts `hours` from when it was made, used or not; a restart of the
// portal ends every login (nothing is written down).

import crypto from 'node:crypto';

export const COOKIE = '__Host-tmsp-session';
const MAX_SESSIONS = 1000;

export interface Session {
  user: string;
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

const digest = (id: string) => crypto.createHash('sha256').update(id).digest('base64url');

export class Sessions {
  private readonly map = new Map<string, Session>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly max: number;

  constructor(o: { hours: number; now: () => number; max?: number }) {
    this.ttlMs = o.hours * 3_600_000;
    this.now = o.now;
    this.max = o.max ?? MAX_SESSIONS;
  }

  get size(): number {
    return this.map.size;
  }

  /** A new login: the id (for the cookie only) and its session. */
  create(user: string): { id: string; session: Session } {
    const now = this.now();
    if (this.map.size >= this.max) this.sweep(now);
    while (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    const id = crypto.randomBytes(32).toString('base64url');
    const session: Session = { user, csrf: crypto.randomBytes(32).toString('base64url'), createdAt: now, expiresAt: now + this.ttlMs };
    this.map.set(digest(id), session);
    return { id, session };
  }

  get(id: string | undefined): Session | undefined {
    if (id === undefined || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const key = digest(id);
    const s = this.map.get(key);
    if (s && s.expiresAt <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return s;
  }

  destroy(id: string | undefined): void {
    if (id !== undefined) this.map.delete(digest(id));
  }

  /** Whether a form's token is the session's (in constant time: it is a secret). */
  csrfOk(s: Session, token: string | null | undefined): boolean {
    if (typeof token !== 'string') return false;
    const a = Buffer.from(token);
    const b = Buffer.from(s.csrf);
    return a.length === b.length && crypto.timingSafeEqual(a, b);
  }

  /** The Set-Cookie value for a new login. */
  cookie(id: string): string {
    return `${COOKIE}=${id}; Path=/; Max-Age=${Math.floor(this.ttlMs / 1000)}; HttpOnly; Secure; SameSite=Strict`;
  }

  /** The Set-Cookie value that ends one. */
  clearCookie(): string {
    return `${COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
  }

  private sweep(now: number): void {
    for (const [k, s] of this.map) if (s.expiresAt <= now) this.map.delete(k);
  }
}

/** The session id from a Cookie header, if there is one. */
export function sessionId(header: string | undefined): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === COOKIE) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
