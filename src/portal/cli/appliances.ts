// tmsp-portal appliances | appliance show ID | appliance retire ID.

import { TmspError, UsageError } from '../../errors.ts';
import type { Out } from '../../core/out.ts';
import { retireAppliance } from '../fleet/retire.ts';
import type { Appliance } from '../store/types.ts';
import { withStore, type PortalCtx } from './context.ts';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function ago(t: number | null, now: number): string {
  if (t === null) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

function row(a: Appliance) {
  const hb = a.lastHeartbeat;
  return {
    id: a.id, account: a.account, state: a.state, stateSince: iso(a.stateSince), hostname: a.registration?.hostname ?? null,
    product: a.registration?.product ?? null, lastHeartbeatAt: iso(a.lastHeartbeatAt), intervalS: a.intervalS,
    lastBatchAt: iso(a.lastBatchAt), spoolRecords: hb?.spool.records ?? null, droppedRecords: hb?.dropped.records ?? null,
    batches: a.batches, records: a.records, detections: a.detections,
  };
}

export async function appliancesCommand(ctx: PortalCtx, out: Out): Promise<number> {
  const list = await withStore(ctx, (s) => s.appliances.list());
  const now = Date.now();
  const human = list.length === 0 ? 'no appliances yet: they appear when they first log in'
    : [`${'ID'.padEnd(24)} ${'STATE'.padEnd(11)} ${'LAST HEARTBEAT'.padEnd(15)} ${'LAST BATCH'.padEnd(15)} SPOOL  DROPPED`,
      ...list.map((a) => `${a.id.padEnd(24)} ${a.state.padEnd(11)} ${ago(a.lastHeartbeatAt, now).padEnd(15)} ` +
        `${ago(a.lastBatchAt, now).padEnd(15)} ${String(a.lastHeartbeat?.spool.records ?? '-').padEnd(6)} ${a.lastHeartbeat?.dropped.records ?? '-'}`)].join('\n');
  out.done({ appliances: list.map(row) }, human);
  return 0;
}

export async function applianceCommand(ctx: PortalCtx, out: Out, args: string[]): Promise<number> {
  const [sub, id] = args;
  if ((sub !== 'show' && sub !== 'retire') || id === undefined) throw new UsageError('appliance show|retire ID');
  if (sub === 'retire') {
    if (!(await withStore(ctx, (s) => retireAppliance(s, id, Date.now())))) throw new TmspError('E_NOT_FOUND', `no appliance ${id}`);
    out.done({ appliance: id, state: 'retired' }, `appliance ${id} retired: it is no longer watched or notified`);
    return 0;
  }
  const found = await withStore(ctx, async (s) => {
    const a = await s.appliances.get(id);
    if (!a) return undefined;
    return { a, batches: await s.batches.list(id, 10), gaps: await s.batches.gaps(id, 10), alerts: await s.alerts.history(id, 10) };
  });
  if (!found) throw new TmspError('E_NOT_FOUND', `no appliance ${id}`);
  const { a, batches, gaps, alerts } = found;
  const now = Date.now();
  const r = a.registration;
  const lines = [
    `appliance ${a.id} (account ${a.account}): ${a.state} since ${iso(a.stateSince)}`,
    r ? `  ${r.product} ${r.model}, serial ${r.serial}, host ${r.hostname}, agent ${r.version}, email ${r.email}` : '  not registered yet',
    `  last heartbeat ${ago(a.lastHeartbeatAt, now)}${a.intervalS ? `, every ${a.intervalS} s` : ''}` +
      (a.lastHeartbeat ? `; spool ${a.lastHeartbeat.spool.records} records, dropped ${a.lastHeartbeat.dropped.records}, upload ${a.lastHeartbeat.upload.state}` : ''),
    `  ${a.batches} batches, ${a.records} records, ${a.detections} detections; last batch ${ago(a.lastBatchAt, now)}`,
    ...batches.map((b) => `  batch ${b.name}: ${b.records} records (${b.newRecords} new), ${b.detections} detections, ${b.size} bytes`),
    ...gaps.map((g) => `  gap: records ${g.firstSeq}-${g.lastSeq} never arrived`),
    ...alerts.map((al) => `  alert ${al.kind} ${iso(al.openedAt)}${al.closedAt ? ` - ${iso(al.closedAt)}` : ' (open)'}, ${al.notifications} notices`),
  ];
  out.done({ appliance: { ...row(a), registration: r, lastHeartbeat: a.lastHeartbeat, recentBatches: batches, gaps, alerts } }, lines.join('\n'));
  return 0;
}
