// Crash safety: the agent is killed with SIGKILL at random moments while it
// ingests. After every kill the spool opens cleanly, nothing it had
// committed is missing, nothing is there twice; and a file source resumes
// exactly where its committed records end.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/protocol/record.ts';
import { agentConfig, RunningAgent, until } from '../helpers/agent.ts';
import { UnixSender } from '../helpers/senders.ts';
import { concatenated, gunzip, openSpool } from '../helpers/spool.ts';
import { tmpdir } from '../helpers/tmp.ts';

function line(i: number): string {
  return `<134>Nov 22 08:00:00 ddi01 CEF:0|Trend Micro|Deep Discovery Inspector|6.0|1539|crash test|6|id=${i} src=10.0.${i % 250}.${i % 199} dst=203.0.113.${i % 250}`;
}

/** Open the dead agent's spool directly: integrity, then every line it holds. */
function inspect(stateDir: string): string[] {
  const { state, spool } = openSpool(stateDir);
  try {
    expect(state.db.pragma('integrity_check', { simple: true })).toBe('ok');
    return gunzip(concatenated(spool)).split('\n').filter(Boolean).map((l) => decodeRecord(l)!.line.toString());
  } finally {
    state.db.close();
  }
}

// Deterministic "random" kill moments, so a failure can be replayed.
const KILL_AFTER_MS = [350, 1200, 520, 900, 1500, 410];

describe('SIGKILL at random moments', () => {
  it('loses and repeats nothing from a followed file', async () => {
    const dir = tmpdir();
    const log = path.join(dir, 'detections.log');
    fs.writeFileSync(log, '');
    const config = await agentConfig(dir, {
      ingest: { unixSocket: '', udpPort: 0, tcpPort: 0, files: [log], tailPollMs: 50 },
      spool: { chunkMaxAgeMs: 100, chunkMaxBytes: 64 * 1024 },
    });
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify(config));
    let written = 0;
    const writer = setInterval(() => {
      let s = '';
      for (let k = 0; k < 40; k++) s += `${line(written++)}\n`;
      fs.appendFileSync(log, s);
    }, 5);
    let committed = 0;
    try {
      for (const ms of KILL_AFTER_MS) {
        const agent = await new RunningAgent(file, config).ready();
        await new Promise((r) => setTimeout(r, ms));
        agent.proc.kill('SIGKILL');
        await agent.exited;
        const got = inspect(config.daemon!.stateDir as string);
        // Committed records are a prefix of the file: in order, none missing, none twice.
        expect(got.length).toBeGreaterThanOrEqual(committed);
        for (let i = 0; i < got.length; i++) if (got[i] !== line(i)) expect(got[i]).toBe(line(i));
        committed = got.length;
      }
      expect(committed).toBeGreaterThan(0);
    } finally {
      clearInterval(writer);
    }
    // Let a last run catch up with everything written, then stop it cleanly.
    const agent = await new RunningAgent(file, config).ready();
    await until(() => { const s = agent.status(); return s.spool.records + s.spool.open.records >= written - committed; }, 30_000,
      'the tail to catch up');
    expect(await agent.stop('SIGTERM')).toBe(0);
    const got = inspect(config.daemon!.stateDir as string);
    expect(got.length).toBe(written);
    for (let i = 0; i < written; i++) if (got[i] !== line(i)) expect(got[i]).toBe(line(i));
  });

  it('keeps every committed datagram exactly once across kills', async () => {
    const dir = tmpdir();
    const config = await agentConfig(dir, { spool: { chunkMaxAgeMs: 100, chunkMaxBytes: 64 * 1024 } });
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify(config));
    let sent = 0;
    let before = 0;
    for (const ms of KILL_AFTER_MS.slice(0, 4)) {
      const agent = await new RunningAgent(file, config).ready();
      const sender = new UnixSender(config.ingest!.unixSocket as string);
      const end = Date.now() + ms;
      let committedSeen = before;
      while (Date.now() < end) {
        await sender.sendAll(Array.from({ length: 50 }, () => line(sent++)));
        if (sent % 1000 === 0) committedSeen = Math.max(committedSeen, agent.status().spool.records);
      }
      agent.proc.kill('SIGKILL');
      await agent.exited;
      sender.close();
      const got = inspect(config.daemon!.stateDir as string);
      expect(new Set(got).size).toBe(got.length); // nothing twice
      expect(got.length).toBeGreaterThanOrEqual(committedSeen); // nothing committed went missing
      const ids = got.map((l) => Number(/id=(\d+)/.exec(l)![1]));
      expect(ids.every((v, k) => k === 0 || v > ids[k - 1]!)).toBe(true); // in order
      before = got.length;
    }
  });
});
