// A pid file taken with O_EXCL: one portal per data directory, and one
// writer of the broker files at a time. A file left by a process that died
// (kill -9, power cut) names a process that is gone and is taken over.

import fs from 'node:fs';
import { TmspError } from '../errors.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the portal running on this data directory, if one is. */
export function runningPid(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
}

export function takeLock(file: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o644);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = runningPid(file);
      if (pid !== undefined) throw new TmspError('E_STATE', `another process (pid ${pid}) holds ${file}`);
      fs.rmSync(file, { force: true });
    }
  }
  throw new TmspError('E_STATE', `cannot take ${file}`);
}

/** takeLock, waiting up to `ms` while a live process holds it (a command that takes a moment), then failing as takeLock does. */
export function waitForLock(file: string, ms = 10_000): () => void {
  const end = Date.now() + ms;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return takeLock(file);
    } catch (err) {
      if (!(err instanceof TmspError) || Date.now() > end) throw err;
      Atomics.wait(pause, 0, 0, 20);
    }
  }
}
