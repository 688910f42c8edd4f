// The portal's figures (npm run bench -- --only=portal), measured on the
// built portal process from outside: batch ingest (records/s and
// detections/s on one core, CPU, peak RSS) beside gzip -dc of the same
// files in the same invocation, heartbeats/s through the embedded broker
// into the fleet, and how long a silent appliance takes to be called so.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import mqtt from 'mqtt';
import { batchFileName } from '../../src/protocol/batch.ts';
import { classify } from '../../src/parse/index.ts';
import { encodeRecord, sourcePrefix } from '../../src/protocol/record.ts';
import { until } from '../helpers/agent.ts';
import { portalSettings, RunningPortal } from '../helpers/portal-process.ts';
import { SqliteStore } from '../../src/portal/store/sqlite/store.ts';
import { cpuSeconds, median, memory, RssSampler } from './proc.ts';
import { workload } from './workload.ts';

const ACCOUNT = 'bench';
const PASSWORD = 'bench-password-1';

function portalIn(dir: string, extra: Record<string, Record<string, unknown>> = {}): RunningPortal {
  const file = path.join(dir, 'portal.json');
  fs.writeFileSync(file, JSON.stringify(portalSettings(dir, { portal: { logLevel: 'warn' }, ...extra })), { mode: 0o600 });
  return new RunningPortal(file);
}

function heartbeat(id: string, i: number, intervalS: number): string {
  return JSON.stringify({
    applianceId: id, time: new Date().toISOString(), uptimeS: i, spool: { chunks: 1, records: i % 500, bytes: 4096, oldestUnsentAgeS: 3 },
    dropped: { chunks: 0, records: 0, bytes: 0 }, upload: { state: 'idle', lastSuccessAt: null, lastError: null, lastErrorCode: null },
    intervals: { heartbeatS: intervalS, uploadS: 60 },
  });
}

async function ingest(say: (s: string) => void, batches: number, perBatch: number): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-bench-portal-'));
  const lines = workload(perBatch).toString('utf8').split('\n').filter(Boolean);
  const prefix = sourcePrefix('syslog');
  const ndjson = lines.map((l) => encodeRecord(Date.now(), prefix, classify(l), l, Buffer.from(l))).join('');
  const gz = zlib.gzipSync(ndjson, { level: 6 });
  const detectionsPer = lines.filter((l) => /CEF:|LEEF:/.test(l)).length;
  const incoming = path.join(dir, 'data', 'incoming', ACCOUNT, 'upload', 'bench-01');
  fs.mkdirSync(incoming, { recursive: true });
  for (let b = 0; b < batches; b++) fs.writeFileSync(path.join(incoming, batchFileName({ firstSeq: b * perBatch + 1, lastSeq: (b + 1) * perBatch })), gz);
  const files = fs.readdirSync(incoming).map((f) => path.join(incoming, f));
  const bytes = gz.length * batches;

  // The reference: decompressing the same files, nothing else.
  const zt = process.hrtime.bigint();
  execFileSync('sh', ['-c', 'for f in "$@"; do gzip -dc "$f"; done > /dev/null', 'sh', ...files.slice(0, Math.min(files.length, 10))]);
  const zcatS = Number(process.hrtime.bigint() - zt) / 1e9 * (files.length / Math.min(files.length, 10));

  // The batches wait in incoming/: the portal's start-up rescan finds them, as after an outage.
  const t0 = process.hrtime.bigint();
  const p = portalIn(dir);
  const rss = new RssSampler(p.proc.pid!);
  await p.ready(60_000);
  const done = await until(() => {
    const f = JSON.parse(fs.readFileSync(path.join(dir, 'data', 'status.json'), 'utf8'));
    return f.counters.ingest.ingested + f.counters.ingest.quarantined >= batches ? f : undefined;
  }, 600_000, 'every batch ingested');
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(p.proc.pid!);
  const m = memory(p.proc.pid!);
  const r = rss.stop();
  const shown = p.cli(['--json', 'appliance', 'show', 'bench-01']).json.appliance;
  await p.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  const records = batches * perBatch;
  const out = {
    batches, records, detections: shown.detections, expectedDetections: detectionsPer * batches, quarantined: done.counters.ingest.quarantined,
    compressedMiB: bytes / 2 ** 20, seconds, recordsPerS: records / seconds, detectionsPerS: shown.detections / seconds,
    cpuSecondsPerMillion: cpu / (records / 1e6), gzipDcSeconds: zcatS, rssMedianMiB: r.median / 2 ** 20, peakRssMiB: m.hwm / 2 ** 20,
  };
  say(`portal ingest: ${batches} batches of ${perBatch.toLocaleString('en')} records (${out.compressedMiB.toFixed(1)} MiB gzip), ` +
    `${shown.detections.toLocaleString('en')} detections (expected ${out.expectedDetections.toLocaleString('en')}), ${out.quarantined} quarantined`);
  say(`  ${Math.round(out.recordsPerS).toLocaleString('en')} records/s, ${Math.round(out.detectionsPerS).toLocaleString('en')} detections/s ` +
    `(from process start to the last commit, ${seconds.toFixed(1)} s); ${out.cpuSecondsPerMillion.toFixed(1)} CPU s per million records; ` +
    `gzip -dc of the same files alone ${zcatS.toFixed(1)} s (${(seconds / zcatS).toFixed(1)}x); RSS median ${out.rssMedianMiB.toFixed(0)} MiB, peak ${out.peakRssMiB.toFixed(0)} MiB`);
  return out;
}

async function connectClient(port: number, ca: string, id: string, will = false): Promise<mqtt.MqttClient> {
  const c = mqtt.connect(`mqtts://127.0.0.1:${port}`, {
    username: ACCOUNT, password: PASSWORD, ca, protocolVersion: 4, clientId: `bench-${id}`, reconnectPeriod: 0,
    ...(will ? { will: { topic: `tmsp/v1/${id}/status`, payload: Buffer.from('offline'), qos: 1, retain: true } } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

async function heartbeats(say: (s: string) => void, clients: number, seconds: number): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-bench-portal-'));
  const p = portalIn(dir, { fleet: { silentMinimumMinutes: 0 } });
  await p.ready();
  spawnSync(process.execPath, [path.resolve('dist/tmsp-portal.cjs'), '--config', p.configFile, 'account', 'add', ACCOUNT, '--password-stdin'],
    { input: `${PASSWORD}\n` });
  const ca = fs.readFileSync(p.facts.tlsCertFile, 'utf8');
  const port = p.facts.listeners.mqtt!;
  const cs = await Promise.all(Array.from({ length: clients }, (_, i) => connectClient(port, ca, `hb-${i}`)));
  const cpu0 = cpuSeconds(p.proc.pid!);
  const rss = new RssSampler(p.proc.pid!);
  let sent = 0;
  const end = Date.now() + seconds * 1000;
  const t0 = process.hrtime.bigint();
  await Promise.all(cs.map(async (c, i) => {
    for (let n = 0; Date.now() < end; n++) {
      await c.publishAsync(`tmsp/v1/hb-${i}/heartbeat`, heartbeat(`hb-${i}`, n, 10), { qos: 1 });
      sent++;
    }
  }));
  const acked = Number(process.hrtime.bigint() - t0) / 1e9;
  // The fleet counts what it handled; its status file is rewritten every 5 s.
  const handled = await until(() => {
    const f = JSON.parse(fs.readFileSync(path.join(dir, 'data', 'status.json'), 'utf8'));
    return f.counters.fleet.heartbeats >= sent ? f.counters.fleet.heartbeats as number : undefined;
  }, 60_000, 'the fleet to handle every heartbeat').catch(() => -1);
  const cpu = cpuSeconds(p.proc.pid!) - cpu0;
  const r = rss.stop();
  const m = memory(p.proc.pid!);
  await Promise.all(cs.map((c) => c.endAsync()));
  const out = { clients, sent, seconds: acked, perS: sent / acked, handled, cpuSeconds: cpu, rssMedianMiB: r.median / 2 ** 20, peakRssMiB: m.hwm / 2 ** 20 };
  say(`portal heartbeats: ${clients} appliances publishing QoS 1 as fast as acknowledged for ${seconds} s: ` +
    `${Math.round(out.perS).toLocaleString('en')} heartbeats/s, all ${sent.toLocaleString('en')} handled by the fleet: ${handled === sent}; ` +
    `${(cpu / acked * 100).toFixed(0)}% of a core; RSS median ${out.rssMedianMiB.toFixed(0)} MiB, peak ${out.peakRssMiB.toFixed(0)} MiB`);

  // How soon a killed appliance is called silent: heartbeats every 5 s, then its connection cut (the will says offline).
  const c = await connectClient(port, ca, 'silent-01', true);
  await c.publishAsync('tmsp/v1/silent-01/status', 'online', { qos: 1, retain: true });
  for (let i = 0; i < 4; i++) {
    await c.publishAsync('tmsp/v1/silent-01/heartbeat', heartbeat('silent-01', i, 5), { qos: 1 });
    if (i < 3) await new Promise((res) => setTimeout(res, 5000));
  }
  const last = Date.now();
  (c as unknown as { stream: { destroy(): void } }).stream.destroy();
  const state = () => (p.cli(['--json', 'appliance', 'show', 'silent-01']).json?.appliance?.state as string | undefined);
  const offlineAt = await until(() => (state() === 'offline' ? Date.now() : undefined), 30_000, 'offline').catch(() => -1);
  const silentAt = await until(() => (state() === 'silent' ? Date.now() : undefined), 120_000, 'silent');
  c.end(true);
  await p.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  const silent = { intervalS: 5, thresholdS: 15, offlineAfterS: offlineAt > 0 ? (offlineAt - last) / 1000 : null, silentAfterS: (silentAt - last) / 1000 };
  say(`portal silence: heartbeats every 5 s (silent after 3 intervals), connection cut: offline after ${silent.offlineAfterS?.toFixed(1)} s ` +
    `(the last will), silent after ${silent.silentAfterS.toFixed(1)} s (threshold 15 s, judged every 5 s)`);
  return { ...out, silent };
}

/**
 * What a monthly report reads: a month of daily roll-ups of many appliances
 * (written as ingest writes them, in batches' own transactions), and a
 * detection search page over a store of a million detections.
 */
async function reads(say: (s: string) => void, appliances: number, detections: number): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-bench-portal-'));
  const store = new SqliteStore(path.join(dir, 'portal.db'));
  const day0 = Date.UTC(2026, 10, 1);
  const threats = ['Log4Shell exploit attempt', 'Mirai scanning', 'C&C callback', 'SMB brute force', 'URL_DETECTION', 'Emotet download'];
  const per = Math.ceil(detections / (appliances * 30));
  let seq = 0;
  for (let a = 0; a < appliances; a++) {
    const id = `tda-${String(a).padStart(4, '0')}`;
    await store.appliances.claim(id, ACCOUNT, day0);
    for (let d = 0; d < 30; d++) {
      const begun = await store.batches.begin({ applianceId: id, name: `${d}`, via: 'sftp', size: 1, receivedAt: day0 + d * 86_400_000,
        firstSeq: d * per + 1, lastSeq: (d + 1) * per });
      if (begun.kind !== 'new') throw new Error('expected a new batch');
      const rows = Array.from({ length: per }, (_, i) => ({
        time: day0 + d * 86_400_000 + i * 1000, applianceId: id, seq: d * per + i + 1, format: 'cef' as const, eventId: '1539',
        threat: threats[(i * 7 + a) % threats.length]!, severity: [2, 4, 6, 8][i % 4]!, category: i % 3 ? 'network' : 'email',
        srcHost: `10.0.${a % 250}.${i % 250}`, srcPort: 40000 + (i % 1000), dstHost: `203.0.113.${i % 200}`, dstPort: 443,
        protocol: 'HTTPS', action: 'not blocked', cnc: i % 10 === 0, cncAddress: i % 10 === 0 ? 'c2.example' : null,
      }));
      await store.batches.addDetections(begun.id, rows);
      await store.batches.finish(begun.id, { newRecords: per, detections: per, now: day0 + d * 86_400_000 });
      seq += per;
    }
  }
  const time = async <T>(fn: () => Promise<T>): Promise<{ ms: number; v: T }> => {
    const runs: number[] = [];
    let v!: T;
    for (let i = 0; i < 5; i++) {
      const t = process.hrtime.bigint();
      v = await fn();
      runs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return { ms: median(runs), v };
  };
  const month = await time(() => store.detections.rollups('2026-11-01', '2026-11-30'));
  const one = await time(() => store.detections.rollups('2026-11-01', '2026-11-30', 'tda-0007'));
  const first = await time(() => store.detections.search({ limit: 50 }));
  const deep = await time(() => store.detections.search({ limit: 50, minSeverity: 8, host: '203.0.113.7' }));
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const out = { appliances, detections: seq, rollupRows: month.v.length, monthMs: month.ms, oneApplianceMonthMs: one.ms, searchPageMs: first.ms,
    filteredSearchPageMs: deep.ms };
  say(`portal reads: ${seq.toLocaleString('en')} detections of ${appliances} appliances over 30 days: a month's roll-ups ` +
    `(${month.v.length.toLocaleString('en')} rows) in ${month.ms.toFixed(1)} ms, one appliance's month in ${one.ms.toFixed(1)} ms; ` +
    `a search page of 50 in ${first.ms.toFixed(1)} ms, by host and severity in ${deep.ms.toFixed(1)} ms (medians of 5)`);
  return out;
}

export async function benchPortal(say: (s: string) => void): Promise<Record<string, unknown>> {
  return { ingest: await ingest(say, 20, 50_000), heartbeats: await heartbeats(say, 50, 10), reads: await reads(say, 100, 1_000_000) };
}
