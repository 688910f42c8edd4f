// A fleet against the portal (npm run bench -- --only=fleet): N appliances
// played by one or a few generator processes (fleet-generator.ts), each
// appliance with its own MQTT-over-TLS session logged in as its account and
// its own HTTPS uploads, speaking exactly what the agent speaks
// (fleet-appliance.ts). Time is compressed: a heartbeat every 60/compress s,
// declared so in the payload, so the portal's lateness judgement follows.
// Connects, heartbeats and uploads are staggered evenly.
//
// Measured for each appliance count, over a steady window after every
// appliance is connected: heartbeats/s offered (the generators' publishes)
// and handled (the fleet's counter in status.json), how long after an
// appliance made a heartbeat the portal handled it (last_heartbeat_at
// beside the heartbeat's own time), batch records uploaded and ingested per
// second with the ingest queue's depth, and CPU and RSS of every portal
// process, peer and generator. Then K appliances fall silent (still
// connected, or cut), and the time from their last heartbeat, and from the
// deadline the rules give, to the "No heartbeat received" notice at the
// bench's webhook receiver. The knee is the first count at which heartbeats
// are handled slower than offered, their lag grows, ingest falls behind, or
// an appliance that kept beating is called silent.
//
// The portal is reached through a set-up (fleet-setup.ts): "embedded" here.

import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { PlayedAppliance, Silenced, Timing } from './fleet-appliance.ts';
import type { FromGenerator, ToGenerator } from './fleet-generator.ts';
import { SETUPS, type BenchAccount, type MeasuredProcess, type PortalCounters, type RunningSetup } from './fleet-setup.ts';
import { cpuSeconds, median, memory, RssSampler } from './proc.ts';
import { treeCpuSeconds, TreeRssSampler } from './proc-tree.ts';
import { WebhookSink, type Received } from './webhook-sink.ts';

const HERE = path.dirname(new URL(import.meta.url).pathname);

export interface FleetBenchOptions {
  setup: string;
  /** Appliance counts, run one after the other (the knee search). */
  counts: number[];
  perAccount: number;
  generators: number;
  /** Heartbeat every 60/compress s. */
  compress: number;
  /** The steady window measured, seconds. */
  seconds: number;
  /** Appliances silenced at the end of each count, and how. */
  silent: number;
  silence: 'quiet' | 'cut';
  /** Records in each batch; 0 = no uploads. */
  batchRecords: number;
  /** A batch per appliance this often; 0 = the agent's default (tmsp.uploadIntervalMinutes 60), compressed. */
  uploadEverySeconds: number;
  /** Connects per second at most (each is two TLS handshakes: the agent asks for MQTT 5 first). */
  connectRate: number;
  lateIntervals: number;
  silentIntervals: number;
}

export const FLEET_DEFAULTS: FleetBenchOptions = {
  setup: 'embedded', counts: [1000], perAccount: 100, generators: 1, compress: 12, seconds: 60, silent: 20, silence: 'quiet',
  batchRecords: 1000, uploadEverySeconds: 0, connectRate: 200, lateIntervals: 2, silentIntervals: 3,
};

interface Report {
  counters: { connected: number; connects: number; connectFailures: number; lost: number; heartbeats: number; skipped: number; pubacks: number;
    uploads: number; uploadFailures: number; uploadsBusy: number; records: number; lastError: string | null };
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** A generator process and its IPC. */
class Generator {
  readonly proc: ChildProcess;
  private reports: Array<(r: Report) => void> = [];
  readonly silenced: Silenced[] = [];
  readonly exited: Promise<void>;

  constructor() {
    this.proc = fork(path.join(HERE, 'fleet-generator.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.proc.on('message', (m: FromGenerator) => {
      if (m.type === 'report') this.reports.shift()?.(m);
      else this.silenced.push(m.silenced);
    });
    this.exited = new Promise((r) => this.proc.once('exit', () => r()));
  }

  send(m: ToGenerator): void {
    if (this.proc.connected) this.proc.send(m);
  }

  report(): Promise<Report> {
    return new Promise((resolve) => {
      this.reports.push(resolve);
      this.send({ type: 'report' });
    });
  }

  async stop(): Promise<void> {
    this.send({ type: 'stop' });
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function reportAll(gens: Generator[]): Promise<{ at: number; c: Report['counters']; loopP99: number; loopMax: number; lastError: string | null }> {
  const rs = await Promise.all(gens.map((g) => g.report()));
  const keys = Object.keys(rs[0]!.counters).filter((k) => k !== 'lastError') as Array<Exclude<keyof Report['counters'], 'lastError'>>;
  const c = Object.fromEntries(keys.map((k) => [k, sum(rs.map((r) => r.counters[k]))])) as unknown as Report['counters'];
  return {
    at: Date.now(), c, loopP99: Math.max(...rs.map((r) => r.loopDelayP99Ms)), loopMax: Math.max(...rs.map((r) => r.loopDelayMaxMs)),
    lastError: rs.map((r) => r.counters.lastError).find((e) => e) ?? null,
  };
}

/** The portals' next status write (every 5 s), and the generators' counters read at once beside it. */
async function snapshot(s: RunningSetup, gens: Generator[], after: number): Promise<{ portal: PortalCounters; gen: Awaited<ReturnType<typeof reportAll>> }> {
  const end = Date.now() + 30_000;
  for (;;) {
    let c: PortalCounters | undefined;
    try {
      c = s.counters();
    } catch {
      // being replaced
    }
    if (c && c.at > after) return { portal: c, gen: await reportAll(gens) };
    if (Date.now() > end) throw new Error(`the portal wrote no status for 30 s\n${s.log()}`);
    await sleep(50);
  }
}

interface ProcessFigures {
  name: string;
  cpuPercent: number;
  rssMedianMiB: number;
  anonMedianMiB: number;
  peakMiB: number;
}

/** CPU seconds the whole machine spent busy so far (/proc/stat; USER_HZ 100): what else ran shows beside what was measured. */
function machineBusySeconds(): number {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / 100;
}

/** A process measured alone, or with its descendants (MeasuredProcess.tree). */
interface Gauge {
  cpu(): number;
  stop(): { median: number; anonMedian: number; peak: number };
}

function gauge(p: Pick<MeasuredProcess, 'pid' | 'tree'>): Gauge {
  if (p.tree) {
    const s = new TreeRssSampler(p.pid);
    return { cpu: () => treeCpuSeconds(p.pid), stop: () => s.stop() };
  }
  const s = new RssSampler(p.pid, 500);
  return { cpu: () => cpuSeconds(p.pid), stop: () => ({ ...s.stop(), peak: memory(p.pid).hwm }) };
}

/** CPU and RSS of a set of processes between start() and stop(), and the CPU the rest of the machine used meanwhile. */
class Meter {
  private readonly procs: Array<{ name: string; cpu0: number; g: Gauge }>;
  private readonly t0 = Date.now();
  private readonly self0 = process.cpuUsage();
  private readonly machine0 = machineBusySeconds();

  constructor(procs: ReadonlyArray<Pick<MeasuredProcess, 'name' | 'pid' | 'tree'>>) {
    this.procs = procs.map((p) => {
      const g = gauge(p);
      return { name: p.name, cpu0: g.cpu(), g };
    });
  }

  stop(): ProcessFigures[] {
    const secs = (Date.now() - this.t0) / 1000;
    const out = this.procs.map((p) => {
      const cpu = p.g.cpu();
      const r = p.g.stop();
      return { name: p.name, cpuPercent: ((cpu - p.cpu0) / secs) * 100, rssMedianMiB: r.median / 2 ** 20, anonMedianMiB: r.anonMedian / 2 ** 20,
        peakMiB: r.peak / 2 ** 20 };
    });
    // Its memory is run.ts's too (the other benches' workload): only its CPU is this bench's.
    const self = process.cpuUsage(this.self0);
    out.push({ name: 'bench (this process)', cpuPercent: ((self.user + self.system) / 1e6 / secs) * 100, rssMedianMiB: NaN, anonMedianMiB: NaN, peakMiB: NaN });
    const others = (machineBusySeconds() - this.machine0) / secs * 100 - sum(out.map((p) => p.cpuPercent));
    out.push({ name: 'everything else (host)', cpuPercent: Math.max(0, others), rssMedianMiB: NaN, anonMedianMiB: NaN, peakMiB: NaN });
    return out;
  }
}

export interface FleetRun {
  appliances: number;
  accounts: number;
  generators: number;
  connect: { seconds: number; planned: number; connected: number; failures: number; portalCpuSeconds: number; generatorCpuSeconds: number };
  window: {
    seconds: number;
    heartbeatsOfferedPerS: number;
    heartbeatsHandledPerS: number;
    skipped: number;
    lost: number;
    lagP50Ms: number;
    lagP99Ms: number;
    lagMaxMs: number;
    lagFirstMedianMs: number;
    lagLastMedianMs: number;
    recordsOfferedPerS: number;
    recordsIngestedPerS: number;
    uploadFailures: number;
    uploadsBusy: number;
    depthStart: number;
    depthEnd: number;
    depthMax: number;
    generatorLoopDelayP99Ms: number;
    mqttClients: number | null;
    /** Logins the broker refused for want of room (its client limit), over the whole count so far. */
    mqttRefusedClients: number | null;
    processes: ProcessFigures[];
  };
  silence: {
    mode: 'quiet' | 'cut';
    silenced: number;
    notified: number;
    afterDeadlineP50S: number;
    afterDeadlineP99S: number;
    afterLastHeartbeatP50S: number;
    afterLastHeartbeatP99S: number;
    deadlineS: number;
  };
  /** Notices about appliances that kept beating (called silent under load), by kind. */
  unexpectedNotices: Record<string, number>;
  verdict: { ok: boolean; why: string[] };
  lastError: string | null;
}

function accountsFor(n: number, perAccount: number): BenchAccount[] {
  return Array.from({ length: Math.ceil(n / perAccount) }, (_, i) => ({ name: `bench-${String(i).padStart(3, '0')}`, password: `bench-password-${i}-fleet` }));
}

async function runCount(say: (s: string) => void, o: FleetBenchOptions, n: number): Promise<FleetRun> {
  const heartbeatMs = Math.round(60_000 / o.compress);
  const uploadEveryMs = (o.uploadEverySeconds || 3600 / o.compress) * 1000;
  const sink = await new WebhookSink().start();
  const factory = SETUPS[o.setup];
  if (!factory) throw new Error(`no fleet set-up ${o.setup} (known: ${Object.keys(SETUPS).join(', ')})`);
  const setup = factory();
  const accounts = accountsFor(n, o.perAccount);
  const gens: Generator[] = [];
  try {
    const ids = Array.from({ length: n }, (_, i) => ({ id: `ddi-${String(i).padStart(5, '0')}`, account: accounts[Math.floor(i / o.perAccount)]! }));
    const s = await setup.start({
      fleet: { lateIntervals: o.lateIntervals, silentIntervals: o.silentIntervals, silentMinimumMinutes: 0, maxAppliancesPerAccount: Math.max(1000, o.perAccount) },
      webhook: { url: sink.url, secret: sink.secret }, accounts, appliances: ids.map((a) => ({ id: a.id, account: a.account.name })),
    });
    const portals = s.processes.filter((p) => p.role === 'portal');
    const portalCpu = () => sum(portals.map((p) => cpuSeconds(p.pid)));

    // Connects spread over whole heartbeat intervals: each appliance beats at once and then every interval (as the agent does),
    // so its phase is its connect time, and phases are even.
    const connectMs = heartbeatMs * Math.ceil(n / (o.connectRate * heartbeatMs / 1000));
    const G = Math.max(1, Math.min(o.generators, n));
    for (let g = 0; g < G; g++) gens.push(new Generator());
    const t0 = Date.now() + 1500;
    const plan: PlayedAppliance[][] = gens.map(() => []);
    for (let i = 0; i < n; i++) {
      plan[i % G]!.push({
        id: ids[i]!.id, account: ids[i]!.account.name, password: ids[i]!.account.password, connectAt: t0 + (i * connectMs) / n,
        firstUploadAt: t0 + connectMs + ((i * 0.6180339887) % 1) * uploadEveryMs,
      });
    }
    const timing: Timing = { heartbeatMs, uploadEveryMs, batchRecords: o.batchRecords, keepaliveMs: 30_000, timeoutMs: 20_000 };
    const targets = { mqtt: s.mqtt, https: s.https, basePath: s.basePath };
    const cpuBefore = portalCpu();
    const genCpu = () => sum(gens.map((g) => cpuSeconds(g.proc.pid!)));
    gens.forEach((g, i) => g.send({ type: 'start', appliances: plan[i]!, targets, timing }));
    say(`  ${n} appliances (${accounts.length} accounts, ${G} generator${G > 1 ? 's' : ''}): connecting over ${(connectMs / 1000).toFixed(0)} s`);
    // Until all are in, or (past the plan) no more came in for 15 s: a portal that refuses some is measured with the rest.
    let connected = await reportAll(gens);
    let grewAt = Date.now();
    while (connected.c.connected < n && (Date.now() < t0 + connectMs || Date.now() - grewAt < 15_000)) {
      await sleep(500);
      const now = await reportAll(gens);
      if (now.c.connected > connected.c.connected) grewAt = Date.now();
      connected = now;
    }
    const connect = {
      seconds: (Date.now() - t0) / 1000, planned: connectMs / 1000, connected: connected.c.connected, failures: connected.c.connectFailures,
      portalCpuSeconds: portalCpu() - cpuBefore, generatorCpuSeconds: genCpu(),
    };

    // Warm-up: two intervals, every appliance beating and the first uploads going.
    await sleep(2 * heartbeatMs);
    const a = await snapshot(s, gens, Date.now());
    const meter = new Meter([...s.processes, ...gens.map((g, i) => ({ name: `generator ${i + 1}`, pid: g.proc.pid! }))]);
    const windowStart = a.portal.at;
    const lags: Array<{ at: number; lags: number[] }> = [];
    let depthMax = a.portal.depth;
    let loopP99 = 0;
    const windowEnd = Date.now() + o.seconds * 1000;
    while (Date.now() < windowEnd - 2500) {
      await sleep(Math.min(5000, windowEnd - Date.now() - 2500));
      const seen = await s.lastHeartbeats();
      lags.push({ at: Date.now(), lags: seen.filter((h) => h.handledAt >= windowStart).map((h) => h.handledAt - h.sentAt) });
      try {
        depthMax = Math.max(depthMax, s.counters().depth);
      } catch {
        // being replaced
      }
      loopP99 = Math.max(loopP99, (await reportAll(gens)).loopP99);
    }
    const b = await snapshot(s, gens, windowEnd - 1000);
    const processes = meter.stop();
    const portalSecs = (b.portal.at - a.portal.at) / 1000;
    const genSecs = (b.gen.at - a.gen.at) / 1000;
    const all = lags.flatMap((l) => l.lags);
    const third = Math.max(1, Math.floor(lags.length / 3));
    const window = {
      seconds: portalSecs,
      heartbeatsOfferedPerS: (b.gen.c.heartbeats - a.gen.c.heartbeats) / genSecs,
      heartbeatsHandledPerS: (b.portal.heartbeats - a.portal.heartbeats) / portalSecs,
      skipped: b.gen.c.skipped - a.gen.c.skipped,
      lost: b.gen.c.lost - a.gen.c.lost,
      lagP50Ms: pct(all, 50), lagP99Ms: pct(all, 99), lagMaxMs: all.length ? Math.max(...all) : NaN,
      lagFirstMedianMs: median(lags.slice(0, third).flatMap((l) => l.lags)),
      lagLastMedianMs: median(lags.slice(-third).flatMap((l) => l.lags)),
      recordsOfferedPerS: (b.gen.c.records - a.gen.c.records) / genSecs,
      recordsIngestedPerS: ((b.portal.ingested - a.portal.ingested) * o.batchRecords) / portalSecs,
      uploadFailures: b.gen.c.uploadFailures - a.gen.c.uploadFailures,
      uploadsBusy: b.gen.c.uploadsBusy - a.gen.c.uploadsBusy,
      depthStart: a.portal.depth, depthEnd: b.portal.depth, depthMax: Math.max(depthMax, b.portal.depth),
      generatorLoopDelayP99Ms: Math.max(loopP99, b.gen.loopP99),
      mqttClients: b.portal.mqttClients,
      mqttRefusedClients: b.portal.mqttRefusedClients,
      processes,
    };

    // Silence: K appliances spread over the fleet stop after their next heartbeat.
    const k = Math.min(o.silent, n);
    const quiet = Array.from({ length: k }, (_, j) => ids[Math.floor((j * n) / k)]!.id);
    const silentAfterMs = o.silentIntervals * heartbeatMs;
    const silenceFrom = Date.now();
    for (let g = 0; g < G; g++) {
      const mine = quiet.filter((id) => Number(id.slice(4)) % G === g);
      if (mine.length) gens[g]!.send({ type: 'silence', ids: mine, mode: o.silence });
    }
    const answered = () => gens.flatMap((g) => g.silenced);
    const silenced = () => answered().filter((x) => x.lastHeartbeatAt >= 0);
    const wanted = new Set(quiet);
    const notice = (r: readonly Received[], id: string) => r.find((x) => x.notice.kind === 'silent' && x.notice.applianceId === id && x.receivedAt >= silenceFrom);
    await sink.until((r) => answered().length === k && silenced().every((x) => notice(r, x.id)), heartbeatMs * 2 + silentAfterMs + 60_000);
    const after: number[] = [];
    const sinceLast: number[] = [];
    for (const x of silenced()) {
      const got = notice(sink.received, x.id);
      if (!got) continue;
      const since = o.silence === 'cut' ? Math.max(x.cutAt ?? 0, x.lastHeartbeatAt) : x.lastHeartbeatAt;
      after.push((got.receivedAt - (since + silentAfterMs)) / 1000);
      sinceLast.push((got.receivedAt - x.lastHeartbeatAt) / 1000);
    }
    const silence = {
      mode: o.silence, silenced: silenced().length, notified: after.length, deadlineS: silentAfterMs / 1000,
      afterDeadlineP50S: pct(after, 50), afterDeadlineP99S: pct(after, 99), afterLastHeartbeatP50S: pct(sinceLast, 50), afterLastHeartbeatP99S: pct(sinceLast, 99),
    };
    const unexpectedNotices: Record<string, number> = {};
    for (const r of sink.received) {
      if (r.notice.kind === 'silent' && r.notice.applianceId !== null && wanted.has(r.notice.applianceId) && r.receivedAt >= silenceFrom) continue;
      unexpectedNotices[r.notice.kind] = (unexpectedNotices[r.notice.kind] ?? 0) + 1;
    }
    const unsigned = sink.received.filter((r) => !r.signed).length;
    if (unsigned > 0) unexpectedNotices.unsigned = unsigned;

    const why: string[] = [];
    if (connect.connected < n) why.push(`${n - connect.connected} never connected`);
    if (window.heartbeatsHandledPerS < 0.97 * window.heartbeatsOfferedPerS) why.push('heartbeats handled < offered');
    if (window.skipped > 0) why.push(`${window.skipped} heartbeats skipped (PUBACKs late)`);
    if (window.lost > 0) why.push(`${window.lost} sessions lost`);
    if (window.lagP99Ms > heartbeatMs) why.push('heartbeat lag p99 > one interval');
    if (window.lagLastMedianMs > window.lagFirstMedianMs + Math.max(250, window.lagFirstMedianMs)) why.push('heartbeat lag growing');
    if (window.recordsIngestedPerS < 0.95 * window.recordsOfferedPerS) why.push('ingest < uploads');
    if (window.depthEnd > Math.max(20, 2 * window.depthStart)) why.push('ingest queue growing');
    if (window.uploadFailures > 0) why.push(`${window.uploadFailures} uploads failed`);
    if ((unexpectedNotices.silent ?? 0) > 0) why.push(`${unexpectedNotices.silent} beating appliances called silent`);
    if (silence.notified < silence.silenced) why.push(`${silence.silenced - silence.notified} of ${silence.silenced} silent appliances not notified`);
    return {
      appliances: n, accounts: accounts.length, generators: G, connect, window, silence, unexpectedNotices,
      verdict: { ok: why.length === 0, why }, lastError: b.gen.lastError,
    };
  } finally {
    await setup.stop().catch(() => {});
    await Promise.all(gens.map((g) => g.stop()));
    await sink.stop();
  }
}

const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : '-');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');

function table(say: (s: string) => void, o: FleetBenchOptions, runs: FleetRun[]): void {
  const heartbeatS = 60 / o.compress;
  say(`  ${'appliances'.padStart(10)} ${'hb/s offered'.padStart(12)} ${'handled'.padStart(8)} ${'lag p50/p99/max ms'.padStart(19)} ${'rec/s up'.padStart(9)} `
    + `${'ingested'.padStart(9)} ${'queue'.padStart(7)} ${'notice−deadline p50/p99 s'.padStart(26)} ${'−last hb p50/p99 s'.padStart(19)}  verdict`);
  for (const r of runs) {
    const w = r.window;
    const si = r.silence;
    say(`  ${String(r.appliances).padStart(10)} ${f1(w.heartbeatsOfferedPerS).padStart(12)} ${f1(w.heartbeatsHandledPerS).padStart(8)} `
      + `${`${f0(w.lagP50Ms)}/${f0(w.lagP99Ms)}/${f0(w.lagMaxMs)}`.padStart(19)} ${f0(w.recordsOfferedPerS).padStart(9)} ${f0(w.recordsIngestedPerS).padStart(9)} `
      + `${`${w.depthStart}→${w.depthEnd}`.padStart(7)} ${`${f1(si.afterDeadlineP50S)}/${f1(si.afterDeadlineP99S)} (${si.notified}/${si.silenced})`.padStart(26)} `
      + `${`${f1(si.afterLastHeartbeatP50S)}/${f1(si.afterLastHeartbeatP99S)}`.padStart(19)}  ${r.verdict.ok ? 'holds' : r.verdict.why.join('; ')}`);
  }
  say(`  (heartbeat every ${heartbeatS} s; silence deadline ${o.silentIntervals} × ${heartbeatS} s after the last heartbeat, judged every 5 s; `
    + `lag = the portal's last_heartbeat_at − the heartbeat's own time)`);
  say(`  ${'appliances'.padStart(10)}  ${'process'.padEnd(22)} ${'CPU % of a core'.padStart(15)} ${'RSS median MiB'.padStart(14)} ${'(anon)'.padStart(7)} ${'peak (VmHWM)'.padStart(12)}`);
  for (const r of runs) {
    for (const p of r.window.processes) {
      say(`  ${String(r.appliances).padStart(10)}  ${p.name.padEnd(22)} ${f1(p.cpuPercent).padStart(15)} ${f0(p.rssMedianMiB).padStart(14)} `
        + `${f0(p.anonMedianMiB).padStart(7)} ${f0(p.peakMiB).padStart(12)}`);
    }
  }
  say(`  ${'appliances'.padStart(10)}  connect: ${'planned s'.padStart(9)} ${'took s'.padStart(7)} ${'connected'.padStart(9)} ${'failures'.padStart(8)} `
    + `${'broker refused'.padStart(14)} ${'portal CPU s'.padStart(12)} ${'generator CPU s'.padStart(15)} ${'gen loop p99 ms'.padStart(15)}`);
  for (const r of runs) {
    const c = r.connect;
    say(`  ${String(r.appliances).padStart(10)}           ${f0(c.planned).padStart(9)} ${f1(c.seconds).padStart(7)} ${String(c.connected).padStart(9)} `
      + `${String(c.failures).padStart(8)} ${String(r.window.mqttRefusedClients ?? '-').padStart(14)} ${f1(c.portalCpuSeconds).padStart(12)} `
      + `${f1(c.generatorCpuSeconds).padStart(15)} ${f1(r.window.generatorLoopDelayP99Ms).padStart(15)}`);
  }
}

export async function benchFleet(say: (s: string) => void, opts: Partial<FleetBenchOptions> = {}): Promise<Record<string, unknown>> {
  const o = { ...FLEET_DEFAULTS, ...opts };
  const uploadEveryS = o.uploadEverySeconds || 3600 / o.compress;
  say(`fleet: ${o.setup} set-up; ${o.counts.join(', ')} appliances, ${o.perAccount} per account, ${o.generators} generator process(es); `
    + `time ×${o.compress} (heartbeat every ${60 / o.compress} s), ${o.batchRecords ? `a batch of ${o.batchRecords} records per appliance every ${uploadEveryS} s over HTTPS` : 'no uploads'}; `
    + `fleet.lateIntervals ${o.lateIntervals}, silentIntervals ${o.silentIntervals}, silentMinimumMinutes 0; ${o.seconds} s measured per count; `
    + `then ${o.silent} appliances fall silent (${o.silence === 'quiet' ? 'connected, no more heartbeats' : 'connection cut, the will fires'})`);
  const runs: FleetRun[] = [];
  for (const n of o.counts) {
    const r = await runCount(say, o, n);
    runs.push(r);
    if (r.lastError) say(`    last generator error: ${r.lastError}`);
    if (Object.keys(r.unexpectedNotices).length) say(`    other notices: ${JSON.stringify(r.unexpectedNotices)}`);
  }
  table(say, o, runs);
  const bent = runs.find((r) => !r.verdict.ok);
  const held = runs.slice(0, bent ? runs.indexOf(bent) : runs.length).map((r) => r.appliances);
  say(bent
    ? `  knee: holds up to ${held.length ? Math.max(...held) : 'none of the counts'}; bends at ${bent.appliances} appliances (${bent.verdict.why.join('; ')})`
    : `  knee: not reached; holds at every count up to ${Math.max(...o.counts)}`);
  return { options: o, runs, knee: bent ? { holdsUpTo: held.length ? Math.max(...held) : null, bendsAt: bent.appliances, why: bent.verdict.why } : null };
}
