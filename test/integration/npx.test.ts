// The agent started exactly as the README tells a new user to: `npx
// tmsp-agent ... run` in the checkout. npx starts the bundle through a symlink
// in its own cache, so the native addons must be found beside the real file.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentConfig, until } from '../helpers/agent.ts';
import { tmpdir } from '../helpers/tmp.ts';

const npx = (args: string[]) => spawnSync('npx', ['--no-install', 'tmsp-agent', ...args], { encoding: 'utf8', timeout: 60_000 });

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  stop = undefined;
});

describe('npx tmsp-agent, as the README says', () => {
  it('runs the daemon with its unix syslog socket open, and a line sent by logger shows in status', async () => {
    const dir = tmpdir();
    const config = await agentConfig(dir);
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
    const p = spawn('npx', ['--no-install', 'tmsp-agent', '--config', file, 'run'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let log = '';
    p.stdout.on('data', (d) => (log += d));
    p.stderr.on('data', (d) => (log += d));
    stop = () => {
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch { /* gone */ }
    };
    const status = () => {
      const r = npx(['--config', file, '--json', 'status']);
      return r.status === 0 ? JSON.parse(r.stdout).status : undefined;
    };
    const first = await until(() => p.exitCode === null && status(), 60_000, `the daemon under npx (log: ${log})`);
    expect(first.health, log).toMatchObject({ state: 'ok', problems: [] });
    expect(first.ingest.sources.find((s: { kind: string }) => s.kind === 'unix')).toMatchObject({ state: 'listening' });
    const sent = spawnSync('logger', ['-u', config.ingest!.unixSocket as string, 'hello from the unix socket']);
    expect(sent.status, sent.stderr?.toString()).toBe(0);
    const st = await until(() => { const s = status(); return s?.ingest.records === 1 && s; }, 20_000, 'the line in status');
    expect(st.ingest.sources.find((s: { kind: string }) => s.kind === 'unix')).toMatchObject({ records: 1 });
  });

  it('npx tmsp-portal runs the portal\'s command line on the pinned Node', () => {
    const dir = tmpdir();
    const file = path.join(dir, 'portal.json');
    fs.writeFileSync(file, JSON.stringify({ portal: { dataDir: path.join(dir, 'data') } }));
    const v = spawnSync('npx', ['--no-install', 'tmsp-portal', '--json', 'version'], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, node: process.version });
    const r = spawnSync('npx', ['--no-install', 'tmsp-portal', '--config', file, '--json', 'appliances'], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(r.stdout), r.stderr).toEqual({ ok: true, appliances: [] });
  });
});
