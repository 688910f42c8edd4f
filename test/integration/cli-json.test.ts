// The JSON contract the appliance menus rely on: every command, in its
// success and its failure forms, prints one object whose `ok` matches its
// exit code and whose every field is the documented one (README, "JSON
// output"; src/cli/json-output.ts). Run against real peers, with TMSP and
// SMS distribution on, as an appliance would be.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCommand, cli, startAgent, until, type CliResult, type RunningAgent } from '../helpers/agent.ts';
import { spawnSync } from 'node:child_process';
import { contractProblems } from '../helpers/json-contract.ts';
import { HOST, PRODUCT, smsSection, startSimulator, type Sim } from '../helpers/sms.ts';
import { APPLIANCE, startPeers, tmspSection, type Peers } from '../helpers/tmsp.ts';
import { sendTcp } from '../helpers/senders.ts';
import os from 'node:os';

let peers: Peers;
let sim: Sim;
let ca: string;
let agent: RunningAgent;
let root: string;
/** A configuration whose daemon is not running. */
let idle: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-json-'));
  peers = await startPeers();
  ({ sim, ca } = await startSimulator('server'));
  fs.mkdirSync(path.join(root, 'agent'));
  agent = await startAgent(path.join(root, 'agent'), {
    spool: { chunkMaxAgeMs: 200 },
    extra: {
      appliance: { id: APPLIANCE, productName: PRODUCT, hostname: HOST },
      tmsp: tmspSection(peers), sms: smsSection(sim.port, ca, { riskLevel: 'high' }),
    },
  });
  idle = path.join(root, 'idle', 'config.json');
  fs.mkdirSync(path.dirname(idle), { recursive: true });
  fs.writeFileSync(idle, JSON.stringify({
    daemon: { stateDir: path.join(root, 'idle', 'state'), controlSocket: path.join(root, 'idle', 'control.sock') },
  }), { mode: 0o600 });
}, 120_000);
afterAll(async () => {
  await agent?.stop('SIGKILL');
  await sim?.kill();
  await peers?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Run a command with --json; its output must keep the contract for `command`, and succeed or fail as expected. */
function expectContract(command: string, ok: boolean, r: CliResult): CliResult {
  expect(r.json, `${command}: not one JSON object: ${r.stdout}${r.stderr}`).toBeDefined();
  expect(r.stdout.trim().split('\n'), `${command}: more than one line`).toHaveLength(1);
  expect(r.code === 0, `${command}: exit ${r.code} with ok ${r.json.ok}`).toBe(ok);
  const problems = contractProblems(command, r.json, ok);
  expect(problems.join('\n'), `${command} (${ok ? 'success' : 'failure'}): ${r.stdout}`).toBe('');
  return r;
}

const on = (...args: string[]) => agent.cli('--json', ...args);
const off = (...args: string[]) => cli(['--config', idle, '--json', ...args]);

describe('every command\'s --json output keeps the documented contract', () => {
  it('version, status, flush, reload', () => {
    expectContract('version', true, cli(['--json', 'version']));
    expectContract('version', true, cli(['--json', '--version']));
    expectContract('status', true, on('status'));
    expectContract('status', false, off('status'));
    expectContract('flush', true, on('flush'));
    expectContract('flush', false, off('flush'));
    expectContract('reload', true, on('reload'));
    expectContract('reload', false, off('reload'));
  });

  it('tmsp test-connection and save, passing and failing', () => {
    const passed = expectContract('tmsp test-connection', true, on('tmsp', 'test-connection'));
    expect(passed.json.passed).toBe(true);
    const failed = expectContract('tmsp test-connection', false, on('tmsp', 'test-connection', 'tmsp.password=wrong-pass'));
    expect(failed.json).toMatchObject({ ok: false, passed: false, error: { code: 'E_AUTH' } });
    expect(failed.code).toBe(22);
    expectContract('tmsp save', true, on('tmsp', 'save'));
    const refused = expectContract('tmsp save', false, on('tmsp', 'save', 'tmsp.password=wrong-pass'));
    expect(refused.json).toMatchObject({ saved: false, passed: false });
    expectContract('tmsp save', true, off('tmsp', 'save', 'tmsp.enabled=false'));
    expectContract('tmsp save', false, off('tmsp', 'save', 'tmsp.enabled=maybe'));
  });

  it('upload-now, delivered and failing', async () => {
    await sendTcp(agent.config.ingest!.tcpPort as number, '<13>Nov 22 08:00:00 engine: one line\n');
    await until(() => agent.status().ingest.records >= 1, 10_000, 'the line');
    expectContract('upload-now', true, on('upload-now'));
    expectContract('upload-now', false, off('upload-now'));
    expect(on('config', 'set', 'tmsp.password=wrong-pass').code).toBe(0);
    await sendTcp(agent.config.ingest!.tcpPort as number, '<13>Nov 22 08:00:00 engine: another line\n');
    await until(() => agent.status().ingest.records >= 2, 10_000, 'the second line');
    try {
      const failed = expectContract('upload-now', false, on('upload-now'));
      expect(failed.json).toMatchObject({ error: { code: 'E_AUTH' }, upload: { consecutiveFailures: 1 } });
    } finally {
      expect(on('config', 'set', `tmsp.password=${tmspSection(peers).password}`).code).toBe(0);
    }
  });

  it('objects add, remove, expire, list and list --failed', () => {
    expectContract('objects add', true, on('objects', 'add', 'ipv4', '203.0.113.80', 'high'));
    expectContract('objects add', false, on('objects', 'add', 'ipv4', '999.1.1.1', 'high'));
    expectContract('objects list', true, on('objects', 'list'));
    expectContract('objects list', false, on('objects', 'list', '--limit', 'abc'));
    expectContract('objects list --failed', true, on('objects', 'list', '--failed'));
    expectContract('objects list --failed', false, on('objects', 'list', '--failed', '--limit', '0'));
    expectContract('objects expire', true, on('objects', 'expire'));
    expectContract('objects expire', false, on('objects', 'expire', 'url', 'http://x'));
    expectContract('objects remove', true, on('objects', 'remove', 'domain', 'never-added.example'));
    expectContract('objects remove', false, off('objects', 'remove', 'domain', 'never-added.example'));
  });

  it('sms test-connection, save, status, query, retry and purge', async () => {
    expectContract('sms test-connection', true, on('sms', 'test-connection'));
    const failed = expectContract('sms test-connection', false, on('sms', 'test-connection', 'sms.password=wrong-pass'));
    expect(failed.json).toMatchObject({ passed: false, error: { code: 'E_AUTH' } });
    expectContract('sms save', true, on('sms', 'save'));
    expectContract('sms save', false, on('sms', 'save', 'sms.password=wrong-pass'));
    expectContract('sms status', true, on('sms', 'status'));
    expectContract('sms status', false, off('sms', 'status'));
    expect(on('objects', 'add', 'domain', 'json-contract.example', 'high').code).toBe(0);
    await until(async () => (await sim.entry('dns', 'json-contract.example')) !== undefined, 15_000, 'the entry on the SMS');
    expectContract('sms query', true, on('sms', 'query', 'json-contract.example'));
    const missing = expectContract('sms query', false, on('sms', 'query', 'not-there.example'));
    expect(missing.json).toMatchObject({ found: false, error: { code: 'E_NOT_FOUND' } });
    expect(missing.code).toBe(9);
    expectContract('sms retry', true, on('sms', 'retry'));
    expectContract('sms retry', false, off('sms', 'retry'));
    expectContract('sms purge', false, on('sms', 'purge')); // distribution is on
    expect(on('sms', 'save', 'sms.enabled=false').code).toBe(0);
    expectContract('sms purge', true, on('sms', 'purge'));
  });

  it('config show, get, set, validate, import and export', () => {
    const file = path.join(root, 'idle', 'config.json');
    const broken = path.join(root, 'broken.json');
    fs.writeFileSync(broken, '{"sms": {"port": 0}}');
    const brokenConfig = ['--config', broken, '--json'];
    expectContract('config show', true, off('config', 'show'));
    expectContract('config show', false, cli([...brokenConfig, 'config', 'show']));
    expectContract('config get', true, off('config', 'get', 'sms.objectTypes'));
    expectContract('config get', true, off('config', 'get', 'tmsp.password'));
    expectContract('config get', false, off('config', 'get', 'no.such'));
    expectContract('config set', true, off('config', 'set', 'sms.riskLevel=high-medium'));
    expectContract('config set', false, off('config', 'set', 'sms.riskLevel=extreme'));
    expectContract('config validate', true, off('config', 'validate', file));
    expectContract('config validate', false, off('config', 'validate', broken));
    expectContract('config export', true, off('config', 'export'));
    expectContract('config export', true, off('config', 'export', '--output', path.join(root, 'exported.json')));
    expectContract('config export', false, cli([...brokenConfig, 'config', 'export']));
    expectContract('config import', true, off('config', 'import', path.join(root, 'exported.json')));
    expectContract('config import', false, off('config', 'import', broken));
  });

  it('writes every command\'s whole output into a pipe whose reader is slower than the agent', async () => {
    const [cmd, pre] = agentCommand();
    const argv = (args: string[]) => [cmd, ...pre, '--config', agent.configFile, '--json', ...args]
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    for (const args of [['version'], ['status'], ['flush'], ['tmsp', 'test-connection'], ['sms', 'status'], ['objects', 'list'],
      ['config', 'show'], ['config', 'export'], ['sms', 'test-connection']]) {
      // The reader starts late and reads in small pieces: the agent must wait for it, not exit first.
      const r = spawnSync('sh', ['-c', `${argv(args)} | { sleep 0.3; dd bs=512 status=none; }`], { encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(r.status, args.join(' ')).toBe(0);
      expect(JSON.parse(r.stdout), args.join(' ')).toMatchObject({ ok: true });
    }
  });

  it('spool verify, clean and refused', async () => {
    expectContract('spool verify', true, off('spool', 'verify'));
    // The running agent holds its database: verify says so rather than read it under the daemon.
    expectContract('spool verify', false, on('spool', 'verify'));
  });
});
