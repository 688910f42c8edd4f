// A settings file on disk: read within a bound (a wrong path may name a huge
// file), written atomically with mode 0600 because it may hold secrets.

import fs from 'node:fs';
import path from 'node:path';
import { TmspError } from '../errors.ts';
import type { SettingsDoc } from './document.ts';
import { MAX_CONFIG_BYTES, parseConfigText, refuseLarge } from './json-text.ts';

/** The document a file holds; {} when there is no file. */
export function readDoc(file: string): SettingsDoc {
  let text: string;
  try {
    // Never more than a bound is read into memory: a wrong path may name a huge file.
    if (fs.statSync(file).size > MAX_CONFIG_BYTES) text = '';
    else text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new TmspError('E_CONFIG_IO', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (text === '') refuseLarge(file, fs.statSync(file).size);
  return parseConfigText(text, file) as SettingsDoc;
}

/** temp file (0600) → write → fsync → rename → fsync directory. */
export function writeAtomic(file: string, data: string | Uint8Array, mode = 0o600): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', mode);
    fs.fchmodSync(fd, mode); // the umask must not widen or narrow what we asked for
    if (typeof data === 'string') fs.writeSync(fd, data);
    else fs.writeSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new TmspError('E_CONFIG_IO', `cannot write ${file}: ${(err as Error).message}`, { cause: err });
  }
  const dfd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}

