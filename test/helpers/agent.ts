// Run the built agent (dist/tmsp-agent.cjs, what ships) as a real process.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Status } from '../../src/daemon/status.ts';
import { freePort } from '../peers/peers.ts';

export const AGENT = path.resolve('dist/tmsp-agent.cjs');

/**
 * How the tests run the agent: the bundle on this Node, or a single
 * executable (TMSP_AGENT_EXE), optionally under an emulator
 * (TMSP_AGENT_EMULATOR, e.g. "qemu-aarch64-static -L /usr/aarch64-linux-gnu")
 * for the ARM run of the same tests.
 */
export function agentCommand(nodeFlags: string[] = []): [string, string[]] {
  const exe = process.env.TMSP_AGENT_EXE;
  if (!exe) return [process.execPath, [...nodeFlags, AGENT]];
  if (nodeFlags.length > 0) throw new Error('node flags apply to the bundle, not to a single executable');
  const emu = (process.env.TMSP_AGENT_EMULATOR ?? '').split(' ').filter(Boolean);
  return emu.length > 0 ? [emu[0]!, [...emu.slice(1), path.resolve(exe)]] : [path.resolve(exe), []];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

/** Run one CLI command to completion. */
export function cli(args: string[], env: Record<string, string> = {}): CliResult {
  const [cmd, pre] = agentCommand();
  const r = spawnSync(cmd, [...pre, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}

/** The same, without blocking this process (for peers that answer from it). */
export function cliAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const [cmd, pre] = agentCommand();
    const p = spawn(cmd, [...pre, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.once('exit', (code) => {
      let json: any;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
  });
}

export { freePort };

export interface AgentOptions {
  ingest?: Record<string, unknown>;
  spool?: Record<string, unknown>;
  extra?: Record<string, Record<string, unknown>>;
}

/** A config document with every path inside `dir` and free loopback ports. */
export async function agentConfig(dir: string, o: AgentOptions = {}): Promise<Record<string, Record<string, unknown>>> {
  const port = await freePort();
  return {
    ingest: { unixSocket: path.join(dir, 'log.sock'), udpPort: port, tcpPort: port, ...o.ingest },
    spool: { chunkMaxAgeMs: 200, ...o.spool },
    daemon: { stateDir: path.join(dir, 'state'), controlSocket: path.join(dir, 'control.sock'), logLevel: 'debug' },
    ...o.extra,
  };
}

export class RunningAgent {
  readonly proc: ChildProcess;
  readonly configFile: string;
  readonly config: Record<string, Record<string, any>>;
  log = '';
  readonly exited: Promise<number | null>;

  constructor(configFile: string, config: Record<string, Record<string, any>>, extraArgs: string[] = []) {
    this.configFile = configFile;
    this.config = config;
    const [cmd, pre] = agentCommand(extraArgs);
    this.proc = spawn(cmd, [...pre, 'run', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d) => (this.log += d));
    this.proc.stderr!.on('data', (d) => (this.log += d));
    this.exited = new Promise((r) => this.proc.once('exit', (code, signal) => r(code ?? (signal ? -1 : null))));
  }

  get controlSocket(): string {
    return this.config.daemon!.controlSocket as string;
  }

  cli(...args: string[]): CliResult {
    return cli(['--config', this.configFile, ...args]);
  }

  cliAsync(...args: string[]): Promise<CliResult> {
    return cliAsync(['--config', this.configFile, ...args]);
  }

  status(): Status {
    const r = this.cli('--json', 'status');
    if (r.code !== 0) throw new Error(`status failed (${r.code}): ${r.stdout}${r.stderr}\n${this.log}`);
    return r.json.status as Status;
  }

  async ready(ms = 60_000): Promise<this> {
    const end = Date.now() + ms;
    for (;;) {
      if (this.proc.exitCode !== null) throw new Error(`agent exited with ${this.proc.exitCode}:\n${this.log}`);
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect(this.controlSocket);
        s.once('connect', () => s.end(`${JSON.stringify({ cmd: 'ping' })}\n`));
        s.once('data', () => resolve(true));
        s.once('error', () => resolve(false));
      });
      if (ok) return this;
      if (Date.now() > end) throw new Error(`agent not ready within ${ms} ms:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exited;
  }
}

export async function startAgent(dir: string, o: AgentOptions = {}): Promise<RunningAgent> {
  const config = await agentConfig(dir, o);
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return new RunningAgent(file, config).ready();
}

/** Wait until fn gives something (sync or async): the one way tests wait, on a condition, never a fixed time. */
export async function until<T>(fn: () => T | undefined | false | null | Promise<T | undefined | false | null>, ms = 10_000,
  what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
