// `tmsp-agent spool verify`: check the spool of a stopped agent (after a
// shutdown, or before an upgrade): database integrity, and every chunk's CRC.

import { load } from '../config/store.ts';
import { UsageError } from '../errors.ts';
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
    ctx.out.done({ clean: ok, integrity, ...v },
      `integrity: ${integrity}; ${v.chunks} chunks, ${v.records} records, ${v.bytes} bytes; ${v.corrupt} with a bad CRC`);
    return ok ? 0 : 6;
  } finally {
    state.db.close();
  }
}
