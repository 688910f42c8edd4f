// The portal's web pages in a real browser (Debian's headless Chromium,
// driven by playwright-core) against a real SQLite store seeded through its
// own methods: an admin signs in, watches the fleet (and sees an appliance
// turn silent without touching the page), opens an appliance, and searches
// detections, one of which is named like an attack on the page itself.
// Screenshots land in test-output/screens/ for a person to look at.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, request, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Heartbeat } from '../../src/protocol/heartbeat.ts';
import { batchFileName } from '../../src/protocol/batch.ts';
import { FAILURES_ALLOWED, Logins } from '../../src/portal/accounts/logins.ts';
import { hashPassword } from '../../src/portal/accounts/password.ts';
import { SqliteStore } from '../../src/portal/store/sqlite/store.ts';
import type { ApplianceState, Detection } from '../../src/portal/store/types.ts';
import { selfSigned } from '../../src/portal/tls/self-signed.ts';
import { WebServer } from '../../src/portal/web/server.ts';
import { outputDir } from '../helpers/output.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENS = outputDir('screens');
const ADMIN = { user: 'admin', password: 'correct horse battery staple' };
const APPLIANCE_ACCOUNT = { user: 'acct-berlin', password: 'appliance-secret-1' };
const HOSTILE_THREAT = '<script>alert(1)</script>';
const HOSTILE_HOST = '<svg onload=alert(3)>';
const MIN = 60_000;
const HOUR = 60 * MIN;
const BUCKET = 5 * MIN;

const A = 'TMSP-0001';
const B = 'TMSP-0002';

let dir: string;
let store: SqliteStore;
let web: WebServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
const dialogs: string[] = [];
const consoleErrors: string[] = [];
const seeded: Detection[] = [];

function heartbeat(id: string, at: number, o: { spool?: [number, number]; dropped?: number; error?: [string, string] } = {}): Heartbeat {
  return {
    applianceId: id, time: new Date(at).toISOString(), uptimeS: 3 * 86400 + 5 * 3600,
    spool: { chunks: 2, records: o.spool?.[0] ?? 0, bytes: o.spool?.[1] ?? 0, oldestUnsentAgeS: o.spool ? 95 : null },
    dropped: { chunks: o.dropped ? 1 : 0, records: o.dropped ?? 0, bytes: (o.dropped ?? 0) * 300 },
    upload: {
      state: o.error ? 'retrying' : 'idle', lastSuccessAt: new Date(at - 4 * MIN).toISOString(),
      lastError: o.error?.[1] ?? null, lastErrorCode: o.error?.[0] ?? null,
    },
    intervals: { heartbeatS: 60, uploadS: 300 },
  };
}

/** An appliance as the receivers and the fleet would leave it: claimed, registered, beating every minute over [from, until] but in holes. */
async function appliance(id: string, o: {
  account: string; hostname?: string; product?: string; model?: string; state: ApplianceState; beats?: { from: number; until: number; holes?: Array<[number, number]> };
  spool?: [number, number]; dropped?: number; error?: [string, string]; status?: 'online' | 'offline';
}, now: number): Promise<void> {
  await store.appliances.claim(id, o.account, now - 30 * HOUR);
  if (o.hostname !== undefined) {
    await store.appliances.registered(id, {
      applianceId: id, email: `ops+${id.toLowerCase()}@example.com`, product: o.product ?? 'Deep Discovery Inspector', model: o.model ?? 'DDI-1200',
      serial: `SN-${id}`, hostname: o.hostname, version: '0.1.0', registeredAt: new Date(now - 29 * HOUR).toISOString(),
    }, now - 29 * HOUR);
  }
  if (o.status) await store.appliances.status(id, o.status, now - 29 * HOUR);
  if (o.beats) {
    const rows = [];
    // Up to and including `until`: an appliance beating "until now" has beaten in the bucket that holds now. Without
    // that bucket, a page rendered after the clock entered the next bucket found it complete and empty: a second gap.
    for (let t = o.beats.from; t <= o.beats.until; t += BUCKET) {
      if (o.beats.holes?.some(([f, u]) => t >= f && t < u)) continue;
      rows.push({ id, heartbeat: heartbeat(id, t, o), at: t, count: 5, intervalS: 60, uploadIntervalS: 300, droppedNew: 0 });
    }
    await store.appliances.heartbeats(rows);
  }
  await store.appliances.setState(id, o.state, now - 2 * HOUR);
}

function detection(id: string, seq: number, time: number, o: Partial<Detection> = {}): Detection {
  return {
    time, applianceId: id, seq, format: 'cef', eventId: `E${seq}`, threat: `TROJ_GENERIC.${seq}`, severity: seq % 11, category: 'malware',
    srcHost: `10.1.1.${seq % 9}`, srcPort: 40000 + seq, dstHost: 'files.example.net', dstPort: 443, protocol: 'TCP', action: 'blocked',
    cnc: false, cncAddress: null, ...o,
  };
}

async function batch(id: string, firstSeq: number, lastSeq: number, rows: Detection[], receivedAt: number): Promise<void> {
  const begun = await store.batches.begin({ applianceId: id, name: batchFileName({ firstSeq, lastSeq }), via: 'sftp', size: 48_213, receivedAt, firstSeq, lastSeq });
  if (begun.kind !== 'new') throw new Error('seeded twice');
  await store.batches.addDetections(begun.id, rows);
  await store.batches.finish(begun.id, { newRecords: lastSeq - firstSeq + 1, detections: rows.length, now: receivedAt });
  seeded.push(...rows);
}

async function seed(now: number): Promise<void> {
  const hash = async (p: string) => hashPassword(p);
  await store.accounts.add({ name: ADMIN.user, role: 'admin', hash: await hash(ADMIN.password), createdAt: now, updatedAt: now });
  await store.accounts.add({ name: APPLIANCE_ACCOUNT.user, role: 'appliance', hash: await hash(APPLIANCE_ACCOUNT.password), createdAt: now, updatedAt: now });

  // A: healthy, one hour without heartbeats this morning, two batches with a hole between them.
  await appliance(A, {
    account: 'acct-berlin', hostname: 'fw-berlin-01', state: 'online', status: 'online', spool: [120, 48_000],
    beats: { from: now - 24 * HOUR, until: now, holes: [[now - 7 * HOUR, now - 6 * HOUR]] },
  }, now);
  const first = Array.from({ length: 30 }, (_, i) => detection(A, i + 1, now - (100 - i) * MIN));
  const second = Array.from({ length: 35 }, (_, i) => detection(A, 201 + i, now - (60 - i) * MIN));
  second[3] = detection(A, 204, now - 5 * MIN, { threat: HOSTILE_THREAT, severity: 10, cnc: true, cncAddress: 'c2.evil.example', dstHost: 'c2.evil.example' });
  second[4] = detection(A, 205, now - 6 * MIN, { srcHost: '2001:db8::7', dstHost: '10.9.9.9', threat: 'Emotet callback <b>bold</b>', severity: 8 });
  await batch(A, 1, 100, first, now - 90 * MIN);
  await batch(A, 201, 400, second, now - 20 * MIN);
  await store.alerts.close((await store.alerts.open(A, 'silent', now - 7 * HOUR + 10 * MIN, 'no heartbeat for 10 min')).id, now - 6 * HOUR);

  // B: its last heartbeat three hours old, records dropped, uploads failing.
  await appliance(B, {
    account: 'acct-hamburg', hostname: 'fw-hamburg-02', product: 'TippingPoint', model: 'TX 8200', state: 'late', status: 'online',
    spool: [9_800, 4_200_000], dropped: 17, error: ['E_TIMEOUT', 'connect ETIMEDOUT 203.0.113.9:22'],
    beats: { from: now - 24 * HOUR, until: now - 3 * HOUR },
  }, now);
  await store.alerts.open(B, 'not-uploading', now - 2 * HOUR, 'no batch for 2 h while heartbeats came');

  // The rest of a small fleet, one of each kind, for the look of the table.
  await appliance('TMSP-0003', { account: 'acct-hamburg', hostname: 'fw-hamburg-03', state: 'offline', status: 'offline', beats: { from: now - 24 * HOUR, until: now - 10 * HOUR } }, now);
  await appliance('TMSP-0004', { account: 'acct-munich', state: 'never-seen' }, now);
  await appliance('TMSP-0005', { account: 'acct-munich', hostname: 'old-box', state: 'retired' }, now);
  await appliance('TMSP-0006', {
    account: 'acct-frankfurt', hostname: 'edge-gateway-frankfurt-datacenter-rack-07-unit-42.corp.example.com', product: 'Deep Discovery Inspector Virtual Appliance',
    state: 'online', status: 'online', beats: { from: now - 12 * HOUR, until: now },
  }, now);
  await appliance('TMSP-0007', { account: 'acct-frankfurt', hostname: HOSTILE_HOST, state: 'online', status: 'online', beats: { from: now - 24 * HOUR, until: now } }, now);
  await appliance('APPLIANCE-WITH-A-RATHER-LONG-IDENTIFIER-0008', {
    account: 'acct-frankfurt', hostname: 'fw-ffm-08', state: 'online', status: 'online', beats: { from: now - 24 * HOUR, until: now },
  }, now);
}

const log = { info: () => {}, warn: () => {} };

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-web-'));
  fs.mkdirSync(SCREENS, { recursive: true });
  store = new SqliteStore(path.join(dir, 'portal.db'));
  const now = Date.now();
  await seed(now);
  const tls = selfSigned('tmsp-portal', ['127.0.0.1', 'localhost']);
  web = new WebServer({
    host: '127.0.0.1', port: 0, tls, store, logins: new Logins(store.accounts, log), sessionHours: 12, log,
    facts: () => ({ version: '0.1.0', ports: { sftp: 2222, https: 8443, mqtt: 8883, web: web.port }, tlsFingerprint: 'AB:CD:EF', ingest: { batches: 2, quarantined: 0 } }),
  });
  await web.start();
  base = `https://127.0.0.1:${web.port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  // Errors, a refused style or script (CSP) among them; not the statuses the tests ask for on purpose.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await store?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function signIn(user: string, password: string): Promise<number> {
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', password);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'),
    page.click('button[type=submit]'),
  ]);
  await page.waitForLoadState();
  return res.status();
}

const row = (id: string) => page.locator(`tr[data-id="${id}"]`);

describe('the portal\'s web pages, in a browser', () => {
  it('send a visitor without a login to the sign-in form', async () => {
    const res = await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(res!.status()).toBe(200);
    await page.locator('input[name=password]').waitFor();
    const deep = await page.goto(`${base}/appliances/${A}`);
    expect(deep!.url()).toBe(`${base}/login?next=%2Fappliances%2F${A}`);
  });

  it('refuse a wrong password, and an appliance account, with 401 and the form again', async () => {
    await page.goto(`${base}/login`);
    expect(await signIn(ADMIN.user, 'wrong password')).toBe(401);
    await expect(page.locator('[role=alert]').textContent()).resolves.toBe('Wrong user name or password');
    expect(await page.inputValue('input[name=user]')).toBe(ADMIN.user);
    await page.screenshot({ path: path.join(SCREENS, 'login.png') });
    // The web accepts admins only: an appliance's own account opens no pages.
    expect(await signIn(APPLIANCE_ACCOUNT.user, APPLIANCE_ACCOUNT.password)).toBe(401);
    await page.locator('[role=alert]', { hasText: 'Wrong user name or password' }).waitFor();
  });

  it('let the admin in, with a cookie no script can read, and show every appliance with its state', async () => {
    await page.goto(`${base}/login?next=${encodeURIComponent(`/appliances/${A}`)}`);
    expect(await signIn(ADMIN.user, ADMIN.password)).toBe(303);
    expect(new URL(page.url()).pathname).toBe(`/appliances/${A}`);
    const cookie = (await context.cookies()).find((c) => c.name === '__Host-tmsp-session')!;
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate('document.cookie')).toBe('');

    const res = await page.goto(`${base}/`);
    expect(res!.status()).toBe(200);
    const h = res!.headers();
    expect(h['content-security-policy']).toMatch(/^default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:/);
    expect(h).toMatchObject({ 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });

    expect(await page.locator('tbody tr').count()).toBe(8);
    await expect(row(A).locator('.badge').textContent()).resolves.toBe('online');
    await expect(row(B).locator('.badge').textContent()).resolves.toBe('late');
    await expect(row(A).textContent()).resolves.toContain('fw-berlin-01');
    await expect(row(B).textContent()).resolves.toContain('fw-hamburg-02');
    // What it tells from the last heartbeat: spool and drops, highlighted when records were lost.
    await expect(row(B).locator('td.num .warn').textContent()).resolves.toBe('17');
    const spool = row(B).locator('td.num').first();
    await expect(spool.textContent()).resolves.toMatch(/^9,800/);
    await expect(spool.locator('.sub').textContent()).resolves.toBe('4.01 MiB');
    await expect(row(A).locator('td.num').nth(2).textContent()).resolves.toBe(String(seeded.length));
    // The lost hour this morning shows in A's sparkline; B's three silent hours too.
    expect(await row(A).locator('svg.spark rect.gap').count()).toBe(1);
    expect(await row(B).locator('svg.spark rect.gap').count()).toBe(1);
    // A hostile hostname is text, not markup.
    await expect(row('TMSP-0007').locator('td.host').first().textContent()).resolves.toBe(HOSTILE_HOST);
    expect(await page.locator('svg[onload], img').count()).toBe(0);
    await expect(page.locator('.summary .s-online .n').textContent()).resolves.toBe('4');
    await page.locator('details#about summary').click();
    await page.screenshot({ path: path.join(SCREENS, 'fleet.png'), fullPage: true });
    // Eight appliances fit the width of a 1280-pixel window: neither the page nor the table's own box scrolls sideways.
    expect(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);
    expect(await page.evaluate(`(() => { const t = document.querySelector('.fleet'); return [t.scrollWidth, t.clientWidth]; })()`))
      .toSatisfy(([scroll, client]: [number, number]) => scroll <= client);
  });

  it('update the fleet page by itself when an appliance turns silent', async () => {
    await page.evaluate('window.notReloaded = true');
    await store.appliances.setState(B, 'silent', Date.now());
    await row(B).locator('.badge[data-state="silent"]').waitFor({ timeout: 25_000 });
    await expect(page.locator('.summary .s-silent .n').textContent()).resolves.toBe('1');
    // In place: the same document, the About box still open.
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    expect(await page.locator('details#about').getAttribute('open')).toBe('');
    await page.locator('#refreshed', { hasText: 'updated' }).waitFor();
    // The state links narrow the table.
    await page.click('.summary .s-silent');
    await page.waitForURL(`${base}/?state=silent`);
    expect(await page.locator('tbody tr').count()).toBe(1);
  });

  it('show an appliance\'s registration, heartbeat, gaps, alerts, batches and detections', async () => {
    await page.goto(`${base}/`);
    await Promise.all([page.waitForURL(`${base}/appliances/${A}`), row(A).locator('td.id a').click()]);
    const text = (await page.locator('main').textContent())!;
    for (const s of ['fw-berlin-01', 'ops+tmsp-0001@example.com', 'Deep Discovery Inspector', 'DDI-1200', 'SN-TMSP-0001', '1 min', '5 min']) {
      expect(text).toContain(s);
    }
    const batches = page.locator('.batches tbody tr');
    expect(await batches.count()).toBe(2);
    await expect(batches.first().textContent()).resolves.toContain(batchFileName({ firstSeq: 201, lastSeq: 400 }));
    await expect(batches.first().locator('td.num').nth(2).textContent()).resolves.toBe('35');
    await expect(page.locator('.gaps tbody tr').first().textContent()).resolves.toContain('101–200');
    await expect(page.locator('.alerts tbody tr').first().textContent()).resolves.toContain('silent');
    expect(await page.locator('.detections tbody tr').count()).toBe(20);
    await expect(page.locator('.detections td.threat', { hasText: HOSTILE_THREAT }).count()).resolves.toBe(1);
    const gap = page.locator('svg.timeline rect.gap');
    expect(await gap.count()).toBe(1);
    expect(await gap.locator('title').textContent()).toMatch(/^no heartbeat \d\d:\d\d–\d\d:\d\d UTC$/);
    await page.screenshot({ path: path.join(SCREENS, 'appliance.png'), fullPage: true });

    await page.goto(`${base}/appliances/${B}`);
    await page.locator('.alert-box', { hasText: 'not-uploading' }).waitFor();
    await expect(page.locator('main').textContent()).resolves.toContain('connect ETIMEDOUT 203.0.113.9:22');

    const missing = await page.goto(`${base}/appliances/NO-SUCH-ONE`);
    expect(missing!.status()).toBe(404);
    await page.locator('h1', { hasText: 'No such appliance' }).waitFor();
  });

  it('search detections by severity and by host, fifty a page, and show a hostile threat name as text', async () => {
    const cells = (col: number) => page.locator(`.results tbody tr td:nth-child(${col})`).allTextContents();
    await page.goto(`${base}/detections`);
    expect(await page.locator('.results tbody tr').count()).toBe(50);
    await Promise.all([page.waitForURL(/before=/), page.click('a[rel=next]')]);
    expect(await page.locator('.results tbody tr').count()).toBe(seeded.length - 50);
    expect(await page.locator('a[rel=next]').count()).toBe(0);

    await page.goto(`${base}/detections`);
    await page.selectOption('select[name=severity]', '8');
    await Promise.all([page.waitForURL(/severity=8/), page.click('form.search button[type=submit]')]);
    const severe = seeded.filter((d) => d.severity >= 8);
    expect((await cells(3)).map(Number).sort()).toEqual(severe.map((d) => d.severity).sort());

    await page.goto(`${base}/detections`);
    await page.fill('input[name=host]', '10.1.1.4');
    await Promise.all([page.waitForURL(/host=10\.1\.1\.4/), page.press('input[name=host]', 'Enter')]);
    const fromHost = seeded.filter((d) => d.srcHost === '10.1.1.4' || d.dstHost === '10.1.1.4');
    expect(fromHost.length).toBeGreaterThan(3);
    const sources = await cells(6);
    expect(sources).toHaveLength(fromHost.length);
    for (const s of sources) expect(s).toMatch(/^10\.1\.1\.4:\d+$/);

    await page.goto(`${base}/detections?threat=${encodeURIComponent('<script>')}`);
    const threat = page.locator('.results td.threat');
    expect(await threat.count()).toBe(1);
    expect(await threat.textContent()).toBe(HOSTILE_THREAT);
    await expect(page.locator('.results td .cnc').first().textContent()).resolves.toBe('C&C');
    expect(await page.locator('main script').count()).toBe(0);

    await page.goto(`${base}/detections`);
    await page.locator('td.threat', { hasText: HOSTILE_THREAT }).waitFor();
    await page.screenshot({ path: path.join(SCREENS, 'detections.png'), fullPage: true });
    expect(dialogs).toEqual([]);
  });

  it('name the field of a bad search value, with 400 and never a server error', async () => {
    for (const [query, message] of [
      ['severity=high', 'Minimum severity: a whole number from 0 to 10'],
      ['from=tomorrow', 'From: “tomorrow” is not a date and time (YYYY-MM-DDTHH:MM, UTC)'],
      ['from=2030-01-02T00:00&until=2030-01-01T00:00', 'Until: must be later than From'],
      ['appliance=NOPE', 'Appliance: the portal knows no appliance “NOPE”'],
      ['before=%00%00', 'Older: the paging position is not valid; start again from the newest'],
    ] as const) {
      const res = await page.goto(`${base}/detections?${query}`);
      expect(res!.status(), query).toBe(400);
      await expect(page.locator('.error[role=alert]').textContent(), query).resolves.toBe(message);
      expect(await page.locator('.results').count(), query).toBe(0);
    }
    await page.goto(`${base}/detections?severity=high&from=tomorrow&host=10.1.1.4`);
    expect(await page.locator('.error[role=alert] li').count()).toBe(2);
    expect(await page.locator('[aria-invalid=true]').count()).toBe(2);
    expect(await page.inputValue('input[name=host]')).toBe('10.1.1.4');
    await page.screenshot({ path: path.join(SCREENS, 'detections-bad-query.png') });
    const res = await page.goto(`${base}/detections?${'threat=x&'.repeat(600)}`);
    expect(res!.status()).toBe(414);
  });

  it('refuse a sign-out without the form\'s token and a login posted from another site, and sign out with it', async () => {
    const forged = await context.request.post(`${base}/logout`, { form: { csrf: 'guess' }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    const crossSite = await context.request.post(`${base}/login`, {
      form: { user: ADMIN.user, password: ADMIN.password }, headers: { 'Sec-Fetch-Site': 'cross-site' }, maxRedirects: 0,
    });
    expect(crossSite.status()).toBe(403);
    await page.goto(`${base}/`);
    await Promise.all([page.waitForURL(`${base}/login`), page.click('button.link')]);
    const res = await page.goto(`${base}/detections`);
    expect(new URL(res!.url()).pathname).toBe('/login');
    expect(consoleErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });

  it('stop checking passwords from an address after repeated wrong ones', async () => {
    const api = await request.newContext({ ignoreHTTPSErrors: true });
    try {
      const post = (password: string) => api.post(`${base}/login`, { form: { user: ADMIN.user, password }, maxRedirects: 0 });
      for (let i = 0; i < FAILURES_ALLOWED; i++) expect((await post('guess')).status()).toBe(401);
      expect((await post(ADMIN.password)).status()).toBe(401);
    } finally {
      await api.dispose();
    }
  });
});
