// The reports on the portal's web pages, in a real browser (Debian's
// headless Chromium, driven by playwright-core) against a real SQLite store
// holding reports as the schedule leaves them (claimed, then made with
// their model as JSON): an admin opens the month's calendar, goes back a
// month, opens a daily and a monthly report, sees their figures and charts
// under the pages' Content-Security-Policy without one refusal, and
// downloads their PDFs. Screenshots land in test-output/reports/.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logins } from '../../src/portal/accounts/logins.ts';
import { hashPassword } from '../../src/portal/accounts/password.ts';
import type { ExecutiveModel, ReportModel } from '../../src/portal/reports/model.ts';
import { SqliteStore } from '../../src/portal/store/sqlite/store.ts';
import { selfSigned } from '../../src/portal/tls/self-signed.ts';
import { WebServer } from '../../src/portal/web/server.ts';
import { outputDir } from '../helpers/output.ts';
import { sampleDaily, sampleMonthly } from '../helpers/report-models.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = outputDir('reports');
const ADMIN = { user: 'admin', password: 'correct horse battery staple' };
const TZ = 'Europe/Berlin';
/** The portal's clock: the morning of 1 December 2026, so the calendar opens on December and November is one click back. */
const NOW = Date.UTC(2026, 11, 1, 9);

let dir: string;
let store: SqliteStore;
let web: WebServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
const problems: string[] = [];

function sampleWeekly(): ExecutiveModel {
  const m = sampleMonthly();
  const week = (v: number[]) => v.slice(21, 28);
  return {
    ...m, type: 'weekly', first: '2026-11-22', last: '2026-11-28', previous: { first: '2026-11-15', last: '2026-11-21' },
    bottomLine: 'This week saw 73,100 detections, 2% fewer than the week before.',
    trend: {
      days: m.trend.days.slice(21, 28),
      bySeverity: { high: week(m.trend.bySeverity.high), medium: week(m.trend.bySeverity.medium), low: week(m.trend.bySeverity.low), info: week(m.trend.bySeverity.info) },
      affectedHosts: week(m.trend.affectedHosts), cnc: week(m.trend.cnc),
    },
  };
}

async function report(model: ReportModel | (Omit<ReportModel, 'version'> & { version: number }), made = true): Promise<void> {
  const row = await store.reports.claim({
    type: model.type, firstDay: model.first, lastDay: model.last, scope: model.scope, timeZone: model.timeZone, claimedAt: NOW - 3_600_000, claimedBy: 'test 1',
  });
  if (!row) throw new Error('claimed twice');
  if (made) await store.reports.made(row.id, JSON.stringify(model), model.madeAt);
}

async function seed(): Promise<void> {
  await store.accounts.add({ name: ADMIN.user, role: 'admin', hash: await hashPassword(ADMIN.password), createdAt: NOW, updatedAt: NOW });
  await report(sampleDaily());
  await report({ ...sampleDaily(6), scope: '*' });
  await report({ ...sampleDaily(), first: '2026-11-29', last: '2026-11-29' }, false);
  await report({ ...sampleDaily(), first: '2026-11-27', last: '2026-11-27', version: 2 });
  await report(sampleWeekly());
  await report(sampleMonthly());
}

const log = { info: () => {}, warn: () => {} };

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-web-reports-'));
  store = new SqliteStore(path.join(dir, 'portal.db'));
  await seed();
  web = new WebServer({
    host: '127.0.0.1', port: 0, tls: selfSigned('tmsp-portal', ['127.0.0.1', 'localhost']), store, logins: new Logins(store.accounts, log),
    sessionHours: 12, log, now: () => NOW, reportTimeZone: TZ,
  });
  await web.start();
  base = `https://127.0.0.1:${web.port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  // A refused style or script fires this event in the page; the console says it too, and both are counted.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP refused ${e.violatedDirective}: ${e.blockedURI} ${e.sample}`));
  });
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`${base}/login?next=%2Freports`);
  await page.fill('input[name=user]', ADMIN.user);
  await page.fill('input[name=password]', ADMIN.password);
  await Promise.all([page.waitForURL(`${base}/reports`), page.click('button[type=submit]')]);
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await store?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every chart on the page is drawn and has a size: the CSP let it through, and the style sheet did not squash it. */
async function expectChartsVisible(n: number): Promise<void> {
  const charts = page.locator('main svg.chart');
  expect(await charts.count()).toBe(n);
  for (let i = 0; i < n; i++) {
    const box = await charts.nth(i).boundingBox();
    expect(box, `chart ${i}`).not.toBeNull();
    expect(box!.width, `chart ${i}`).toBeGreaterThan(200);
    expect(box!.height, `chart ${i}`).toBeGreaterThan(80);
    // Its text drawn in a font the browser has, and its bars drawn at all.
    expect(await charts.nth(i).locator('path[fill]').count()).toBeGreaterThan(4);
  }
}

async function downloadPdf(linkText: string, filename: string): Promise<void> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`a.button:has-text("${linkText}")`)]);
  expect(download.suggestedFilename()).toBe(filename);
  const file = path.join(SHOTS, filename);
  await download.saveAs(file);
  const pdf = fs.readFileSync(file);
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(pdf.length).toBeGreaterThan(10_000);
}

describe('reports on the web pages, in a browser', () => {
  it('open on this month\'s calendar, in the report zone, from the navigation', async () => {
    await expect(page.locator('header.top nav a[aria-current=page]').textContent()).resolves.toBe('Reports');
    await expect(page.locator('main h1').textContent()).resolves.toBe('Reports · December 2026');
    await expect(page.locator('main .head').textContent()).resolves.toContain(`days in ${TZ}`);
    // Weeks from Sunday: 29 November to 2 January, five rows.
    expect(await page.locator('table.calendar tbody tr').count()).toBe(5);
    await expect(page.locator('table.calendar tbody tr').first().locator('td').first().getAttribute('data-day')).resolves.toBe('2026-11-29');
    await expect(page.locator('td.cal-today').getAttribute('data-day')).resolves.toBe('2026-12-01');
  });

  it('show last month\'s reports on their days, being made ones as such, and open a daily report', async () => {
    await Promise.all([page.waitForURL(`${base}/reports?month=2026-11`), page.click('a[rel=prev]')]);
    await expect(page.locator('main h1').textContent()).resolves.toBe('Reports · November 2026');
    const day = (d: string) => page.locator(`td[data-day="${d}"]`);
    expect(await day('2026-11-30').locator('a').allTextContents()).toEqual(['DailyAll appliances', 'Dailyacme', 'MonthlyAll appliances']);
    expect(await day('2026-11-28').locator('a').allTextContents()).toEqual(['WeeklyAll appliances']);
    await expect(day('2026-11-29').locator('.being-made').textContent()).resolves.toBe('Dailyacme · being made');
    expect(await day('2026-11-29').locator('a').count()).toBe(0);
    expect(await day('2026-11-15').locator('li').count()).toBe(0);
    // Narrowed to one account: only its reports.
    await Promise.all([page.waitForURL(/scope=acme/), page.click('nav.scopes a:has-text("acme")')]);
    expect(await day('2026-11-30').locator('a').allTextContents()).toEqual(['Dailyacme']);
    await Promise.all([page.waitForURL(/month=2026-11$/), page.click('nav.scopes a:has-text("every scope")')]);
    await page.screenshot({ path: path.join(SHOTS, 'reports-calendar.png'), fullPage: true });

    await Promise.all([page.waitForURL(`${base}/reports/daily/2026-11-30/acme`), day('2026-11-30').locator('a', { hasText: 'acme' }).click()]);
    const main = page.locator('main');
    const text = (await main.textContent())!;
    for (const s of ['Daily administrative report', 'Account acme', 'Monday, 30 November 2026', '12,940', '+17.4%', '99.96%', '1,700 records never arrived',
      'c2-0.bad.example', 'ümlaut-c2.example.xn--p1ai', 'and 14 more C&C callbacks', '11:00–18:00', 'Isolate the hosts from the network']) {
      expect(text).toContain(s);
    }
    // A threat named like markup is text on the page.
    await expect(page.locator('.threats td.threat').first().textContent()).resolves.toBe('TROJ_<script>alert(1)</script> & Co');
    expect(await page.locator('main script, main img, main [style]').count()).toBe(0);
    await expectChartsVisible(2);
    expect(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'report-daily.png'), fullPage: true });
    await downloadPdf('Download PDF', 'tmsp-daily-2026-11-30-acme.pdf');
  });

  it('open the monthly report, bottom line first, with its trend charts and its PDF', async () => {
    await page.goto(`${base}/reports?month=2026-11`);
    await Promise.all([page.waitForURL(`${base}/reports/monthly/2026-11-01`), page.click('td[data-day="2026-11-30"] a.r-monthly')]);
    await expect(page.locator('.bottom-line p').textContent()).resolves.toBe(sampleMonthly().bottomLine);
    await expect(page.locator('.posture .level').textContent()).resolves.toBe('Fair');
    await expect(page.locator('.posture .trend').textContent()).resolves.toBe('▼ worse than October (74)');
    const text = (await page.locator('main').textContent())!;
    for (const s of ['Monthly executive report', 'All appliances', 'November 2026', '312,400', '+8.1%', '99.2%', 'and 55 more appliances', '15,000 records never arrived']) {
      expect(text).toContain(s);
    }
    await expectChartsVisible(2);
    await expect(page.locator('svg.chart').first().getAttribute('aria-label')).resolves.toMatch(/^Detections per day by severity, 1–30 Nov 2026/);
    expect(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'report-monthly.png'), fullPage: true });
    await downloadPdf('Download PDF', 'tmsp-monthly-2026-11-01.pdf');

    await page.goto(`${base}/reports/weekly/2026-11-22`);
    await expectChartsVisible(2);
    await page.screenshot({ path: path.join(SHOTS, 'report-weekly.png'), fullPage: true });
  });

  it('serve the PDF as a download with a safe file name, and the page\'s headers', async () => {
    const res = await context.request.get(`${base}/reports/daily/2026-11-30.pdf`);
    expect(res.status()).toBe(200);
    expect(res.headers()).toMatchObject({
      'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="tmsp-daily-2026-11-30.pdf"', 'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    expect((await res.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // The whole portal's report has no account part; "*" and "all" name no whole portal (an account may be called "all").
    expect((await context.request.get(`${base}/reports/daily/2026-11-30/*`)).status()).toBe(404);
    expect((await context.request.get(`${base}/reports/daily/2026-11-30/all`)).status()).toBe(404);
  });

  it('name a bad month with its rule, 400; a report that is missing or not made yet, 404; another model version, a page that says so', async () => {
    for (const month of ['2026-13', 'november', '2026-1', '1999-12']) {
      const res = await page.goto(`${base}/reports?month=${month}`);
      expect(res!.status(), month).toBe(400);
      await expect(page.locator('main .card p').first().textContent(), month).resolves.toContain('Month: ');
      await expect(page.locator('main .card p').first().textContent(), month).resolves.toContain('must be a month as YYYY-MM, such as 2026-11');
    }
    expect((await page.goto(`${base}/reports?scope=${encodeURIComponent('<b>')}`))!.status()).toBe(400);

    const notMade = await page.goto(`${base}/reports/daily/2026-11-29/acme`);
    expect(notMade!.status()).toBe(404);
    await page.locator('h1', { hasText: 'Report not made yet' }).waitFor();
    expect((await context.request.get(`${base}/reports/daily/2026-11-29/acme.pdf`)).status()).toBe(404);
    for (const p of ['daily/2026-11-28/acme', 'daily/2026-02-30/acme', 'hourly/2026-11-30/acme', 'daily/2026-11-30/%E0%A4%A', 'daily/2026-11-30/nobody.pdf']) {
      expect((await context.request.get(`${base}/reports/${p}`)).status(), p).toBe(404);
    }
    const future = await page.goto(`${base}/reports/daily/2026-11-27/acme`);
    expect(future!.status()).toBe(500);
    await expect(page.locator('main .card p').first().textContent()).resolves.toContain('version 2; this portal reads version 1');
  });

  it('produced no console error, CSP refusal, script error or dialog on any page', () => {
    expect(problems).toEqual([]);
  });
});
