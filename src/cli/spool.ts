// `tmsp-agent spool verify`: check the spool of a stopped agent (after a
// shutdown, or before an upgrade): database integrity, and every chunk's CRC
// (its body read from its segment file, or from the row for rows made before).
// It only looks: a damaged file is reported as damaged (clean: false, a
// non-zero exit), never moved aside or repaired; the daemon does that.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { load } from '../config/store.ts';
import { TmspError, UsageError } from '../errors.ts';
import { readBody, segmentDir } from '../spool/segments.ts';
import { openForInspection, STATE } from '../state/db.ts';
import type { Ctx } from './context.ts';

interface Findings {
  integrity: string;
  chunks: number;
  records: number;
  bytes: number;
  corrupt: number;
}

function inspect(file: string): Findings {
  const out: Findings = { integrity: 'ok', chunks: 0, records: 0, bytes: 0, corrupt: 0 };
  let db;
  try {
    db = openForInspection(file);
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new TmspError('E_STATE', `${file} is in use by a running tmsp-agent: stop it first`);
    return { ...out, integrity: `cannot be read: ${(err as Error).message}` };
  }
  try {
    const problems = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    out.integrity = problems.map((p) => p.integrity_check).slice(0, 10).join('; ');
    const hasSegments = (db.prepare("SELECT count(*) AS n FROM pragma_table_info('chunk') WHERE name = 'segment'").get() as { n: number }).n > 0;
    const rows = db.prepare(`SELECT records, bytes, crc, data, ${hasSegments ? 'segment, seg_offset' : 'NULL AS segment, 0 AS seg_offset'}
      FROM chunk ORDER BY first_seq`);
    const dir = segmentDir(file);
    type Row = { records: number; bytes: number; crc: number; data: Buffer; segment: number | null; seg_offset: number };
    for (const r of rows.iterate() as IterableIterator<Row>) {
      out.chunks++;
      out.records += r.records;
      out.bytes += r.bytes;
      const body = r.segment === null ? r.data : readBody(dir, r.segment, r.seg_offset, r.bytes);
      if (!body || zlib.crc32(body) !== r.crc) out.corrupt++;
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new TmspError('E_STATE', `${file} is in use by a running tmsp-agent: stop it first`);
    if (out.integrity === 'ok') out.integrity = `cannot be read: ${(err as Error).message}`;
    else out.integrity += `; the chunks cannot all be read: ${(err as Error).message}`;
  } finally {
    db.close();
  }
  return out;
}

export async function spoolCommand(ctx: Ctx, args: string[]): Promise<number> {
  if (args[0] !== 'verify') throw new UsageError('spool needs a command: verify');
  const c = load(ctx.configFile);
  const file = path.join(c.daemon.stateDir, STATE.file);
  if (!fs.existsSync(file)) {
    ctx.out.done({ clean: true, integrity: 'ok', chunks: 0, records: 0, bytes: 0, corrupt: 0 }, `${file}: no spool yet`);
    return 0;
  }
  const v = inspect(file);
  const clean = v.integrity === 'ok' && v.corrupt === 0;
  const human = `integrity: ${v.integrity}; ${v.chunks} chunks, ${v.records} records, ${v.bytes} bytes; ${v.corrupt} with a bad CRC`;
  if (!clean) return ctx.out.fail(new TmspError('E_STATE', `the spool is damaged: ${human}`), { clean: false, ...v });
  ctx.out.done({ clean: true, ...v }, human);
  return 0;
}
