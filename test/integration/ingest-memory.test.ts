// Junk on a TCP syslog connection costs no memory that outlives it: lines far
// past the size limit are cut and counted, and what is skipped is given back,
// as the upload path gives back what it has sent.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgent, until, type RunningAgent } from '../helpers/agent.ts';
import { tmpdir } from '../helpers/tmp.ts';
import { memory } from '../bench/proc.ts';

const MiB = 1024 * 1024;
let agent: RunningAgent | undefined;
afterEach(async () => {
  await agent?.stop('SIGKILL');
  agent = undefined;
});

/** One connection that sends `bytes` of a line that never ends, then closes. */
function junk(port: number, bytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
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

describe('TCP syslog memory', () => {
  it('gives back what four concurrent 10 MB lines without a newline took', async () => {
    agent = await startAgent(tmpdir(), { ingest: { unixSocket: '', udpPort: 0 } });
    const pid = agent.proc.pid!;
    // Idle is when start-up has settled: two readings a moment apart within 256 KiB of each other.
    let last = memory(pid).rss;
    const idle = await until(async () => {
      await new Promise((r) => setTimeout(r, 100));
      const now = memory(pid).rss;
      const settled = Math.abs(now - last) < 256 * 1024;
      last = now;
      return settled && now;
    }, 10_000, 'the agent to settle');
    const port = agent.config.ingest!.tcpPort as number;
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, memory(pid).rss)), 20);
    await Promise.all([0, 1, 2, 3].map(() => junk(port, 10 * MiB)));
    const st = await until(() => { const s = agent!.status(); return s.ingest.truncated === 4 && s; }, 20_000, 'four cut lines');
    clearInterval(sampler);
    expect(st.ingest.records).toBe(4);
    // The skipped 40 MB never all sat in memory, and what did is given back once the lines are cut.
    expect(peak - idle).toBeLessThan(16 * MiB);
    await until(() => memory(pid).rss - idle < 8 * MiB, 10_000, 'memory given back');
  });
});
