// Output for people and for the menus. With --json every command prints one
// JSON object on stdout: {"ok":true,...} or {"ok":false,"error":{...}}.

import { AgentError, ConfigInvalidError, errorCode } from '../errors.ts';
import { EXIT } from './exit-codes.ts';

export interface Out {
  json: boolean;
  /** Success: the JSON fields, and the human text. */
  done(fields: Record<string, unknown>, human: string): void;
  /** Failure: prints and returns the exit code. */
  fail(err: unknown): number;
}

export function createOut(json: boolean): Out {
  return {
    json,
    done(fields, human) {
      if (json) process.stdout.write(`${JSON.stringify({ ok: true, ...fields })}\n`);
      else if (human !== '') process.stdout.write(human.endsWith('\n') ? human : `${human}\n`);
    },
    fail(err) {
      const code = errorCode(err);
      const { exit, hint } = EXIT[code];
      const message = err instanceof AgentError ? err.message : `${(err as Error)?.stack ?? String(err)}`;
      const problems = err instanceof ConfigInvalidError ? err.problems : undefined;
      if (json) {
        process.stdout.write(`${JSON.stringify({ ok: false, error: { code, message, hint, ...(problems ? { problems } : {}) } })}\n`);
      } else if (problems) {
        process.stderr.write(`refused, nothing was changed:\n${problems.map((p) => `  ${p.message}`).join('\n')}\n`);
      } else {
        process.stderr.write(`error: ${message}\nhint: ${hint}\n`);
      }
      return exit;
    },
  };
}
