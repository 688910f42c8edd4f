// One logged-in account's directory, as SFTP sees it: "/" is the account's
// directory, and a path is used only when it names a place inside it on
// disk too. insideJail() refuses names that climb out; this refuses the
// other way out, a symbolic link among the parent directories (nothing here
// makes one, but another hand on the disk might). The last component is
// never followed either: files open with O_NOFOLLOW, and stat is lstat.

import fs from 'node:fs/promises';
import path from 'node:path';
import { insideJail } from '../jail.ts';

export interface JailedPath {
  /** Absolute path on disk. */
  file: string;
  /** '/'-separated, inside the account's directory; '' is the directory itself. */
  relPath: string;
}

/** A path that leaves the account's directory: answered PERMISSION_DENIED. */
export class OutsideJail extends Error {
  readonly code = 'EACCES';
  readonly requested: string;
  constructor(requested: string) {
    super('path leaves the account directory');
    this.requested = requested;
  }
}

export class AccountRoot {
  readonly dir: string;
  /** The directory with every symbolic link above it resolved: what a path on disk must start with. */
  private readonly real: string;

  private constructor(dir: string, real: string) {
    this.dir = dir;
    this.real = real;
  }

  /** The account's directory, made (0700) at its first login. */
  static async open(dir: string): Promise<AccountRoot> {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const st = await fs.lstat(dir);
    if (!st.isDirectory()) throw new Error(`account directory ${dir} is not a directory`);
    return new AccountRoot(dir, await fs.realpath(dir));
  }

  /** What a client's path names, by name only; throws OutsideJail when it climbs out. */
  locate(requested: string): JailedPath {
    const j = insideJail(this.dir, requested);
    if (!j) throw new OutsideJail(requested);
    return j;
  }

  /** The same, once the directories it passes through are checked on disk: no symbolic link leads elsewhere. */
  async resolve(requested: string): Promise<JailedPath> {
    const j = this.locate(requested);
    if (j.relPath !== '') await this.same(path.dirname(j.file), path.posix.dirname(j.relPath));
    return j;
  }

  /** resolve(), and the last component is no symbolic link either (for directories opened by name). */
  async resolveAll(requested: string): Promise<JailedPath> {
    const j = this.locate(requested);
    await this.same(j.file, j.relPath);
    return j;
  }

  private async same(onDisk: string, relPath: string): Promise<void> {
    const want = relPath === '' || relPath === '.' ? this.real : path.join(this.real, ...relPath.split('/'));
    if ((await fs.realpath(onDisk)) !== want) throw new OutsideJail(relPath);
  }

  /** The path a client is shown: absolute inside the jail. A ".." at the top stays at the top, as in a chroot. */
  static shown(requested: string, cwd = '/'): string {
    const parts: string[] = [];
    const full = requested.startsWith('/') ? requested : `${cwd}/${requested}`;
    for (const seg of full.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') parts.pop();
      else parts.push(seg);
    }
    return `/${parts.join('/')}`;
  }
}
