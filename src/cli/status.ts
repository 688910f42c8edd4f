// `tmsp-agent status`: what the running daemon reports about itself.

import type { Status } from '../daemon/status.ts';
import { TmspError } from '../errors.ts';
import { controlSocketOf } from '../config/store.ts';
import { request } from './control-client.ts';
import type { Ctx } from './context.ts';

export function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function age(s: number | null): string {
  if (s === null) return 'none';
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function humanStatus(st: Status): string {
  const sp = st.spool;
  const out = [
    `tmsp-agent ${st.version} (pid ${st.pid}), up ${age(st.uptimeS)}, health: ${st.health.state}`,
    ...st.health.problems.map((p) => `  ! ${p}`),
    `ingest: ${st.ingest.records} records (${size(st.ingest.bytes)}), truncated ${st.ingest.truncated}, shed ${st.ingest.shed}`,
    ...st.ingest.sources.map((s) =>
      `  ${s.name}  ${s.state}  ${s.records} records${s.truncated ? `, ${s.truncated} truncated` : ''}${s.shed ? `, ${s.shed} shed` : ''}${s.errors ? `, ${s.errors} errors (last: ${s.lastError})` : ''}`),
    `spool: ${sp.chunks} chunks, ${sp.records} records, ${size(sp.bytes)} stored (${size(sp.rawBytes)} raw); disk ${size(sp.diskBytes)} of ${size(sp.budgetBytes)}`,
    `  oldest unsent: ${age(sp.oldestUnsentAgeS)}; open chunk: ${sp.open.records} records (${size(sp.open.rawBytes)})`,
    `dropped: ${st.dropped.chunks} chunks, ${st.dropped.records} records, ${size(st.dropped.bytes)}; corrupt: ${st.corrupt.chunks} chunks, ${st.corrupt.records} records`,
    `memory: rss ${size(st.memory.rss)}, heap ${size(st.memory.heapUsed)} of ${size(st.memory.heapTotal)}`,
  ];
  if (st.tmsp.enabled) {
    const { upload: up, status: hb } = st.tmsp;
    out.push(`tmsp: appliance ${st.tmsp.applianceId}; upload (${up.protocol}) ${up.state}, last success ${up.lastSuccessAt ?? 'never'}, ` +
      `${up.uploaded.batches} batches / ${up.uploaded.records} records since start, ${up.attempts} attempts` +
      `${up.lastError ? `; last error: ${up.lastError}; next attempt ${up.nextAttemptAt}` : ''}`);
    out.push(`  status server ${hb.state}${hb.protocolVersion ? ` (MQTT ${hb.protocolVersion === 5 ? '5' : '3.1.1'})` : ''}, ` +
      `${hb.heartbeats} heartbeats, last ${hb.lastHeartbeatAt ?? 'never'}${hb.lastError ? `; last error: ${hb.lastError}` : ''}`);
  } else {
    out.push('tmsp: off');
  }
  const sms = st.sms;
  if (sms?.enabled || sms?.purging) {
    const d = sms.distribution;
    out.push(`sms: distribution ${sms.enabled ? 'on' : 'off'}${sms.purging ? ' (purging)' : ''}, ${d.state}; ${sms.objects} objects, ` +
      `${sms.onSms} on the SMS, ${sms.pending} pending, ${sms.failed} refused; last success ${d.lastSuccessAt ?? 'never'}` +
      `${d.lastError ? `; last error: ${d.lastError}` : ''}`);
  } else {
    out.push(`sms: distribution off; ${sms?.objects ?? 0} objects kept`);
  }
  return out.join('\n');
}

export async function statusCommand(ctx: Ctx): Promise<number> {
  const st = await request(controlSocketOf(ctx.configFile), 'status');
  ctx.out.done({ status: st }, humanStatus(st));
  return 0;
}

/** upload-now: a round right away; waits for it to finish (or for the time limit). */
export async function uploadNowCommand(ctx: Ctx): Promise<number> {
  const up = await request(controlSocketOf(ctx.configFile), 'upload-now', undefined, 30 * 60_000);
  if (up.consecutiveFailures > 0) {
    return ctx.out.fail(new TmspError(up.lastErrorCode ?? 'E_REMOTE', `upload failed: ${up.lastError} (next attempt ${up.nextAttemptAt})`),
      { upload: up });
  }
  ctx.out.done({ upload: up }, `uploaded; ${up.uploaded.batches} batches, ${up.uploaded.records} records since the agent started`);
  return 0;
}

/** Small daemon actions that only need an answer: flush, reload. */
export async function simpleCommand(ctx: Ctx, cmd: 'flush' | 'reload'): Promise<number> {
  const result = await request(controlSocketOf(ctx.configFile), cmd);
  ctx.out.done({ result }, cmd === 'flush' ? 'open chunk sealed and stored' : 'configuration reloaded');
  return 0;
}
