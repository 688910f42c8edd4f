// Timers every room uses the same way: none keeps the process alive on its
// own (the daemon lives by its sockets and its signals, not by a pending
// retry), and a periodic one can be given a new period in place.

/** Resolves after `ms`; does not keep the process alive. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** A repeating timer with a lifecycle: start (or restart with a new period), stop. */
export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private readonly fn: () => void;
  private periodMs = 0;

  constructor(fn: () => void) {
    this.fn = fn;
  }

  /** Start, or restart with `ms` if it is a new period (the next tick is then `ms` away). */
  start(ms: number): void {
    if (this.timer && ms === this.periodMs) return;
    this.stop();
    this.periodMs = ms;
    this.timer = setInterval(this.fn, ms);
    this.timer.unref();
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
