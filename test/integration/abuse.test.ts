// What a hostile network and a careless operator try, held: junk on a TCP
// syslog connection costs no memory that outlives it (lines far past the size
// limit are cut and counted, what is skipped is given back, as the upload
// path gives back what it has sent), a frame announcing a gigabyte is cut
// without being held, connections past the limit are refused while the ones
// taken are served, and idle control connections never stop status.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Status } from '../../src/daemon/status.ts';
import { startAgent, until, type RunningAgent } from '../helpers/agent.ts';
import { tmpdir } from '../helpers/tmp.ts';
import { memory } from '../bench/proc.ts';

const MiB = 1024 * 1024;
let agent: RunningAgent | undefined;
afterEach(async () => {
  await agent?.stop('SIGKILL');
  agent = undefined;
});

/** One connection that sends `bytes` of a line that never ends (after `head`), then closes. */
function junk(port: number, bytes: number, head = ''): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      if (head) s.write(head);
      const block = Buffer.alloc(64 * 1024, 0x41);
      let left = bytes;
      const more = () => {
        while (left > 0) {
          left -= block.length;
          if (!s.write(block)) return void s.once('drain', more);
        }
        s.end();
      };
      more();
    });
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

/** RSS once start-up has settled: two readings a moment apart within 256 KiB of each other. */
async function settledRss(pid: number): Promise<number> {
  let last = memory(pid).rss;
  return until(async () => {
    await new Promise((r) => setTimeout(r, 100));
    const now = memory(pid).rss;
    const settled = Math.abs(now - last) < 256 * 1024;
    last = now;
    return settled && now;
  }, 10_000, 'the agent to settle');
}

/** Peak RSS of pid while fn runs, sampled every 20 ms. */
async function peakWhile(pid: number, from: number, fn: () => Promise<unknown>): Promise<number> {
  let peak = from;
  const sampler = setInterval(() => (peak = Math.max(peak, memory(pid).rss)), 20);
  try {
    await fn();
  } finally {
    clearInterval(sampler);
  }
  return peak;
}

describe('TCP syslog memory', () => {
  it('gives back what four concurrent 10 MB lines without a newline took', async () => {
    agent = await startAgent(tmpdir(), { ingest: { unixSocket: '', udpPort: 0 } });
    const pid = agent.proc.pid!;
    const idle = await settledRss(pid);
    const port = agent.config.ingest!.tcpPort as number;
    let st: Status | undefined;
    const peak = await peakWhile(pid, idle, async () => {
      await Promise.all([0, 1, 2, 3].map(() => junk(port, 10 * MiB)));
      st = await until(() => { const s = agent!.status(); return s.ingest.truncated === 4 && s; }, 20_000, 'four cut lines');
    });
    expect(st!.ingest.records).toBe(4);
    // The skipped 40 MB never all sat in memory, and what did is given back once the lines are cut.
    expect(peak - idle).toBeLessThan(16 * MiB);
    await until(() => memory(pid).rss - idle < 8 * MiB, 10_000, 'memory given back');
  });

  it('cuts a frame that announces 999,999,999 octets at the size limit, without holding what follows', async () => {
    agent = await startAgent(tmpdir(), { ingest: { unixSocket: '', udpPort: 0 } });
    const pid = agent.proc.pid!;
    const idle = await settledRss(pid);
    const port = agent.config.ingest!.tcpPort as number;
    const peak = await peakWhile(pid, idle, () => junk(port, 20 * MiB, '999999999 <13>'));
    const st = await until(() => { const s = agent!.status(); return s.ingest.truncated === 1 && s; }, 20_000, 'the cut frame');
    expect(st.ingest.records).toBe(1);
    expect(peak - idle).toBeLessThan(16 * MiB);
  });
});

describe('connections', () => {
  it('takes at most ingest.tcpMaxConnections TCP connections, and serves every one it took', async () => {
    agent = await startAgent(tmpdir(), { ingest: { unixSocket: '', udpPort: 0, tcpMaxConnections: 8 } });
    const port = agent.config.ingest!.tcpPort as number;
    let refused = 0;
    const sockets = await Promise.all(Array.from({ length: 40 }, () => new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.on('error', () => {}); // a refused one may be reset
      s.on('close', () => refused++);
      s.once('error', reject);
    })));
    // The daemon closes each connection past the limit as soon as it arrives.
    await until(() => refused === 32, 10_000, '32 connections refused');
    const open = sockets.filter((s) => !s.destroyed && s.readyState === 'open');
    expect(open).toHaveLength(8);
    for (const [i, s] of open.entries()) s.end(`<13>line from connection ${i}\n`);
    const st = await until(() => { const x = agent!.status(); return x.ingest.records === 8 && x; }, 10_000, 'a line from each');
    expect(st.ingest.records).toBe(8);
  });

  it('answers status with 500 idle connections open on its control socket', async () => {
    agent = await startAgent(tmpdir(), { ingest: { unixSocket: '', udpPort: 0, tcpPort: 0 } });
    const idle = await Promise.all(Array.from({ length: 500 }, () => new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(agent!.controlSocket, () => resolve(s));
      s.once('error', reject);
    })));
    try {
      const r = await agent.cliAsync('--json', 'status');
      expect(r.code).toBe(0);
      expect(r.json.ok).toBe(true);
      expect(idle.every((s) => !s.destroyed)).toBe(true);
    } finally {
      for (const s of idle) s.destroy();
    }
  });
});
