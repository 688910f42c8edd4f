// The daemon as the appliance runs it: lines in through every local
// transport, into the spool, visible in status; graceful stop, reload,
// and the control socket the menus use.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/protocol/record.ts';
import { agentConfig, cli, startAgent, until, type RunningAgent } from '../helpers/agent.ts';
import { sendTcp, sendUdp, UnixSender } from '../helpers/senders.ts';
import { concatenated, gunzip, openSpool } from '../helpers/spool.ts';
import { tmpdir } from '../helpers/tmp.ts';

let agent: RunningAgent | undefined;
afterEach(async () => {
  await agent?.stop('SIGKILL');
  agent = undefined;
});

function spooledLines(stateDir: string) {
  const { state, spool } = openSpool(stateDir);
  expect(state.db.pragma('integrity_check', { simple: true })).toBe('ok');
  const out = gunzip(concatenated(spool)).split('\n').filter(Boolean).map((l) => decodeRecord(l)!);
  state.db.close();
  return out;
}

describe('the agent daemon', () => {
  it('takes lines from the unix socket, UDP and TCP, and shows each source in status', async () => {
    const dir = tmpdir();
    agent = await startAgent(dir);
    const port = agent.config.ingest!.udpPort as number;
    const unix = new UnixSender(agent.config.ingest!.unixSocket as string);
    await unix.sendAll(['<13>Nov 22 08:00:00 engine[1]: unix one', '<13>Nov 22 08:00:00 engine[1]: unix two\n']);
    unix.close();
    await sendUdp(port, ['CEF:0|Trend Micro|Deep Discovery Inspector|6.0|1539|udp|6|src=10.0.0.1\n']);
    await sendTcp(port, '<14>1 2026-11-22T06:00:00Z h a - - - tcp newline\n34 <14>1 - - - - - - tcp octet-count');
    const st = await until(() => { const s = agent!.status(); return s.ingest.records === 5 && s; }, 10_000, '5 records');
    const by = Object.fromEntries(st.ingest.sources.map((s) => [s.kind, s]));
    expect(by.unix).toMatchObject({ state: 'listening', records: 2 });
    expect(by.udp).toMatchObject({ state: 'listening', records: 1 });
    expect(by.tcp).toMatchObject({ state: 'listening', records: 2 });
    expect(st.health.state).toBe('ok');
    expect(await agent.stop()).toBe(0);
    const recs = spooledLines(path.join(dir, 'state'));
    expect(recs.map((r) => [r.src, r.fmt, r.line.toString()]).sort()).toEqual([
      ['syslog', 'cef', 'CEF:0|Trend Micro|Deep Discovery Inspector|6.0|1539|udp|6|src=10.0.0.1'],
      ['syslog', 'rfc3164', '<13>Nov 22 08:00:00 engine[1]: unix one'],
      ['syslog', 'rfc3164', '<13>Nov 22 08:00:00 engine[1]: unix two'],
      ['syslog', 'rfc5424', '<14>1 - - - - - - tcp octet-count'],
      ['syslog', 'rfc5424', '<14>1 2026-11-22T06:00:00Z h a - - - tcp newline'],
    ]);
  });

  it('seals and stores the open chunk on SIGTERM', async () => {
    const dir = tmpdir();
    agent = await startAgent(dir, { spool: { chunkMaxAgeMs: 600_000 } });
    await sendUdp(agent.config.ingest!.udpPort as number, Array.from({ length: 20 }, (_, i) => `<13>line ${i}`));
    const st = await until(() => { const s = agent!.status(); return s.ingest.records === 20 && s; });
    expect(st.spool.chunks).toBe(0);
    expect(st.spool.open.records).toBe(20);
    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(spooledLines(path.join(dir, 'state')).map((r) => r.line.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `<13>line ${i}`));
  });

  it('truncates messages over the limit and counts them', async () => {
    const dir = tmpdir();
    agent = await startAgent(dir, { ingest: { maxMessageBytes: 1024 } });
    const unix = new UnixSender(agent.config.ingest!.unixSocket as string);
    await unix.sendAll([`<13>${'u'.repeat(3000)}`, '<13>short']);
    unix.close();
    await sendUdp(agent.config.ingest!.udpPort as number, [`<13>${'d'.repeat(5000)}`]);
    await sendTcp(agent.config.ingest!.tcpPort as number, `<13>${'t'.repeat(9000)}\n<13>after\n`);
    const st = await until(() => { const s = agent!.status(); return s.ingest.records === 5 && s; });
    expect(st.ingest.truncated).toBe(3);
    await agent.stop();
    const lines = spooledLines(path.join(dir, 'state')).map((r) => r.line.toString());
    expect(lines.filter((l) => l.length === 1024)).toHaveLength(3);
    expect(lines).toContain('<13>short');
    expect(lines).toContain('<13>after');
  });

  it('reloads its configuration on SIGHUP, restarting only what changed', async () => {
    const dir = tmpdir();
    agent = await startAgent(dir);
    const before = agent.status().ingest.sources.map((s) => s.name);
    const doc = JSON.parse(fs.readFileSync(agent.configFile, 'utf8'));
    const log = path.join(dir, 'app.log');
    fs.writeFileSync(log, 'file line\n');
    doc.ingest.files = [log];
    doc.ingest.tcpPort = 0;
    fs.writeFileSync(agent.configFile, JSON.stringify(doc));
    agent.proc.kill('SIGHUP');
    const st = await until(() => { const s = agent!.status(); return s.ingest.sources.some((x) => x.kind === 'file' && x.records === 1) && s; });
    expect(st.ingest.sources.map((s) => s.name).sort()).toEqual([...before.filter((n) => !n.startsWith('tcp:')), `file:${log}`].sort());
  });

  it('keeps running on its old configuration when the new one is invalid', async () => {
    const dir = tmpdir();
    agent = await startAgent(dir);
    const doc = JSON.parse(fs.readFileSync(agent.configFile, 'utf8'));
    doc.sms = { server: 'sms.example.com' };
    fs.writeFileSync(agent.configFile, JSON.stringify(doc));
    const r = agent.cli('--json', 'reload');
    expect(r.code).toBe(2);
    expect(r.json.error.code).toBe('E_CONFIG_INVALID');
    expect(r.json.error.message).toContain('sms.server: must be an IPv4 address');
    expect(agent.status().health.state).toBe('ok');
  });

  it('serves its control socket with mode 0660 and refuses a second daemon on it', async () => {
    const dir = tmpdir();
    agent = await startAgent(dir);
    expect(fs.statSync(agent.controlSocket).mode & 0o777).toBe(0o660);
    const second = cli(['--config', agent.configFile, '--json', 'run']);
    expect(second.code).toBe(6);
    expect(second.stdout + second.stderr).toContain('already answering');
    expect(agent.status().pid).toBe(agent.proc.pid);
  });

  it('reports a stopped daemon with its own exit code and a hint', () => {
    const dir = tmpdir();
    const file = path.join(dir, 'c.json');
    fs.writeFileSync(file, JSON.stringify({ daemon: { controlSocket: path.join(dir, 'none.sock'), stateDir: dir } }));
    const r = cli(['--config', file, '--json', 'status']);
    expect(r.code).toBe(3);
    expect(r.json).toMatchObject({ ok: false, error: { code: 'E_DAEMON_DOWN' } });
    expect(r.json.error.hint).toContain('not running');
    const human = cli(['--config', file, 'status']);
    expect(human.code).toBe(3);
    expect(human.stderr).toContain('the agent is not running');
  });

  it('writes JSON logs that never contain a secret', async () => {
    const dir = tmpdir();
    agent = await startAgent(dir, {
      extra: { sms: { server: '192.0.2.10', username: 'smsadmin', password: 'Sms-Secret-77' }, tmsp: { password: 'Tmsp-Secret-99' } },
    });
    agent.proc.kill('SIGHUP');
    await until(() => agent!.log.includes('configuration reloaded'));
    expect(await agent.stop()).toBe(0);
    const lines = agent.log.trim().split('\n');
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(agent.log).not.toContain('Sms-Secret-77');
    expect(agent.log).not.toContain('Tmsp-Secret-99');
  });

  it('refuses a regular file at either socket path by name, and leaves it exactly as it was', async () => {
    const dir = tmpdir();
    const precious = path.join(dir, 'config-backup.json');
    fs.writeFileSync(precious, '{"keep": "me"}');
    // The syslog socket: the source fails, the daemon runs on, the file is untouched.
    agent = await startAgent(dir, { ingest: { unixSocket: precious } });
    const unix = agent.status().ingest.sources.find((x) => x.kind === 'unix')!;
    expect(unix).toMatchObject({ state: 'failed', lastError: expect.stringContaining(`ingest.unixSocket ${precious} exists and is not a socket`) });
    expect(await agent.stop()).toBe(0);
    agent = undefined;
    expect(fs.readFileSync(precious, 'utf8')).toBe('{"keep": "me"}');
    // The control socket: the daemon refuses to start, and deletes nothing.
    const config = { ...(await agentConfig(dir)), daemon: { stateDir: path.join(dir, 'state'), controlSocket: precious } };
    const file = path.join(dir, 'c.json');
    fs.writeFileSync(file, JSON.stringify(config));
    const r = cli(['--config', file, 'run']);
    expect(r.code).toBe(6);
    expect(r.stderr + r.stdout).toContain(`daemon.controlSocket ${precious} exists and is not a socket`);
    expect(fs.readFileSync(precious, 'utf8')).toBe('{"keep": "me"}');
  });

  it('status --json carries the documented fields', async () => {
    agent = await startAgent(tmpdir());
    const st = agent.status();
    for (const k of ['version', 'pid', 'uptimeS', 'health', 'ingest', 'spool', 'dropped', 'corrupt', 'memory']) expect(st).toHaveProperty(k);
    for (const k of ['chunks', 'records', 'bytes', 'diskBytes', 'budgetBytes', 'oldestUnsentAgeS']) expect(st.spool).toHaveProperty(k);
    expect(st.dropped).toEqual({ chunks: 0, records: 0, bytes: 0 });
    expect(st.memory.rss).toBeGreaterThan(0);
  });
});
