// The board, emulated: the arm64 image (Debian kernel, BusyBox, the C
// libraries, rootfs-overlay/ and the arm64 executable) boots under
// qemu-system-aarch64; the overlay's init script starts the agent; lines
// logged on the board reach it; it answers status over its control socket;
// the init script stops it gracefully and the spool it leaves is clean.
// Everything is read back from the serial console.

import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpdir } from '../helpers/tmp.ts';

const BOARD = path.resolve('board/qemu-aarch64');
const HOOK = path.resolve('test/arm/boot-hook');

function boot(out: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(path.join(BOARD, 'run.sh'), [out], { env: { ...process.env, TIMEOUT: '600' } });
    let console = '';
    p.stdout.on('data', (d) => (console += d));
    p.stderr.on('data', (d) => (console += d));
    p.once('error', reject);
    p.once('exit', () => resolve(console));
  });
}

function json(consoleText: string, marker: string): any {
  const line = consoleText.split(/\r?\n/).find((l) => l.startsWith(`${marker} `));
  if (!line) throw new Error(`no ${marker} on the console:\n${consoleText}`);
  return JSON.parse(line.slice(marker.length + 1));
}

describe('the arm64 board image', () => {
  it('boots, starts the agent from its init script, ingests, answers status, and shuts down leaving a clean spool', async () => {
    const out = tmpdir('tmsp-board-');
    const mk = spawnSync(path.join(BOARD, 'mkimage.sh'), [out, HOOK], { encoding: 'utf8' });
    expect(mk.status, mk.stderr).toBe(0);
    const t0 = Date.now();
    const text = await boot(out);
    const seconds = (Date.now() - t0) / 1000;
    process.stdout.write(`boot test: ${seconds.toFixed(0)} s under qemu-system-aarch64 (TCG)\n`);
    expect(text).toContain('BOARD: up in');
    expect(text).toContain('Starting tmsp-agent: OK');
    const status = json(text, 'BOOT-TEST-STATUS');
    expect(status.ok).toBe(true);
    expect(status.status.ingest.records).toBeGreaterThanOrEqual(4);
    const kinds = Object.fromEntries(status.status.ingest.sources.map((s: { kind: string; records: number }) => [s.kind, s.records]));
    expect(kinds.unix).toBeGreaterThanOrEqual(3);
    expect(kinds.udp).toBeGreaterThanOrEqual(1);
    expect(status.status.health.state).toBe('ok');
    expect(text).toMatch(/Stopping tmsp-agent: OK/);
    const verify = json(text, 'BOOT-TEST-VERIFY');
    expect(verify).toMatchObject({ ok: true, clean: true, integrity: 'ok', corrupt: 0 });
    // The graceful stop sealed and stored the open chunk: every record ingested is in the spool.
    expect(verify.records).toBe(status.status.ingest.records);
    expect(text).toContain('tmsp-agent stopped');
    expect(text).toContain('BOOT-TEST-DONE');
  });
});
