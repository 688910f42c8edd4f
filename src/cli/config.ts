// `tmsp-agent config ...`: show, get, set, validate, import, export. Every
// write is validated as a whole first and then written atomically; a refused
// change leaves the file exactly as it was.

import fs from 'node:fs';
import { errorCode, UsageError } from '../errors.ts';
import { FIELD_BY_KEY, FIELDS, type Config } from '../config/schema.ts';
import { keepSecrets, masked, save, withoutSecrets } from '../config/store.ts';
import { readDoc, writeAtomic } from '../settings/file.ts';
import { assign, checkShape, getValue, resolve } from '../config/validate.ts';
import type { Value } from '../settings/fields.ts';
import { request } from './control-client.ts';
import type { Ctx } from './context.ts';

function show(v: Value): string {
  return Array.isArray(v) ? v.join(',') : String(v);
}

function lines(c: Config): string {
  return FIELDS.map((f) => `${f.key} = ${show(getValue(c, f.key))}`).join('\n');
}

/**
 * After a change, ask a running daemon to re-read its file; not running is
 * fine. A daemon that answers but refuses is said on stderr: the file is
 * saved, and the operator must know the running agent did not take it.
 */
export async function notifyDaemon(config: Config): Promise<boolean> {
  try {
    await request(config.daemon.controlSocket, 'reload', undefined, 5000);
    return true;
  } catch (err) {
    if (errorCode(err) !== 'E_DAEMON_DOWN') {
      process.stderr.write(`warning: saved, but the running agent did not reload it: ${(err as Error).message}\n`);
    }
    return false;
  }
}

export function parseAssignments(args: string[]): Array<[string, string]> {
  if (args.length === 0) throw new UsageError('config set needs at least one KEY=VALUE');
  return args.map((a) => {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new UsageError(`"${a}" is not KEY=VALUE`);
    return [a.slice(0, eq), a.slice(eq + 1)];
  });
}

function readJsonFile(file: string): unknown {
  // readDoc reports unreadable and non-JSON files with the file named.
  if (!fs.existsSync(file)) throw new UsageError(`${file}: no such file`);
  return readDoc(file);
}

export async function configCommand(ctx: Ctx, args: string[], opts: { includeSecrets?: boolean; output?: string }): Promise<number> {
  const [sub, ...rest] = args;
  const { out } = ctx;
  switch (sub) {
    case 'show': {
      const c = masked(resolve(readDoc(ctx.configFile)));
      out.done({ file: ctx.configFile, config: c }, lines(c));
      return 0;
    }
    case 'get': {
      const key = rest[0];
      const f = key ? FIELD_BY_KEY.get(key) : undefined;
      if (!key || !f) throw new UsageError(key ? `${key}: is not a known setting` : 'config get needs a KEY');
      const c = masked(resolve(readDoc(ctx.configFile)));
      const v = getValue(c, key);
      out.done({ key, value: v }, show(v));
      return 0;
    }
    case 'set': {
      const doc = assign(readDoc(ctx.configFile), parseAssignments(rest));
      const config = save(ctx.configFile, doc);
      const reloaded = await notifyDaemon(config);
      out.done({ file: ctx.configFile, changed: rest.map((a) => a.slice(0, a.indexOf('='))), reloaded },
        `saved${reloaded ? '; the running agent reloaded it' : ''}`);
      return 0;
    }
    case 'validate': {
      const file = rest[0];
      if (!file) throw new UsageError('config validate needs a FILE');
      resolve(readJsonFile(file));
      out.done({ file, valid: true }, `${file}: valid`);
      return 0;
    }
    case 'import': {
      const file = rest[0];
      if (!file) throw new UsageError('config import needs a FILE');
      // Secrets left out of an export stay as they are on this appliance: merged only into a document of the right shape.
      const incoming = readJsonFile(file);
      checkShape(incoming);
      const doc = keepSecrets(incoming, readDoc(ctx.configFile));
      const config = save(ctx.configFile, doc);
      const reloaded = await notifyDaemon(config);
      out.done({ file: ctx.configFile, imported: file, reloaded }, `imported ${file}${reloaded ? '; the running agent reloaded it' : ''}`);
      return 0;
    }
    case 'export': {
      const doc = readDoc(ctx.configFile);
      resolve(doc); // never export something that would not import
      const data = opts.includeSecrets ? doc : withoutSecrets(doc);
      const text = `${JSON.stringify(data, null, 2)}\n`;
      if (opts.output) {
        writeAtomic(opts.output, text);
        out.done({ file: opts.output, secrets: Boolean(opts.includeSecrets) }, `exported to ${opts.output}`);
      } else if (out.json) {
        out.done({ config: data, secrets: Boolean(opts.includeSecrets) }, '');
      } else {
        process.stdout.write(text);
      }
      return 0;
    }
    default:
      throw new UsageError(sub ? `unknown config command "${sub}"` : 'config needs a command: show, get, set, validate, import, export');
  }
}
