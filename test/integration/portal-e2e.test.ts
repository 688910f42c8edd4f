// The product end to end on one machine: the built portal, and the built
// agent sending to it over SFTP and over HTTPS (through the proxy too).
// Lines given to the agent must come out as records and detections in the
// portal, exactly once, and the appliance must be known, registered and
// online by its heartbeats; killed, it must turn silent.

import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, until, type RunningAgent } from '../helpers/agent.ts';
import { CEF_LINE, LEEF_LINE, PLAIN_LINE } from '../helpers/portal.ts';
import { startPortal, type RunningPortal } from '../helpers/portal-process.ts';
import { UnixSender } from '../helpers/senders.ts';
import { tmpdir } from '../helpers/tmp.ts';
import { peerRoot, startTinyproxy, USER, PASS, type Peer } from '../peers/peers.ts';

const ACCOUNT = 'acme';
const SECRET = 'acme-secret-1';

let dir: string;
let portal: RunningPortal;
let proxyRoot: string;
let proxy: Peer;
let agent: RunningAgent | undefined;
/** What the portal's webhook delivered: the notices an administrator's tooling would get. */
const hooks: Array<{ event: string; body: { kind: string; subject: string; applianceId: string | null } }> = [];
let hookServer: http.Server;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'tmsp-portal-e2e-'));
  hookServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hooks.push({ event: String(req.headers['x-tmsp-event']), body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
  const hookUrl = `http://127.0.0.1:${(hookServer.address() as net.AddressInfo).port}/tmsp`;
  portal = await startPortal(dir, {
    fleet: { silentMinimumMinutes: 0, lateIntervals: 2, silentIntervals: 3 },
    notify: { webhookUrl: hookUrl, webhookSecret: 'e2e-webhook-secret-1' },
  });
  const r = portal.cli(['--json', 'account', 'add', ACCOUNT, '--password-stdin'], `${SECRET}\n`);
  expect(r.json).toMatchObject({ ok: true, account: ACCOUNT, role: 'appliance' });
  proxyRoot = peerRoot();
  proxy = await startTinyproxy(proxyRoot);
});

afterEach(async () => {
  await agent?.stop('SIGKILL');
  agent = undefined;
});

afterAll(async () => {
  await portal?.stop();
  await new Promise((r) => hookServer?.close(r));
  await proxy?.stop();
  fs.rmSync(proxyRoot, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

function tmsp(protocol: 'ssh' | 'ssl', o: Record<string, unknown> = {}): Record<string, unknown> {
  const f = portal.facts;
  return {
    enabled: true, protocol,
    logServer: `127.0.0.1:${protocol === 'ssh' ? f.listeners.sftp : f.listeners.https}`,
    logBasePath: 'upload', statusServer: `127.0.0.1:${f.listeners.mqtt}`,
    username: ACCOUNT, password: SECRET, registrationEmail: 'ops@example.com',
    tlsCaFile: f.tlsCertFile, hostKeyFingerprint: f.sshHostKey,
    heartbeatSeconds: 5, timeoutSeconds: 10, retryMaxSeconds: 2, ...o,
  };
}

async function agentFor(id: string, t: Record<string, unknown>, extra: Record<string, Record<string, unknown>> = {}): Promise<RunningAgent> {
  const d = tmpdir('tmsp-portal-e2e-agent-');
  agent = await startAgent(d, { extra: { appliance: { id, hostname: `${id}.example.com` }, tmsp: t, ...extra } });
  return agent;
}

/** n lines, a third each CEF, LEEF and plain syslog: 2n/3 detections. */
function feed(a: RunningAgent, n: number, from = 0): { lines: number; detections: number } {
  const s = new UnixSender(a.config.ingest!.unixSocket as string);
  let detections = 0;
  for (let i = from; i < from + n; i++) {
    const l = i % 3 === 0 ? CEF_LINE(i) : i % 3 === 1 ? LEEF_LINE(i) : PLAIN_LINE(i);
    if (i % 3 !== 2) detections++;
    while (!s.send(l)) { /* the agent's queue is full for a moment */ }
  }
  s.close();
  return { lines: n, detections };
}

async function uploaded(a: RunningAgent, id: string, records: number, detections: number) {
  await until(() => {
    const r = a.cli('upload-now');
    const s = portal.appliance(id);
    return r.code === 0 && s && s.records >= records ? s : undefined;
  }, 60_000, `${records} records at the portal`);
  const s = portal.appliance(id);
  expect(s.records).toBe(records);
  expect(s.detections).toBe(detections);
  return s;
}

describe('agent → portal', () => {
  it('over SFTP: every line arrives once as a record, detections are kept, the appliance is registered and online', async () => {
    const id = 'tda-sftp-01';
    const a = await agentFor(id, tmsp('ssh'));
    const test = a.cli('--json', 'tmsp', 'test-connection');
    expect(test.json, test.stdout).toMatchObject({ ok: true });
    const sent = feed(a, 300);
    const s = await uploaded(a, id, sent.lines, sent.detections);
    expect(s.gaps).toEqual([]);
    await until(() => {
      const x = portal.appliance(id);
      return x?.registration?.hostname === `${id}.example.com` && x.state === 'online' && x.intervalS === 5 ? x : undefined;
    }, 20_000, 'registration, heartbeats and state online');
    // A second upload round adds nothing: everything was released once the portal held it.
    expect(a.cli('upload-now').code).toBe(0);
    expect(portal.appliance(id).records).toBe(sent.lines);
    const more = feed(a, 30, 300);
    await uploaded(a, id, sent.lines + more.lines, sent.detections + more.detections);
    const list = portal.cli(['--json', 'appliances']).json.appliances as Array<{ id: string; account: string }>;
    expect(list.find((x) => x.id === id)).toMatchObject({ account: ACCOUNT });
  });

  it('over HTTPS through the proxy: the same, exactly once', async () => {
    const id = 'tda-ssl-01';
    const a = await agentFor(id, tmsp('ssl', { useProxy: true }), { proxy: { host: '127.0.0.1', port: proxy.port, username: USER, password: PASS } });
    const test = a.cli('--json', 'tmsp', 'test-connection');
    expect(test.json, test.stdout).toMatchObject({ ok: true });
    const sent = feed(a, 150);
    await uploaded(a, id, sent.lines, sent.detections);
    const found = portal.cli(['--json', 'appliance', 'show', id]).json.appliance;
    expect(found.recentBatches.length).toBeGreaterThan(0);
    expect(found.recentBatches.every((b: { via: string }) => b.via === 'https')).toBe(true);
  });

  it('with spool.compression zstd, over SFTP and HTTPS: the portal reads the .ndjson.zst batches, every line once', async () => {
    for (const protocol of ['ssh', 'ssl'] as const) {
      const id = `tda-zstd-${protocol}`;
      const a = await agentFor(id, tmsp(protocol), { spool: { compression: 'zstd', chunkMaxBytes: 64 * 1024, chunkMaxAgeMs: 200 } });
      // About 180 KB of records: chunks of 64 KiB, so a batch is several zstd frames back to back, every one of which must be read.
      const sent = feed(a, 600);
      await until(() => a.status().spool.chunks >= 3 ? true : undefined, 10_000, 'several chunks');
      await uploaded(a, id, sent.lines, sent.detections);
      const found = portal.cli(['--json', 'appliance', 'show', id]).json.appliance;
      expect(found.recentBatches.length).toBeGreaterThan(0);
      expect(found.recentBatches.every((b: { name: string }) => b.name.endsWith('.ndjson.zst')), JSON.stringify(found.recentBatches)).toBe(true);
      expect(found.gaps ?? []).toEqual([]);
      await a.stop('SIGKILL');
    }
  });

  it('a killed agent turns its appliance offline, then silent, on the fleet page an administrator watches; its return makes it online', async () => {
    const id = 'tda-kill-01';
    const a = await agentFor(id, tmsp('ssh'));
    await until(() => portal.appliance(id)?.state === 'online', 20_000, 'online');
    expect(portal.cli(['account', 'add', 'admin', '--role', 'admin', '--password-stdin'], 'admin-secret-1\n').code).toBe(0);
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } })).newPage();
      await page.goto(`https://127.0.0.1:${portal.facts.listeners.web}/`);
      await page.fill('input[name=user]', 'admin');
      await page.fill('input[name=password]', 'admin-secret-1');
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.click('button[type=submit]')]);
      const badge = page.locator(`tr[data-id="${id}"] .badge`);
      expect(await badge.getAttribute('data-state')).toBe('online');
      await a.stop('SIGKILL');
      agent = undefined;
      // The page refreshes itself: no reload, the administrator only watches.
      await page.locator(`tr[data-id="${id}"] .badge[data-state="offline"]`).waitFor({ timeout: 20_000 });
      await page.locator(`tr[data-id="${id}"] .badge[data-state="silent"]`).waitFor({ timeout: 40_000 });
      await page.screenshot({ path: path.join(process.env.TMSP_SCREENS ?? os.tmpdir(), 'fleet-silent-after-kill.png'), fullPage: true });
    } finally {
      await browser.close();
    }
    expect(portal.appliance(id).state).toBe('silent');
    const b = await agentFor(id, tmsp('ssh'));
    await until(() => portal.appliance(id)?.state === 'online', 20_000, 'online again');
    const alerts = portal.appliance(id).alerts as Array<{ kind: string; closedAt: string | null }>;
    expect(alerts.find((x) => x.kind === 'silent')?.closedAt).not.toBeNull();
    // The running portal told the administrator, through its notifier, and told them again when it came back.
    const mine = await until(() => {
      const h = hooks.filter((x) => x.body.applianceId === id);
      return h.some((x) => x.body.kind === 'recovered') ? h : undefined;
    }, 20_000, 'the silent and recovered notices');
    expect(mine.map((x) => x.event)).toEqual(['silent', 'recovered']);
    expect(mine[0]!.body.subject).toBe(`No heartbeat received from registered product: ${id}.example.com`);
    await b.stop('SIGKILL');
    agent = undefined;
  });
});
