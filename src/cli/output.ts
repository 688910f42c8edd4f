// Output for people and for the menus. With --json every command prints one
// JSON object on stdout: {"ok":true,...} or {"ok":false,"error":{...}}.

import { AgentError, ConfigInvalidError, errorCode } from '../errors.ts';
import { EXIT } from './exit-codes.ts';

export interface Out {
  json: boolean;
  /** Success: the JSON fields, and the human text. */
  done(fields: Record<string, unknown>, human: string): void;
  /**
   * Failure: prints and returns the exit code. `fields` are what a failed
   * test or upload still reports (its steps); `human` is their text, printed
   * before the error.
   */
  fail(err: unknown, fields?: Record<string, unknown>, human?: string): number;
}

export function createOut(json: boolean): Out {
  return {
    json,
    done(fields, human) {
      if (json) process.stdout.write(`${JSON.stringify({ ok: true, ...fields })}\n`);
      else if (human !== '') process.stdout.write(human.endsWith('\n') ? human : `${human}\n`);
    },
    fail(err, fields = {}, human = '') {
      const code = errorCode(err);
      const { exit, hint } = EXIT[code];
      const message = err instanceof AgentError ? err.message : `${(err as Error)?.stack ?? String(err)}`;
      const problems = err instanceof ConfigInvalidError ? err.problems : undefined;
      if (json) {
        process.stdout.write(`${JSON.stringify({ ok: false, ...fields, error: { code, message, hint, ...(problems ? { problems } : {}) } })}\n`);
        return exit;
      }
      if (human !== '') process.stdout.write(human.endsWith('\n') ? human : `${human}\n`);
      if (problems) {
        process.stderr.write(`refused, nothing was changed:\n${problems.map((p) => `  ${p.message}`).join('\n')}\n`);
      } else {
        process.stderr.write(`error: ${message}\nhint: ${hint}\n`);
      }
      return exit;
    },
  };
}
