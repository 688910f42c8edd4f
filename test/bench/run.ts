// npm run bench [-- --json] [-- --records N] [-- --runs N] [-- --only=ingest|objects|compression|upload|sms|runtime|portal|reports|fleet]
//   fleet: [--appliances=N[,N...]] (default 1000; a list looks for the knee) [--generators=N] [--compress=12] [--fleet-seconds=60]
//          [--fleet-setup=embedded,scaled] [--silence=quiet|cut] [--batch-records=1000] [--upload-every=SECONDS] (fleet.ts)
//
// Measures the built agent (dist/tmsp-agent.cjs) from outside, on a fixed
// workload sent over its unix datagram socket by a blocking sender:
//   records/s from the first send until everything is durable in the spool,
//   CPU seconds per million records, steady (median) and peak RSS, bytes
//   written to disk per raw byte (write amplification), compression ratio,
//   and loss/duplication counted by unique id.
// Where rsyslog is installed it runs the same workload (imuxsock → disk-
// assisted main queue → omfile zipLevel=6) in the same invocation, interleaved
// (A B A B), each measured from the first send until it has gone quiet (its
// queue drained, its output no longer growing, its CPU idle; rsyslog's
// shutdown not timed), every ratio on the same raw-byte base, at the highest
// rate and again at a fixed 20,000 lines/s, in one table of ratios. The default
// unix datagram queue (net.unix.max_dgram_qlen) caps blocking senders; when
// run as root the agent is measured again inside a private network namespace
// with a deeper queue.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Codec } from '../../src/protocol/batch.ts';
import { decodeRecord } from '../../src/protocol/record.ts';
import { concatenated, openSpool, unzstd } from '../helpers/spool.ts';
import { AGENT, RunningAgent, until } from '../helpers/agent.ts';
import { request } from '../../src/cli/control-client.ts';
import { cpuSeconds, median, memory, quiet, RssSampler, uss, writeBytes } from './proc.ts';
import { benchCompression } from './compression.ts';
import { benchFleet, FLEET_DEFAULTS } from './fleet.ts';
import { benchPortal } from './portal.ts';
import { benchReports } from './reports.ts';
import { benchRuntime } from './runtime.ts';
import { benchSms } from './sms.ts';
import { benchUpload, uploadBenchAvailable } from './upload.ts';
import { workload } from './workload.ts';
import zlib from 'node:zlib';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    records: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '3' },
    'in-namespace': { type: 'string' },
    'node-flags': { type: 'string', default: '' },
    'upload-mib': { type: 'string', default: '100' },
    only: { type: 'string', default: '' },
    appliances: { type: 'string', default: '1000' },
    generators: { type: 'string', default: String(FLEET_DEFAULTS.generators) },
    compress: { type: 'string', default: String(FLEET_DEFAULTS.compress) },
    'fleet-seconds': { type: 'string', default: String(FLEET_DEFAULTS.seconds) },
    'fleet-setup': { type: 'string', default: 'embedded,scaled' },
    silence: { type: 'string', default: FLEET_DEFAULTS.silence },
    'batch-records': { type: 'string', default: String(FLEET_DEFAULTS.batchRecords) },
    'upload-every': { type: 'string', default: String(FLEET_DEFAULTS.uploadEverySeconds) },
  },
});
const N = Number(values.records);
const UPLOAD_MIB = Number(values['upload-mib']);
const FLAGS = values['node-flags'] ? values['node-flags'].split(' ').filter(Boolean) : [];
const RUNS = Number(values.runs);
/** The load at which memory is compared (issue 13's "at 20k lines/s"). */
const FIXED_RATE = 20_000;
const HERE = path.dirname(new URL(import.meta.url).pathname);
const say = (s: string) => values.json || values['in-namespace'] || process.stdout.write(`${s}\n`);

interface Run {
  seconds: number;
  recordsPerSec: number;
  cpuPerMillion: number;
  rssSteadyMiB: number;
  anonSteadyMiB: number;
  ussSteadyMiB: number;
  rssPeakMiB: number;
  writeAmplification: number;
  compressionRatio: number;
  received: number;
  lost: number;
  duplicated: number;
}

/** Sends the workload as fast as the receiver takes it, or at `rate` lines/s. */
function send(socketPath: string, file: string, rate = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('python3', [path.join(HERE, 'send-unix.py'), socketPath, file, ...(rate ? [String(rate)] : [])], { stdio: ['ignore', 'ignore', 'inherit'] });
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sender exited ${code}`))));
  });
}

function countIds(lines: Iterable<string>): { unique: number; dup: number } {
  const seen = new Set<string>();
  let dup = 0;
  for (const l of lines) {
    const id = /eid=(\d+)/.exec(l)?.[1];
    if (!id) continue;
    if (seen.has(id)) dup++;
    else seen.add(id);
  }
  return { unique: seen.size, dup };
}

/** One agent run: by default as shipped; codec zstd is spool.compression=zstd at its default level. */
async function runAgent(file: string, rawBytes: number, nodeFlags: string[] = [], rate = 0, codec: Codec = 'gzip'): Promise<Run> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-bench-'));
  const config = {
    ingest: { unixSocket: path.join(dir, 'log.sock'), udpPort: 0, tcpPort: 0 },
    spool: { budgetBytes: 1024 * 1024 * 1024, compression: codec },
    daemon: { stateDir: path.join(dir, 'state'), controlSocket: path.join(dir, 'control.sock'), logLevel: 'warn' },
  };
  const cfg = path.join(dir, 'config.json');
  fs.writeFileSync(cfg, JSON.stringify(config));
  const agent = await new RunningAgent(cfg, config, nodeFlags).ready();
  const pid = agent.proc.pid!;
  const cpu0 = cpuSeconds(pid);
  const w0 = writeBytes(pid);
  const rss = new RssSampler(pid);
  const t0 = process.hrtime.bigint();
  await send(config.ingest.unixSocket, file, rate);
  // Ask over the control socket from this process: spawning the CLI to poll would load the machine.
  for (;;) {
    const st = await request(config.daemon.controlSocket, 'status');
    if (st.ingest.records + st.ingest.shed >= N) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await request(config.daemon.controlSocket, 'flush');
  // Measured to the end of its work, as rsyslog is: a checkpoint still writing counts.
  const q = await quiet(pid);
  const seconds = Number(q.at - t0) / 1e9;
  const cpu = q.cpu - cpu0;
  const written = q.written - w0;
  const r = rss.stop();
  const peak = memory(pid).hwm;
  const st = await request(config.daemon.controlSocket, 'status');
  await agent.stop();
  const { state, spool } = openSpool(config.daemon.stateDir);
  const body = concatenated(spool);
  const text = codec === 'zstd' ? unzstd(body) : zlib.gunzipSync(body).toString('utf8');
  state.db.close();
  const ids = countIds((function* () {
    for (const l of text.split('\n')) if (l) yield decodeRecord(l)!.line.toString();
  })());
  fs.rmSync(dir, { recursive: true, force: true });
  // The same base as rsyslog's ratio: the raw lines, not the records that wrap them.
  return toRun({ seconds, cpu, rss: r, peak, written, rawBytes, ratio: rawBytes / st.spool.bytes, ids });
}

function toRun(m: { seconds: number; cpu: number; rss: { median: number; anonMedian: number; ussMedian: number }; peak: number; written: number;
  rawBytes: number; ratio: number; ids: { unique: number; dup: number } }): Run {
  return {
    seconds: m.seconds,
    recordsPerSec: N / m.seconds,
    cpuPerMillion: (m.cpu / N) * 1e6,
    rssSteadyMiB: m.rss.median / 2 ** 20,
    anonSteadyMiB: m.rss.anonMedian / 2 ** 20,
    ussSteadyMiB: m.rss.ussMedian / 2 ** 20,
    rssPeakMiB: m.peak / 2 ** 20,
    writeAmplification: m.written / m.rawBytes,
    compressionRatio: m.ratio,
    received: m.ids.unique,
    lost: N - m.ids.unique,
    duplicated: m.ids.dup,
  };
}

async function runRsyslog(file: string, rawBytes: number, rate = 0): Promise<Run | { skipped: string }> {
  const rsyslogd = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => fs.existsSync(p));
  if (!rsyslogd) return { skipped: 'rsyslogd not installed (apt-get install rsyslog)' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rsyslog-bench-'));
  const sock = path.join(dir, 'log.sock');
  const out = path.join(dir, 'out.log.gz');
  fs.writeFileSync(path.join(dir, 'rsyslog.conf'), `
global(workDirectory="${dir}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="${sock}" CreatePath="on" UseSpecialParser="off" ParseHostname="off" Annotate="off")
main_queue(queue.type="LinkedList" queue.filename="mainq" queue.maxDiskSpace="1g" queue.saveOnShutdown="on")
template(name="raw" type="string" string="%rawmsg%\\n")
action(type="omfile" file="${out}" zipLevel="6" template="raw" ioBufferSize="64k" flushOnTXEnd="off" asyncWriting="on" veryRobustZip="on")
`);
  const p = spawn(rsyslogd, ['-n', '-f', path.join(dir, 'rsyslog.conf'), '-i', path.join(dir, 'pid')], { stdio: 'ignore' });
  await until(() => fs.existsSync(sock), 10_000, 'rsyslog socket');
  const pid = p.pid!;
  const cpu0 = cpuSeconds(pid);
  const w0 = writeBytes(pid);
  const rss = new RssSampler(pid);
  const t0 = process.hrtime.bigint();
  await send(sock, file, rate);
  // Measured until its queue is drained and its output stops growing, not when the sender finishes;
  // its shutdown is not timed, and what the shutdown flushes is added to what it wrote.
  const size = () => (fs.existsSync(out) ? fs.statSync(out).size : 0);
  const q = await quiet(pid, { size });
  const seconds = Number(q.at - t0) / 1e9;
  const cpu = q.cpu - cpu0;
  const peak = memory(pid).hwm;
  const r = rss.stop();
  const sizeAtQuiet = size();
  const exited = new Promise((res) => p.once('exit', res));
  p.kill('SIGTERM');
  await exited;
  const gz = fs.readFileSync(out);
  const text = zlib.gunzipSync(gz).toString('utf8');
  const ids = countIds(text.split('\n'));
  fs.rmSync(dir, { recursive: true, force: true });
  const written = q.written - w0 + Math.max(0, gz.length - sizeAtQuiet);
  return toRun({ seconds, cpu, rss: r, peak, written, rawBytes, ratio: rawBytes / gz.length, ids });
}

function summarise(runs: Run[]): Run {
  const keys = Object.keys(runs[0]!) as Array<keyof Run>;
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))])) as unknown as Run;
}

function show(label: string, r: Run): void {
  say(`${label.padEnd(34)} ${Math.round(r.recordsPerSec).toLocaleString('en').padStart(9)} rec/s  ` +
    `cpu ${r.cpuPerMillion.toFixed(2)} s/M  rss ${r.rssSteadyMiB.toFixed(1)} MiB (anon ${r.anonSteadyMiB.toFixed(1)}, uss ${r.ussSteadyMiB.toFixed(1)}, ` +
    `peak ${r.rssPeakMiB.toFixed(1)})  ` +
    `wamp ${r.writeAmplification.toFixed(3)}  ratio ${r.compressionRatio.toFixed(2)}x  lost ${r.lost} dup ${r.duplicated}`);
}

async function idleRss(): Promise<{ rssMiB: number; anonMiB: number; ussMiB: number; nodeFloor: { rssMiB: number; anonMiB: number; ussMiB: number } }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-idle-'));
  const config = {
    ingest: { unixSocket: path.join(dir, 'log.sock'), udpPort: 0, tcpPort: 0 },
    daemon: { stateDir: path.join(dir, 'state'), controlSocket: path.join(dir, 'control.sock'), logLevel: 'warn' },
  };
  fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify(config));
  const agent = await new RunningAgent(path.join(dir, 'c.json'), config, FLAGS).ready();
  await new Promise((r) => setTimeout(r, 2000));
  const m = memory(agent.proc.pid!);
  const u = uss(agent.proc.pid!);
  await agent.stop();
  // Node's own floor: an empty script on the same binary with the same flags, so that the part that is ours shows.
  const empty = spawn(process.execPath, [...FLAGS, '-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 2000));
  const f = memory(empty.pid!);
  const fu = uss(empty.pid!);
  empty.kill();
  fs.rmSync(dir, { recursive: true, force: true });
  const mib = (x: number) => x / 2 ** 20;
  return {
    rssMiB: mib(m.rss), anonMiB: mib(m.anon), ussMiB: mib(u),
    nodeFloor: { rssMiB: mib(f.rss), anonMiB: mib(f.anon), ussMiB: mib(fu) },
  };
}

async function main(): Promise<void> {
  const file = path.join(os.tmpdir(), `tmsp-bench-workload-${N}.log`);
  const data = workload(N);
  fs.writeFileSync(file, data);
  const rawBytes = data.length - N; // newlines are not sent
  const qlen = Number(fs.readFileSync('/proc/sys/net/unix/max_dgram_qlen', 'utf8'));

  if (values['in-namespace']) {
    // Child mode: inside a private network namespace with a deeper datagram queue.
    const runs: Run[] = [];
    const zstd: Run[] = [];
    const refs: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(await runAgent(file, rawBytes, FLAGS));
      const ref = await runRsyslog(file, rawBytes);
      if (!('skipped' in ref)) refs.push(ref);
      zstd.push(await runAgent(file, rawBytes, FLAGS, 0, 'zstd'));
    }
    fs.writeFileSync(values['in-namespace'], JSON.stringify({
      qlen, run: summarise(runs), zstd: summarise(zstd), rsyslog: refs.length ? summarise(refs) : null,
    }));
    return;
  }

  say(`tmsp-agent benchmark: ${N.toLocaleString('en')} records, ${(rawBytes / 2 ** 20).toFixed(1)} MiB raw ` +
    `(${Math.round(rawBytes / N)} B/record avg), median of ${RUNS} runs, Node ${process.version}, ${os.cpus().length} cores`);
  say(`agent bundle ${AGENT}${FLAGS.length ? ` with ${FLAGS.join(' ')}` : ''}; unix datagram sender: blocking python3 sendto; net.unix.max_dgram_qlen=${qlen}`);
  const result: Record<string, unknown> = { records: N, rawBytes, runs: RUNS, node: process.version, qlen };

  if (values.only === '' || values.only === 'ingest') await ingestSection(file, rawBytes, qlen, result);
  if (values.only === '' || values.only === 'objects') result.objects = await objectsSection();
  if (values.only === '' || values.only === 'compression') result.compression = await benchCompression(say, data, N, RUNS);

  const why = uploadBenchAvailable();
  if (values.only !== '' && values.only !== 'upload') say('upload benchmark not asked for');
  else if (why) say(`upload benchmark skipped: ${why}`);
  else result.upload = await benchUpload(UPLOAD_MIB, say);

  if (values.only === '' || values.only === 'sms') result.sms = await benchSms(20_000, say);
  if (values.only === '' || values.only === 'runtime') result.runtime = await benchRuntime(say);
  if (values.only === '' || values.only === 'portal') result.portal = await benchPortal(say);
  if (values.only === '' || values.only === 'reports') result.reports = await benchReports(say);
  if (values.only === '' || values.only === 'fleet') {
    // Each set-up in turn, the same load: the embedded defaults and the set-up past one machine side by side.
    const fleet: Record<string, unknown> = {};
    for (const setup of values['fleet-setup'].split(',')) {
      fleet[setup] = await benchFleet(say, {
        counts: values.appliances.split(',').map(Number), generators: Number(values.generators), compress: Number(values.compress),
        seconds: Number(values['fleet-seconds']), setup, silence: values.silence === 'cut' ? 'cut' : 'quiet',
        batchRecords: Number(values['batch-records']), uploadEverySeconds: Number(values['upload-every']),
      });
    }
    result.fleet = fleet;
  }

  const idle = await idleRss();
  say(`idle RSS: ${idle.rssMiB.toFixed(1)} MiB (anon ${idle.anonMiB.toFixed(1)}, USS ${idle.ussMiB.toFixed(1)}); Node's own floor, an empty script on `
    + `the same binary: RSS ${idle.nodeFloor.rssMiB.toFixed(1)} MiB (anon ${idle.nodeFloor.anonMiB.toFixed(1)}, USS ${idle.nodeFloor.ussMiB.toFixed(1)})`);
  result.idle = idle;
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  fs.rmSync(file, { force: true });
}

/**
 * A burst of C&C traffic must not slow ingest or wear the flash: the same
 * workload with no suspicious objects, and with one line in ten a C&C
 * callback to a new public address (in address order, and scattered as real
 * ones are), run interleaved (A B C A B C ...).
 */
async function objectsSection(): Promise<Record<string, unknown>> {
  const variants = (['none', 'new10', 'new10r'] as const).map((mix) => {
    const f = path.join(os.tmpdir(), `tmsp-bench-objects-${mix}-${N}.log`);
    const d = workload(N, 20261122, mix);
    fs.writeFileSync(f, d);
    return { mix, file: f, rawBytes: d.length - N, runs: [] as Run[] };
  });
  for (let i = 0; i < RUNS; i++) for (const v of variants) v.runs.push(await runAgent(v.file, v.rawBytes, FLAGS));
  const [none, ...bursts] = variants.map((v) => ({ ...v, summary: summarise(v.runs) }));
  const label = { new10: '10% new C&C', new10r: '10% new C&C, scattered' } as const;
  show('objects: none', none!.summary);
  for (const b of bursts) show(`objects: ${label[b.mix as keyof typeof label]}`, b.summary);
  for (const b of bursts) {
    const ratio = (k: keyof Run) => b.summary[k] / none!.summary[k];
    say(`  ${label[b.mix as keyof typeof label]} / none: throughput ${ratio('recordsPerSec').toFixed(2)}x, cpu ${ratio('cpuPerMillion').toFixed(2)}x, ` +
      `write amplification ${ratio('writeAmplification').toFixed(2)}x (target: within 15%)`);
  }
  for (const v of variants) fs.rmSync(v.file, { force: true });
  return Object.fromEntries([none!, ...bursts].map((v) => [v.mix, v.summary]));
}

/**
 * One table of what matters against rsyslog, each row a ratio (tmsp-agent ÷
 * rsyslog) of medians measured alike; the agent with spool.compression=zstd
 * beside it (rsyslog's omfile has only gzip).
 */
function ratioTable(ref: Run, agent: Run, zstd?: Run): void {
  const rows: Array<[string, (r: Run) => number, number]> = [
    ['lines/s', (r) => r.recordsPerSec, 0],
    ['CPU s per 1M lines', (r) => r.cpuPerMillion, 2],
    ['disk writes ÷ raw bytes', (r) => r.writeAmplification, 3],
    ['raw bytes ÷ stored bytes', (r) => r.compressionRatio, 2],
    // The issue's flash target: what reaches the disk per byte kept (1.0 is each byte written once).
    ['disk writes ÷ stored bytes', (r) => r.writeAmplification * r.compressionRatio, 3],
    ['RSS under load, MiB (median)', (r) => r.rssSteadyMiB, 1],
    ['  of it anonymous, MiB', (r) => r.anonSteadyMiB, 1],
    ['USS under load, MiB (median)', (r) => r.ussSteadyMiB, 1],
    ['RSS peak, MiB', (r) => r.rssPeakMiB, 1],
  ];
  const fmt = (x: number, d: number) => (d === 0 ? Math.round(x).toLocaleString('en') : x.toFixed(d));
  say(`  ${'(medians)'.padEnd(30)} ${'rsyslog'.padStart(10)} ${'tmsp-agent'.padStart(11)} ${'ratio'.padStart(7)}` +
    (zstd ? ` ${'agent zstd'.padStart(11)} ${'ratio'.padStart(7)}` : ''));
  for (const [name, f, d] of rows) {
    say(`  ${name.padEnd(30)} ${fmt(f(ref), d).padStart(10)} ${fmt(f(agent), d).padStart(11)} ${(f(agent) / f(ref)).toFixed(2).padStart(7)}` +
      (zstd ? ` ${fmt(f(zstd), d).padStart(11)} ${(f(zstd) / f(ref)).toFixed(2).padStart(7)}` : ''));
  }
}

async function ingestSection(file: string, rawBytes: number, qlen: number, result: Record<string, unknown>): Promise<void> {
  const agentRuns: Run[] = [];
  const zstdRuns: Run[] = [];
  const refRuns: Run[] = [];
  let refSkipped: string | undefined;
  for (let i = 0; i < RUNS; i++) {
    agentRuns.push(await runAgent(file, rawBytes, FLAGS));
    const ref = await runRsyslog(file, rawBytes);
    if ('skipped' in ref) refSkipped = ref.skipped;
    else refRuns.push(ref);
    zstdRuns.push(await runAgent(file, rawBytes, FLAGS, 0, 'zstd'));
  }
  const agent = summarise(agentRuns);
  const zstd = summarise(zstdRuns);
  show(`tmsp-agent (qlen ${qlen})`, agent);
  show(`tmsp-agent zstd (qlen ${qlen})`, zstd);
  result.agent = agent;
  result.agentZstd = zstd;
  if (refRuns.length > 0) {
    const ref = summarise(refRuns);
    show(`rsyslog omfile zip6 (qlen ${qlen})`, ref);
    ratioTable(ref, agent, zstd);
    result.rsyslog = ref;
  } else {
    say(`rsyslog reference skipped: ${refSkipped}`);
    result.rsyslog = { skipped: refSkipped };
  }

  // The same load for both, one they both hold: memory compared where neither is limited by the other's speed.
  const fixedAgent: Run[] = [];
  const fixedZstd: Run[] = [];
  const fixedRef: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    fixedAgent.push(await runAgent(file, rawBytes, FLAGS, FIXED_RATE));
    const ref = await runRsyslog(file, rawBytes, FIXED_RATE);
    if (!('skipped' in ref)) fixedRef.push(ref);
    fixedZstd.push(await runAgent(file, rawBytes, FLAGS, FIXED_RATE, 'zstd'));
  }
  const fa = summarise(fixedAgent);
  const fz = summarise(fixedZstd);
  show(`tmsp-agent at ${FIXED_RATE.toLocaleString('en')} lines/s`, fa);
  show(`tmsp-agent zstd at ${FIXED_RATE.toLocaleString('en')} lines/s`, fz);
  result.agentFixedRate = { rate: FIXED_RATE, ...fa };
  result.agentZstdFixedRate = { rate: FIXED_RATE, ...fz };
  if (fixedRef.length > 0) {
    const fr = summarise(fixedRef);
    show(`rsyslog at ${FIXED_RATE.toLocaleString('en')} lines/s`, fr);
    ratioTable(fr, fa, fz);
    result.rsyslogFixedRate = { rate: FIXED_RATE, ...fr };
  }

  if (process.getuid?.() === 0 && spawnSync('unshare', ['--version']).status === 0) {
    const out = path.join(os.tmpdir(), `tmsp-bench-ns-${process.pid}.json`);
    const deep = 512;
    execFileSync('unshare', ['-n', 'sh', '-c',
      `sysctl -qw net.unix.max_dgram_qlen=${deep} && "${process.execPath}" "${path.join(HERE, 'run.ts')}" --records ${N} --runs ${RUNS} --node-flags="${FLAGS.join(' ')}" --in-namespace "${out}"`],
    { stdio: 'inherit' });
    const ns = JSON.parse(fs.readFileSync(out, 'utf8')) as { qlen: number; run: Run; zstd: Run; rsyslog: Run | null };
    fs.rmSync(out);
    show(`tmsp-agent (qlen ${ns.qlen}, netns)`, ns.run);
    show(`tmsp-agent zstd (qlen ${ns.qlen}, netns)`, ns.zstd);
    if (ns.rsyslog) {
      show(`rsyslog omfile zip6 (qlen ${ns.qlen}, netns)`, ns.rsyslog);
      ratioTable(ns.rsyslog, ns.run, ns.zstd);
    }
    result.agentDeepQueue = ns;
  } else {
    say('deep-queue run skipped (needs root and unshare)');
  }
}

await main();
