// How the daemon's process is tuned for a small board, chosen by measurement
// (README, "Memory"): a 1 MiB young generation; an old-generation ceiling
// five times what the agent uses at its busiest, so that a leak ends in a
// restart by the supervisor rather than in the kernel's OOM killer choosing
// a victim on the appliance; and glibc told to give large freed blocks back
// at once and to keep few malloc arenas. V8 reads its heap
// sizes only at start-up, so `run` from the bundle re-executes itself in
// place (same pid) with them when it was started without. The single
// executable carries the V8 flags in its own start-up arguments, and the
// board's init script and unit set the environment: it does not re-execute
// itself (an emulator without binfmt_misc, as in the ARM tests, cannot).

import { reexecWith } from '../core/reexec.ts';

export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--max-old-space-size=96'];

export const DAEMON_ENV: Readonly<Record<string, string>> = {
  // Without a fixed threshold glibc raises it after the first large free, and 1 MiB
  // chunk buffers then stay in the heap after use instead of being unmapped.
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_ARENA_MAX: '2',
};

/** Replace this process with a tuned one, unless it already is (or cannot be). */
export function ensureTunedRuntime(): void {
  reexecWith(DAEMON_NODE_FLAGS, DAEMON_ENV, 'TMSP_AGENT_UNTUNED');
}
