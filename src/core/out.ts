// Output for people and for the menus, for both programs' CLIs. With --json
// every command prints one JSON object on stdout: {"ok":true,...} or
// {"ok":false,"error":{...}}. Each program brings its own table from error
// code to exit code and hint.

import { TmspError, ConfigInvalidError, errorCode, type ErrorCode } from '../errors.ts';

export type ExitTable = Partial<Record<ErrorCode, { exit: number; hint: string }>> & { E_INTERNAL: { exit: number; hint: string } };

/** Write to stdout, waiting when the reader is slower than we are (a pipe to the menus). */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else {
      const done = () => {
        process.stdout.off('drain', done);
        process.stdout.off('error', done);
        resolve();
      };
      process.stdout.once('drain', done);
      process.stdout.once('error', done);
    }
  });
}

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
  /**
   * Success whose one field is a list of any length, written page by page as
   * it arrives: memory does not grow with it. In JSON, `ok` comes last, so a
   * failure after the first page still ends as one object with ok:false and
   * the error. Returns the exit code.
   */
  list<T>(field: string, pages: AsyncIterable<readonly T[]>, line: (item: T) => string, empty: string): Promise<number>;
}

function errorFields(err: unknown, exits: ExitTable) {
  const code = errorCode(err);
  const { exit, hint } = exits[code] ?? exits.E_INTERNAL;
  const message = err instanceof TmspError ? err.message : `${(err as Error)?.stack ?? String(err)}`;
  const problems = err instanceof ConfigInvalidError ? err.problems : undefined;
  return { exit, error: { code, message, hint, ...(problems ? { problems } : {}) } };
}

export function createOutWith(json: boolean, exits: ExitTable): Out {
  return {
    json,
    done(fields, human) {
      if (json) process.stdout.write(`${JSON.stringify({ ok: true, ...fields })}\n`);
      else if (human !== '') process.stdout.write(human.endsWith('\n') ? human : `${human}\n`);
    },
    fail(err, fields = {}, human = '') {
      const { exit, error } = errorFields(err, exits);
      if (json) {
        process.stdout.write(`${JSON.stringify({ ok: false, ...fields, error })}\n`);
        return exit;
      }
      if (human !== '') process.stdout.write(human.endsWith('\n') ? human : `${human}\n`);
      if (error.problems) {
        process.stderr.write(`refused, nothing was changed:\n${error.problems.map((p) => `  ${p.message}`).join('\n')}\n`);
      } else {
        process.stderr.write(`error: ${error.message}\nhint: ${error.hint}\n`);
      }
      return exit;
    },
    async list(field, pages, line, empty) {
      const it = pages[Symbol.asyncIterator]();
      // The first page before anything is written: the common failures (no daemon) stay a plain failure.
      let page = await it.next().catch((err: unknown) => ({ err }));
      if ('err' in page) return this.fail(page.err);
      let n = 0;
      if (json) await writeOut(`{${JSON.stringify(field)}:[`);
      try {
        while (!page.done) {
          let text = '';
          for (const item of page.value) text += json ? `${n++ ? ',' : ''}${JSON.stringify(item)}` : `${(n++, line(item))}\n`;
          await writeOut(text);
          page = await it.next();
        }
      } catch (err) {
        const { exit, error } = errorFields(err, exits);
        if (json) await writeOut(`],"ok":false,"error":${JSON.stringify(error)}}\n`);
        else process.stderr.write(`error: ${error.message}\nhint: ${error.hint}\n`);
        return exit;
      }
      if (json) await writeOut('],"ok":true}\n');
      else if (n === 0 && empty) await writeOut(`${empty}\n`);
      return 0;
    },
  };
}
