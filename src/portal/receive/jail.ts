// Each account writes only inside its own directory under <data>/incoming.
// Every path a client names is resolved here, once, for every receiver.

import path from 'node:path';

/** Directory names an account's files live under (account names are checked by accounts/, this is the second wall). */
export function accountDir(incoming: string, account: string): string {
  if (!/^[A-Za-z0-9_@-][A-Za-z0-9._@-]{0,63}$/.test(account)) throw new Error(`account name not usable as a directory: ${account}`);
  return path.join(incoming, account);
}

/**
 * The absolute path and the '/'-separated relative path a client's path
 * names inside root, or undefined when it leaves root or holds a NUL.
 * Client paths are absolute inside the jail ("/upload/x" is root/upload/x)
 * or relative to its top; ".." segments are resolved and may not climb out.
 */
export function insideJail(root: string, requested: string): { file: string; relPath: string } | undefined {
  if (requested.includes('\0') || requested.length > 4096) return undefined;
  const parts: string[] = [];
  for (const seg of requested.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
      continue;
    }
    parts.push(seg);
  }
  const relPath = parts.join('/');
  return { file: relPath === '' ? root : path.join(root, ...parts), relPath };
}
