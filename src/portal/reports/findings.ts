// A report's recommended actions: each finding (callbacks, a class of
// threats, an appliance losing data or falling silent) with its numbers and
// what to do, most urgent first. Threats of one class are one finding, so a
// hundred trojan names make one line, not a hundred.

import { classOf, FLEET_ACTIONS } from './actions.ts';
import { LEVELS, type Action, type Level, type ThreatRow } from './model.ts';
import { count } from '../markup/format.ts';

const MAX_ACTIONS = 10;

export interface Findings {
  cnc: { hosts: number; callbacks: number; addresses: string[] };
  threats: ThreatRow[];
  /** Appliances that dropped records, miss records, or fell silent: [id, figure]. */
  dropped: Array<[string, number]>;
  missing: Array<[string, number]>;
  silent: Array<[string, number]>;
}

function plural(x: number, one: string, many = `${one}s`): string {
  return `${count(x)} ${x === 1 ? one : many}`;
}

function names(ids: string[]): string {
  return ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`;
}

function hours(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 1 ? `${h.toFixed(h < 10 ? 1 : 0)} h` : `${Math.round(ms / 60_000)} min`;
}

export function actionsOf(f: Findings): Action[] {
  const out: Array<Omit<Action, 'priority'> & { weight: number }> = [];
  if (f.cnc.callbacks > 0) {
    const c = classOf('command and control', '');
    out.push({
      level: 'high', weight: 1e12 + f.cnc.callbacks,
      finding: `${plural(f.cnc.hosts, 'host')} called back to command-and-control servers ${plural(f.cnc.callbacks, 'time')}`
        + (f.cnc.addresses.length ? ` (${names(f.cnc.addresses)}).` : '.'),
      action: c.action,
    });
  }
  const classes = new Map<string, { level: Level; count: number; top: string; action: string }>();
  for (const t of f.threats) {
    const k = classOf(t.category, t.threat);
    if (k.name === 'command and control' && f.cnc.callbacks > 0) continue;
    const c = classes.get(k.name);
    if (!c) classes.set(k.name, { level: t.level, count: t.count, top: t.threat, action: k.action });
    else {
      c.count += t.count;
      if (LEVELS.indexOf(t.level) < LEVELS.indexOf(c.level)) c.level = t.level;
    }
  }
  for (const [name, c] of classes) {
    out.push({
      level: c.level, weight: (3 - LEVELS.indexOf(c.level)) * 1e10 + c.count,
      finding: `${plural(c.count, `${name} detection`)}, the most frequent “${c.top}”.`,
      action: c.action,
    });
  }
  const fleet = (list: Array<[string, number]>, level: Level, say: (x: number) => string, action: string, weight: number) => {
    if (list.length === 0) return;
    const total = list.reduce((s, [, x]) => s + x, 0);
    out.push({ level, weight: weight + total, finding: `${names(list.map(([id]) => id))}: ${say(total)}.`, action });
  };
  fleet(f.dropped, 'medium', (x) => `${plural(x, 'record')} dropped at the appliance`, FLEET_ACTIONS.dropped, 2e10);
  fleet(f.missing, 'medium', (x) => `${plural(x, 'record')} never arrived (sequence gaps)`, FLEET_ACTIONS.missing, 2e10);
  fleet(f.silent, 'low', (x) => `no heartbeat for ${hours(x)} in all`, FLEET_ACTIONS.silent, 1e10);
  return out.sort((a, b) => b.weight - a.weight).slice(0, MAX_ACTIONS)
    .map((a, i) => ({ priority: i + 1, level: a.level, finding: a.finding, action: a.action }));
}
