// The spool's byte budget holds whatever else the appliance keeps: 70,000
// suspicious objects (their own database, bounded by sms.maxObjects) push no
// log chunk out of an 8 MiB spool, and status says which part holds what.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openObjects } from '../../src/sms/database.ts';
import { ObjectStore } from '../../src/sms/store.ts';
import { agentConfig, RunningAgent, until } from '../helpers/agent.ts';
import { sendTcp } from '../helpers/senders.ts';
import { dirBytes } from '../helpers/spool.ts';
import { line } from '../helpers/tmsp.ts';
import { tmpdir } from '../helpers/tmp.ts';

const MiB = 1024 * 1024;
let agent: RunningAgent | undefined;
afterEach(async () => {
  await agent?.stop('SIGKILL');
  agent = undefined;
});

const onDisk = (file: string) => ['', '-wal'].reduce((n, s) => n + (fs.existsSync(file + s) ? fs.statSync(file + s).size : 0), 0);

describe('the spool budget and the objects', () => {
  it('keeps every new log line within 8 MiB beside 70,000 objects, and shows each part\'s size', async () => {
    const dir = tmpdir();
    const config = await agentConfig(dir, {
      ingest: { unixSocket: '', udpPort: 0 },
      spool: { budgetBytes: 8 * MiB, chunkMaxBytes: 256 * 1024, chunkMaxAgeMs: 200 },
    });
    const stateDir = config.daemon!.stateDir as string;
    {
      const opened = openObjects(stateDir, { durability: 'normal' });
      const store = new ObjectStore(opened.db, { ttlMs: 30 * 86_400_000, maxObjects: 100_000 });
      for (let k = 0; k < 70; k++) {
        store.upsertMany(Array.from({ length: 1000 }, (_, j) => {
          const i = k * 1000 + j;
          return { type: 'domain' as const, value: `cnc-${i}.bad-${i % 97}.example`, risk: 'high' as const, category: 'cnc-callback' as const, source: 'test' };
        }));
      }
      opened.db.close();
    }
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify(config));
    agent = await new RunningAgent(file, config).ready();
    let text = '';
    for (let i = 0; i < 20_000; i++) text += `${line(i, 60)}\n`;
    await sendTcp(config.ingest!.tcpPort as number, text);
    await until(() => agent!.status().ingest.records === 20_000, 30_000, 'the lines in');
    expect(agent.cli('flush').code).toBe(0);
    const st = agent.status();
    expect(st.spool.records).toBe(20_000);
    expect(st.dropped).toEqual({ chunks: 0, records: 0, bytes: 0 });
    expect(st.sms!.objects).toBe(70_000);
    expect(st.sms!.diskBytes).toBeGreaterThan(2 * MiB);
    expect(st.spool.diskBytes).toBeLessThanOrEqual(8 * MiB);
    // Seen from outside: the database, its WAL and the segment files of the bodies.
    const spoolOnDisk = onDisk(path.join(stateDir, 'state.db')) + dirBytes(path.join(stateDir, 'chunks'));
    expect(spoolOnDisk).toBeLessThanOrEqual(8 * MiB);
    expect(st.sms!.diskBytes).toBe(onDisk(path.join(stateDir, 'objects.db')));
  });
});
