// Reports at scale (npm run bench -- --only=reports): 100 appliances and a
// month of detections written straight into a portal store (1 million, then
// 10 million), heartbeats every minute, a batch an hour. Measured: counting
// the roll-ups again for a new report time zone (one pass over every
// detection), and the daily and monthly report made by the built portal's
// own command (`report generate`, with the portal's memory flags): its wall
// time and peak RSS (each figure includes the command's own start, given
// alone as a reference), and their PDFs, beside the reference a report
// without roll-ups would cost: one GROUP BY over the month's detections.
// The targets: monthly under 5 s, daily under 1 s, memory flat with size.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localInstant } from '../../src/core/local-days.ts';
import { openPortalDb } from '../../src/portal/store/sqlite/open.ts';
import { SqliteStore } from '../../src/portal/store/sqlite/store.ts';
import { PORTAL } from '../helpers/portal-process.ts';
import { memory } from './proc.ts';

const TZ = 'Europe/Berlin';
const APPLIANCES = 100;
const DAYS = 30;
const FIRST = '2026-11-01';

/** The flags `tmsp-portal run` re-executes itself with (daemon/runtime.ts). */
const PORTAL_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=256'];

function generate(file: string, detections: number): void {
  const db = openPortalDb(file);
  const from = localInstant(FIRST, 0, TZ);
  const until = localInstant('2026-12-01', 0, TZ);
  const span = until - from;
  db.pragma('synchronous = OFF');
  db.exec(`INSERT INTO account VALUES ('bench', 'appliance', 'x', ${from}, ${from})`);
  // The indexes the reports never read are dropped, so that writing ten million rows takes minutes, not an hour.
  db.exec('DROP INDEX detection_appliance_time; DROP INDEX detection_src; DROP INDEX detection_dst; DROP INDEX detection_batch');
  db.transaction(() => {
    const a = db.prepare(`INSERT INTO appliance (id, account, registration, first_registered_at, state, state_since, created_at, interval_s)
      VALUES (?, 'bench', ?, ?, 'online', ?, ?, 60)`);
    for (let i = 0; i < APPLIANCES; i++) {
      const id = `ddi-${String(i).padStart(3, '0')}`;
      a.run(id, JSON.stringify({ applianceId: id, email: `ops${i}@example.com`, product: 'DDI', model: 'DDI 4200', serial: String(i),
        hostname: `sensor-${i}.example.net`, version: '6.0', registeredAt: new Date(from).toISOString() }), from, from, from);
    }
    // A batch per appliance and hour, heartbeats in every five-minute bucket but one silent hour a day for ddi-007.
    db.prepare(`WITH RECURSIVE h(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM h WHERE i < ? - 1)
      INSERT INTO batch (id, appliance_id, first_seq, last_seq, name, via, size, records, new_records, detections, received_at, state)
      SELECT a.rowid * 100000 + h.i, a.id, h.i * 1000 + 1, h.i * 1000 + 1000, 'b', 'sftp', 1, 1000, 1000, 0, CAST(? AS INTEGER) + h.i * 3600000, 'done'
      FROM appliance a, h`).run(DAYS * 24, from);
    db.prepare(`WITH RECURSIVE b(t) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT t + 300000 FROM b WHERE t + 300000 < ?)
      INSERT INTO heartbeat_bucket (appliance_id, start, count, spool_records, dropped_records, dropped_new)
      SELECT a.id, b.t, 5, 0, 0, CASE WHEN a.id = 'ddi-003' AND (b.t / 300000) % 288 = 100 THEN 250 ELSE 0 END FROM appliance a, b
      WHERE NOT (a.id = 'ddi-007' AND (b.t - ?) % 86400000 BETWEEN 36000000 AND 39599999)`).run(from, until, from);
  })();
  // Detections spread evenly over the month, each in its appliance's batch of that hour.
  const ids = (db.prepare('SELECT rowid, id FROM appliance ORDER BY rowid').all() as Array<{ rowid: number; id: string }>);
  db.exec(`CREATE TEMP TABLE a(n INTEGER PRIMARY KEY, id TEXT, rowid_ INTEGER)`);
  const put = db.prepare('INSERT INTO a VALUES (?, ?, ?)');
  ids.forEach((x, n) => put.run(n, x.id, x.rowid));
  const chunk = 1_000_000;
  for (let done = 0; done < detections; done += chunk) {
    const n = Math.min(chunk, detections - done);
    // h scatters i, so that severity, category, threat and host vary independently: at most 960 threat rows per appliance and day.
    db.prepare(`WITH RECURSIVE s(i) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT i + 1 FROM s WHERE i < ? - 1)
      INSERT INTO detection (batch_id, time, appliance_id, seq, format, event_id, threat, severity, category, src_host, src_port, dst_host,
        dst_port, protocol, action, cnc, cnc_address)
      SELECT a.rowid_ * 100000 + (x.tm - CAST(? AS INTEGER)) / 3600000, x.tm, a.id, x.i, 'cef', '1539', 'Threat ' || ((x.h / 24) % 40),
        2 + 2 * (x.h % 4), CASE (x.h / 4) % 6 WHEN 0 THEN 'malware' WHEN 1 THEN 'network' WHEN 2 THEN 'exploit' WHEN 3 THEN 'grayware'
        WHEN 4 THEN 'phishing' ELSE 'command and control communication' END, '10.' || (x.i % ${APPLIANCES}) || '.0.' || ((x.h / 960) % 60), 50000,
        '198.51.100.7', 443, 'HTTPS', 'not blocked', CASE WHEN x.h % 97 = 0 THEN 1 ELSE 0 END,
        CASE WHEN x.h % 97 = 0 THEN 'c2-' || (x.h % 13) || '.bad.example' END
      FROM (SELECT i, (i * 2654435761) % 1000003 AS h, CAST(? AS INTEGER) + (i * CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS tm FROM s) x
      JOIN a ON a.n = x.i % ${APPLIANCES}`).run(done, done + n, from, from, span, detections);
  }
  db.close();
}

async function peakOf(args: string[]): Promise<{ seconds: number; peakMiB: number; out: string }> {
  const t0 = process.hrtime.bigint();
  const p = spawn(process.execPath, [...PORTAL_FLAGS, PORTAL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, memory(p.pid!).hwm);
    } catch {
      // gone
    }
  }, 10);
  const code = await new Promise<number | null>((r) => p.once('exit', r));
  clearInterval(timer);
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}: ${out}`);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, peakMiB: peak / 2 ** 20, out };
}

async function size(say: (s: string) => void, detections: number): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-bench-reports-'));
  try {
    const file = path.join(dir, 'data', 'portal.db');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    let t = Date.now();
    generate(file, detections);
    const generateS = (Date.now() - t) / 1000;
    t = Date.now();
    let days = 0;
    new SqliteStore(file, { rollupZone: TZ, onRebuild: (r) => (days = r.days) }).close();
    const rebuildS = (Date.now() - t) / 1000;
    const check = openPortalDb(file);
    const kept = (check.prepare('SELECT count(*) AS n FROM detection').get() as { n: number }).n;
    const rollups = (check.prepare('SELECT (SELECT count(*) FROM rollup_daily) + (SELECT count(*) FROM rollup_host) + (SELECT count(*) FROM rollup_cnc) AS n')
      .get() as { n: number }).n;
    t = Date.now();
    check.prepare('SELECT severity, category, count(*) FROM detection WHERE time >= ? AND time < ? GROUP BY 1, 2')
      .all(localInstant(FIRST, 0, TZ), localInstant('2026-12-01', 0, TZ));
    const naiveS = (Date.now() - t) / 1000;
    check.close();
    const config = path.join(dir, 'portal.json');
    fs.writeFileSync(config, JSON.stringify({ portal: { dataDir: path.join(dir, 'data') }, reports: { timeZone: TZ } }), { mode: 0o600 });
    const cli = (type: string, period: string) => peakOf(['--config', config, '--json', 'report', 'generate', '--type', type, '--period', period]);
    const version = await peakOf(['--config', config, 'version']);
    const daily = await cli('daily', '2026-11-18');
    const monthly = await cli('monthly', '2026-11-01');
    const weekly = await cli('weekly', '2026-11-15');
    const pdf = path.join(dir, 'monthly.pdf');
    const monthlyPdf = await peakOf(['--config', config, 'report', 'show', '--type', 'monthly', '--period', '2026-11-01', '--output', pdf]);
    const dailyPdf = await peakOf(['--config', config, 'report', 'show', '--type', 'daily', '--period', '2026-11-18', '--output', path.join(dir, 'daily.pdf')]);
    const r = {
      detections: kept, rollupRows: rollups, generateSeconds: generateS, rebuildSeconds: rebuildS, rebuildDays: days, naiveMonthGroupBySeconds: naiveS,
      startupSeconds: version.seconds, startupPeakMiB: version.peakMiB,
      daily: { seconds: daily.seconds, peakMiB: daily.peakMiB }, weekly: { seconds: weekly.seconds, peakMiB: weekly.peakMiB },
      monthly: { seconds: monthly.seconds, peakMiB: monthly.peakMiB },
      monthlyPdf: { seconds: monthlyPdf.seconds, peakMiB: monthlyPdf.peakMiB, bytes: fs.statSync(pdf).size },
      dailyPdf: { seconds: dailyPdf.seconds, peakMiB: dailyPdf.peakMiB, bytes: fs.statSync(path.join(dir, 'daily.pdf')).size },
    };
    say(`reports, ${APPLIANCES} appliances, ${(kept / 1e6).toFixed(0)}M detections in the month (${rollups.toLocaleString('en')} roll-up rows): `
      + `written in ${generateS.toFixed(0)} s; roll-ups counted again for a new zone in ${rebuildS.toFixed(1)} s (${days} days)`);
    say(`  reference: one GROUP BY over the month's detections ${naiveS.toFixed(2)} s; the portal command starting and exiting ${version.seconds.toFixed(2)} s, `
      + `${version.peakMiB.toFixed(0)} MiB`);
    say(`  report generate daily ${daily.seconds.toFixed(2)} s (peak RSS ${daily.peakMiB.toFixed(0)} MiB), weekly ${weekly.seconds.toFixed(2)} s `
      + `(${weekly.peakMiB.toFixed(0)} MiB), monthly ${monthly.seconds.toFixed(2)} s (${monthly.peakMiB.toFixed(0)} MiB); `
      + `the PDFs: daily ${dailyPdf.seconds.toFixed(2)} s (${dailyPdf.peakMiB.toFixed(0)} MiB, ${(r.dailyPdf.bytes / 1024).toFixed(0)} KiB), `
      + `monthly ${monthlyPdf.seconds.toFixed(2)} s (${monthlyPdf.peakMiB.toFixed(0)} MiB, ${(r.monthlyPdf.bytes / 1024).toFixed(0)} KiB)`);
    return r;
  } finally {
    if (process.env.KEEP_BENCH_DIR) console.log('kept', dir); else fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchReports(say: (s: string) => void, sizes = [1_000_000, 10_000_000]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const n of sizes) out[String(n)] = await size(say, n);
  return out;
}
