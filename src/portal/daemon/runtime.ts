// How the portal's process is tuned, chosen by measurement (README, "The
// portal: memory"): ingesting a backlog of 1,000,000 records peaked at 308
// MiB RSS on Node's defaults and at 131 MiB with a 1 MiB young generation
// and a 256 MiB old-generation ceiling, for 4% more time. The ceiling is
// well above all the portal held at its busiest measured (131 MiB RSS in
// all): a leak ends in a restart by the supervisor, not in the OOM killer
// choosing a victim.

import { reexecWith } from '../../core/reexec.ts';

export const PORTAL_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--max-old-space-size=256'];

/** `run`: replace this process with a tuned one unless it is (TMSP_PORTAL_UNTUNED=1 keeps Node's defaults). */
export function tunePortalRuntime(): void {
  reexecWith(PORTAL_NODE_FLAGS, {}, 'TMSP_PORTAL_UNTUNED');
}
