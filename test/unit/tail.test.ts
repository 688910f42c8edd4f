// Following a log file: every line exactly once across rename rotation,
// copy-truncate rotation, a rotation while stopped, and restarts; offsets
// never run ahead of what the spool holds.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/protocol/record.ts';
import { Intake } from '../../src/ingest/intake.ts';
import { CursorStore } from '../../src/ingest/tail/cursor.ts';
import { FileTail } from '../../src/ingest/tail/tail.ts';
import { silent } from '../helpers/log.ts';
import { concatenated, gunzip, openSpool } from '../helpers/spool.ts';
import { tmpdir } from '../helpers/tmp.ts';

function start(dir: string, file: string, startAt: 'beginning' | 'end' = 'beginning', max = 64 * 1024) {
  const { state, spool } = openSpool(path.join(dir, 'state'));
  const intake = new Intake(spool.chunker, max);
  const tail = new FileTail({ path: file, pollMs: 20, startAt }, intake, spool.chunker, new CursorStore(state.db), silent);
  return {
    state, spool, tail,
    async stop() {
      await tail.stop();
      await spool.stop();
      state.db.close();
    },
  };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function lines(from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += `<13>Nov 22 08:00:00 host app: line ${i}\n`;
  return s;
}

/** Every line the spool holds, by content. */
function spooled(dir: string): string[] {
  const { state, spool } = openSpool(path.join(dir, 'state'));
  const text = gunzip(concatenated(spool));
  state.db.close();
  return text.split('\n').filter(Boolean).map((l) => decodeRecord(l)!.line.toString());
}

function expectExactly(dir: string, n: number): void {
  const got = spooled(dir);
  expect(got.length).toBe(n);
  expect(new Set(got).size).toBe(n);
  for (let i = 0; i < n; i++) expect(got[i]).toBe(`<13>Nov 22 08:00:00 host app: line ${i}`);
}

describe('file tail', () => {
  it('follows appends, including a line written in two parts', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'messages');
    fs.writeFileSync(file, lines(0, 100));
    const t = start(dir, file);
    await t.tail.start();
    await until(() => t.tail.source.stats.records === 100);
    fs.appendFileSync(file, '<13>Nov 22 08:00:00 host app: li');
    await new Promise((r) => setTimeout(r, 100));
    expect(t.tail.source.stats.records).toBe(100); // a partial line waits for its newline
    fs.appendFileSync(file, `ne 100\n${lines(101, 150)}`);
    await until(() => t.tail.source.stats.records === 150);
    await t.stop();
    expectExactly(dir, 150);
    expect(t.tail.source.stats.records).toBe(150);
  });

  it('survives rename rotation without losing or repeating a line', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'messages');
    fs.writeFileSync(file, lines(0, 50));
    const t = start(dir, file);
    await t.tail.start();
    await until(() => t.tail.source.stats.records === 50);
    fs.appendFileSync(file, lines(50, 60)); // written just before the rotation
    fs.renameSync(file, `${file}.1`);
    fs.appendFileSync(`${file}.1`, lines(60, 70)); // the writer has not reopened yet
    fs.writeFileSync(file, lines(70, 100));
    await until(() => t.tail.source.stats.records === 100);
    await t.stop();
    expectExactly(dir, 100);
  });

  it('survives copy-truncate rotation', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'messages');
    fs.writeFileSync(file, lines(0, 80));
    const t = start(dir, file);
    await t.tail.start();
    await until(() => t.tail.source.stats.records === 80);
    fs.copyFileSync(file, `${file}.1`);
    fs.truncateSync(file, 0);
    await new Promise((r) => setTimeout(r, 100));
    fs.appendFileSync(file, lines(80, 90));
    await until(() => t.tail.source.stats.records === 90);
    await t.stop();
    expectExactly(dir, 90);
  });

  it('resumes at the committed offset after a restart, and finds a file rotated while stopped', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'messages');
    fs.writeFileSync(file, lines(0, 40));
    let t = start(dir, file);
    await t.tail.start();
    await until(() => t.tail.source.stats.records === 40);
    await t.stop();
    // While stopped: more lines, then a rotation, then a new file.
    fs.appendFileSync(file, lines(40, 55));
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, lines(55, 70));
    t = start(dir, file);
    await t.tail.start();
    await until(() => t.tail.source.stats.records === 30);
    await t.stop();
    expectExactly(dir, 70);
  });

  it('starts at the end of an existing file when told to', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'messages');
    fs.writeFileSync(file, 'old history\n'.repeat(10));
    const t = start(dir, file, 'end');
    await t.tail.start();
    await new Promise((r) => setTimeout(r, 100));
    fs.appendFileSync(file, lines(0, 5));
    await until(() => t.tail.source.stats.records === 5);
    await t.stop();
    expectExactly(dir, 5);
  });

  it('cuts an over-long line to the limit, counts it, and carries on with the next line', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'messages');
    fs.writeFileSync(file, `${'y'.repeat(10_000)}\n${lines(0, 3)}`);
    const t = start(dir, file, 'beginning', 1024);
    await t.tail.start();
    await until(() => t.tail.source.stats.records === 4);
    expect(t.tail.source.stats.truncated).toBe(1);
    await t.stop();
    const got = spooled(dir);
    expect(got[0]).toBe('y'.repeat(1024));
    expect(got.slice(1)).toEqual(lines(0, 3).trimEnd().split('\n'));
  });
});
