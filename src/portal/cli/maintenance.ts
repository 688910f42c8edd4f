// tmsp-portal maintenance add ID|all --hours N [--reason TEXT] | list | remove N:
// windows in which notices about an appliance (or the whole fleet) are held
// back; one still silent when its window ends is notified then.

import type { Out } from '../../core/out.ts';
import { TmspError, UsageError } from '../../errors.ts';
import { APPLIANCE_ID } from '../../protocol/topics.ts';
import { withStore, type PortalCtx } from './context.ts';

const MAX_HOURS = 24 * 30;

export async function maintenanceCommand(ctx: PortalCtx, out: Out, args: string[], o: { hours?: string; reason?: string }):
  Promise<number> {
  const [sub, arg] = args;
  const now = Date.now();
  if (sub === 'list') {
    const list = await withStore(ctx, (s) => s.maintenance.list(now));
    const rows = list.map((w) => ({ id: w.id, appliance: w.applianceId === '*' ? 'all' : w.applianceId,
      start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString(), reason: w.reason }));
    out.done({ windows: rows }, rows.length === 0 ? 'no maintenance window now or ahead'
      : rows.map((r) => `${String(r.id).padEnd(5)} ${r.appliance.padEnd(24)} ${r.start} - ${r.end}  ${r.reason}`).join('\n'));
    return 0;
  }
  if (sub === 'add') {
    if (arg === undefined || (arg !== 'all' && !APPLIANCE_ID.test(arg))) {
      throw new UsageError('maintenance add needs an appliance id (letters, digits, ".", "_", "-") or "all"');
    }
    const hours = Number(o.hours);
    if (o.hours === undefined || !/^\d+(\.\d+)?$/.test(o.hours) || hours <= 0 || hours > MAX_HOURS) {
      throw new UsageError(`--hours must be a number of hours above 0, at most ${MAX_HOURS}`);
    }
    const reason = (o.reason ?? '').trim();
    if (reason.length > 200 || /[\x00-\x1f]/.test(reason)) throw new UsageError('--reason must be at most 200 characters on one line');
    const w = await withStore(ctx, async (s) => {
      if (arg !== 'all' && !(await s.appliances.get(arg))) throw new TmspError('E_NOT_FOUND', `no appliance ${arg}`);
      return s.maintenance.add({ applianceId: arg === 'all' ? '*' : arg, start: now, end: now + hours * 3_600_000, reason });
    });
    out.done({ window: { id: w.id, appliance: arg, start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString(), reason } },
      `maintenance window ${w.id}: notices about ${arg === 'all' ? 'every appliance' : arg} held back until ${new Date(w.end).toISOString()}`);
    return 0;
  }
  if (sub === 'remove') {
    if (arg === undefined || !/^\d{1,12}$/.test(arg)) throw new UsageError('maintenance remove needs a window number (see maintenance list)');
    if (!(await withStore(ctx, (s) => s.maintenance.remove(Number(arg))))) throw new TmspError('E_NOT_FOUND', `no maintenance window ${arg}`);
    out.done({ window: Number(arg), removed: true }, `maintenance window ${arg} removed`);
    return 0;
  }
  throw new UsageError('maintenance add ID|all --hours N [--reason TEXT] | list | remove N');
}
