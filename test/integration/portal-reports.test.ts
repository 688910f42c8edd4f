// Reports through the real path: two built agents send a generated set of
// detections (severities, categories, C&C callbacks, across the days a
// daily, weekly and monthly report compare) to the built portal; one of them
// loses records to a full spool (drops and a sequence gap) and falls silent
// for half an hour. Every figure of the models is checked against counts
// this test makes from what it sent. The portal runs on a clock the test
// moves (libfaketime): the half hour passes in seconds, with the other
// appliance beating in every five minutes of it, and the night passes at
// once, so that the schedule makes the day's and the month's reports when
// the portal comes back (catch-up), and e-mails them to the real SMTP server.

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOfInstant, localInstant } from '../../src/core/local-days.ts';
import { LEVELS, levelOf, type DailyModel, type ExecutiveModel } from '../../src/portal/reports/model.ts';
import { BUCKET_MS } from '../../src/portal/store/types.ts';
import { RunningAgent, startAgent, until } from '../helpers/agent.ts';
import { MovableClock } from '../helpers/clock.ts';
import { outputDir } from '../helpers/output.ts';
import { startPortal, type RunningPortal } from '../helpers/portal-process.ts';
import { rng } from '../helpers/rng.ts';
import { sendTcp, UnixSender } from '../helpers/senders.ts';
import { tmpdir } from '../helpers/tmp.ts';
import { peerRoot, startTinyproxy, USER, PASS, type Peer } from '../peers/peers.ts';
import { SmtpPeer } from '../peers/smtp.ts';

const TZ = 'Europe/Berlin';
const DAY = '2026-11-30';
const H = 3_600_000;
const MIN = 60_000;
const A = 'ddi-a';
const B = 'ddi-b';
const C = 'ddi-c';
const ACCOUNTS = { [A]: 'acme', [B]: 'globex', [C]: 'acme' } as const;
const SECRET = 'report-secret-1';

interface Sent {
  appliance: string;
  t: number;
  severity: number;
  category: string;
  threat: string;
  src: string;
  cnc: string | null;
}

const CATEGORIES = ['malware', 'exploit', 'network', 'grayware'];
const THREATS: Record<string, string[]> = {
  malware: ['TROJ_FAKEAV.SMX', 'Malware URL requested - Type 1'],
  exploit: ['CVE-2021-44228 Log4j RCE', 'SMB exploit attempt'],
  network: ['Windows Remote Management Service Detected - HTTP', 'DNS response of a queried malware URL'],
  grayware: ['BitTorrent traffic'],
};

/** Days and how many detections each: the month before, the week before, the week, the day before, the day. */
const PLAN: Array<[string, number]> = [
  ['2026-10-09', 20], ['2026-10-21', 15], ['2026-11-16', 25], ['2026-11-19', 10], ['2026-11-22', 30], ['2026-11-25', 40], ['2026-11-28', 12],
  ['2026-11-29', 60], [DAY, 140],
];

function generate(): Sent[] {
  const r = rng(42);
  const out: Sent[] = [];
  for (const [day, n] of PLAN) {
    const from = localInstant(day, 0, TZ);
    for (let i = 0; i < n; i++) {
      const category = CATEGORIES[Math.floor(r() * CATEGORIES.length)]!;
      const list = THREATS[category]!;
      // Some a minute either side of local midnight: a UTC day would put them on the wrong day.
      const t = i === 0 ? from + MIN : i === 1 ? from + 24 * H - MIN : from + Math.floor(r() * 24 * H / 1000) * 1000;
      const cnc = r() < 0.15 ? `c2-${Math.floor(r() * 3)}.bad.example` : null;
      out.push({
        appliance: [A, A, C, C, B][Math.floor(r() * 5)]!, t, severity: [2, 4, 6, 8][Math.floor(r() * 4)]!, category, threat: list[Math.floor(r() * list.length)]!,
        src: `10.1.0.${Math.floor(r() * 12)}`, cnc,
      });
    }
  }
  return out;
}

function rt(t: number): string {
  const d = new Date(t);
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const p = (x: number) => String(x).padStart(2, '0');
  return `${mon} ${p(d.getUTCDate())} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} GMT+00:00`;
}

/** Half as CEF, half as LEEF; "network" is left unnamed in the CEF ones, as appliances send it. */
function lineOf(s: Sent, i: number): string {
  if (i % 2 === 0) {
    const cat = s.category === 'network' ? '' : ` cat=${s.category}`;
    return `<158>CEF:0|Trend Micro|Deep Discovery Inspector|6.0.2026|${1000 + i}|${s.threat}|${s.severity}|rt=${rt(s.t)} dvchost=${s.appliance} `
      + `src=${s.src} spt=50000 dst=198.51.100.7 dpt=443 app=HTTPS act=not blocked${cat}${s.cnc ? ` cn1=1 dhost=${s.cnc}` : ''} cs1Label=n cs1=${i}`;
  }
  return `LEEF:1.0|Trend Micro|Deep Discovery Inspector|3.8.1175|SECURITY_RISK_DETECTION|devTime=${rt(s.t)}\tsev=${s.severity}\tproto=HTTP\t`
    + `dst=198.51.100.7\tdstPort=80\tsrc=${s.src}\tsrcPort=${1000 + i}\tmalType=${s.category}\tmsg=${s.threat}\tact=not blocked`
    + (s.cnc ? `\tcccaDetection=1\tcccaDestination=${s.cnc}` : '');
}

let dir: string;
let clock: MovableClock;
let smtp: SmtpPeer;
let proxyRoot: string;
let proxy: Peer;
let portal: RunningPortal;
const agents: RunningAgent[] = [];
const sent = generate();

function settings() {
  return {
    reports: { timeZone: TZ, to: ['boss@example.com'] },
    notify: { email: true, smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecurity: 'none', from: 'tmsp@example.com' },
    // Minutes-long jumps of the clock are no outage worth a notice.
    fleet: { silentMinimumMinutes: 600 },
  };
}

beforeAll(async () => {
  dir = tmpdir('tmsp-portal-reports-');
  clock = new MovableClock(dir);
  clock.set(localInstant(DAY, 9, TZ));
  smtp = await SmtpPeer.start();
  proxyRoot = peerRoot();
  proxy = await startTinyproxy(proxyRoot);
  portal = await startPortal(dir, settings(), clock.env());
  for (const account of new Set(Object.values(ACCOUNTS))) {
    expect(portal.cli(['--json', 'account', 'add', account, '--password-stdin'], `${SECRET}\n`).json).toMatchObject({ ok: true });
  }
});

afterAll(async () => {
  for (const a of agents) await a.stop('SIGKILL');
  await portal?.stop();
  await smtp?.stop();
  await proxy?.stop();
  fs.rmSync(proxyRoot, { recursive: true, force: true });
});

async function agentFor(id: keyof typeof ACCOUNTS): Promise<RunningAgent> {
  const f = portal.facts;
  const viaProxy = id === B;
  const a = await startAgent(tmpdir(`tmsp-report-agent-${id}-`), {
    spool: { chunkMaxBytes: 64 * 1024, chunkMaxAgeMs: 100, budgetBytes: 8 * 1024 * 1024 },
    extra: {
      appliance: { id, hostname: `${id}.example.net` },
      tmsp: {
        enabled: true, protocol: viaProxy ? 'ssl' : 'ssh',
        logServer: `127.0.0.1:${viaProxy ? f.listeners.https : f.listeners.sftp}`, logBasePath: 'upload', statusServer: `127.0.0.1:${f.listeners.mqtt}`,
        username: ACCOUNTS[id], password: SECRET, registrationEmail: `ops@${ACCOUNTS[id]}.example`, tlsCaFile: f.tlsCertFile,
        hostKeyFingerprint: f.sshHostKey, heartbeatSeconds: 5, timeoutSeconds: 10, retryMaxSeconds: 1, useProxy: viaProxy,
      },
      ...(viaProxy ? { proxy: { host: '127.0.0.1', port: proxy.port, username: USER, password: PASS } } : {}),
    },
  });
  agents.push(a);
  return a;
}

function heardAt(id: string): number {
  const a = portal.appliance(id);
  return a?.lastHeartbeatAt ? Date.parse(a.lastHeartbeatAt) : 0;
}

async function uploadedAll(a: RunningAgent, id: string, records: number): Promise<void> {
  await until(() => {
    a.cli('upload-now');
    return portal.appliance(id)?.records >= records;
  }, 120_000, `${records} records of ${id} at the portal`);
  expect(portal.appliance(id).records).toBe(records);
}

function show(type: string, period: string, account?: string): any {
  const r = portal.cli(['--json', 'report', 'show', '--type', type, '--period', period, ...(account ? ['--account', account] : [])]);
  expect(r.json, r.stdout + r.stderr).toMatchObject({ ok: true });
  return r.json.model;
}

const localDay = (s: Sent) => dayOfInstant(s.t, TZ);

describe('reports from what appliances sent', () => {
  it('daily, weekly and monthly figures are what was sent; made on schedule after the night, and e-mailed with their PDFs', async () => {
    const a = await agentFor(A);
    const b = await agentFor(B);
    const c = await agentFor(C);
    for (const [agent, id] of [[a, A], [b, B], [c, C]] as const) {
      const s = new UnixSender(agent.config.ingest!.unixSocket as string);
      await s.sendAll(sent.filter((x) => x.appliance === id).map((x) => lineOf(x, sent.indexOf(x))));
      s.close();
    }
    const sentOf = (id: string) => sent.filter((x) => x.appliance === id).length;
    await uploadedAll(a, A, sentOf(A));
    await uploadedAll(b, B, sentOf(B));
    await uploadedAll(c, C, sentOf(C));

    // B's uplink goes down while it is flooded: its spool fills, the oldest unsent records are dropped, and the
    // portal later sees the hole in B's sequence numbers.
    await proxy.stop();
    const N = 80_000;
    let noisy = '';
    for (let i = 0; i < N; i++) noisy += `<13>Nov 30 09:10:00 ddi-b app[1]: noise ${i} ${crypto.randomBytes(100).toString('hex')}\n`;
    await sendTcp(b.config.ingest!.tcpPort as number, noisy);
    await until(() => b.status().ingest.records === sentOf(B) + N, 60_000, 'the flood in');
    await b.cli('flush');
    const dropped = b.status().dropped.records;
    expect(dropped).toBeGreaterThan(0);
    // Its status server is reached through the proxy too: the heartbeat that tells of the drops comes when the proxy is back.
    await proxy.start();
    await until(() => portal.appliance(B)?.lastHeartbeat?.dropped.records === dropped, 30_000, 'a heartbeat with the drops');
    await uploadedAll(b, B, sentOf(B) + N - dropped);
    expect(portal.appliance(B).gaps).toEqual([expect.objectContaining({ lastSeq: expect.any(Number) })]);

    // B is off for half an hour; A and C beat in every five minutes of it.
    await b.stop();
    const silentFrom = heardAt(B);
    for (let i = 0; i < 8; i++) {
      clock.advance(4 * MIN);
      const t = clock.now();
      await until(() => heardAt(A) >= t - 1000 && heardAt(C) >= t - 1000, 20_000, 'heartbeats of A and C after the step');
    }
    const b2 = new RunningAgent(b.configFile, b.config);
    agents.push(await b2.ready());
    const back = clock.now();
    await until(() => heardAt(B) >= back - 1000, 20_000, 'B beating again');
    await b2.stop();
    await a.stop();
    await c.stop();
    const lastA = heardAt(A);
    const lastB = heardAt(B);
    const lastC = heardAt(C);

    // On demand: the week before, once; today's report cannot be made before the day is over.
    const week = portal.cli(['--json', 'report', 'generate', '--type', 'weekly', '--period', '2026-11-25']);
    expect(week.json, week.stdout).toMatchObject({ ok: true, made: true, report: { type: 'weekly', first: '2026-11-22', last: '2026-11-28', scope: '*' } });
    expect(portal.cli(['--json', 'report', 'generate', '--type', 'weekly', '--period', '2026-11-22']).json).toMatchObject({ ok: true, made: false });
    const early = portal.cli(['--json', 'report', 'generate', '--type', 'daily', '--period', DAY]);
    expect(early.code).toBe(2);
    expect(early.json.error.message).toMatch(/once its period is over/);

    // The night passes while the portal is down; at 02:30 it comes back and makes what is due, in order.
    await portal.stop();
    clock.set(localInstant('2026-12-01', 2, TZ) + 30 * MIN);
    portal = await startPortal(dir, settings(), clock.env());
    const list = await until(() => {
      const r = portal.cli(['--json', 'report', 'list', '--from', '2026-11-01', '--to', '2026-12-01']).json?.reports as Array<any> | undefined;
      return r && r.filter((x) => x.madeAt).length === 7 ? r : undefined;
    }, 60_000, 'the reports the night made due');
    expect(list.map((r) => `${r.type} ${r.first} ${r.scope}`).sort()).toEqual([
      'daily 2026-11-30 *', 'daily 2026-11-30 acme', 'daily 2026-11-30 globex',
      'monthly 2026-11-01 *', 'monthly 2026-11-01 acme', 'monthly 2026-11-01 globex', 'weekly 2026-11-22 *',
    ]);

    // ---- the daily model, against what was sent ----
    const d = show('daily', DAY) as DailyModel;
    const today = sent.filter((x) => localDay(x) === DAY);
    const yesterday = sent.filter((x) => localDay(x) === '2026-11-29');
    expect(d.detections).toEqual({ count: today.length, previous: yesterday.length });
    for (const l of LEVELS) {
      expect(d.bySeverity.find((x) => x.level === l), l).toEqual({
        level: l, count: today.filter((x) => levelOf(x.severity) === l).length, previous: yesterday.filter((x) => levelOf(x.severity) === l).length,
      });
    }
    expect(Object.fromEntries(d.byCategory.items.map((c) => [c.category, [c.count, c.previous]]))).toEqual(Object.fromEntries(
      [...new Set(today.map((x) => x.category))].map((c) => [c, [today.filter((x) => x.category === c).length, yesterday.filter((x) => x.category === c).length]])));
    for (const t of [...d.topThreats, ...d.network.items]) {
      const of = today.filter((x) => x.threat === t.threat && x.category === t.category);
      expect([t.count, t.appliances, t.level], t.threat).toEqual([of.length, new Set(of.map((x) => x.appliance)).size, levelOf(Math.max(...of.map((x) => x.severity)))]);
    }
    expect(d.network.items.map((t) => t.threat).sort()).toEqual([...new Set(today.filter((x) => x.category === 'network').map((x) => x.threat))].sort());
    const cnc = today.filter((x) => x.cnc);
    expect(d.callbacks).toEqual({ count: cnc.length, previous: yesterday.filter((x) => x.cnc).length, hosts: new Set(cnc.map((x) => x.src)).size });
    const keys = new Set(cnc.map((x) => `${x.appliance} ${x.src} ${x.cnc}`));
    expect(d.cnc.items).toHaveLength(keys.size);
    for (const c of d.cnc.items) {
      const of = cnc.filter((x) => x.appliance === c.applianceId && x.src === c.host && x.cnc === c.address);
      expect([c.count, c.firstSeen, c.lastSeen]).toEqual([of.length, Math.min(...of.map((x) => x.t)), Math.max(...of.map((x) => x.t))]);
    }
    expect(d.affectedHosts.count).toBe(new Set(today.map((x) => x.src)).size);
    for (const h of d.topHosts) expect(h.count, h.host).toBe(today.filter((x) => x.src === h.host).length);

    const ad = d.appliances.items.find((x) => x.id === A)!;
    const bd = d.appliances.items.find((x) => x.id === B)!;
    expect([ad.records, ad.dropped, ad.sequenceGaps, ad.missingRecords]).toEqual([sentOf(A), 0, 0, 0]);
    expect([bd.records, bd.dropped, bd.sequenceGaps, bd.missingRecords]).toEqual([sentOf(B) + N - dropped, dropped, 1, dropped]);
    expect(d.completeness).toMatchObject({ records: sentOf(A) + sentOf(B) + sentOf(C) + N - dropped, dropped, missingRecords: dropped, lost: dropped, sequenceGaps: 1 });
    expect(d.appliances.items[0]!.id).toBe(B);
    expect(bd.hostname).toBe(`${B}.example.net`);
    // B's half hour: from the bucket after its last heartbeat to the bucket of its first one back.
    const bucket = (t: number) => t - (t % BUCKET_MS);
    const silence = bd.heartbeatGaps.items.find((g) => g.from < back && g.until > silentFrom)!;
    expect(silence).toEqual({ from: bucket(silentFrom) + BUCKET_MS, until: expect.any(Number) });
    expect(silence.until - bucket(back)).toBeGreaterThanOrEqual(0);
    expect(silence.until - bucket(back)).toBeLessThanOrEqual(BUCKET_MS);
    // Both went quiet when the test stopped them, until the day's end; A had nothing else.
    expect(ad.heartbeatGaps.items).toEqual([{ from: bucket(lastA) + BUCKET_MS, until: localInstant('2026-12-01', 0, TZ) }]);
    const cd = d.appliances.items.find((x) => x.id === C)!;
    expect(cd.heartbeatGaps.items).toEqual([{ from: bucket(lastC) + BUCKET_MS, until: localInstant('2026-12-01', 0, TZ) }]);
    expect([cd.records, cd.dropped, cd.missingRecords]).toEqual([sentOf(C), 0, 0]);
    expect(bd.heartbeatGaps.items.map((g) => g.until)).toContain(localInstant('2026-12-01', 0, TZ));
    expect(bd.heartbeatGaps.items.find((g) => g.until === localInstant('2026-12-01', 0, TZ))!.from).toBe(bucket(lastB) + BUCKET_MS);
    expect(ad.onlineS).toBe(ad.periodS - (localInstant('2026-12-01', 0, TZ) - bucket(lastA) - BUCKET_MS) / 1000);
    expect(d.actions[0]!.finding).toMatch(/command-and-control/);
    expect(d.actions.map((x) => x.finding).join('\n')).toContain(`${B}: ${dropped.toLocaleString('en-US')} records dropped`);

    // An account's report: its appliance's detections only.
    const acme = show('daily', DAY, 'acme') as DailyModel;
    expect(acme.detections.count).toBe(today.filter((x) => x.appliance !== B).length);
    expect(acme.appliances.items.map((x) => x.id).sort()).toEqual([A, C]);
    const globex = show('daily', DAY, 'globex') as DailyModel;
    expect(globex.detections.count).toBe(today.filter((x) => x.appliance === B).length);
    expect(globex.completeness.lost).toBe(dropped);
    // Every appliance was stopped before the night: offline when it said so, silent once the night had passed without a word.
    expect(d.fleet.offline + d.fleet.silent).toBe(3);
    expect([d.fleet.online, d.fleet.late, d.fleet['never-seen'], d.fleet.retired]).toEqual([0, 0, 0, 0]);

    // ---- weekly (on demand) and monthly (the schedule) ----
    const w = show('weekly', '2026-11-22') as ExecutiveModel;
    const inWeek = (x: Sent) => localDay(x) >= '2026-11-22' && localDay(x) <= '2026-11-28';
    const prevWeek = (x: Sent) => localDay(x) >= '2026-11-15' && localDay(x) <= '2026-11-21';
    expect(w.totals.detections).toEqual({ count: sent.filter(inWeek).length, previous: sent.filter(prevWeek).length });
    for (const [i, day] of w.trend.days.entries()) {
      for (const l of LEVELS) expect(w.trend.bySeverity[l][i], `${day} ${l}`).toBe(sent.filter((x) => localDay(x) === day && levelOf(x.severity) === l).length);
    }
    const m = show('monthly', '2026-11-01') as ExecutiveModel;
    const nov = sent.filter((x) => localDay(x).startsWith('2026-11'));
    const oct = sent.filter((x) => localDay(x).startsWith('2026-10'));
    expect(m.totals.detections).toEqual({ count: nov.length, previous: oct.length });
    expect(m.totals.high).toEqual({ count: nov.filter((x) => x.severity >= 8).length, previous: oct.filter((x) => x.severity >= 8).length });
    expect(m.totals.cnc.count).toBe(nov.filter((x) => x.cnc).length);
    expect(m.totals.cncHosts.count).toBe(new Set(nov.filter((x) => x.cnc).map((x) => x.src)).size);
    expect(m.totals.affectedHosts.count).toBe(new Set(nov.map((x) => x.src)).size);
    for (const [i, day] of m.trend.days.entries()) {
      const of = sent.filter((x) => localDay(x) === day);
      expect([m.trend.cnc[i], m.trend.affectedHosts[i]], day).toEqual([of.filter((x) => x.cnc).length, new Set(of.map((x) => x.src)).size]);
    }
    expect(m.completeness).toMatchObject({ dropped, missingRecords: dropped, lost: dropped });
    for (const t of m.topRisks) {
      const of = nov.filter((x) => x.threat === t.threat && x.category === t.category);
      expect([t.count, t.appliances, t.level], t.threat).toEqual([of.length, new Set(of.map((x) => x.appliance)).size, levelOf(Math.max(...of.map((x) => x.severity)))]);
    }
    for (const h of m.topHosts) {
      const of = nov.filter((x) => x.src === h.host);
      expect([h.count, h.cnc], h.host).toEqual([of.length, of.filter((x) => x.cnc).length]);
    }
    // November's availability is the 30th's: the appliances were registered that morning.
    for (const x of m.availability.appliances.items) {
      const day = d.appliances.items.find((a) => a.id === x.id)!;
      // The day's figures are whole seconds; the month's share is not rounded.
      expect(x.uptime, x.id).toBeCloseTo(day.onlineS / day.periodS, 4);
      expect(x.silentPeriods, x.id).toBe(day.heartbeatGaps.items.length);
      expect(x.longestSilentS, x.id).toBe(Math.max(...day.heartbeatGaps.items.map((g) => (g.until - g.from) / 1000)));
    }
    const online = d.appliances.items.reduce((n, a) => n + a.onlineS, 0);
    const period = d.appliances.items.reduce((n, a) => n + a.periodS, 0);
    expect(m.availability.uptime).toBeCloseTo(online / period, 4);
    // The posture, by the formula the README gives, from the figures above; October had no appliance yet.
    const penalty = (cncHosts: number, high: number, appliances: number, days: number, uptime: number, complete: number) =>
      Math.min(45, 15 * cncHosts) + Math.min(25, 5 * Math.log2(1 + high / (appliances * days))) + Math.min(15, 150 * (1 - uptime))
        + Math.min(15, 1500 * (1 - complete));
    const score = (p: number) => Math.max(0, Math.min(100, Math.round(100 - p)));
    const cncHostsOf = (list: Sent[]) => new Set(list.filter((x) => x.cnc).map((x) => x.src)).size;
    const highOf = (list: Sent[]) => list.filter((x) => x.severity >= 8).length;
    expect(m.posture.score).toBe(score(penalty(cncHostsOf(nov), highOf(nov), 3, 30, m.availability.uptime, m.completeness.ratio)));
    expect(m.posture.previousScore).toBe(score(penalty(cncHostsOf(oct), highOf(oct), 1, 31, 1, 1)));
    expect(m.posture.trend).toBe(m.posture.score - m.posture.previousScore >= 3 ? 'better' : m.posture.previousScore - m.posture.score >= 3 ? 'worse' : 'same');
    const theWeek = sent.filter(inWeek);
    const weekBefore = sent.filter(prevWeek);
    expect(w.totals.high).toEqual({ count: highOf(theWeek), previous: highOf(weekBefore) });
    expect(w.totals.cncHosts).toEqual({ count: cncHostsOf(theWeek), previous: cncHostsOf(weekBefore) });
    expect(w.totals.affectedHosts).toEqual({ count: new Set(theWeek.map((x) => x.src)).size, previous: new Set(weekBefore.map((x) => x.src)).size });
    expect(w.availability.appliances.items).toEqual([]);
    expect(m.availability.appliances.items.map((x) => x.id).sort()).toEqual([A, B, C]);
    expect(m.bottomLine).toContain(nov.length.toLocaleString('en-US'));

    // ---- the e-mails: one per report, the PDF attached and whole ----
    const mails = await until(() => {
      const r = smtp.raw().map((x) => x.toString('latin1').replace(/\r?\n[ \t]+/g, ' ')).filter((x) => /^X-TMSP-Event: report-/im.test(x));
      return r.length === 7 ? r : undefined;
    }, 60_000, 'seven report e-mails').catch((err: Error) => {
      const reports = portal.cli(['--json', 'report', 'list', '--from', '2026-11-01', '--to', '2026-12-01']).stdout;
      throw new Error(`${err.message}\n${reports}\n${portal.log.split('\n').filter((l) => /report/.test(l)).slice(-20).join('\n')}`);
    });
    const acmeDaily = mails.find((x) => /^Subject: .*Daily administrative report.*Account acme/im.test(x))!;
    expect(acmeDaily).toMatch(/^To: .*boss@example\.com/im);
    expect(acmeDaily).toMatch(/^To: .*ops@acme\.example/im);
    const pdf = attachment(acmeDaily);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const out = outputDir('reports');
    fs.writeFileSync(path.join(out, 'e2e-daily-acme.pdf'), pdf);
    const info = execFileSync('pdfinfo', [path.join(out, 'e2e-daily-acme.pdf')], { encoding: 'utf8' });
    expect(Number(/^Pages:\s+(\d+)/m.exec(info)?.[1])).toBeGreaterThanOrEqual(1);
    const text = execFileSync('pdftotext', ['-layout', path.join(out, 'e2e-daily-acme.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toContain('Daily administrative report');
    expect(text).toContain(acme.detections.count.toLocaleString('en-US'));
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', path.join(out, 'e2e-daily-acme.pdf'), path.join(out, 'e2e-daily-acme')]);
  }, 600_000);
});

/** The application/pdf part of a raw MIME message, decoded. */
function attachment(raw: string): Buffer {
  const m = /Content-Type: application\/pdf[^\n]*\n(?:[^\n]+\n)*?\r?\n([A-Za-z0-9+/=\r\n]+)/i.exec(raw.replace(/\r\n/g, '\n'));
  if (!m) throw new Error('no PDF attached');
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}
