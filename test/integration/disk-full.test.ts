// A full data partition, as on a board whose factory layout keeps the agent's
// own log beside its state database: a real small filesystem (tmpfs of a few
// MB) holds both, is filled to the last byte while lines arrive, then freed.
// The spool must shed or hold back new records (never wedge), keep what is
// sealed, keep answering status, and resume by itself with exact counters.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/protocol/record.ts';
import { agentConfig, RunningAgent, until } from '../helpers/agent.ts';
import { concatenated, gunzip, openSpool } from '../helpers/spool.ts';

let mount: string | undefined;
let agent: RunningAgent | undefined;

afterEach(async () => {
  await agent?.stop('SIGKILL');
  agent = undefined;
  if (mount) {
    spawnSync('umount', [mount]);
    fs.rmSync(mount, { recursive: true, force: true });
    mount = undefined;
  }
});

function line(i: number): string {
  return `<134>Nov 22 08:00:00 ddi01 CEF:0|Trend Micro|Deep Discovery Inspector|6.0|1539|disk full|6|id=${i} src=10.0.${i % 250}.${i % 199} msg=${'x'.repeat(200)}`;
}

/** Append to `file` until the filesystem refuses: its last page has no room left either. */
function topUp(file: string): void {
  const fd = fs.openSync(file, 'a');
  try {
    for (;;) fs.writeSync(fd, '.\n');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
}

/** Fill the filesystem to its last byte; returns the filler file. */
function fill(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const block = Buffer.alloc(64 * 1024, 7);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  // The last partial block too.
  try {
    for (;;) fs.writeSync(fd, block, 0, 512);
  } catch { /* full */ }
  fs.closeSync(fd);
  return filler;
}

describe('a full data partition', () => {
  it('holds back new records while the disk is full, keeps answering, and resumes with every record exactly once', async () => {
    mount = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-small-'));
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mount], { encoding: 'utf8' });
    expect(m.status, `mount a 6 MB tmpfs (needs root): ${m.stderr}`).toBe(0);
    const data = path.join(mount, 'data');
    fs.mkdirSync(data);
    const config = await agentConfig(path.join(mount, 'run'), {
      ingest: { unixSocket: '', udpPort: 0 },
      spool: { chunkMaxBytes: 64 * 1024, chunkMaxAgeMs: 200, maxPendingBytes: 1024 * 1024, budgetBytes: 64 * 1024 * 1024 },
    });
    config.daemon = { ...config.daemon, stateDir: path.join(data, 'state'), logFile: path.join(data, 'agent.log'), logLevel: 'debug' };
    const file = path.join(mount, 'config.json');
    fs.writeFileSync(file, JSON.stringify(config));
    agent = await new RunningAgent(file, config).ready();
    const port = config.ingest!.tcpPort as number;

    const before = 2000;
    const send = (from: number, to: number) => new Promise<void>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => {
        let text = '';
        for (let i = from; i < to; i++) text += `${line(i)}\n`;
        s.end(text);
      });
      s.on('error', reject);
      s.on('close', () => resolve());
    });
    await send(0, before);
    await until(() => { const s = agent!.status(); return s.ingest.records === before && s.spool.records === before && s; }, 20_000,
      'the first lines stored');

    const filler = fill(mount);
    topUp(config.daemon.logFile as string); // the agent's next log line finds the partition full too
    // While the disk is full: a TCP sender is held back (it loses nothing), and status still answers.
    const total = 12_000;
    const sending = send(before, total);
    const full = await until(() => { const s = agent!.status(); return s.spool.commitErrors >= 2 && s; }, 60_000, 'failed commits');
    expect(full.health.state).toBe('degraded');
    expect(full.health.problems.join()).toMatch(/spool: .*(full|SQLITE_FULL|ENOSPC)/i);
    expect(full.spool.records).toBeGreaterThanOrEqual(before);
    expect(agent.cli('--json', 'status').code).toBe(0);

    fs.rmSync(filler);
    await sending;
    const done = await until(() => { const s = agent!.status(); return s.spool.records === total && s.spool.open.records === 0 && s; },
      90_000, 'every record stored once the disk has room');
    expect(done.ingest.records).toBe(total);
    expect(done.ingest.shed).toBe(0);
    expect(done.lost).toEqual({ chunks: 0, records: 0, bytes: 0 });
    expect(agent.cli('flush').code).toBe(0);
    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(agent.log).not.toMatch(/unhandled|uncaught/i);

    const { state, spool } = openSpool(config.daemon.stateDir as string);
    try {
      expect(state.db.pragma('integrity_check', { simple: true })).toBe('ok');
      const ids = gunzip(concatenated(spool)).split('\n').filter(Boolean)
        .map((l) => Number(/id=(\d+)/.exec(decodeRecord(l)!.line.toString())![1]));
      expect(ids).toEqual([...Array(total).keys()]);
    } finally {
      state.db.close();
    }
  }, 180_000);
});
