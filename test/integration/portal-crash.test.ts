// SIGKILL during ingest: the portal is killed while it works through a
// backlog of batches, three times, and restarted; in the end every batch
// counts exactly once, with exactly its records and detections.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { batchFileName } from '../../src/protocol/batch.ts';
import { until } from '../helpers/agent.ts';
import { CEF_LINE, LEEF_LINE, ndjson, PLAIN_LINE } from '../helpers/portal.ts';
import { portalSettings, RunningPortal } from '../helpers/portal-process.ts';
import { tmpdir } from '../helpers/tmp.ts';

const BATCHES = 24;
const PER_BATCH = 6000;

describe('the portal killed during ingest', () => {
  it('counts every batch exactly once after restarts', async () => {
    const dir = tmpdir('tmsp-portal-crash-');
    const lines = Array.from({ length: PER_BATCH }, (_, i) => (i % 3 === 0 ? CEF_LINE(i) : i % 3 === 1 ? LEEF_LINE(i) : PLAIN_LINE(i)));
    const gz = zlib.gzipSync(ndjson(lines));
    const incoming = path.join(dir, 'data', 'incoming', 'acme', 'upload', 'tda-crash');
    fs.mkdirSync(incoming, { recursive: true });
    for (let b = 0; b < BATCHES; b++) {
      fs.writeFileSync(path.join(incoming, batchFileName({ firstSeq: b * PER_BATCH + 1, lastSeq: (b + 1) * PER_BATCH })), gz);
    }
    const file = path.join(dir, 'portal.json');
    fs.writeFileSync(file, JSON.stringify(portalSettings(dir, { mqtt: { enabled: false }, sftp: { enabled: false }, https: { enabled: false } })));

    const ingestedLines = (log: string) => log.split('\n').filter((l) => l.includes('"batch ingested"')).length;
    let kills = 0;
    let logs = '';
    for (let round = 0; round < 3; round++) {
      const p = new RunningPortal(file);
      onTestFinished(async () => {
        await p.stop('SIGKILL');
      });
      p.proc.once('exit', () => (logs += p.log));
      const seen = await until(() => {
        const n = ingestedLines(p.log);
        return n >= 1 || p.proc.exitCode !== null ? n + 1 : undefined;
      }, 60_000, `a batch ingested\n${p.log}`);
      p.proc.kill('SIGKILL');
      await p.exited;
      if (seen > 0) kills++;
    }
    expect(kills).toBe(3);
    const p = new RunningPortal(file);
    onTestFinished(async () => {
      await p.stop('SIGKILL');
    });
    await p.ready();
    logs += p.log;
    // The kills landed inside a batch's ingest (it is where the portal spends its time): the next start dropped what it had written.
    expect(logs).toContain('batches an interrupted ingest left were dropped');
    const a = await until(() => {
      const x = p.appliance('tda-crash');
      return x && x.batches === BATCHES ? x : undefined;
    }, 120_000, 'every batch ingested');
    expect(a.records).toBe(BATCHES * PER_BATCH);
    expect(a.detections).toBe(BATCHES * (PER_BATCH / 3) * 2);
    expect(a.gaps).toEqual([]);
    expect(fs.readdirSync(incoming)).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'data', 'batches', 'tda-crash'))).toHaveLength(BATCHES);
    const st = p.status();
    expect((st.counters as any).ingest.quarantined).toBe(0);
    await p.stop();
  }, 240_000);
});
