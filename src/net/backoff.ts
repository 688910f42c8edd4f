// Capped exponential backoff with full jitter: each delay is drawn from
// [0, min(cap, base * 2^attempt)], so a fleet of appliances that lost the
// same server does not come back in step. There is no attempt limit: the
// caller retries for as long as it has work.

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
