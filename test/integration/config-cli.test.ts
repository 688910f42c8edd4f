// The menus' side of configuration: set, show, get, validate, import and
// export through the command line, with refusals that leave the file alone.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/agent.ts';
import { tmpdir } from '../helpers/tmp.ts';

const SMS_OK = ['sms.enabled=true', 'sms.server=192.0.2.10', 'sms.username=smsadmin', 'sms.password=Secret-15chars!'];

function setup() {
  const dir = tmpdir();
  const file = path.join(dir, 'etc', 'config.json');
  const c = (...args: string[]) => cli(['--config', file, ...args]);
  return { dir, file, c };
}

describe('config from the menus', () => {
  it('saves valid settings atomically, mode 0600, and masks secrets in show', () => {
    const { file, c } = setup();
    const r = c('--json', 'config', 'set', ...SMS_OK, 'sms.riskLevel=high-medium', 'sms.objectTypes=ipv4');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ ok: true, reloaded: false });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['config.json']); // no temp file left behind
    const shown = c('--json', 'config', 'show');
    expect(shown.json.config.sms).toMatchObject({
      enabled: true, server: '192.0.2.10', username: 'smsadmin', password: '********', riskLevel: 'high-medium', objectTypes: ['ipv4'],
    });
    expect(shown.stdout).not.toContain('Secret-15chars!');
    const human = c('config', 'show');
    expect(human.stdout).toContain('sms.password = ********');
    expect(human.stdout).not.toContain('Secret-15chars!');
    expect(c('config', 'get', 'sms.riskLevel').stdout.trim()).toBe('high-medium');
    expect(c('--json', 'config', 'get', 'sms.password').json.value).toBe('********');
  });

  it.each([
    [['sms.server=sms.example.com'], 'sms.server: must be an IPv4 address'],
    [['sms.password=0123456789abcdef'], 'sms.password: must be 1-15 printable ASCII characters'],
    [['sms.username=sixteen-chars-xx'], 'sms.username: must be 1-15'],
    [['tmsp.protocol=ftp'], 'tmsp.protocol: must be one of: ssh, ssl'],
    [['tmsp.uploadIntervalMinutes=0'], 'tmsp.uploadIntervalMinutes: must be a whole number from 1 to 1440'],
    [['tmsp.registrationEmail=not-an-email'], 'tmsp.registrationEmail: must be an email address'],
    [['no.such=1'], 'no.such: is not a known setting'],
    [['tmsp.enabled=true'], 'tmsp.logServer: must be set when tmsp.enabled is true'],
  ])('refuses %j with exit code 2, names the field, and writes nothing', (args, message) => {
    const { file, c } = setup();
    expect(c('config', 'set', ...SMS_OK).code).toBe(0);
    const before = fs.readFileSync(file);
    const mtime = fs.statSync(file).mtimeMs;
    const r = c('config', 'set', 'sms.riskLevel=high-medium-low', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('nothing was changed');
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.statSync(file).mtimeMs).toBe(mtime);
    const j = c('--json', 'config', 'set', ...args);
    expect(j.code).toBe(2);
    expect(j.json.ok).toBe(false);
    expect(j.json.error.code).toBe('E_CONFIG_INVALID');
    expect(j.json.error.problems.map((p: { message: string }) => p.message).join('\n')).toContain(message);
  });

  it('never echoes a refused secret', () => {
    const { c } = setup();
    const r = c('--json', 'config', 'set', 'sms.password=TooLongSecret-123');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('got 17 characters');
    expect(r.stdout).not.toContain('TooLongSecret-123');
  });

  it('validates a file without applying it', () => {
    const { dir, c } = setup();
    const good = path.join(dir, 'good.json');
    const bad = path.join(dir, 'bad.json');
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(good, JSON.stringify({ sms: { server: '10.0.0.1' } }));
    fs.writeFileSync(bad, JSON.stringify({ sms: { server: 'sms.local', password: 'x'.repeat(16) } }));
    fs.writeFileSync(broken, '{"sms": ');
    expect(c('config', 'validate', good).code).toBe(0);
    const r = c('--json', 'config', 'validate', bad);
    expect(r.code).toBe(2);
    expect(r.json.error.problems.map((p: { field: string }) => p.field).sort()).toEqual(['sms.password', 'sms.server']);
    const b = c('config', 'validate', broken);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('must be valid JSON');
    expect(c('config', 'validate', path.join(dir, 'missing.json')).code).toBe(2);
  });

  it('exports without secrets unless asked, and an import keeps the secrets it lacks', () => {
    const { dir, file, c } = setup();
    expect(c('config', 'set', ...SMS_OK, 'tmsp.password=Tmsp-pass').code).toBe(0);
    const plain = c('config', 'export');
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('Secret-15chars!');
    expect(JSON.parse(plain.stdout).sms.server).toBe('192.0.2.10');
    const out = path.join(dir, 'backup.json');
    expect(c('config', 'export', '--include-secrets', '--output', out).code).toBe(0);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).sms.password).toBe('Secret-15chars!');

    const incoming = path.join(dir, 'incoming.json');
    const doc = JSON.parse(plain.stdout);
    doc.sms.riskLevel = 'high-medium-low';
    fs.writeFileSync(incoming, JSON.stringify(doc));
    expect(c('config', 'import', incoming).code).toBe(0);
    const after = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(after.sms).toMatchObject({ riskLevel: 'high-medium-low', password: 'Secret-15chars!' });
    expect(after.tmsp.password).toBe('Tmsp-pass');

    fs.writeFileSync(incoming, JSON.stringify({ sms: { server: 'nope' } }));
    const before = fs.readFileSync(file);
    expect(c('config', 'import', incoming).code).toBe(2);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('finds the file through TMSP_AGENT_CONFIG', () => {
    const { file } = setup();
    expect(cli(['config', 'set', 'sms.riskLevel=high-medium'], { TMSP_AGENT_CONFIG: file }).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).sms.riskLevel).toBe('high-medium');
  });

  it('answers usage errors with exit code 2 and --json on every command', () => {
    expect(cli(['--json', 'frobnicate']).json).toMatchObject({ ok: false, error: { code: 'E_USAGE' } });
    expect(cli(['--json', 'frobnicate']).code).toBe(2);
    expect(cli(['--json', '--bogus-flag', 'status']).code).toBe(2);
    expect(cli(['--json', 'version']).json).toMatchObject({ ok: true, node: process.version });
  });

  it('takes a list written by hand as text, like config set does, and says how to write a number', () => {
    const { dir, c } = setup();
    const hand = path.join(dir, 'hand.json');
    fs.writeFileSync(hand, JSON.stringify({ sms: { objectTypes: 'ipv4, domain' }, ingest: { files: '/var/log/a.log' } }));
    const ok = c('--json', 'config', 'validate', hand);
    expect(ok.code, ok.stdout).toBe(0);
    expect(c('--json', 'config', 'import', hand).code).toBe(0);
    expect(c('--json', 'config', 'get', 'sms.objectTypes').json.value).toEqual(['ipv4', 'domain']);
    fs.writeFileSync(hand, JSON.stringify({ tmsp: { uploadIntervalMinutes: '15', enabled: 'true' } }));
    const bad = c('--json', 'config', 'validate', hand);
    expect(bad.code).toBe(2);
    const messages = bad.json.error.problems.map((p: { message: string }) => p.message);
    expect(messages).toContain('tmsp.uploadIntervalMinutes: must be a whole number from 1 to 1440 minutes (got "15"): write it as a JSON number, without quotes');
    expect(messages).toContain('tmsp.enabled: must be true or false (got "true"): write it as a JSON true or false, without quotes');
  });

  describe('hostile or careless input', () => {
    const withSecret = () => {
      const t = setup();
      expect(t.c('config', 'set', ...SMS_OK).code).toBe(0);
      return { ...t, before: fs.readFileSync(t.file) };
    };
    const write = (dir: string, name: string, text: string | Buffer) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, text);
      return f;
    };

    it.each([['null', 'null'], ['a null section', '{"sms": null}'], ['a list', '[1, 2]'], ['a string section', '{"sms": "on"}']])(
      'refuses to import %s without merging anything into it, and keeps the file', (_what, text) => {
        const { dir, file, c, before } = withSecret();
        const r = c('--json', 'config', 'import', write(dir, 'in.json', text));
        expect(r.code, r.stdout + r.stderr).toBe(2);
        expect(r.json.error.code).toBe('E_CONFIG_INVALID');
        expect(r.stderr).not.toMatch(/TypeError|at .*\.ts:/);
        expect(fs.readFileSync(file).equals(before)).toBe(true);
      });

    it('refuses a document nested 100,000 levels deep by line and column, without a crash', () => {
      const { dir, c } = setup();
      const deep = write(dir, 'deep.json', `{"sms":{"objectTypes":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`);
      for (const cmd of ['validate', 'import']) {
        const r = c('--json', 'config', cmd, deep);
        expect(r.code, r.stderr).toBe(2);
        expect(r.json.error.message).toContain('nested more than 16 levels deep at line 1, column');
      }
    });

    it('cuts what it echoes: a huge unknown key, and a file too large to be a configuration', () => {
      const { dir, c } = setup();
      const big = c('--json', 'config', 'validate', write(dir, 'key.json', `{"sms":{"${'k'.repeat(500_000)}":1}}`));
      expect(big.code).toBe(2);
      expect(big.stdout.length).toBeLessThan(2000);
      expect(big.json.error.problems[0].message).toMatch(/^sms\.k+\.\.\.: is not a known setting$/);
      const huge = c('--json', 'config', 'validate', write(dir, 'huge.json', `{"sms":{"${'k'.repeat(50 * 1024 * 1024)}":1}}`));
      expect(huge.code).toBe(2);
      expect(huge.stdout.length).toBeLessThan(2000);
      expect(huge.json.error.message).toContain('is larger than 1024 KiB');
    });

    it('takes a file that starts with a byte-order mark', () => {
      const { dir, c } = setup();
      const f = write(dir, 'bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"sms":{"riskLevel":"high-medium"}}')]));
      expect(c('--json', 'config', 'validate', f).code).toBe(0);
      expect(c('--json', 'config', 'import', f).code).toBe(0);
    });

    it('reports a syntax error by line and column, never with the text around it (it may be a secret)', () => {
      const { dir, c } = setup();
      const f = write(dir, 'bad.json', '{\n  "sms": {"password":Zq7Xw9Pa}}');
      const v = c('--json', 'config', 'validate', f);
      expect(v.code).toBe(2);
      expect(v.json.error.message).toBe(`${f}: must be valid JSON: it is not, at line 2, column 22`);
      const run = cli(['--config', f, 'run']);
      expect(run.code).toBe(2);
      for (const out of [v.stdout + v.stderr, run.stdout + run.stderr]) expect(out).not.toContain('Zq7Xw9Pa');
    });
  });

  it('answers --version, the flag every command-line user tries first', () => {
    const r = cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tmsp-agent \d+\.\d+\.\d+ \(node v24\./);
  });

  it('runs as `npx tmsp-agent` in a checkout, on the pinned Node', () => {
    const r = spawnSync('npx', ['tmsp-agent', '--json', 'version'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, node: process.version });
  });
});
