// tmsp-portal status: the running portal's facts, from the status file it
// rewrites every few seconds in its data directory.

import fs from 'node:fs';
import path from 'node:path';
import type { Out } from '../../core/out.ts';
import { TmspError } from '../../errors.ts';
import { pathsOf } from '../config/load.ts';
import { runningPid } from '../../settings/lock.ts';
import type { PortalFacts } from '../daemon/portal.ts';
import type { PortalCtx } from './context.ts';

export async function statusCommand(ctx: PortalCtx, out: Out): Promise<number> {
  const dir = pathsOf(ctx.config).dataDir;
  const pid = runningPid(path.join(dir, 'portal.pid'));
  if (pid === undefined) throw new TmspError('E_DAEMON_DOWN', `no portal runs on ${dir}`);
  let f: PortalFacts;
  try {
    f = JSON.parse(fs.readFileSync(path.join(dir, 'status.json'), 'utf8')) as PortalFacts;
  } catch {
    throw new TmspError('E_DAEMON_DOWN', `the portal (pid ${pid}) is starting: no status yet`);
  }
  const c = f.counters as Record<string, Record<string, number> | null>;
  const lines = [
    `tmsp-portal ${f.version}, pid ${f.pid}, since ${f.startedAt}: ${f.url}`,
    `  listeners: sftp ${f.listeners.sftp ?? 'off'}, https ${f.listeners.https ?? 'off'}, mqtt ${f.listeners.mqtt ?? 'off'}, web ${f.listeners.web}`,
    `  SSH host key ${f.sshHostKey}`,
    `  TLS certificate SHA-256 ${f.tlsFingerprint}${f.tlsSelfSigned ? ` (self-signed: ${f.tlsCertFile})` : ''}`,
    ...Object.entries(c).filter(([, v]) => v).map(([k, v]) => `  ${k}: ${Object.entries(v!).map(([n, x]) => `${n} ${typeof x === 'object' ? JSON.stringify(x) : x}`).join(', ')}`),
  ];
  out.done({ status: f }, lines.join('\n'));
  return 0;
}
