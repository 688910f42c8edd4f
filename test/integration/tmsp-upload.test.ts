// Sending logs and data to TMSP: batches reach the log server over SSH or
// SSL, through the proxy when asked, and the status server hears that the
// appliance is alive, who it is, and how its spool is doing.

import crypto from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBatchFileName } from '../../src/protocol/batch.ts';
import { startAgent, until, type RunningAgent } from '../helpers/agent.ts';
import { sendTcp } from '../helpers/senders.ts';
import {
  APPLIANCE, batchDir, batchFiles, idsOf, line, proxySection, receivedLines, tmspFixture, tmspSection,
} from '../helpers/tmsp.ts';
import { tmpdir } from '../helpers/tmp.ts';

const f = tmspFixture({ monitor: true });

async function tmspAgent(tmsp: Record<string, unknown> = {}, extra: Record<string, Record<string, unknown>> = {},
  spool: Record<string, unknown> = {}) {
  f.agent = await startAgent(tmpdir(), {
    spool: { chunkMaxBytes: 64 * 1024, chunkMaxAgeMs: 200, ...spool },
    extra: { appliance: { id: APPLIANCE, model: 'TDA-1000', serial: 'SN-42' }, tmsp: tmspSection(f.peers, tmsp), ...extra },
  });
  return f.agent;
}

async function feed(a: RunningAgent, from: number, to: number, pad = 0): Promise<void> {
  let s = '';
  for (let i = from; i < to; i++) s += `${line(i, pad)}\n`;
  await sendTcp(a.config.ingest!.tcpPort as number, s);
  await until(() => a.status().ingest.records >= to - from, 20_000, `${to - from} records in`);
}

describe.each(['ssh', 'ssl'] as const)('uploading over %s', (protocol) => {
  it('sends every record exactly once at upload-now and releases only what the server holds', async () => {
    const a = await tmspAgent({ protocol });
    await feed(a, 0, 3000, 100);
    const r = a.cli('--json', 'upload-now');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.upload.consecutiveFailures).toBe(0);
    const dir = batchDir(f.peers, protocol);
    const files = batchFiles(dir);
    expect(files.length).toBeGreaterThan(0);
    // Names are <first>-<last>.ndjson.gz, contiguous, and nothing else was left behind.
    expect(fs.readdirSync(dir).filter((f) => !parseBatchFileName(f))).toEqual([]);
    const ranges = files.map((f) => parseBatchFileName(f)!);
    expect(ranges[0]!.firstSeq).toBe(1);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.firstSeq).toBe(ranges[i - 1]!.lastSeq + 1);
    expect(idsOf(receivedLines(dir))).toEqual([...Array(3000).keys()]);
    const st = a.status();
    expect(st.spool.chunks).toBe(0);
    expect(st.tmsp.enabled && st.tmsp.upload.lastSuccessAt).toBeTruthy();
    expect(st.tmsp.enabled && st.tmsp.upload.uploaded.records).toBe(3000);
  });
});

describe.each(['ssh', 'ssl'] as const)('zstd batches over %s', (protocol) => {
  it('are .ndjson.zst once spool.compression is zstd, which the zstd tool reads; chunks stored before stay .ndjson.gz', async () => {
    const a = await tmspAgent({ protocol });
    await feed(a, 0, 1000, 100);
    await until(() => a.status().spool.open.records === 0 && a.status().spool.chunks > 0, 10_000, 'the gzip chunks sealed');
    const set = a.cli('--json', 'config', 'set', 'spool.compression=zstd');
    expect(set.code, set.stdout + set.stderr).toBe(0);
    await feed(a, 1000, 3000, 100);
    const r = a.cli('--json', 'upload-now');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const dir = batchDir(f.peers, protocol);
    const files = batchFiles(dir);
    const gz = files.filter((x) => x.endsWith('.ndjson.gz'));
    const zst = files.filter((x) => x.endsWith('.ndjson.zst'));
    expect(gz.length).toBeGreaterThan(0);
    expect(zst.length).toBeGreaterThan(0);
    expect(gz.length + zst.length).toBe(files.length);
    expect(parseBatchFileName(gz.at(-1)!)!.lastSeq).toBeLessThan(parseBatchFileName(zst[0]!)!.firstSeq);
    // receivedLines reads .zst with the zstd tool: every record once, in order, across the change.
    expect(idsOf(receivedLines(dir))).toEqual([...Array(3000).keys()]);
    if (protocol === 'ssl') {
      // Each batch said what it is.
      const puts = f.peers.nginx.requests().filter((q) => q.method === 'PUT' && files.some((x) => q.uri.endsWith(`/${x}`)));
      expect(new Set(puts.map((q) => q.uri)).size).toBe(files.length);
      for (const q of puts) expect(q.contentType).toBe(q.uri.endsWith('.zst') ? 'application/zstd' : 'application/gzip');
    }
    expect(a.status().spool.chunks).toBe(0);
  });
});

describe('the status server', () => {
  it('gets the registration and "online" (retained), heartbeats, and "offline" on a graceful stop', async () => {
    const t0 = Date.now();
    const a = await tmspAgent({ heartbeatSeconds: 5 });
    const topic = (x: string) => `tmsp/v1/${APPLIANCE}/${x}`;
    await until(() => f.monitor.seen.some((s) => s.topic === topic('heartbeat') && s.at > t0), 10_000, 'a heartbeat');
    expect(f.monitor.last(topic('status'))!.payload).toBe('online');
    const reg = JSON.parse(f.monitor.last(topic('registration'))!.payload);
    expect(reg).toMatchObject({ applianceId: APPLIANCE, email: 'admin@example.com', model: 'TDA-1000', serial: 'SN-42', product: 'Threat Discovery Appliance' });
    expect(reg.version).toBeTruthy();
    expect(reg.hostname).toBeTruthy();
    const hb = JSON.parse(f.monitor.last(topic('heartbeat'))!.payload);
    expect(hb).toMatchObject({ applianceId: APPLIANCE, dropped: { chunks: 0, records: 0, bytes: 0 } });
    expect(hb.spool).toHaveProperty('oldestUnsentAgeS');
    expect(hb.upload).toHaveProperty('lastSuccessAt');
    // A second heartbeat follows on its interval.
    const n = f.monitor.on(topic('heartbeat')).length;
    await until(() => f.monitor.on(topic('heartbeat')).length > n, 8000, 'the next heartbeat');
    expect(a.status().tmsp).toMatchObject({ enabled: true, status: { state: 'connected', protocolVersion: 5 } });
    expect(await a.stop('SIGTERM')).toBe(0);
    await until(() => f.monitor.last(topic('status'))?.payload === 'offline', 5000, '"offline"');
  });

  it('hears "offline" from the broker (the last will) when the f.agent dies', async () => {
    const a = await tmspAgent();
    const status = `tmsp/v1/${APPLIANCE}/status`;
    await until(() => f.monitor.last(status)?.payload === 'online', 10_000, '"online"');
    await a.stop('SIGKILL');
    // The broker notices the dead connection within keepalive × 1.5 (30 s by default): cut it sooner by closing the socket.
    await until(() => f.monitor.last(status)?.payload === 'offline', 60_000, 'the last will');
  });
});

describe('through the proxy', () => {
  it.each(['ssh', 'ssl'] as const)('uploads over %s and sends heartbeats through HTTP CONNECT', async (protocol) => {
    const before = f.peers.proxy.log.length;
    const a = await tmspAgent({ protocol, useProxy: true }, { proxy: proxySection(f.peers) });
    await feed(a, 0, 500);
    expect(a.cli('upload-now').code).toBe(0);
    expect(idsOf(receivedLines(batchDir(f.peers, protocol)))).toEqual([...Array(500).keys()]);
    const logPort = protocol === 'ssh' ? f.peers.sshd.port : f.peers.nginx.port;
    // The proxy's own log shows both tunnels (read as its output arrives).
    const tunnel = (port: number) => new RegExp(`Request \\(file descriptor \\d+\\): CONNECT 127\\.0\\.0\\.1:${port} `);
    await until(() => tunnel(logPort).test(f.peers.proxy.log.slice(before)), 5000, 'the log server tunnel in the proxy log');
    await until(() => tunnel(f.peers.mqtt.port).test(f.peers.proxy.log.slice(before)), 5000, 'the status server tunnel in the proxy log');
  });
});

describe('when it uploads', () => {
  it('uploads early when the spool passes its high-water mark', async () => {
    // The round at start finds nothing; then the spool grows past 2% of an 8 MiB budget (168 KiB).
    const a = await tmspAgent({ uploadIntervalMinutes: 1440, highWaterPercent: 2 }, {}, { budgetBytes: 8 * 1024 * 1024 });
    let s = '';
    for (let i = 0; i < 6000; i++) s += `${line(i)} cs1=${crypto.randomBytes(48).toString('hex')}\n`;
    await sendTcp(a.config.ingest!.tcpPort as number, s);
    await until(() => batchFiles(batchDir(f.peers, 'ssh')).length > 0, 20_000, 'an upload at high water');
    const st = a.status();
    expect(st.tmsp.enabled && st.tmsp.upload.uploaded.batches).toBeGreaterThan(0);
  });
});
