// Every receiver's and the web's login check. Three things sit behind it:
// - a throttle: after FAILURES_ALLOWED wrong passwords from one address
//   within WINDOW_MS, further attempts from it are refused without being
//   checked until the window passes; refusals are counted and logged once
//   per window, so a password-guessing loop costs neither CPU nor log. It is
//   kept per address, not per account: a stranger's wrong passwords must not
//   lock an appliance out of its own account;
// - a cache of logins that were right: appliances reconnect every few
//   seconds, and scrypt is slow on purpose. A cached login holds only while
//   the account's stored hash is the one it was checked against, so a
//   changed password or a removed account takes effect at the next login;
// - the role: appliances' receivers accept appliance and admin accounts,
//   the web pages only admins.

import crypto from 'node:crypto';
import type { LoginCheck } from '../receive/landed.ts';
import type { AccountStore } from '../store/store.ts';
import type { Role } from '../store/types.ts';
import { verifyPassword } from './password.ts';

export const FAILURES_ALLOWED = 5;
export const WINDOW_MS = 60_000;
/** Bounds on the throttle's and the cache's memory: the oldest entries go first. */
const MAX_TRACKED = 10_000;
const MAX_CACHED = 4096;
const CACHE_MS = 10 * 60_000;

interface Tracker { failures: number; since: number; logged: boolean }

export interface LoginCounters {
  accepted: number;
  refused: number;
  throttled: number;
}

export interface LoginLog {
  warn(o: object, msg: string): void;
}

export class Logins {
  private readonly tracked = new Map<string, Tracker>();
  private readonly cache = new Map<string, { hash: string; at: number }>();
  private readonly key = crypto.randomBytes(32);
  private readonly accounts: AccountStore;
  private readonly log: LoginLog;
  private readonly now: () => number;
  readonly counters: LoginCounters = { accepted: 0, refused: 0, throttled: 0 };

  constructor(accounts: AccountStore, log: LoginLog, now: () => number = Date.now) {
    this.accounts = accounts;
    this.log = log;
    this.now = now;
  }

  /** The check receivers take: appliance or admin accounts. */
  forAppliances(): LoginCheck {
    return { verify: (u, p, remote) => this.verify(u, p, remote, ['appliance', 'admin']) };
  }

  async verify(user: string, password: string, remote: string, roles: readonly Role[]): Promise<boolean> {
    const now = this.now();
    const keys = [remote];
    const blocked = keys.map((k) => this.tracker(k, now)).find((t) => t && t.failures >= FAILURES_ALLOWED);
    if (blocked) {
      this.counters.throttled++;
      if (!blocked.logged) {
        blocked.logged = true;
        this.log.warn({ user: user.slice(0, 64), remote, failures: blocked.failures }, 'logins refused for a minute after repeated wrong passwords');
      }
      return false;
    }
    const ok = await this.check(user, password, roles, now);
    if (ok) {
      this.counters.accepted++;
      for (const k of keys) this.tracked.delete(k);
      return true;
    }
    this.counters.refused++;
    for (const k of keys) this.fail(k, now);
    this.log.warn({ user: user.slice(0, 64), remote }, 'login refused');
    return false;
  }

  private async check(user: string, password: string, roles: readonly Role[], now: number): Promise<boolean> {
    const a = await this.accounts.get(user);
    if (!a || !roles.includes(a.role)) {
      // The same work as a real check, so that timing does not tell which names exist.
      await verifyPassword(password, DUMMY_HASH);
      return false;
    }
    const ck = crypto.createHmac('sha256', this.key).update(`${user}\0${password}`).digest('base64');
    const hit = this.cache.get(ck);
    if (hit && hit.hash === a.hash && now - hit.at < CACHE_MS) return true;
    if (!(await verifyPassword(password, a.hash))) return false;
    this.cache.delete(ck);
    this.cache.set(ck, { hash: a.hash, at: now });
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    return true;
  }

  private tracker(k: string, now: number): Tracker | undefined {
    const t = this.tracked.get(k);
    if (t && now - t.since >= WINDOW_MS) {
      this.tracked.delete(k);
      return undefined;
    }
    return t;
  }

  private fail(k: string, now: number): void {
    const t = this.tracker(k, now);
    if (t) {
      t.failures++;
      return;
    }
    this.tracked.set(k, { failures: 1, since: now, logged: false });
    if (this.tracked.size > MAX_TRACKED) this.tracked.delete(this.tracked.keys().next().value!);
  }
}

/** A valid hash of nothing anybody knows, checked when the account does not exist. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
