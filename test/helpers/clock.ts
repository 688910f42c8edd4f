// A clock the tests move, for a process they start: libfaketime (Debian's
// faketime, in .ci/debian-packages) preloaded, reading its offset from a
// file at every call. Only the wall clock moves; timers keep real time, so
// a step forward is a jump of Date.now() and nothing fires early.

import fs from 'node:fs';
import path from 'node:path';

const ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64' };

export class MovableClock {
  readonly file: string;
  private offsetS = 0;

  constructor(dir: string) {
    this.file = path.join(dir, 'faketime.rc');
    this.write();
  }

  /** The environment a process needs to run on this clock. */
  env(): NodeJS.ProcessEnv {
    const lib = `/usr/lib/${ARCH[process.arch] ?? process.arch}-linux-gnu/faketime/libfaketime.so.1`;
    if (!fs.existsSync(lib)) throw new Error(`${lib} is missing: apt-get install -y faketime`);
    return { LD_PRELOAD: lib, FAKETIME_TIMESTAMP_FILE: this.file, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' };
  }

  /** What the processes on this clock read as now (ms), to the second. */
  now(): number {
    return Date.now() + this.offsetS * 1000;
  }

  /** Sets the clock so that it reads `t` now (to the second). */
  set(t: number): void {
    this.offsetS = Math.round((t - Date.now()) / 1000);
    this.write();
  }

  advance(ms: number): void {
    this.offsetS += Math.round(ms / 1000);
    this.write();
  }

  private write(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, `${this.offsetS >= 0 ? '+' : ''}${this.offsetS}\n`);
    fs.renameSync(tmp, this.file);
  }
}
