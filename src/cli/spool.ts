// `tmsp-agent spool verify`: check the spool of a stopped agent (after a
// shutdown, or before an upgrade): database integrity, and every chunk's CRC.

import { load } from '../config/store.ts';
import { AgentError, UsageError } from '../errors.ts';
import { Ring } from '../spool/ring.ts';
import { openState } from '../state/db.ts';
import type { Ctx } from './context.ts';

export async function spoolCommand(ctx: Ctx, args: string[]): Promise<number> {
  if (args[0] !== 'verify') throw new UsageError('spool needs a command: verify');
  const c = load(ctx.configFile);
  const state = openState(c.daemon.stateDir, { durability: c.spool.durability });
  try {
    const integrity = state.db.pragma('integrity_check', { simple: true }) as string;
    const ring = new Ring(state.db, state.file, { budgetBytes: c.spool.budgetBytes, chunkMaxBytes: c.spool.chunkMaxBytes });
    const v = ring.verify();
    const ok = integrity === 'ok' && v.corrupt === 0;
    const human = `integrity: ${integrity}; ${v.chunks} chunks, ${v.records} records, ${v.bytes} bytes; ${v.corrupt} with a bad CRC`;
    if (!ok) return ctx.out.fail(new AgentError('E_STATE', `the spool is damaged: ${human}`), { clean: false, integrity, ...v });
    ctx.out.done({ clean: true, integrity, ...v }, human);
    return 0;
  } finally {
    state.db.close();
  }
}
