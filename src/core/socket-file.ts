// A Unix socket's path on disk. A daemon that starts where an earlier run
// died finds its old socket file there and must replace it; anything else at
// that path (a regular file, a directory, a live socket) is refused by name
// and left exactly as it is: a typo in a setting must never delete a file.

import fs from 'node:fs';
import { TmspError } from '../errors.ts';

/**
 * Make `file` free to bind: remove a stale socket left by an earlier run;
 * refuse a socket something still answers on (`live`), and anything that is
 * not a socket.
 */
export async function clearStaleSocket(file: string, what: string, live: () => Promise<boolean>): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return;
  }
  if (!st.isSocket()) {
    throw new TmspError('E_STATE', `${what} ${file} exists and is not a socket: it is left alone; choose another path or remove it`);
  }
  if (await live()) throw new TmspError('E_STATE', `another tmsp-agent is already answering on ${file}`);
  fs.unlinkSync(file);
}

/** Remove the socket we bound, if it is still a socket (someone may have replaced it meanwhile). */
export function removeOwnSocket(file: string): void {
  try {
    if (fs.lstatSync(file).isSocket()) fs.unlinkSync(file);
  } catch {
    // already gone
  }
}
