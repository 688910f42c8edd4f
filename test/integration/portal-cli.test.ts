// The portal's command line as an administrator uses it: accounts,
// appliances, maintenance windows, and what bad input gets (the field or
// argument named, its rule, a non-zero exit, nothing written).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import tls from 'node:tls';
import { certificateFingerprint, selfSigned } from '../../src/portal/tls/self-signed.ts';
import { portalCli, startPortal } from '../helpers/portal-process.ts';
import { tmpdir } from '../helpers/tmp.ts';

function setup(doc: Record<string, unknown> = {}) {
  const dir = tmpdir('tmsp-portal-cli-');
  const file = path.join(dir, 'portal.json');
  fs.writeFileSync(file, JSON.stringify({ portal: { dataDir: path.join(dir, 'data') }, ...doc }));
  return { dir, file, cli: (args: string[], stdin?: string) => portalCli(file, ['--json', ...args], stdin) };
}

describe('tmsp-portal account', () => {
  it('adds, lists, changes and removes accounts; keeps only scrypt hashes; never prints a given password', async () => {
    const p = setup();
    expect(p.cli(['account', 'add', 'acme', '--password-stdin'], 'acme-secret-1\n').json).toEqual({ ok: true, account: 'acme', role: 'appliance' });
    const made = p.cli(['account', 'add', 'admin', '--role', 'admin']);
    expect(made.json).toMatchObject({ ok: true, account: 'admin', role: 'admin' });
    expect(made.json.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const list = p.cli(['account', 'list']);
    expect(list.json.accounts.map((a: { name: string; role: string }) => [a.name, a.role])).toEqual([['acme', 'appliance'], ['admin', 'admin']]);
    expect(list.stdout).not.toMatch(/secret|scrypt/);
    expect(p.cli(['account', 'passwd', 'acme', '--password-stdin'], 'acme-secret-2\n').json).toEqual({ ok: true, account: 'acme' });
    const db = fs.readFileSync(path.join(p.dir, 'data', 'portal.db'));
    expect(db.includes('acme-secret')).toBe(false);
    expect(db.includes('scrypt$16384$8$1$')).toBe(true);
    expect((fs.statSync(path.join(p.dir, 'data', 'portal.db')).mode & 0o777)).toBe(0o600);
    expect(p.cli(['account', 'add', 'acme', '--password-stdin'], 'acme-secret-3\n')).toMatchObject({ code: 2 });
    expect(p.cli(['account', 'remove', 'acme']).json).toEqual({ ok: true, account: 'acme', removed: true });
    expect(p.cli(['account', 'remove', 'acme'])).toMatchObject({ code: 9, json: { ok: false, error: { code: 'E_NOT_FOUND' } } });
  });

  it('refuses bad names and passwords, naming the rule, and writes nothing', () => {
    const p = setup();
    const bad = p.cli(['account', 'add', '../evil', '--password-stdin'], 'long-enough-1\n');
    expect(bad.code).toBe(2);
    expect(bad.json.error.message).toMatch(/account name must be 1-64 characters of letters, digits/);
    const short = p.cli(['account', 'add', 'acme', '--password-stdin'], 'short\n');
    expect(short.code).toBe(2);
    expect(short.json.error.message).toBe('password must be 8-128 printable ASCII characters');
    expect(p.cli(['account', 'list']).json.accounts).toEqual([]);
  });
});

describe('tmsp-portal appliances, appliance, maintenance, notify, status', () => {
  it('answer with the agent\'s JSON and exit codes', () => {
    const p = setup();
    expect(p.cli(['appliances']).json).toEqual({ ok: true, appliances: [] });
    expect(p.cli(['appliance', 'show', 'nope'])).toMatchObject({ code: 9, json: { error: { code: 'E_NOT_FOUND' } } });
    expect(p.cli(['appliance', 'retire', 'nope']).code).toBe(9);
    expect(p.cli(['status'])).toMatchObject({ code: 3, json: { ok: false, error: { code: 'E_DAEMON_DOWN' } } });
    expect(p.cli(['notify', 'test'])).toMatchObject({ code: 8, json: { error: { code: 'E_NOT_CONFIGURED' } } });
    expect(p.cli(['frobnicate'])).toMatchObject({ code: 2, json: { error: { code: 'E_USAGE' } } });
  });

  it('keeps maintenance windows, and refuses a bad one naming the argument', () => {
    const p = setup();
    const w = p.cli(['maintenance', 'add', 'all', '--hours', '2', '--reason', 'firmware update']);
    expect(w.json).toMatchObject({ ok: true, window: { id: 1, appliance: 'all', reason: 'firmware update' } });
    expect(Date.parse(w.json.window.end) - Date.parse(w.json.window.start)).toBe(2 * 3_600_000);
    expect(p.cli(['maintenance', 'list']).json.windows).toHaveLength(1);
    expect(p.cli(['maintenance', 'add', 'all', '--hours', '0'])).toMatchObject({ code: 2 });
    expect(p.cli(['maintenance', 'add', 'all', '--hours', '0']).json.error.message).toMatch(/--hours must be a number of hours above 0/);
    expect(p.cli(['maintenance', 'add', 'no-such-appliance', '--hours', '1']).code).toBe(9);
    expect(p.cli(['maintenance', 'remove', '1']).json).toEqual({ ok: true, window: 1, removed: true });
    expect(p.cli(['maintenance', 'list']).json.windows).toEqual([]);
  });

  it('refuses a configuration that breaks a rule, naming the field and the rule', () => {
    const p = setup({ fleet: { silentIntervals: 1 }, web: { port: 70000 } });
    const r = p.cli(['appliances']);
    expect(r.code).toBe(2);
    expect(r.json.error.code).toBe('E_CONFIG_INVALID');
    expect(r.json.error.message).toMatch(/web\.port/);
    expect(r.json.error.message).toMatch(/from 0 to 65535/);
    expect(fs.existsSync(path.join(p.dir, 'data'))).toBe(false);
  });

  it('refuses a store, bucket or broker past one machine that is half set, and never shows back a password put in a URL', () => {
    const cases: Array<[Record<string, Record<string, unknown>>, RegExp]> = [
      [{ store: { kind: 'postgresql' } }, /store\.url: must be set when store\.kind is postgresql/],
      [{ store: { kind: 'postgresql', url: 'postgresql://tmsp:hunter2-secret@db/tmsp' } }, /store\.url: must be a postgres:\/\/ or postgresql:\/\/ URL without a password/],
      [{ batches: { kind: 's3' } }, /batches\.s3Bucket: must be set when batches\.kind is s3/],
      [{ batches: { s3AccessKeyId: 'AKIA1' } }, /batches\.s3SecretAccessKey: must be set exactly when batches\.s3AccessKeyId is/],
      [{ mqtt: { broker: 'external', port: 0 } }, /mqtt\.url: must be set when mqtt\.broker is external/],
      [{ mqtt: { broker: 'external', port: 0, url: 'mqtts://u:hunter2-secret@b:8883', user: 'p' } }, /mqtt\.url: must be an mqtt:\/\/ or mqtts:\/\/ URL without a user or password/],
    ];
    for (const [extra, rule] of cases) {
      const r = setup(extra).cli(['appliances']);
      expect(r.code, JSON.stringify(extra)).toBe(2);
      expect(r.json.error.message).toMatch(rule);
      expect(r.stdout + r.stderr).not.toContain('hunter2-secret');
    }
  });
});

describe('tmsp-portal report', () => {
  it('makes a report once on demand, lists, shows and writes it, and exports a range as one zip', () => {
    const p = setup({ reports: { timeZone: 'Asia/Kolkata' } });
    expect(p.cli(['account', 'add', 'acme', '--password-stdin'], 'acme-secret-1\n').code).toBe(0);
    const made = p.cli(['report', 'generate', '--type', 'weekly', '--period', '2026-11-25']);
    expect(made.json, made.stdout + made.stderr).toMatchObject({ ok: true, made: true, report: { type: 'weekly', first: '2026-11-22', last: '2026-11-28', scope: '*' } });
    // Never twice: asking again shows the one made.
    expect(p.cli(['report', 'generate', '--type', 'weekly', '--period', '2026-11-28']).json).toMatchObject({ ok: true, made: false });
    expect(p.cli(['report', 'generate', '--type', 'daily', '--period', '2026-11-30', '--account', 'acme']).json).toMatchObject({ ok: true, made: true });
    expect(p.cli(['report', 'list', '--from', '2026-11-01', '--to', '2026-11-30']).json.reports.map((r: { type: string; scope: string }) => `${r.type} ${r.scope}`))
      .toEqual(['weekly *', 'daily acme']);
    const shown = p.cli(['report', 'show', '--type', 'daily', '--period', '2026-11-30', '--account', 'acme']);
    expect(shown.json.model).toMatchObject({ version: 1, type: 'daily', scope: 'acme', timeZone: 'Asia/Kolkata', first: '2026-11-30' });
    const pdf = path.join(p.dir, 'out', 'daily.pdf');
    expect(p.cli(['report', 'show', '--type', 'daily', '--period', '2026-11-30', '--account', 'acme', '--output', pdf]).json).toMatchObject({ ok: true });
    expect(fs.readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const html = path.join(p.dir, 'out', 'weekly.html');
    p.cli(['report', 'show', '--type', 'weekly', '--period', '2026-11-22', '--output', html]);
    expect(fs.readFileSync(html, 'utf8')).toMatch(/^<!doctype html>/i);
    const zip = path.join(p.dir, 'out', 'november.zip');
    expect(p.cli(['report', 'export', '--from', '2026-11-01', '--to', '2026-11-30', '--output', zip]).json).toMatchObject({ ok: true, reports: 2 });
    const names = execFileSync('/usr/bin/python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("\\n".join(z.namelist()))', zip],
      { encoding: 'utf8' }).trim().split('\n');
    expect(names.sort()).toEqual(['daily/tmsp-daily-2026-11-30-acme.html', 'daily/tmsp-daily-2026-11-30-acme.json', 'daily/tmsp-daily-2026-11-30-acme.pdf',
      'weekly/tmsp-weekly-2026-11-22.html', 'weekly/tmsp-weekly-2026-11-22.json', 'weekly/tmsp-weekly-2026-11-22.pdf']);
  });

  it('refuses bad arguments naming the argument and its rule, and writes nothing', () => {
    const p = setup();
    const cases: Array<[string[], RegExp]> = [
      [['report', 'generate', '--type', 'hourly', '--period', '2026-11-30'], /--type must be daily, weekly or monthly/],
      [['report', 'generate', '--type', 'daily', '--period', '2026-02-30'], /--period must be a day as YYYY-MM-DD/],
      [['report', 'generate', '--type', 'daily', '--period', '2026-11-30', '--account', '../x'], /--account must be 1-64 characters/],
      [['report', 'generate', '--type', 'monthly', '--period', '2999-01-01'], /once its period is over/],
      [['report', 'list', '--from', '2026-11-30', '--to', '2026-11-01'], /--to must not be before --from/],
      [['report', 'export', '--from', '2026-11-01', '--to', '2026-11-30', '--output', path.join(p.dir, 'x.tar')], /--output must name a \.zip file/],
      [['report', 'export', '--from', '2020-01-01', '--to', '2026-11-30', '--output', path.join(p.dir, 'x.zip')], /at most 400 days apart/],
      [['report', 'frob'], /report generate --type/],
    ];
    for (const [args, message] of cases) {
      const r = p.cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.json.error.message, args.join(' ')).toMatch(message);
    }
    expect(p.cli(['report', 'generate', '--type', 'daily', '--period', '2026-11-30', '--account', 'nobody'])).toMatchObject({ code: 9 });
    expect(p.cli(['report', 'show', '--type', 'daily', '--period', '2026-11-30'])).toMatchObject({ code: 9, json: { error: { code: 'E_NOT_FOUND' } } });
    expect(p.cli(['report', 'generate', '--type', 'daily', '--period', '2026-11-30']).code).toBe(0);
    const out = path.join(p.dir, 'report.docx');
    expect(p.cli(['report', 'show', '--type', 'daily', '--period', '2026-11-30', '--output', out]).json.error.message).toMatch(/--output must end in \.pdf, \.html or \.json/);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(p.dir).filter((f) => f.endsWith('.zip') || f.endsWith('.tar') || f.endsWith('.tmp'))).toEqual([]);
    expect(p.cli(['report', 'list', '--from', '2020-01-01', '--to', '2030-01-01']).json.reports).toHaveLength(1);
  });
});

describe('tmsp-portal run with the operator\'s own certificate', () => {
  it('serves it and reports its fingerprint, not a self-signed one', async () => {
    const p = setup();
    const own = selfSigned('portal.example.com', ['portal.example.com', '127.0.0.1']);
    fs.writeFileSync(path.join(p.dir, 'cert.pem'), own.cert);
    fs.writeFileSync(path.join(p.dir, 'key.pem'), own.key, { mode: 0o600 });
    const portal = await startPortal(p.dir, {
      https: { certFile: path.join(p.dir, 'cert.pem'), keyFile: path.join(p.dir, 'key.pem') },
      sftp: { enabled: false }, mqtt: { enabled: false },
    });
    try {
      expect(portal.facts).toMatchObject({ tlsSelfSigned: false, tlsFingerprint: certificateFingerprint(own.cert) });
      const served = await new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: portal.facts.listeners.https!, rejectUnauthorized: false }, () => {
          resolve(s.getPeerX509Certificate()!.fingerprint256);
          s.end();
        });
        s.on('error', reject);
      });
      expect(served).toBe(certificateFingerprint(own.cert));
      expect(fs.existsSync(path.join(p.dir, 'data', 'tls', 'cert.pem'))).toBe(false);
    } finally {
      await portal.stop();
    }
  });
});

