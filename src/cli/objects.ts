// `tmsp-agent objects ...`: the appliance's suspicious objects, as the
// engines and menus manage them (through the running daemon, which owns the
// store).

import { controlSocketOf } from '../config/store.ts';
import { UsageError } from '../errors.ts';
import type { FailedEntry, StoredObject } from '../sms/store.ts';
import { PAGE_ROWS, type ControlCommands } from '../daemon/control-protocol.ts';
import { request } from './control-client.ts';
import type { Ctx } from './context.ts';

export interface ObjectOptions {
  ttlDays?: string;
  category?: string;
  limit?: string;
  failed?: boolean;
}

const MAX_LIMIT = 100_000;

/** --limit: a whole number of rows, refused by name when it is not one. */
export function parseLimit(text: string | undefined, dflt = 1000): number {
  if (text === undefined) return dflt;
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_LIMIT) throw new UsageError(`--limit: must be a whole number from 1 to ${MAX_LIMIT} (got ${JSON.stringify(text.slice(0, 40))})`);
  return n;
}

/** A list from the daemon, page by page, each page asked for after the last row of the one before. */
async function* pages<K extends 'objects-list' | 'objects-failed'>(sock: string, cmd: K, limit: number,
  cursor: (last: ControlCommands[K]['result'][number]) => ControlCommands[K]['args']['after']): AsyncGenerator<ControlCommands[K]['result']> {
  let after: ControlCommands[K]['args']['after'];
  for (let left = limit; left > 0;) {
    const args = { limit: Math.min(left, PAGE_ROWS), after } as ControlCommands[K]['args'];
    const page = await request(sock, cmd, args) as ControlCommands[K]['result'];
    if (page.length > 0) yield page;
    if (page.length < Math.min(left, PAGE_ROWS)) return;
    left -= page.length;
    after = cursor(page[page.length - 1]!);
  }
}

export function failedLine(f: FailedEntry): string {
  return `${f.type.padEnd(6)} ${f.value.padEnd(40)} ${f.op.padEnd(6)} refused ${new Date(f.failedAt).toISOString()}: ${f.error}`;
}

function line(o: StoredObject): string {
  return `${o.type.padEnd(6)} ${o.value.padEnd(40)} ${o.risk.padEnd(6)} ${o.category.padEnd(17)} expires ${new Date(o.expiresAt).toISOString()}  (${o.source})`;
}

export async function objectsCommand(ctx: Ctx, args: string[], opts: ObjectOptions): Promise<number> {
  const [sub, ...rest] = args;
  const sock = controlSocketOf(ctx.configFile);
  switch (sub) {
    case 'add': {
      const [type, value, risk] = rest;
      if (!type || !value || !risk) throw new UsageError('objects add needs TYPE VALUE RISK (e.g. objects add domain bad.example high)');
      const o = await request(sock, 'objects-add', {
        type, value, risk, category: opts.category, ttlDays: opts.ttlDays === undefined ? undefined : Number(opts.ttlDays),
      });
      ctx.out.done({ object: o }, `added: ${line(o)}`);
      return 0;
    }
    case 'remove': {
      const [type, value] = rest;
      if (!type || !value) throw new UsageError('objects remove needs TYPE VALUE');
      const r = await request(sock, 'objects-remove', { type, value });
      ctx.out.done(r, r.removed ? 'removed' : 'no such object');
      return 0;
    }
    case 'expire': {
      const [type, value] = rest;
      if (type && !value) throw new UsageError('objects expire takes no argument (expire what is due) or TYPE VALUE');
      const r = await request(sock, 'objects-expire', type ? { type, value } : {});
      ctx.out.done(r, `${r.expired} expired`);
      return 0;
    }
    case 'list': {
      const limit = parseLimit(opts.limit);
      if (opts.failed) {
        return ctx.out.list('failed', pages(sock, 'objects-failed', limit,
          (f) => ({ failedAt: (f as FailedEntry).failedAt, type: f.type, value: f.value })), failedLine, 'no entry was refused by the SMS');
      }
      return ctx.out.list('objects', pages(sock, 'objects-list', limit,
        (o) => ({ type: o.type, value: o.value })), line, 'no objects');
    }
    default:
      throw new UsageError(sub ? `unknown objects command "${sub}"` : 'objects needs a command: add, remove, list, expire');
  }
}
