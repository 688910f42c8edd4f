// A failing flash chip: a damaged b-tree page in state.db, made by writing
// into the file at one of the chunk table's pages. The daemon finds it at run
// time, moves the file aside, carries what can still be read into a new one,
// keeps answering status and says so; ingest goes on, and sequence numbers
// never repeat. `spool verify` only ever reports damage; it repairs nothing.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openState } from '../../src/state/db.ts';
import { agentConfig, cli, RunningAgent, until } from '../helpers/agent.ts';
import { openSpool, SMALL } from '../helpers/spool.ts';
import { sendTcp } from '../helpers/senders.ts';
import { line } from '../helpers/tmsp.ts';
import { tmpdir } from '../helpers/tmp.ts';

let agent: RunningAgent | undefined;
afterEach(async () => {
  await agent?.stop('SIGKILL');
  agent = undefined;
});

/** Pages of the chunk table's b-tree (from SQLite's dbstat), root first. */
function chunkPages(file: string): Array<{ pageno: number; pagetype: string }> {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT pageno, pagetype FROM dbstat WHERE name = 'chunk' AND pagetype != 'overflow' ORDER BY path").all() as
      Array<{ pageno: number; pagetype: string }>;
  } finally {
    db.close();
  }
}

/** Overwrite one page of the file with noise, as a failing flash cell would. */
function damage(file: string, pageno: number): void {
  const db = new Database(file, { readonly: true });
  const size = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, crypto.randomBytes(size), 0, size, (pageno - 1) * size);
  fs.closeSync(fd);
}

async function feed(a: RunningAgent, from: number, to: number): Promise<void> {
  let s = '';
  for (let i = from; i < to; i++) s += `${line(i, 150)}\n`;
  await sendTcp(a.config.ingest!.tcpPort as number, s);
  await until(() => a.status().ingest.records >= to - from, 30_000, `${to - from} records in`);
  expect(a.cli('flush').code).toBe(0);
}

describe('a damaged page in the state database', () => {
  it('is found at run time: moved aside, status answers and says so, ingest goes on, sequence numbers never repeat', async () => {
    const dir = tmpdir();
    const config = await agentConfig(dir, { ingest: { unixSocket: '', udpPort: 0 }, spool: { chunkMaxBytes: 64 * 1024, chunkMaxAgeMs: 200 } });
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify(config));
    const stateDir = config.daemon!.stateDir as string;
    agent = await new RunningAgent(file, config).ready();
    await feed(agent, 0, 3000);
    const before = agent.status().spool;
    expect(before.chunks).toBeGreaterThan(5);
    expect(await agent.stop()).toBe(0);

    // The chunk table's root page: the file opens, the chunk table does not read.
    const db = path.join(stateDir, 'state.db');
    damage(db, chunkPages(db)[0]!.pageno);

    agent = await new RunningAgent(file, config).ready();
    const st = agent.status();
    expect(st.state.recoveredFrom).toMatch(/state\.db\.damaged-\d+$/);
    expect(fs.existsSync(st.state.recoveredFrom!)).toBe(true);
    expect(st.health.state).toBe('degraded');
    expect(st.health.problems.join()).toContain('state database was damaged and moved to');
    // What the damaged table held is counted as lost, not silently forgotten.
    expect(st.lost.records + st.spool.records).toBe(before.records);
    // Ingest goes on into the new file, with sequence numbers after every earlier one.
    await feed(agent, 3000, 3500);
    const after = agent.status().spool;
    expect(after.records - st.spool.records).toBe(500);
    expect(after.firstSeq!).toBeGreaterThan(before.lastSeq!);
    expect(agent.log).toMatch(/state database found damaged; moved aside/);
    expect(await agent.stop()).toBe(0);

    // The new spool verifies clean; the damaged one does not, and verify leaves it where it is.
    expect(cli(['--config', file, '--json', 'spool', 'verify']).json).toMatchObject({ ok: true, clean: true });
    const aside = path.join(tmpdir(), 'aside');
    fs.mkdirSync(aside);
    fs.copyFileSync(st.state.recoveredFrom!, path.join(aside, 'state.db'));
    const asideConfig = path.join(aside, 'config.json');
    fs.writeFileSync(asideConfig, JSON.stringify({ daemon: { stateDir: aside, controlSocket: path.join(aside, 'c.sock') } }));
    const v = cli(['--config', asideConfig, '--json', 'spool', 'verify']);
    expect(v.code).toBe(6);
    expect(v.json).toMatchObject({ ok: false, clean: false, error: { code: 'E_STATE' } });
    expect(v.json.integrity).not.toBe('ok');
    expect(fs.readdirSync(aside).sort()).toEqual(['config.json', 'state.db']);
  });

  it('keeps every chunk that can still be read when one leaf page in the middle is damaged', async () => {
    const dir = tmpdir();
    {
      // Small chunks: enough index rows for several leaf pages (the bodies are in segment files).
      const { state, spool } = openSpool(dir, { chunkMaxBytes: 4 * 1024 });
      for (let i = 0; i < 20_000; i++) {
        if (!spool.chunker.writable) await new Promise<void>((r) => spool.chunker.onDrain(r));
        spool.chunker.append(`{"line":"${crypto.randomBytes(40).toString('hex')} ${i}"}\n`, Date.now());
      }
      await spool.flush();
      expect(spool.stats().records).toBe(20_000);
      state.db.close();
    }
    const file = path.join(dir, 'state.db');
    const leaves = chunkPages(file).filter((p) => p.pagetype === 'leaf');
    expect(leaves.length).toBeGreaterThanOrEqual(3);
    damage(file, leaves[Math.floor(leaves.length / 2)]!.pageno);

    const state = openState(dir, { durability: 'full' });
    const spool = (await import('../../src/spool/spool.ts')).Spool;
    const s = new spool(state.db, state.file, SMALL, (await import('../helpers/log.ts')).silent);
    // Reading every chunk crosses the damaged leaf: the statement that finds it starts the replacement.
    expect(() => { for (let m = s.ring.next(0); m; m = s.ring.next(m.firstSeq)) s.ring.data(m); }).toThrow();
    await state.db.recovered();
    expect(state.recoveredFrom).toMatch(/damaged/);
    const kept = s.stats();
    expect(kept.records).toBeGreaterThan(0);
    expect(kept.records).toBeLessThan(20_000);
    expect(kept.records + kept.lost.records).toBe(20_000);
    // From both sides of the damage.
    expect(kept.firstSeq).toBe(1);
    expect(kept.lastSeq).toBe(20_000);
    state.db.close();
  });

  it('in objects.db too: the objects that can be read are kept, and status says where the damaged file went', async () => {
    const dir = tmpdir();
    const config = await agentConfig(dir, { ingest: { unixSocket: '', udpPort: 0, tcpPort: 0 } });
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify(config));
    agent = await new RunningAgent(file, config).ready();
    for (let i = 1; i <= 20; i++) expect(agent.cli('objects', 'add', 'ipv4', `203.0.113.${i}`, 'high').code).toBe(0);
    expect(await agent.stop()).toBe(0);
    const objects = path.join(config.daemon!.stateDir as string, 'objects.db');
    const db = new Database(objects, { readonly: true });
    const root = (db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'object'").get() as { rootpage: number }).rootpage;
    db.close();
    damage(objects, root);
    agent = await new RunningAgent(file, config).ready();
    const st = agent.status();
    expect(st.sms!.recoveredFrom).toMatch(/objects\.db\.damaged-\d+$/);
    expect(st.health.problems.join()).toContain('objects database was damaged and moved to');
    expect(agent.cli('objects', 'add', 'ipv4', '203.0.113.99', 'high').code).toBe(0);
    expect(agent.status().sms!.objects).toBe(1);
  });

  it('spool verify on a file that is not a database at all says so and moves nothing', () => {
    const dir = tmpdir();
    const stateDir = path.join(dir, 'state');
    fs.mkdirSync(stateDir);
    fs.writeFileSync(path.join(stateDir, 'state.db'), crypto.randomBytes(64 * 1024));
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ daemon: { stateDir, controlSocket: path.join(dir, 'c.sock') } }));
    const v = cli(['--config', file, '--json', 'spool', 'verify']);
    expect(v.code).toBe(6);
    expect(v.json).toMatchObject({ ok: false, clean: false });
    expect(fs.readdirSync(stateDir)).toEqual(['state.db']);
  });
});
