// An appliance's state from what is known of it: a pure function, so that
// the rules (README, "Appliance states") are tested without clocks.
//
//   retired     set by an administrator; nothing is judged or notified
//   never-seen  known (claimed by an account) but no heartbeat yet
//   offline     its status topic says offline (a clean stop, or the broker
//               published its last will) and no heartbeat came since, for
//               less than the grace: a planned restart stays here, quietly
//   silent      no heartbeat for silentIntervals × its interval (never
//               sooner than silentMinimumMinutes), or offline for as long
//   late        no heartbeat for lateIntervals × its interval
//   online      otherwise
//
// The interval is the appliance's own (its heartbeats declare it, or the
// gaps between them teach it); until it is known only the minimum applies.

import type { ApplianceState } from '../store/types.ts';

export interface FleetRules {
  lateIntervals: number;
  silentIntervals: number;
  silentMinimumMinutes: number;
}

export interface Facts {
  retired: boolean;
  status: 'online' | 'offline' | null;
  statusAt: number | null;
  lastHeartbeatAt: number | null;
  intervalS: number | null;
}

/** How long without a heartbeat before an appliance is silent (ms). */
export function silentAfterMs(intervalS: number | null, r: FleetRules): number {
  const minimum = r.silentMinimumMinutes * 60_000;
  return intervalS === null ? minimum : Math.max(minimum, r.silentIntervals * intervalS * 1000);
}

export function judge(f: Facts, now: number, r: FleetRules): ApplianceState {
  if (f.retired) return 'retired';
  if (f.lastHeartbeatAt === null) return f.status === 'offline' ? 'offline' : 'never-seen';
  const since = quietSince(f)!;
  const offline = f.status === 'offline' && f.statusAt !== null && f.statusAt >= f.lastHeartbeatAt;
  if (now - since > silentAfterMs(f.intervalS, r)) return 'silent';
  if (offline) return 'offline';
  const quiet = now - f.lastHeartbeatAt;
  if (f.intervalS !== null && quiet > r.lateIntervals * f.intervalS * 1000) return 'late';
  return 'online';
}

/**
 * Since when an appliance has not been heard from: its last heartbeat, or
 * when it went offline if that came later, so that the grace of an offline
 * appliance runs from its goodbye.
 */
export function quietSince(f: Facts): number | null {
  if (f.lastHeartbeatAt === null) return f.statusAt;
  return f.status === 'offline' && f.statusAt !== null ? Math.max(f.statusAt, f.lastHeartbeatAt) : f.lastHeartbeatAt;
}
