// Test Connection: each step run on its own, timed, and reported with a
// plain-words hint when it fails. Used by the TMSP and SMS menus alike.

import dns from 'node:dns/promises';
import { AgentError, type ErrorCode } from '../errors.ts';
import { classify } from './errors.ts';

export interface StepResult {
  /** Which server: "log server", "status server", "SMS". */
  target: string;
  step: string;
  ok: boolean;
  /** Not run because an earlier step for the same target failed. */
  skipped: boolean;
  ms: number;
  detail: string;
  code: ErrorCode | null;
}

export class StepRunner {
  readonly results: StepResult[] = [];
  private failedTargets = new Set<string>();

  /** Run one step; its result is recorded. Returns undefined if it failed or was skipped. */
  async run<T>(target: string, step: string, fn: () => Promise<{ value: T; detail: string }>): Promise<T | undefined> {
    if (this.failedTargets.has(target)) {
      this.results.push({ target, step, ok: false, skipped: true, ms: 0, detail: 'not run: an earlier step failed', code: null });
      return undefined;
    }
    const t0 = performance.now();
    try {
      const { value, detail } = await fn();
      this.results.push({ target, step, ok: true, skipped: false, ms: Math.round(performance.now() - t0), detail, code: null });
      return value;
    } catch (err) {
      const e = err instanceof AgentError ? err : classify(err, step);
      this.failedTargets.add(target);
      this.results.push({ target, step, ok: false, skipped: false, ms: Math.round(performance.now() - t0), detail: e.message, code: e.code });
      return undefined;
    }
  }

  /** Note a step that is not needed in this setup (e.g. no proxy). */
  note(target: string, step: string, detail: string): void {
    this.results.push({ target, step, ok: true, skipped: true, ms: 0, detail, code: null });
  }

  get ok(): boolean {
    return this.results.every((r) => r.ok);
  }

  /** The first failure's code, for the exit status. */
  get firstError(): ErrorCode | null {
    return this.results.find((r) => !r.ok && !r.skipped)?.code ?? null;
  }
}

export async function resolveStep(host: string): Promise<{ value: string; detail: string }> {
  try {
    const addrs = await dns.lookup(host, { all: true });
    const list = addrs.map((a) => a.address).join(', ');
    return { value: addrs[0]!.address, detail: `${host} → ${list}` };
  } catch (err) {
    throw new AgentError('E_RESOLVE', `${host} could not be resolved (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
