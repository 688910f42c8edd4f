// A bandwidth cap for thin links: a token bucket refilled at `bytesPerSec`,
// holding at most one second's worth. take(n) waits until n bytes may pass.

export class TokenBucket {
  /** Bytes per second. */
  readonly rate: number;
  private tokens: number;
  private last: number;

  constructor(bytesPerSec: number) {
    this.rate = bytesPerSec;
    this.tokens = bytesPerSec;
    this.last = Date.now();
  }

  async take(n: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      // A request larger than the bucket passes once the bucket is full, and leaves it in debt.
      if (this.tokens >= Math.min(n, this.rate)) {
        this.tokens -= n;
        return;
      }
      const wait = ((Math.min(n, this.rate) - this.tokens) / this.rate) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(wait))));
    }
  }
}
