// The SSH log server's pieces that need no network: its host key (made once,
// private, the fingerprint OpenSSH's ssh-keygen shows), which names count as
// final, the paths a client is shown, ls -l lines and error statuses.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { TmspError } from '../../src/errors.ts';
import { AccountRoot } from '../../src/portal/receive/sftp/account-root.ts';
import { longname, statusOf } from '../../src/portal/receive/sftp/attrs.ts';
import { loadOrCreateHostKey } from '../../src/portal/receive/sftp/host-key.ts';
import { isFinalName } from '../../src/portal/receive/sftp/session.ts';
import { tmpdir } from '../helpers/tmp.ts';

const STATUS = ssh2.utils.sftp.STATUS_CODE;

describe('the portal\'s SSH host key', () => {
  it('is made once (ed25519, OpenSSH format, 0600) and gives the same fingerprint at every load', () => {
    const dir = tmpdir();
    const file = path.join(dir, 'keys', 'ssh_host_ed25519_key');
    const first = loadOrCreateHostKey(file);
    expect(first.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(first.key).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const written = fs.readFileSync(file, 'utf8');
    expect(written).toBe(first.key);
    // Nothing but the key is left in its directory (the temp file was renamed into place).
    expect(fs.readdirSync(path.dirname(file))).toEqual(['ssh_host_ed25519_key']);

    const second = loadOrCreateHostKey(file);
    expect(second).toEqual(first);
    expect(fs.readFileSync(file, 'utf8')).toBe(written);
  });

  it('has the fingerprint ssh-keygen -l prints for it, which is what the agent pins', () => {
    const file = path.join(tmpdir(), 'key');
    const { fingerprint } = loadOrCreateHostKey(file);
    const r = spawnSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^256 ${fingerprint.replace(/[+/]/g, '\\$&')} .*\\(ED25519\\)$`, 'm'));
  });

  it('is made readable every time: ssh2 writes about one ed25519 key in 150 its own parser refuses, and a first start must not fail on it', () => {
    const dir = tmpdir();
    // 2,000 keys: at ssh2's rate (0.5-0.7%) a maker that keeps what ssh2 wrote fails this nearly always (key 381 here).
    for (let i = 0; i < 2000; i++) {
      const file = path.join(dir, `key-${i}`);
      expect(loadOrCreateHostKey(file).fingerprint).toMatch(/^SHA256:/);
      expect(ssh2.utils.parseKey(fs.readFileSync(file, 'utf8'))).not.toBeInstanceOf(Error);
      fs.rmSync(file);
    }
  });

  it('tightens a key file others could read, and refuses one that holds no key', () => {
    const dir = tmpdir();
    const file = path.join(dir, 'key');
    const made = loadOrCreateHostKey(file);
    fs.chmodSync(file, 0o644);
    expect(loadOrCreateHostKey(file).fingerprint).toBe(made.fingerprint);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const junk = path.join(dir, 'junk');
    fs.writeFileSync(junk, 'not a key\n', { mode: 0o600 });
    expect(() => loadOrCreateHostKey(junk)).toThrow(TmspError);
    try {
      loadOrCreateHostKey(junk);
    } catch (err) {
      expect((err as TmspError).code).toBe('E_CONFIG_INVALID');
    }
    expect(fs.readFileSync(junk, 'utf8')).toBe('not a key\n'); // never replaced behind the operator's back
  });
});

describe('SFTP names and paths', () => {
  it('hands on only final names: no hidden files, no .part files', () => {
    expect(isFinalName('upload/tda-1/1-10.ndjson.gz')).toBe(true);
    expect(isFinalName('report.txt')).toBe(true);
    expect(isFinalName('upload/tda-1/.1-10.ndjson.gz.part')).toBe(false);
    expect(isFinalName('upload/tda-1/1-10.ndjson.gz.part')).toBe(false);
    expect(isFinalName('upload/.tmsp-probe-abc')).toBe(false);
    expect(isFinalName('')).toBe(false);
  });

  it('shows clients paths absolute inside the jail, with ".." at the top staying at the top', () => {
    expect(AccountRoot.shown('.')).toBe('/');
    expect(AccountRoot.shown('')).toBe('/');
    expect(AccountRoot.shown('/..')).toBe('/');
    expect(AccountRoot.shown('../../etc')).toBe('/etc');
    expect(AccountRoot.shown('upload/./a/../b/')).toBe('/upload/b');
    expect(AccountRoot.shown('x', '/upload')).toBe('/upload/x');
  });

  it('refuses, by name, every path that climbs out', async () => {
    const root = await AccountRoot.open(path.join(tmpdir(), 'incoming', 'acct'));
    expect(root.locate('/upload/x')).toEqual({ file: path.join(root.dir, 'upload', 'x'), relPath: 'upload/x' });
    for (const p of ['..', '../x', '/upload/../../x', 'a/../../x', 'x\0y']) expect(() => root.locate(p), p).toThrow();
    expect(fs.statSync(root.dir).mode & 0o777).toBe(0o700);
  });
});

describe('SFTP listings and statuses', () => {
  it('writes ls -l lines as OpenSSH\'s server does', () => {
    const now = Date.parse('2025-06-10T12:00:00');
    const st = { mode: 0o100600, nlink: 1, size: 1234, mtimeMs: Date.parse('2025-06-09T08:05:00') } as fs.Stats;
    expect(longname('a.gz', st, 'tda-01', now)).toBe('-rw-------    1 tda-01   tda-01       1234 Jun  9 08:05 a.gz');
    const old = { ...st, mode: 0o040700, nlink: 3, size: 4096, mtimeMs: Date.parse('2023-01-02T00:00:00') } as fs.Stats;
    expect(longname('upload', old, 'tda-01', now)).toBe('drwx------    3 tda-01   tda-01       4096 Jan  2  2023 upload');
  });

  it('turns file system errors into SFTP statuses without the server\'s paths', () => {
    const e = (code: string) => Object.assign(new Error(`${code}: /srv/secret/path`), { code });
    expect(statusOf(e('ENOENT'))).toEqual({ code: STATUS.NO_SUCH_FILE, message: 'No such file' });
    expect(statusOf(e('ELOOP')).code).toBe(STATUS.PERMISSION_DENIED);
    expect(statusOf(e('EACCES')).code).toBe(STATUS.PERMISSION_DENIED);
    expect(statusOf(e('EEXIST'))).toEqual({ code: STATUS.FAILURE, message: 'File exists' });
    for (const code of ['ENOENT', 'EIO', 'ENOSPC', 'EISDIR']) expect(statusOf(e(code)).message).not.toContain('/srv');
  });
});
