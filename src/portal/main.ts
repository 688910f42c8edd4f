// tmsp-portal's one entry point: parse the command line and dispatch. Each
// command returns its exit code; errors map to exit codes in cli/exit-codes.ts.

import { parseArgs } from 'node:util';
import { createOutWith, writeOut } from '../core/out.ts';
import { UsageError } from '../errors.ts';
import { accountCommand } from './cli/accounts.ts';
import { applianceCommand, appliancesCommand } from './cli/appliances.ts';
import { portalContext } from './cli/context.ts';
import { PORTAL_EXIT } from './cli/exit-codes.ts';
import { PORTAL_HELP } from './cli/help.ts';
import { PORTAL_VERSION } from './version.ts';

async function main(argv: string[]): Promise<number> {
  const out = createOutWith(argv.includes('--json'), PORTAL_EXIT);
  try {
    const { values, positionals } = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        config: { type: 'string' }, dev: { type: 'boolean' }, json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'V' },
        role: { type: 'string' }, 'password-stdin': { type: 'boolean' }, hours: { type: 'string' }, reason: { type: 'string' },
        type: { type: 'string' }, period: { type: 'string' }, account: { type: 'string' }, output: { type: 'string' },
        from: { type: 'string' }, to: { type: 'string' },
      },
    });
    const [cmd, ...rest] = values.version && positionals.length === 0 ? ['version'] : positionals;
    if (values.help || cmd === 'help' || cmd === undefined) {
      await writeOut(PORTAL_HELP);
      return cmd === undefined && !values.help ? 2 : 0;
    }
    if (cmd === 'version') {
      out.done({ version: PORTAL_VERSION, node: process.version }, `tmsp-portal ${PORTAL_VERSION} (node ${process.version})`);
      return 0;
    }
    const ctx = portalContext(values);
    switch (cmd) {
      case 'run':
        return await (await import('./cli/run.ts')).runCommand(ctx);
      case 'status':
        return await (await import('./cli/status.ts')).statusCommand(ctx, out);
      case 'account':
        return await accountCommand(ctx, out, rest, { role: values.role, passwordStdin: values['password-stdin'] });
      case 'appliances':
        return await appliancesCommand(ctx, out);
      case 'appliance':
        return await applianceCommand(ctx, out, rest);
      case 'maintenance':
        return await (await import('./cli/maintenance.ts')).maintenanceCommand(ctx, out, rest, { hours: values.hours, reason: values.reason });
      case 'report':
        return await (await import('./cli/reports.ts')).reportCommand(ctx, out, rest, {
          type: values.type, period: values.period, account: values.account, output: values.output, from: values.from, to: values.to,
        });
      case 'notify':
        return await (await import('./cli/notify.ts')).notifyCommand(ctx, out, rest);
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (err) {
    const e = (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') ? new UsageError((err as Error).message) : err;
    return out.fail(e);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Output to a pipe may still be on its way: leave when it has.
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
