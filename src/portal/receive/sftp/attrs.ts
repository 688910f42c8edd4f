// What an SFTP client is told about a file: its attributes, the `ls -l` line
// OpenSSH's `sftp` prints as it is (the server formats it), and the status
// code an error becomes. Messages never carry the server's own paths.

import type fs from 'node:fs';
import type { Attributes } from 'ssh2';
import ssh2 from 'ssh2';

export const STATUS = ssh2.utils.sftp.STATUS_CODE;

export function attrsOf(st: fs.Stats): Attributes {
  return {
    mode: st.mode, uid: st.uid, gid: st.gid, size: st.size,
    atime: Math.floor(st.atimeMs / 1000), mtime: Math.floor(st.mtimeMs / 1000),
  };
}

const TYPE: ReadonlyArray<[number, string]> = [
  [0o140000, 's'], [0o120000, 'l'], [0o100000, '-'], [0o060000, 'b'], [0o040000, 'd'], [0o020000, 'c'], [0o010000, 'p'],
];

function modeString(mode: number): string {
  const type = TYPE.find(([bits]) => (mode & 0o170000) === bits)?.[1] ?? '?';
  let s = type;
  for (const shift of [6, 3, 0]) {
    const p = (mode >> shift) & 7;
    s += (p & 4 ? 'r' : '-') + (p & 2 ? 'w' : '-') + (p & 1 ? 'x' : '-');
  }
  return s;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SIX_MONTHS_MS = 182 * 86_400_000;

/** Like ls -l: the time of day for the last six months, the year before that. */
function lsDate(mtimeMs: number, now: number): string {
  const d = new Date(mtimeMs);
  const day = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')}`;
  if (Math.abs(now - mtimeMs) < SIX_MONTHS_MS) {
    return `${day} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  }
  return `${day}  ${d.getFullYear()}`;
}

/** The line OpenSSH's sftp-server writes for `ls -l`; the account stands for owner and group (uids mean nothing to the appliance). */
export function longname(name: string, st: fs.Stats, account: string, now = Date.now()): string {
  return `${modeString(st.mode)} ${String(st.nlink).padStart(4)} ${account.padEnd(8)} ${account.padEnd(8)} ` +
    `${String(st.size).padStart(8)} ${lsDate(st.mtimeMs, now)} ${name}`;
}

/** An error of the file system as an SFTP status and a message without paths. */
export function statusOf(err: unknown): { code: number; message: string } {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return { code: STATUS.NO_SUCH_FILE, message: 'No such file' };
    case 'EACCES':
    case 'EPERM':
    case 'ELOOP':
      return { code: STATUS.PERMISSION_DENIED, message: 'Permission denied' };
    case 'EEXIST':
    case 'ENOTEMPTY':
      return { code: STATUS.FAILURE, message: code === 'EEXIST' ? 'File exists' : 'Directory not empty' };
    case 'EISDIR':
      return { code: STATUS.FAILURE, message: 'Is a directory' };
    case 'ENOSPC':
    case 'EDQUOT':
      return { code: STATUS.FAILURE, message: 'No space left on the server' };
    default:
      return { code: STATUS.FAILURE, message: code ? `Failure (${code})` : 'Failure' };
  }
}
