// The executables themselves: start-up time to ready (control socket
// answering), and RSS idle and at a steady 5,000 records/s, for the shipped
// x64 executable, the bundle without the tuning (the reference for the
// chosen V8 flags and allocator settings), and the arm64 executable under
// qemu-user (whose RSS is the emulator's, and labelled so).

import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { AGENT } from '../helpers/agent.ts';
import { freePort } from '../peers/peers.ts';
import { median, memory } from './proc.ts';
import { workload } from './workload.ts';

interface Subject {
  label: string;
  cmd: string;
  args: string[];
  env?: Record<string, string>;
}

function subjects(): Subject[] {
  const out: Subject[] = [];
  const x64 = path.resolve('dist/linux-x64/tmsp-agent');
  const arm = path.resolve('dist/linux-arm64/tmsp-agent');
  if (fs.existsSync(x64)) {
    out.push({ label: 'x64 executable (shipped flags and allocator settings)', cmd: x64, args: [],
      env: { MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_ARENA_MAX: '2' } });
  }
  out.push({ label: 'bundle on node, tuned (re-exec with the same settings)', cmd: process.execPath, args: [AGENT] });
  out.push({ label: 'bundle on node, untuned (Node defaults)', cmd: process.execPath, args: [AGENT], env: { TMSP_AGENT_UNTUNED: '1' } });
  if (fs.existsSync(arm) && spawnSync('sh', ['-c', 'command -v qemu-aarch64-static']).status === 0) {
    out.push({ label: 'arm64 executable under qemu-user (RSS is the emulator\'s)', cmd: 'qemu-aarch64-static',
      args: ['-L', '/usr/aarch64-linux-gnu', arm], env: { MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_ARENA_MAX: '2' } });
  }
  return out;
}

async function ping(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(sock);
    s.once('connect', () => s.end('{"cmd":"ping"}\n'));
    s.once('data', () => resolve(true));
    s.once('error', () => resolve(false));
  });
}

/**
 * A board reads the executable from flash as it runs; a file just written
 * here sits whole in the page cache, and the kernel then maps more of it
 * than was touched (fault-around), inflating RSS by up to 18 MiB. As root,
 * the cache is dropped before each start, so the figures are the board's.
 */
function dropCaches(): boolean {
  try {
    spawnSync('sync');
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

async function launch(sub: Subject, udpPort: number) {
  dropCaches();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-rt-'));
  const config = {
    ingest: { unixSocket: '', udpPort, tcpPort: 0 },
    daemon: { stateDir: path.join(dir, 'state'), controlSocket: path.join(dir, 'control.sock'), logLevel: 'warn' },
  };
  fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify(config));
  const t0 = process.hrtime.bigint();
  const proc: ChildProcess = spawn(sub.cmd, [...sub.args, 'run', '--config', path.join(dir, 'c.json')],
    { stdio: 'ignore', env: { ...process.env, ...sub.env } });
  while (!(await ping(config.daemon.controlSocket))) {
    if (proc.exitCode !== null) throw new Error(`${sub.label} exited`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return {
    proc, readyMs,
    async stop() {
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await done;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Send at `rate` records/s for `seconds`, sampling RSS; returns the median. */
async function loaded(pid: number, port: number, rate: number, seconds: number, lines: Buffer[]): Promise<number> {
  const s = dgram.createSocket('udp4');
  const samples: number[] = [];
  const perTick = rate / 100;
  let i = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    for (let k = 0; k < perTick; k++) s.send(lines[i++ % lines.length]!, port, '127.0.0.1');
    if (i % (perTick * 10) === 0) samples.push(memory(pid).rss);
    await new Promise((r) => setTimeout(r, 10));
  }
  s.close();
  return median(samples.slice(Math.floor(samples.length / 3)));
}

export async function benchRuntime(say: (s: string) => void): Promise<unknown[]> {
  const lines = workload(20_000).toString('utf8').trimEnd().split('\n').map((l) => Buffer.from(l));
  const rows: unknown[] = [];
  const cold = dropCaches();
  say(`runtime: start-up to ready (median of 5), RSS idle (after 3 s) and at a steady 5,000 records/s (UDP, 12 s)${
    cold ? '; page cache dropped before each start' : '; page cache NOT dropped (needs root): RSS of freshly built files is inflated'}`);
  for (const sub of subjects()) {
    const starts: number[] = [];
    for (let k = 0; k < 5; k++) {
      const a = await launch(sub, 0);
      starts.push(a.readyMs);
      await a.stop();
    }
    const port = await freePort();
    const a = await launch(sub, port);
    await new Promise((r) => setTimeout(r, 3000));
    const idle = memory(a.proc.pid!).rss;
    const busy = await loaded(a.proc.pid!, port, 5000, 12, lines);
    const peak = memory(a.proc.pid!).hwm;
    await a.stop();
    const row = { label: sub.label, startupMs: median(starts), idleRssMiB: idle / 2 ** 20, rssAt5kMiB: busy / 2 ** 20, peakMiB: peak / 2 ** 20 };
    rows.push(row);
    say(`  ${sub.label.padEnd(58)} ready in ${row.startupMs.toFixed(0).padStart(5)} ms  rss idle ${row.idleRssMiB.toFixed(1)} MiB, ` +
      `at 5k rec/s ${row.rssAt5kMiB.toFixed(1)} MiB (peak ${row.peakMiB.toFixed(1)})`);
  }
  return rows;
}
