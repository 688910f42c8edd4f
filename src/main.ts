// The one entry point: parse the command line and dispatch. Each command
// returns its exit code; errors map to exit codes in cli/exit-codes.ts.

import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';
import { configCommand } from './cli/config.ts';
import { configFileFrom, type Ctx } from './cli/context.ts';
import { HELP } from './cli/help.ts';
import { createOut } from './cli/output.ts';
import { runCommand } from './cli/run.ts';
import { simpleCommand, statusCommand, uploadNowCommand } from './cli/status.ts';
import { VERSION } from './daemon/version.ts';

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const out = createOut(json);
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        dev: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
        'include-secrets': { type: 'boolean' },
        output: { type: 'string' },
        force: { type: 'boolean' },
        'ttl-days': { type: 'string' },
        category: { type: 'string' },
        limit: { type: 'string' },
        failed: { type: 'boolean' },
      },
    });
    const [cmd, ...rest] = values.version && positionals.length === 0 ? ['version'] : positionals;
    if (values.help || cmd === 'help' || cmd === undefined) {
      process.stdout.write(HELP);
      return cmd === undefined && !values.help ? 2 : 0;
    }
    const ctx: Ctx = { configFile: configFileFrom(values), out };
    switch (cmd) {
      case 'run':
        return await runCommand(ctx);
      case 'status':
        return await statusCommand(ctx);
      case 'flush':
      case 'reload':
        return await simpleCommand(ctx, cmd);
      case 'upload-now':
        return await uploadNowCommand(ctx);
      case 'tmsp':
        // Loaded on demand: the SSH and MQTT code is not needed by any other command.
        return await (await import('./cli/tmsp.ts')).tmspCommand(ctx, rest, { force: values.force });
      case 'objects':
        return await (await import('./cli/objects.ts')).objectsCommand(ctx, rest,
          { ttlDays: values['ttl-days'], category: values.category, limit: values.limit, failed: values.failed });
      case 'sms':
        return await (await import('./cli/sms.ts')).smsCommand(ctx, rest, { force: values.force });
      case 'spool':
        return await (await import('./cli/spool.ts')).spoolCommand(ctx, rest);
      case 'config':
        return await configCommand(ctx, rest, { includeSecrets: values['include-secrets'], output: values.output });
      case 'version':
        out.done({ version: VERSION, node: process.version }, `tmsp-agent ${VERSION} (node ${process.version})`);
        return 0;
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (err) {
    const e = (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') ? new UsageError((err as Error).message) : err;
    return out.fail(e);
  }
}

/**
 * Exit once everything written has left: a pipe to a slow reader (the menus)
 * may still hold output, and process.exit() would cut it.
 */
function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exitAfterOutput, (err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  exitAfterOutput(1);
});
