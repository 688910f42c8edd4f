// What the appliance must survive on the way to TMSP, with nothing lost:
// a log server down for a long stretch, a connection cut in the middle of
// an upload, and settings that are wrong (which must not become a tight
// retry loop).

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NEEDS_OPERATOR, type ErrorCode } from '../../src/errors.ts';
import { startAgent, until, type RunningAgent } from '../helpers/agent.ts';
import { sendTcp } from '../helpers/senders.ts';
import {
  APPLIANCE, batchDir, idsOf, line, proxySection, receivedLines, tmspFixture, tmspSection,
} from '../helpers/tmsp.ts';
import { tmpdir } from '../helpers/tmp.ts';
import { startNginx } from '../peers/peers.ts';

const f = tmspFixture({ monitor: true });

/** Lines that compress poorly, so a few MB fill a small spool. */
function noisy(from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += `${line(i)} cs1=${crypto.randomBytes(100).toString('hex')}\n`;
  return s;
}

async function tmspAgent(tmsp: Record<string, unknown>, spool: Record<string, unknown> = {}, extra: Record<string, Record<string, unknown>> = {}) {
  f.agent = await startAgent(tmpdir(), {
    spool: { chunkMaxBytes: 64 * 1024, chunkMaxAgeMs: 100, ...spool },
    extra: { appliance: { id: APPLIANCE }, tmsp: tmspSection(f.peers, tmsp), ...extra },
  });
  return f.agent;
}

function upload(a: RunningAgent): Promise<number | null> {
  // In the background: upload-now waits for its round, and the test acts meanwhile.
  return a.cliAsync('upload-now').then((r) => r.code);
}

describe('the log server down for a long stretch', () => {
  it('fills the spool to its budget, drops the oldest exactly, keeps the heartbeat, and resumes by itself', async () => {
    await f.peers.sshd.stop();
    const t0 = Date.now();
    const a = await tmspAgent({ retryMaxSeconds: 1, heartbeatSeconds: 5 }, { budgetBytes: 8 * 1024 * 1024 });
    const N = 80_000;
    await sendTcp(a.config.ingest!.tcpPort as number, noisy(0, N));
    await until(() => a.status().ingest.records === N, 30_000, 'all records in');
    await a.cli('flush');
    let st = a.status();
    expect(st.dropped.records).toBeGreaterThan(0);
    expect(st.spool.diskBytes).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(st.health.state).toBe('degraded');
    expect(st.health.problems.join('\n')).toContain('not forwarding to TMSP');
    expect(st.tmsp.enabled && st.tmsp.upload.lastErrorCode).toBe('E_CONNECT');
    // Heartbeats go on while the log server is away, and they carry the drops.
    const hb = `tmsp/v1/${APPLIANCE}/heartbeat`;
    await until(() => f.monitor.on(hb).some((m) => m.at > t0 && JSON.parse(m.payload).dropped.records > 0), 15_000,
      'a heartbeat reporting the drops');
    const last = JSON.parse(f.monitor.last(hb)!.payload);
    expect(last.upload.lastErrorCode).toBe('E_CONNECT');
    expect(last.spool.oldestUnsentAgeS).toBeGreaterThanOrEqual(0);

    await f.peers.sshd.start();
    st = await until(() => {
      const s = a.status();
      return s.spool.chunks === 0 && s.spool.open.records === 0 && s;
    }, 60_000, 'the backlog to drain after the server returned');
    const dropped = st.dropped.records;
    const ids = idsOf(receivedLines(batchDir(f.peers, 'ssh')));
    // Every record not dropped arrived exactly once; the dropped ones were the oldest.
    expect(ids.length).toBe(N - dropped);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(Array.from({ length: N - dropped }, (_, k) => dropped + k));
  });
});

/** Bytes in the files under a directory (and its subdirectories): how much of a transfer has reached the server. */
function bytesUnder(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return n;
}

describe('a connection cut in the middle of an upload', () => {
  it.each(['ssh', 'ssl'] as const)('over %s: never shows a partial file under its final name, and the retry completes it', async (protocol) => {
    const a = await tmspAgent({ protocol, retryMaxSeconds: 1, bandwidthLimitBytes: 1024 * 1024 });
    const N = 20_000;
    await sendTcp(a.config.ingest!.tcpPort as number, noisy(0, N));
    await until(() => a.status().ingest.records === N, 30_000, 'all records in');
    a.cli('flush');
    const dir = batchDir(f.peers, protocol);
    const sizes = new Map<string, number>();
    let sawPart = false;
    const watch = setInterval(() => {
      if (!fs.existsSync(dir)) return;
      for (const f of fs.readdirSync(dir)) {
        if (f.endsWith('.part')) sawPart = true;
        else if (f.endsWith('.ndjson.gz')) {
          const size = fs.statSync(path.join(dir, f)).size;
          const before = sizes.get(f);
          if (before !== undefined && before !== size) throw new Error(`${f} changed size under its final name`);
          sizes.set(f, size);
        }
      }
    }, 10);
    try {
      const done = upload(a);
      // Cut the transfer once it is under way (the bandwidth cap makes it last a few seconds).
      await until(() => (a.status().tmsp as { upload: { state: string } }).upload.state === 'uploading', 10_000, 'the upload to start');
      // Under way: a few hundred KB already on the server's disk (its .part file, or nginx's body buffer).
      const onServer = () => bytesUnder(protocol === 'ssh' ? dir : path.join(f.peers.nginx.dir, 'tmp'));
      await until(() => onServer() > 256 * 1024, 20_000, 'the transfer to be under way');
      const killed = protocol === 'ssh' ? f.peers.sshd.killSessions() : f.peers.nginx.killWorkers();
      expect(killed).toBeGreaterThan(0);
      await done;
      await until(() => a.status().spool.chunks === 0, 60_000, 'the retry to finish the upload');
    } finally {
      clearInterval(watch);
    }
    if (protocol === 'ssh') expect(sawPart).toBe(true);
    const st = a.status();
    expect(st.tmsp.enabled && st.tmsp.upload.attempts).toBeGreaterThanOrEqual(2);
    // Each final file was complete when it appeared: it gunzips, and every record is there once.
    expect(idsOf(receivedLines(dir))).toEqual([...Array(N).keys()]);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
  });
});

describe('wrong settings', () => {
  it.each([
    ['a wrong password', { password: 'wrong-pass' }, 'E_AUTH', 'E_AUTH'],
    ['a changed host key', { hostKeyFingerprint: `SHA256:${'B'.repeat(43)}` }, 'E_HOSTKEY', null],
    ['a proxy refusing the login', { useProxy: true }, 'E_PROXY_AUTH', 'E_PROXY_AUTH'],
  ])('%s: a clear error in status, and no tight retry loop', async (_what, tmsp, uploadCode, statusCode) => {
    const a = await tmspAgent({ ...tmsp, retryMaxSeconds: 300 }, {},
      { proxy: proxySection(f.peers, { password: 'bad-proxy-pass' }) });
    await sendTcp(a.config.ingest!.tcpPort as number, `${line(1)}\n`);
    await a.cli('flush');
    a.cli('upload-now');
    // Failed, and the next try scheduled (operator errors back off from 30 s: test/unit/retry.test.ts holds the cadence).
    const st = await until(() => {
      const s = a.status();
      const t = s.tmsp.enabled ? s.tmsp : undefined;
      return t && t.upload.nextAttemptAt !== null && (!statusCode || t.status.lastErrorCode !== null) ? s : undefined;
    }, 20_000, 'the failure in status');
    if (!st.tmsp.enabled) throw new Error('tmsp should be on');
    expect(st.tmsp.upload.lastErrorCode).toBe(uploadCode);
    expect(NEEDS_OPERATOR.has(uploadCode as ErrorCode)).toBe(true);
    expect(st.tmsp.upload.lastError).toBeTruthy();
    expect(st.tmsp.upload.attempts).toBeLessThanOrEqual(2);
    if (statusCode) {
      expect(st.tmsp.status.lastErrorCode).toBe(statusCode);
      expect(st.tmsp.status.attempts).toBeLessThanOrEqual(2);
    }
    expect(st.health.state).toBe('degraded');
    expect(st.spool.records).toBe(1); // kept for when the settings are right
    const human = a.cli('status').stdout;
    expect(human).toContain('last error');
  });

  it('an untrusted certificate on the HTTPS log server: a clear error, no tight loop', async () => {
    const nginx = await startNginx(f.peers.root, 'untrusted');
    try {
      const a = await tmspAgent({ protocol: 'ssl', logServer: `127.0.0.1:${nginx.port}`, retryMaxSeconds: 300 });
      await sendTcp(a.config.ingest!.tcpPort as number, `${line(1)}\n`);
      await a.cli('flush');
      a.cli('upload-now');
      const st = await until(() => { const s = a.status(); return s.tmsp.enabled && s.tmsp.upload.nextAttemptAt !== null ? s : undefined; }, 20_000,
        'the failure in status');
      if (!st.tmsp.enabled) throw new Error('tmsp should be on');
      expect(st.tmsp.upload.lastErrorCode).toBe('E_TLS_UNTRUSTED');
      expect(NEEDS_OPERATOR.has('E_TLS_UNTRUSTED')).toBe(true);
      expect(st.tmsp.upload.attempts).toBeLessThanOrEqual(2);
    } finally {
      await nginx.stop();
    }
  });
});
