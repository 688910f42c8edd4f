// The built portal as a process, started the way the README says
// (tmsp-portal run --config FILE), and its CLI.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { PortalFacts } from '../../src/portal/daemon/portal.ts';
import { until, type CliResult } from './agent.ts';

export const PORTAL = path.resolve('dist/tmsp-portal.cjs');

export type PortalCliResult = CliResult;

export function portalCli(configFile: string, args: string[], stdin?: string, env?: NodeJS.ProcessEnv): PortalCliResult {
  const r = spawnSync(process.execPath, [PORTAL, '--config', configFile, ...args], {
    input: stdin ?? '', encoding: 'utf8', timeout: 60_000, ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}

/** Settings for a portal whose everything is in `dir`, on loopback and free ports. */
export function portalSettings(dir: string, extra: Record<string, Record<string, unknown>> = {}): Record<string, Record<string, unknown>> {
  return {
    ...extra,
    portal: { dataDir: path.join(dir, 'data'), listenAddress: '127.0.0.1', publicName: 'localhost', logLevel: 'debug', ...extra.portal },
    sftp: { port: 0, ...extra.sftp },
    https: { port: 0, ...extra.https },
    mqtt: { port: 0, ...extra.mqtt },
    web: { port: 0, ...extra.web },
  };
}

export class RunningPortal {
  readonly proc: ChildProcess;
  readonly configFile: string;
  log = '';
  readonly exited: Promise<number | null>;
  facts!: PortalFacts;
  /** Extra environment for the portal and its commands (the report test's clock). */
  readonly env: NodeJS.ProcessEnv | undefined;

  constructor(configFile: string, env?: NodeJS.ProcessEnv) {
    this.configFile = configFile;
    this.env = env;
    this.proc = spawn(process.execPath, [PORTAL, 'run', '--config', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}),
    });
    this.proc.stdout!.on('data', (d) => (this.log += d));
    this.proc.stderr!.on('data', (d) => (this.log += d));
    this.exited = new Promise((r) => this.proc.once('exit', (code, signal) => r(code ?? (signal ? -1 : null))));
  }

  cli(args: string[], stdin?: string): PortalCliResult {
    return portalCli(this.configFile, args, stdin, this.env);
  }

  /** The portal's status as `tmsp-portal status --json` gives it. */
  status(): PortalFacts {
    const r = this.cli(['--json', 'status']);
    if (r.code !== 0) throw new Error(`status failed (${r.code}): ${r.stdout}${r.stderr}`);
    return r.json.status as PortalFacts;
  }

  async ready(ms = 30_000): Promise<this> {
    this.facts = await until(() => {
      if (this.proc.exitCode !== null) throw new Error(`portal exited with ${this.proc.exitCode}:\n${this.log}`);
      const r = this.cli(['--json', 'status']);
      return r.code === 0 ? (r.json.status as PortalFacts) : undefined;
    }, ms, `the portal to start\n${this.log}`);
    return this;
  }

  appliance(id: string): any {
    const r = this.cli(['--json', 'appliance', 'show', id]);
    return r.code === 0 ? r.json.appliance : undefined;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exited;
  }
}

export async function startPortal(dir: string, extra: Record<string, Record<string, unknown>> = {}, env?: NodeJS.ProcessEnv): Promise<RunningPortal> {
  const file = path.join(dir, 'portal.json');
  fs.writeFileSync(file, JSON.stringify(portalSettings(dir, extra)), { mode: 0o600 });
  return new RunningPortal(file, env).ready();
}
