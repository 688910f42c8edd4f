// Memory does not grow with batch size or with time offline: a 200 MB batch
// goes up with the agent's RSS within 20 MB of its idle figure, and a long
// run of failed reconnects leaks neither memory nor file descriptors.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentConfig, RunningAgent, until } from '../helpers/agent.ts';
import { prefill } from '../helpers/spool.ts';
import {
  APPLIANCE, batchDir, batchFiles, tmspFixture, tmspSection,
} from '../helpers/tmsp.ts';
import { tmpdir } from '../helpers/tmp.ts';
import { memory } from '../bench/proc.ts';

const f = tmspFixture();

const MiB = 1024 * 1024;

/** Random text lines: incompressible, so 200 MB of chunks is 200 MB to send. */
function noiseLines(): string[] {
  return Array.from({ length: 4000 }, () => `<13>Nov 22 08:00:00 host app: ${crypto.randomBytes(240).toString('base64')}`);
}

function rssSampler(pid: number) {
  const samples: number[] = [];
  const t = setInterval(() => {
    try {
      samples.push(memory(pid).rss);
    } catch {
      // exited
    }
  }, 50);
  return { stop: () => (clearInterval(t), samples) };
}

describe('memory', () => {
  it.each(['ssh', 'ssl'] as const)('a 200 MB batch over %s uploads with RSS within 20 MB of idle', async (protocol) => {
    const dir = tmpdir();
    const config = await agentConfig(dir, {
      ingest: { unixSocket: '', udpPort: 0, tcpPort: 0 },
      spool: { budgetBytes: 1024 * MiB, chunkMaxBytes: 2 * MiB },
      extra: {
        appliance: { id: APPLIANCE },
        // Down at first, so that the idle figure is taken with the TMSP code loaded but nothing sent.
        tmsp: tmspSection(f.peers, { protocol, logServer: '127.0.0.1:1', batchMaxBytes: 256 * MiB, retryMaxSeconds: 300 }),
      },
    });
    const { bytes } = prefill(config.daemon!.stateDir as string, 200 * MiB, noiseLines());
    expect(bytes).toBeGreaterThanOrEqual(200 * MiB);
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify(config));
    const a = (f.agent = await new RunningAgent(file, config).ready());
    await until(() => (a.status().tmsp as { upload: { consecutiveFailures: number } }).upload.consecutiveFailures > 0);
    const idleSamples = rssSampler(a.proc.pid!);
    await new Promise((r) => setTimeout(r, 1500));
    const idle = Math.max(...idleSamples.stop());

    const sampler = rssSampler(a.proc.pid!);
    const port = protocol === 'ssh' ? f.peers.sshd.port : f.peers.nginx.port;
    expect(a.cli('config', 'set', `tmsp.logServer=127.0.0.1:${port}`).code).toBe(0);
    await until(() => a.status().spool.chunks === 0, 120_000, 'the 200 MB batch to upload');
    const peak = Math.max(...sampler.stop());
    const files = batchFiles(batchDir(f.peers, protocol));
    expect(files).toHaveLength(1);
    expect(fs.statSync(path.join(batchDir(f.peers, protocol), files[0]!)).size).toBe(bytes);
    expect((peak - idle) / MiB, `idle ${(idle / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB`).toBeLessThanOrEqual(20);
  });

  it('leaks neither memory nor file descriptors over many failed reconnects', async () => {
    const dir = tmpdir();
    const config = await agentConfig(dir, {
      extra: {
        appliance: { id: APPLIANCE },
        tmsp: tmspSection(f.peers, { logServer: '127.0.0.1:1', statusServer: '127.0.0.1:1', retryMaxSeconds: 1 }),
      },
    });
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify(config));
    const a = (f.agent = await new RunningAgent(file, config).ready());
    a.cli('upload-now');
    const fds = () => fs.readdirSync(`/proc/${a.proc.pid}/fd`).length;
    const attempts = () => { const t = a.status().tmsp; return t.enabled ? t.status.attempts : 0; };
    await until(() => attempts() >= 3, 20_000, 'the first failed reconnects');
    const before = { fds: fds(), st: a.status() };
    const start = attempts();
    await until(() => attempts() >= start + 8, 60_000, 'eight more failed reconnects');
    const after = { fds: fds(), st: a.status() };
    if (!before.st.tmsp.enabled || !after.st.tmsp.enabled) throw new Error('tmsp should be on');
    // Many attempts happened in between...
    expect(after.st.tmsp.status.attempts - before.st.tmsp.status.attempts).toBeGreaterThanOrEqual(8);
    // ...and each left nothing behind.
    expect(after.fds).toBeLessThanOrEqual(before.fds + 1);
    expect(after.st.memory.heapUsed - before.st.memory.heapUsed).toBeLessThan(4 * MiB);
  });
});
