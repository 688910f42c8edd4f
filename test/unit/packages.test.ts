// The one list of Debian packages (.ci/debian-packages) names everything the
// build and the tests use: a file the suite runs or compiles against, owned by
// a package missing from the list, is what passes on a machine set up by hand
// and fails on a fresh one.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const LIST = '.ci/debian-packages';
const listed = new Set(fs.readFileSync(LIST, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean));

// What the build, test/peers, board/ and the test files call or read, by the path the system has it at.
const USED = [
  // build: node-gyp, the arm64 cross build and the size report
  '/usr/bin/python3', '/usr/bin/make', '/usr/bin/g++', '/usr/bin/strip',
  '/usr/bin/aarch64-linux-gnu-gcc', '/usr/bin/aarch64-linux-gnu-g++', '/usr/bin/aarch64-linux-gnu-strip',
  '/usr/aarch64-linux-gnu/include/bits/wordsize.h', '/usr/aarch64-linux-gnu/lib/libc.so.6',
  '/usr/aarch64-linux-gnu/lib/libstdc++.so.6', '/usr/bin/file', '/usr/bin/xz', '/usr/bin/gunzip',
  // the ARM suite and the emulated board
  '/usr/bin/qemu-aarch64-static', '/usr/bin/qemu-system-aarch64', '/usr/bin/cpio',
  '/usr/share/keyrings/debian-archive-keyring.gpg',
  // the real peers
  '/usr/sbin/sshd', '/usr/bin/sftp', '/usr/bin/ssh-keygen', '/usr/bin/sshpass', '/usr/sbin/nginx',
  '/usr/sbin/mosquitto', '/usr/bin/mosquitto_passwd', '/usr/bin/tinyproxy', '/usr/bin/openssl',
  '/usr/lib/postgresql/15/bin/postgres', '/usr/lib/postgresql/15/bin/initdb', '/usr/bin/setpriv',
  // tools the tests call
  '/usr/bin/logger', '/usr/sbin/runuser', '/usr/bin/unshare', '/usr/bin/pgrep', '/usr/sbin/sysctl', '/usr/bin/zstd',
  // the benchmark's reference
  '/usr/sbin/rsyslogd',
];

function owner(file: string): string | undefined {
  const real = fs.existsSync(file) ? fs.realpathSync(file) : file;
  // Debian's merged /usr: dpkg may know a file by its /bin or /sbin name.
  const names = [file, real].flatMap((f) => [f, f.replace(/^\/usr\/(s?bin|lib)\//, '/$1/')]);
  for (const p of new Set(names)) {
    const r = spawnSync('dpkg', ['-S', p], { encoding: 'utf8' });
    if (r.status === 0) return r.stdout.split(':')[0].split(',')[0].trim();
  }
  return undefined;
}

describe('Debian packages the build and the tests use', () => {
  it('are installed by name, unconditionally, from the one list', () => {
    const install = fs.readFileSync('test/peers/install.sh', 'utf8');
    const ci = fs.readFileSync('.ci/run', 'utf8');
    expect(install).toContain('.ci/debian-packages');
    expect(ci).toContain('bash test/peers/install.sh');
    for (const script of [install, ci]) {
      expect(script).not.toMatch(/command -v|\bwhich\b|\bneed\+=/);
      expect(script.match(/apt-get install/g)?.length ?? 0).toBeLessThanOrEqual(1);
    }
    expect(ci).not.toContain('apt-get install');
  });

  it.each(USED)('%s comes from a listed package', (file) => {
    const pkg = owner(file);
    expect(pkg, `${file} is not installed by any package: add its package to ${LIST}`).toBeDefined();
    expect(listed, `${file} comes from ${pkg}, which ${LIST} does not name`).toContain(pkg);
  });
});
