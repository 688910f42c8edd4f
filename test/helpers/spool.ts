import { execFileSync } from 'node:child_process';
import zlib from 'node:zlib';
import { Spool, type SpoolOptions } from '../../src/spool/spool.ts';
import { openState } from '../../src/state/db.ts';
import { silent } from './log.ts';

export const SMALL: SpoolOptions = {
  budgetBytes: 8 * 1024 * 1024,
  chunkMaxBytes: 64 * 1024,
  chunkMaxAgeMs: 60_000,
  compressionLevel: 6,
  maxPendingBytes: 4 * 1024 * 1024,
};

export function openSpool(dir: string, opts: Partial<SpoolOptions> = {}, durability: 'full' | 'normal' = 'full') {
  const state = openState(dir, { durability });
  const spool = new Spool(state.db, state.file, { ...SMALL, ...opts }, silent);
  return { state, spool };
}

/** Every stored chunk, concatenated as an uploader would send them. */
export function concatenated(spool: Spool): Buffer {
  return Buffer.concat([...spool.ring.chunks()].map((c) => c.data));
}

/** Decompress with the system's gunzip, as the portal or an operator would. */
export function gunzip(data: Buffer): string {
  return execFileSync('gunzip', ['-c'], { input: data, maxBuffer: 1 << 30 }).toString('utf8');
}

export function gunzipInProcess(data: Buffer): string {
  return zlib.gunzipSync(data).toString('utf8');
}
