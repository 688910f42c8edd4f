// Where a new password comes from: stdin (--password-stdin, the first line;
// how scripts pass it without it showing in the process list or a shell's
// history), a hidden prompt on a terminal, or, with neither, one made here
// and shown once.

import crypto from 'node:crypto';
import { UsageError } from '../../errors.ts';
import { isAccountPassword, PASSWORD_RULE } from '../accounts/names.ts';

const MAX_STDIN = 1024;

async function firstLineOfStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    if (text.includes('\n') || text.length > MAX_STDIN) break;
  }
  return text.split(/\r?\n/)[0]!;
}

function prompt(question: string): Promise<string> {
  return new Promise((resolve) => {
    process.stderr.write(question);
    const stdin = process.stdin;
    stdin.setRawMode(true);
    stdin.resume();
    let text = '';
    const onData = (d: Buffer) => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(text);
          return;
        }
        if (ch === '\u0003') process.exit(130);
        if (ch === '\u007f') text = text.slice(0, -1);
        else if (text.length < MAX_STDIN) text += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export async function newPassword(fromStdin: boolean): Promise<{ password: string; generated: boolean }> {
  let password: string;
  if (fromStdin) password = await firstLineOfStdin();
  else if (process.stdin.isTTY) {
    password = await prompt('new password: ');
    if ((await prompt('again: ')) !== password) throw new UsageError('the two passwords differ; nothing was changed');
  } else {
    return { password: crypto.randomBytes(15).toString('base64url'), generated: true };
  }
  if (!isAccountPassword(password)) throw new UsageError(`password ${PASSWORD_RULE}`);
  return { password, generated: false };
}
