// Upload throughput, measured from outside like the ingest figures: the
// agent sends a spool prefilled with sealed chunks of the benchmark workload
// to real servers on loopback (sshd, nginx), optionally through a relay that
// adds latency; OpenSSH's own sftp client pushes the same bytes to the same
// server in the same run, for the ratio. Also: at most 1..64 SFTP writes in
// flight (tmsp.sftpParallelWrites), each as large as the server takes
// (limits@openssh.com: 255 KiB from OpenSSH), which is how the default was
// chosen; past the 8 that fill OpenSSH's 2 MiB channel window the agent
// keeps no more in flight, so the rows above 8 show that cap holding.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from '../../src/cli/control-client.ts';
import { RunningAgent } from '../helpers/agent.ts';
import { prefill } from '../helpers/spool.ts';
import { PASS, peerRoot, pki, startNginx, startSshd, USER } from '../peers/peers.ts';
import { delayProxy } from './delay-proxy.ts';
import { cpuSeconds, memory, RssSampler } from './proc.ts';
import { workload } from './workload.ts';

const MiB = 1024 * 1024;

export interface UploadRun {
  label: string;
  seconds: number;
  MBps: number;
  recordsPerSec: number;
  cpuSecondsPerMB: number;
  rssSteadyMiB: number;
  rssPeakMiB: number;
}

async function waitFor<T>(fn: () => Promise<T | false>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function agentUpload(label: string, lines: string[], totalBytes: number, tmsp: Record<string, unknown>,
  target: string): Promise<UploadRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-upbench-'));
  const config = {
    appliance: { id: 'bench' },
    ingest: { unixSocket: '', udpPort: 0, tcpPort: 0 },
    spool: { budgetBytes: 2 * 1024 * MiB },
    // The log server is unreachable at start: the measurement begins when it is set.
    tmsp: { enabled: true, logServer: '127.0.0.1:1', statusServer: '127.0.0.1:1', username: USER, password: PASS,
      registrationEmail: 'bench@example.com', retryMaxSeconds: 3600, ...tmsp },
    daemon: { stateDir: path.join(dir, 'state'), controlSocket: path.join(dir, 'control.sock'), logLevel: 'warn' },
  };
  const { bytes, records } = prefill(config.daemon.stateDir, totalBytes, lines);
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const agent = await new RunningAgent(file, config).ready();
  const sock = config.daemon.controlSocket;
  await waitFor(async () => (await request(sock, 'status')).tmsp.enabled, 5000);
  const pid = agent.proc.pid!;
  const rss = new RssSampler(pid, 50);
  const cpu0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  fs.writeFileSync(file, JSON.stringify({ ...config, tmsp: { ...config.tmsp, logServer: target } }));
  await request(sock, 'reload');
  await waitFor(async () => (await request(sock, 'status')).spool.chunks === 0, 600_000);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(pid) - cpu0;
  const r = rss.stop();
  const peak = memory(pid).hwm;
  await agent.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    label, seconds, MBps: bytes / 1e6 / seconds, recordsPerSec: records / seconds, cpuSecondsPerMB: cpu / (bytes / 1e6),
    rssSteadyMiB: r.median / MiB, rssPeakMiB: peak / MiB,
  };
}

/** OpenSSH's client pushing the same bytes; spawned asynchronously, since the latency relay runs in this process. */
async function sftpClient(label: string, file: string, port: number, bytes: number): Promise<UploadRun> {
  const batch = `${file}.batch`;
  fs.writeFileSync(batch, `put ${file} client-${path.basename(file)}\n`);
  const t0 = process.hrtime.bigint();
  const p = spawn('sshpass', ['-e', 'sftp', '-oBatchMode=no', '-oStrictHostKeyChecking=no', '-oUserKnownHostsFile=/dev/null',
    '-oPreferredAuthentications=password', '-P', String(port), '-b', batch, `${USER}@127.0.0.1`],
  { env: { ...process.env, SSHPASS: PASS }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  const code = await new Promise((r) => p.once('exit', r));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`sftp client failed: ${err}`);
  return { label, seconds, MBps: bytes / 1e6 / seconds, recordsPerSec: 0, cpuSecondsPerMB: 0, rssSteadyMiB: 0, rssPeakMiB: 0 };
}

export function uploadBenchAvailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (sshd checks passwords only as root)';
  for (const bin of ['/usr/sbin/sshd', 'sshpass', 'nginx']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not installed (bash test/peers/install.sh)`;
  }
  return undefined;
}

export async function benchUpload(totalMiB: number, say: (s: string) => void): Promise<Record<string, unknown>> {
  const root = peerRoot();
  const ca = pki(root).ca;
  const [sshd, nginx] = await Promise.all([startSshd(root), startNginx(root)]);
  const lines = workload(4000).toString('utf8').trimEnd().split('\n');
  const total = totalMiB * MiB;
  const sample = prefill(fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-upsample-')), 1, lines);
  const ratio = Buffer.byteLength(lines.join('\n')) / sample.chunk.length;
  // The same bytes the agent sends, as one file for the OpenSSH client.
  const file = path.join(root, 'batch.ndjson.gz');
  const copies = Math.ceil(total / sample.chunk.length);
  fs.writeFileSync(file, Buffer.concat(Array.from({ length: copies }, () => sample.chunk)));
  const bytes = fs.statSync(file).size;
  fs.chmodSync(root, 0o755);
  fs.chmodSync(file, 0o644);
  const openssh = spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim();
  say(`upload: ${(bytes / MiB).toFixed(0)} MiB of sealed chunks (the workload compresses ${ratio.toFixed(1)}x); ${openssh}`);
  const out: Record<string, unknown> = { bytes, compressionRatio: ratio, runs: [] as unknown[] };
  const runs = out.runs as Array<UploadRun & { rttMs: number; vsClient?: number }>;
  const show = (r: UploadRun & { vsClient?: number }) => say(`  ${r.label.padEnd(44)} ${r.MBps.toFixed(1).padStart(6)} MB/s` +
    (r.recordsPerSec ? `  ${Math.round(r.recordsPerSec).toLocaleString('en').padStart(10)} rec/s  cpu ${r.cpuSecondsPerMB.toFixed(3)} s/MB  rss ${r.rssSteadyMiB.toFixed(0)} MiB (peak ${r.rssPeakMiB.toFixed(0)})` : '') +
    (r.vsClient ? `  ${(100 * r.vsClient).toFixed(0)}% of the sftp client` : ''));
  for (const rttMs of [0, 20]) {
    const relay = rttMs ? await delayProxy(sshd.port, rttMs / 2) : undefined;
    const port = relay?.port ?? sshd.port;
    const client = { ...await sftpClient(`OpenSSH sftp client, RTT ${rttMs} ms`, file, port, bytes), rttMs };
    runs.push(client);
    show(client);
    for (const parallel of [1, 2, 4, 8, 64]) {
      const r = await agentUpload(`agent SFTP, at most ${parallel} in flight, RTT ${rttMs} ms`, lines, total,
        { protocol: 'ssh', hostKeyFingerprint: sshd.hostKey, sftpParallelWrites: parallel }, `127.0.0.1:${port}`);
      const row = { ...r, rttMs, vsClient: r.MBps / client.MBps };
      runs.push(row);
      show(row);
    }
    await relay?.close();
  }
  const https = await agentUpload('agent HTTPS PUT, RTT 0 ms', lines, total, { protocol: 'ssl', tlsCaFile: ca }, `127.0.0.1:${nginx.port}`);
  runs.push({ ...https, rttMs: 0 });
  show(https);
  await Promise.all([sshd.stop(), nginx.stop()]);
  fs.rmSync(root, { recursive: true, force: true });
  return out;
}
