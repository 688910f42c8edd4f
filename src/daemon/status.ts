// The status snapshot: what `tmsp-agent status` prints and what heartbeats
// carry. Field names are a documented, stable contract for the menus.

import fs from 'node:fs';
import type { SourceStats } from '../ingest/intake.ts';
import type { SpoolStats } from '../spool/spool.ts';
import type { TmspStats } from '../tmsp/link.ts';
import type { SmsStats } from '../sms/room.ts';
import { VERSION } from './version.ts';

export interface Status {
  version: string;
  pid: number;
  uptimeS: number;
  configFile: string;
  health: { state: 'ok' | 'degraded'; problems: string[] };
  ingest: {
    records: number;
    bytes: number;
    truncated: number;
    shed: number;
    sources: SourceStats[];
  };
  spool: {
    chunks: number;
    records: number;
    bytes: number;
    rawBytes: number;
    diskBytes: number;
    budgetBytes: number;
    firstSeq: number | null;
    lastSeq: number | null;
    oldestUnsentAgeS: number | null;
    open: { records: number; rawBytes: number };
    pendingBytes: number;
    commitErrors: number;
    lastError: string | null;
  };
  dropped: { chunks: number; records: number; bytes: number };
  corrupt: { chunks: number; records: number; bytes: number };
  lost: { chunks: number; records: number; bytes: number };
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  state: { recoveredFrom: string | null };
  tmsp: TmspStats | { enabled: false };
  sms: SmsStats | null;
}

export interface StatusInputs {
  configFile: string;
  startedAt: number;
  sources: SourceStats[];
  spool: SpoolStats;
  recoveredFrom: string | null;
  tmsp: TmspStats | undefined;
  sms: SmsStats | undefined;
}

/** Resident memory; from /proc when the runtime cannot tell (it reads 0 under an emulator such as qemu-user). */
function residentBytes(m: NodeJS.MemoryUsage): number {
  if (m.rss > 0) return m.rss;
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function buildStatus(i: StatusInputs, now = Date.now()): Status {
  const sum = (k: 'records' | 'bytes' | 'truncated' | 'shed') => i.sources.reduce((a, s) => a + s[k], 0);
  const problems: string[] = [];
  for (const s of i.sources) if (s.state === 'failed') problems.push(`source ${s.name} failed: ${s.lastError ?? 'unknown error'}`);
  if (i.spool.commitErrors > 0 && i.spool.lastError) problems.push(`spool: ${i.spool.lastError}`);
  if (i.recoveredFrom) problems.push(`state database was damaged and moved to ${i.recoveredFrom}`);
  if (i.sms?.recoveredFrom) problems.push(`objects database was damaged and moved to ${i.sms.recoveredFrom}`);
  if (i.tmsp) {
    const up = i.tmsp.upload;
    if (up.consecutiveFailures > 0) problems.push(`not forwarding to TMSP: ${up.lastError ?? 'upload failing'}`);
    const st = i.tmsp.status;
    if (st.state !== 'connected' && st.lastError) problems.push(`no heartbeat to TMSP: ${st.lastError}`);
  }
  if (i.sms?.enabled && i.sms.distribution.lastError) problems.push(`not distributing to the SMS: ${i.sms.distribution.lastError}`);
  const lf = i.sms?.lastFailure;
  if (i.sms && lf) {
    problems.push(`the SMS refused ${i.sms.failed} ${i.sms.failed === 1 ? 'entry' : 'entries'}, set aside; latest: ${lf.op} ` +
      `${lf.type} ${lf.value}: ${lf.error} (tmsp-agent objects list --failed; after fixing the cause: tmsp-agent sms retry)`);
  }
  const m = process.memoryUsage();
  const sp = i.spool;
  return {
    version: VERSION,
    pid: process.pid,
    uptimeS: Math.round((now - i.startedAt) / 1000),
    configFile: i.configFile,
    health: { state: problems.length === 0 ? 'ok' : 'degraded', problems },
    ingest: { records: sum('records'), bytes: sum('bytes'), truncated: sum('truncated'), shed: sum('shed'), sources: i.sources },
    spool: {
      chunks: sp.chunks, records: sp.records, bytes: sp.bytes, rawBytes: sp.rawBytes, diskBytes: sp.diskBytes,
      budgetBytes: sp.budgetBytes, firstSeq: sp.firstSeq, lastSeq: sp.lastSeq,
      oldestUnsentAgeS: sp.oldestUnsentMs === null ? null : Math.round(sp.oldestUnsentMs / 1000),
      open: { records: sp.open.records, rawBytes: sp.open.rawBytes }, pendingBytes: sp.pendingBytes,
      commitErrors: sp.commitErrors, lastError: sp.lastError,
    },
    dropped: sp.dropped,
    corrupt: sp.corrupt,
    lost: sp.lost,
    memory: { rss: residentBytes(m), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers },
    state: { recoveredFrom: i.recoveredFrom },
    tmsp: i.tmsp ?? { enabled: false },
    sms: i.sms ?? null,
  };
}
