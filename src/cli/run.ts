// `tmsp-agent run`: the daemon in the foreground, as init scripts expect.
// SIGTERM/SIGINT stop it gracefully (the open chunk is sealed and stored),
// SIGHUP reloads the configuration.

import { load } from '../config/store.ts';
import { createLogger } from '../daemon/log.ts';
import { ensureTunedRuntime } from '../daemon/runtime.ts';
import { Agent } from '../daemon/agent.ts';
import type { Ctx } from './context.ts';

const STOP_TIMEOUT_MS = 20_000;

export async function runCommand(ctx: Ctx): Promise<number> {
  ensureTunedRuntime();
  const config = load(ctx.configFile);
  const d = config.daemon;
  const log = createLogger({ level: d.logLevel, file: d.logFile || undefined, maxBytes: d.logMaxBytes, files: d.logFiles });
  const agent = new Agent(ctx.configFile, config, log);
  try {
    await agent.start();
  } catch (err) {
    log.fatal({ err }, 'tmsp-agent could not start');
    await agent.stop().catch(() => {});
    throw err;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string, code = 0) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      const force = setTimeout(() => {
        log.error('graceful stop took too long; exiting');
        resolve(1);
      }, STOP_TIMEOUT_MS);
      force.unref();
      agent.stop().then(() => resolve(code), (err) => {
        log.error({ err }, 'error while stopping');
        resolve(1);
      }).finally(() => clearTimeout(force));
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      agent.reload().catch((err) => log.error({ err }, 'reload refused; keeping the running configuration'));
    });
    process.on('uncaughtException', (err) => {
      // A bug, not an input: record it, keep what is spooled, exit for the supervisor to restart us.
      log.fatal({ err }, 'uncaught exception');
      stop('uncaughtException', 70);
    });
  });
}
