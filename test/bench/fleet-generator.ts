// A generator process: plays its share of the fleet's appliances
// (fleet-appliance.ts), told what to do by the bench over the IPC channel
// it was forked with, and measured by it from outside like the portal is.
// Its event loop's delay is reported with its counters: a generator that
// falls behind its own timers would understate the load it offers.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LinePool, newCounters, PlayedApplianceSession, type GeneratorCounters, type PlayedAppliance, type Silenced, type Targets,
  type Timing } from './fleet-appliance.ts';
import { workload } from './workload.ts';

export type ToGenerator =
  | { type: 'start'; appliances: PlayedAppliance[]; targets: Targets; timing: Timing }
  | { type: 'report' }
  | { type: 'silence'; ids: string[]; mode: 'quiet' | 'cut' }
  | { type: 'stop' };

export type FromGenerator =
  | { type: 'report'; counters: GeneratorCounters; loopDelayP99Ms: number; loopDelayMaxMs: number }
  | { type: 'silenced'; silenced: Silenced };

const POOL_LINES = 4096;

function main(): void {
  const send = (m: FromGenerator) => process.send!(m);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const counters = newCounters();
  const sessions = new Map<string, PlayedApplianceSession>();
  process.on('message', (m: ToGenerator) => {
    if (m.type === 'start') {
      const pool = new LinePool(workload(POOL_LINES, 20261122 + process.pid).toString('utf8').split('\n').filter(Boolean));
      for (const a of m.appliances) {
        const s = new PlayedApplianceSession(a, m.targets, m.timing, pool, counters);
        sessions.set(a.id, s);
        s.start();
      }
      counters.appliances = sessions.size;
    } else if (m.type === 'report') {
      send({ type: 'report', counters, loopDelayP99Ms: loop.percentile(99) / 1e6, loopDelayMaxMs: loop.max / 1e6 });
      loop.reset();
    } else if (m.type === 'silence') {
      for (const id of m.ids) {
        const s = sessions.get(id);
        // One that never got in has no last heartbeat to measure from: said so at once (lastHeartbeatAt -1).
        if (!s?.connected) send({ type: 'silenced', silenced: { id, lastHeartbeatAt: -1, cutAt: null } });
        else void s.silenceAfterNextBeat(m.mode).then((silenced) => send({ type: 'silenced', silenced }));
      }
    } else {
      for (const s of sessions.values()) s.stop();
      process.disconnect?.();
      setTimeout(() => process.exit(0), 200).unref();
    }
  });
  // The bench went away: so does its generator.
  process.on('disconnect', () => process.exit(0));
}

main();
