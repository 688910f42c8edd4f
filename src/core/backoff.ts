// Capped exponential backoff with full jitter: each delay is drawn from
// [0, min(cap, base * 2^attempt)], so a fleet of appliances that lost the
// same server does not come back in step. There is no attempt limit: the
// caller retries for as long as it has work. RetryPolicy is the one policy
// every link retries by (uploads, heartbeats, the SMS).

import { NEEDS_OPERATOR, type ErrorCode } from '../errors.ts';

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random?: () => number;
}

export class Backoff {
  private readonly opts: Required<BackoffOptions>;
  private attempt = 0;

  constructor(opts: BackoffOptions) {
    this.opts = { random: Math.random, ...opts };
  }

  get attempts(): number {
    return this.attempt;
  }

  /** The next delay, in ms; each call counts as one more failed attempt. */
  next(): number {
    const { baseMs, capMs, random } = this.opts;
    const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.floor(random() * ceiling);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Transient failures (unreachable, 5xx, cut connections) back off from this. */
export const TRANSIENT_BASE_MS = 1000;
/** Failures only the operator can fix (login, trust, a refused path) from this: never a tight loop. */
export const OPERATOR_BASE_MS = 30_000;

/**
 * The retry policy every link shares: two backoffs, one for what retrying
 * may fix and one for what needs the operator, both capped at `capMs` (a
 * setting, changeable in place). A success starts both over.
 */
export class RetryPolicy {
  private transient!: Backoff;
  private operator!: Backoff;
  private cap = 0;
  private readonly random: () => number;

  constructor(capMs: number, random: () => number = Math.random) {
    this.random = random;
    this.setCap(capMs);
  }

  setCap(capMs: number): void {
    if (capMs === this.cap) return;
    this.cap = capMs;
    this.transient = new Backoff({ baseMs: Math.min(TRANSIENT_BASE_MS, capMs), capMs, random: this.random });
    this.operator = new Backoff({ baseMs: Math.min(OPERATOR_BASE_MS, capMs), capMs, random: this.random });
  }

  /** The wait before the next attempt after a failure with this code, in ms. */
  next(code: ErrorCode): number {
    return (NEEDS_OPERATOR.has(code) ? this.operator : this.transient).next();
  }

  reset(): void {
    this.transient.reset();
    this.operator.reset();
  }
}
