// The TMSP screen, step by step as the seed describes it: fill in the
// fields, Test Connection (each step reported, with a hint when it fails),
// then Save, which accepts the log server's host key shown by the test.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/agent.ts';
import { APPLIANCE, proxySection, startPeers, tmspSection, type Peers } from '../helpers/tmsp.ts';
import { tmpdir } from '../helpers/tmp.ts';
import { startMosquitto, startNginx } from '../peers/peers.ts';

let peers: Peers;
beforeAll(async () => {
  peers = await startPeers();
});
afterAll(async () => {
  await peers?.stop();
});

function configFile(tmsp: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const dir = tmpdir();
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify({
    appliance: { id: APPLIANCE }, tmsp,
    daemon: { stateDir: path.join(dir, 'state'), controlSocket: path.join(dir, 'control.sock') }, ...extra,
  }), { mode: 0o600 });
  return file;
}

type Step = { target: string; step: string; ok: boolean; skipped: boolean; ms: number; detail: string; code: string | null };

function steps(r: ReturnType<typeof cli>): Step[] {
  expect(r.json, r.stdout + r.stderr).toBeDefined();
  return r.json.steps as Step[];
}

function failed(s: Step[]): Step[] {
  return s.filter((x) => !x.ok && !x.skipped);
}

describe('TMSP registration: Test Connection and Save', () => {
  it('tests every step over SSH, shows the host key, and Save accepts it', () => {
    const file = configFile(tmspSection(peers, { hostKeyFingerprint: '' }));
    const r = cli(['--config', file, '--json', 'tmsp', 'test-connection']);
    expect(r.code).toBe(0);
    expect(r.json.passed).toBe(true);
    const s = steps(r);
    expect(s.map((x) => `${x.target}: ${x.step}`)).toEqual([
      'log server: settings', 'log server: resolve', 'log server: proxy', 'log server: TCP connect',
      'log server: SSH handshake and login', 'log server: probe write and delete',
      'status server: resolve', 'status server: proxy', 'status server: TCP connect', 'status server: TLS handshake',
      'status server: MQTT login',
    ]);
    for (const x of s) expect(typeof x.ms).toBe('number');
    expect(r.json.hostKeyFingerprint).toBe(peers.sshd.hostKey);
    expect(s.find((x) => x.step === 'SSH handshake and login')!.detail).toContain('not accepted yet');
    // The probe file is gone again.
    expect(fs.readdirSync(path.join(peers.sshd.home, 'upload', APPLIANCE)).filter((f) => f.includes('probe'))).toEqual([]);

    const saved = cli(['--config', file, '--json', 'tmsp', 'save']);
    expect(saved.code).toBe(0);
    expect(saved.json).toMatchObject({ saved: true, passed: true, acceptedHostKey: peers.sshd.hostKey });
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).tmsp.hostKeyFingerprint).toBe(peers.sshd.hostKey);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('tests over SSL (HTTPS PUT and DELETE of a probe file)', () => {
    const file = configFile(tmspSection(peers, { protocol: 'ssl' }));
    const r = cli(['--config', file, '--json', 'tmsp', 'test-connection']);
    expect(r.code, r.stdout).toBe(0);
    const s = steps(r);
    expect(s.filter((x) => x.target === 'log server').map((x) => x.step)).toEqual([
      'settings', 'resolve', 'proxy', 'TCP connect', 'TLS handshake', 'authentication', 'probe write and delete',
    ]);
    expect(r.json.certificateFingerprints.log).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('tests every transport through the proxy (CONNECT with Basic auth)', () => {
    for (const protocol of ['ssh', 'ssl']) {
      const file = configFile(tmspSection(peers, { protocol, useProxy: true }), { proxy: proxySection(peers) });
      const r = cli(['--config', file, '--json', 'tmsp', 'test-connection']);
      expect(r.code, r.stdout).toBe(0);
      const s = steps(r);
      expect(s.filter((x) => x.step === 'proxy CONNECT').map((x) => x.target)).toEqual(['log server', 'status server']);
      expect(s.find((x) => x.step === 'proxy CONNECT')!.detail).toContain(`through 127.0.0.1:${peers.proxy.port} as tmsp-test`);
    }
    expect(peers.proxy.log).toMatch(/CONNECT/);
  });

  it('goes direct for destinations in no_proxy', () => {
    const file = configFile(tmspSection(peers, { useProxy: true }), { proxy: proxySection(peers, { noProxy: ['127.0.0.0/8'] }) });
    const r = cli(['--config', file, '--json', 'tmsp', 'test-connection']);
    expect(r.code).toBe(0);
    expect(steps(r).some((x) => x.step === 'proxy CONNECT')).toBe(false);
    expect(steps(r).find((x) => x.step === 'proxy')!.detail).toContain('no_proxy');
  });

  it.each([
    ['a wrong password', { password: 'wrong-pass' }, {}, 'E_AUTH', 22, 'check the user name and password'],
    ['a changed host key', { hostKeyFingerprint: `SHA256:${'A'.repeat(43)}` }, {}, 'E_HOSTKEY', 20, 'host key changed'],
    ['a proxy refusing the login', { useProxy: true }, { proxy: 'bad' }, 'E_PROXY_AUTH', 14, 'proxy user name and password'],
    ['a log server that is down', { logServer: '127.0.0.1:1' }, {}, 'E_CONNECT', 12, '127.0.0.1:1'],
  ] as Array<[string, Record<string, unknown>, { proxy?: string }, string, number, string]>)('reports %s clearly, with its own exit code', (_what, tmsp, opt, code, exit, words) => {
    const extra = opt.proxy ? { proxy: proxySection(peers, { password: 'bad-proxy-pass' }) } : {};
    const file = configFile(tmspSection(peers, tmsp), extra);
    const r = cli(['--config', file, '--json', 'tmsp', 'test-connection']);
    expect(r.code).toBe(exit);
    expect(r.json.passed).toBe(false);
    const f = failed(steps(r));
    expect(f[0]!.code).toBe(code);
    expect(f[0]!.detail).toContain(words);
    const human = cli(['--config', file, 'tmsp', 'test-connection']);
    expect(human.code).toBe(exit);
    expect(human.stdout).toContain('FAIL');
    expect(human.stdout).toContain('hint:');
  });

  it.each([
    ['expired', 'E_TLS_EXPIRED', 17],
    ['untrusted', 'E_TLS_UNTRUSTED', 16],
    ['wronghost', 'E_TLS_HOSTNAME', 18],
  ])('refuses a %s certificate on the log server and the status server', async (cert, code, exit) => {
    const nginx = await startNginx(peers.root, cert);
    const mqtt = await startMosquitto(peers.root, cert);
    try {
      // wronghost is issued for wrong.example: connect by the name localhost so the name check applies.
      const host = cert === 'wronghost' ? 'localhost' : '127.0.0.1';
      const file = configFile(tmspSection(peers, {
        protocol: 'ssl', logServer: `${host}:${nginx.port}`, statusServer: `${host}:${mqtt.port}`,
      }));
      const r = cli(['--config', file, '--json', 'tmsp', 'test-connection']);
      expect(r.code).toBe(exit);
      const f = failed(steps(r));
      expect(f.map((x) => [x.target, x.step, x.code])).toEqual([
        ['log server', 'TLS handshake', code], ['status server', 'TLS handshake', code],
      ]);
    } finally {
      await Promise.all([nginx.stop(), mqtt.stop()]);
    }
  });

  it('trusts a self-signed certificate only when its fingerprint is pinned', async () => {
    const nginx = await startNginx(peers.root, 'untrusted');
    try {
      const base = tmspSection(peers, { protocol: 'ssl', logServer: `127.0.0.1:${nginx.port}` });
      const first = cli(['--config', configFile(base), '--json', 'tmsp', 'test-connection']);
      expect(failed(steps(first))[0]!.code).toBe('E_TLS_UNTRUSTED');
      const fp = first.json.steps.find((x: Step) => x.step === 'TLS handshake' && x.target === 'log server');
      expect(fp.ok).toBe(false);
      // The operator reads the fingerprint from the server owner and pins it (here: from the certificate itself).
      const pem = fs.readFileSync(path.join(peers.root, 'pki', 'untrusted.pem'), 'utf8');
      const { X509Certificate } = await import('node:crypto');
      const pin = new X509Certificate(pem).fingerprint256;
      const statusPin = new X509Certificate(fs.readFileSync(path.join(peers.root, 'pki', 'server.pem'))).fingerprint256;
      const pinned = cli(['--config', configFile({ ...base, tlsFingerprints: [pin, statusPin] }), '--json', 'tmsp', 'test-connection']);
      expect(pinned.code, pinned.stdout).toBe(0);
      const wrong = cli(['--config', configFile({ ...base, tlsFingerprints: ['AB'.repeat(32)] }), '--json', 'tmsp', 'test-connection']);
      expect(failed(steps(wrong))[0]!.code).toBe('E_TLS_PIN');
    } finally {
      await nginx.stop();
    }
  });

  it('shows an untrusted certificate, says which setting pins it, and pins each server on its own', async () => {
    const nginx = await startNginx(peers.root, 'untrusted');
    const mqtt = await startMosquitto(peers.root, 'untrusted');
    try {
      const { X509Certificate } = await import('node:crypto');
      const pem = new X509Certificate(fs.readFileSync(path.join(peers.root, 'pki', 'untrusted.pem')));
      const base = tmspSection(peers, { protocol: 'ssl', logServer: `127.0.0.1:${nginx.port}` });
      const r = cli(['--config', configFile(base), '--json', 'tmsp', 'test-connection']);
      expect(r.code).toBe(16);
      // The certificate is shown although it is not trusted: what the operator compares and pins.
      expect(r.json.certificateFingerprints.log).toBe(pem.fingerprint256);
      expect(r.json.certificates.log).toMatchObject({
        subject: 'CN=localhost', issuer: 'CN=localhost', fingerprint: pem.fingerprint256, validTo: pem.validTo, validFrom: pem.validFrom,
      });
      const step = failed(steps(r))[0]!;
      expect(step).toMatchObject({ target: 'log server', step: 'TLS handshake', code: 'E_TLS_UNTRUSTED' });
      expect(step.detail).toContain('self-signed');
      expect(step.detail).toContain(`tmsp.tlsFingerprints=${pem.fingerprint256}`);
      const human = cli(['--config', configFile(base), 'tmsp', 'test-connection']);
      expect(human.stdout + human.stderr).not.toMatch(/Node\.js|--use-system-ca|UNABLE_TO|DEPTH_ZERO/);
      expect(human.stdout).toContain('hint: the server certificate is not trusted: compare the SHA-256 fingerprint');

      // Pinning the log server leaves the status server on its CA; pinning the status server leaves the log server.
      const logPinned = cli(['--config', configFile({ ...base, tlsFingerprints: [pem.fingerprint256] }), '--json', 'tmsp', 'test-connection']);
      expect(logPinned.code, logPinned.stdout).toBe(0);
      const statusSelfSigned = tmspSection(peers, { statusServer: `127.0.0.1:${mqtt.port}` });
      const unpinned = cli(['--config', configFile(statusSelfSigned), '--json', 'tmsp', 'test-connection']);
      expect(failed(steps(unpinned)).map((x) => [x.target, x.step, x.code])).toEqual([['status server', 'TLS handshake', 'E_TLS_UNTRUSTED']]);
      expect(failed(steps(unpinned))[0]!.detail).toContain(`tmsp.statusTlsFingerprints=${pem.fingerprint256}`);
      expect(unpinned.json.certificateFingerprints.status).toBe(pem.fingerprint256);
      const statusPinned = cli(['--config', configFile({ ...statusSelfSigned, statusTlsFingerprints: [pem.fingerprint256] }),
        '--json', 'tmsp', 'test-connection']);
      expect(statusPinned.code, statusPinned.stdout).toBe(0);
    } finally {
      await Promise.all([nginx.stop(), mqtt.stop()]);
    }
  });

  it('after a host key change, shows both keys and how to accept the new one; Save with it accepts it', () => {
    const old = `SHA256:${'A'.repeat(43)}`;
    const file = configFile(tmspSection(peers, { hostKeyFingerprint: old }));
    const r = cli(['--config', file, '--json', 'tmsp', 'test-connection']);
    expect(r.code).toBe(20);
    const step = failed(steps(r))[0]!;
    expect(step.detail).toContain(`the accepted one is ${old}, it presented ${peers.sshd.hostKey}`);
    expect(step.detail).toContain(`tmsp save tmsp.hostKeyFingerprint=${peers.sshd.hostKey}`);
    expect(r.json.hostKeyFingerprint).toBe(peers.sshd.hostKey);
    const accepted = cli(['--config', file, '--json', 'tmsp', 'save', `tmsp.hostKeyFingerprint=${peers.sshd.hostKey}`]);
    expect(accepted.json).toMatchObject({ ok: true, saved: true, acceptedHostKey: peers.sshd.hostKey });
  });

  it('shows where the probe file went on the server, so a doubled upload directory shows before anything is sent', () => {
    const r = cli(['--config', configFile(tmspSection(peers)), '--json', 'tmsp', 'test-connection']);
    const probe = steps(r).find((x) => x.step === 'probe write and delete')!;
    expect(probe.detail).toContain(`(the remote directory is ${path.join(peers.sshd.home, 'upload', APPLIANCE)})`);
    const dot = cli(['--config', configFile(tmspSection(peers, { logBasePath: '.' })), '--json', 'tmsp', 'test-connection']);
    expect(steps(dot).find((x) => x.step === 'probe write and delete')!.detail)
      .toContain(`(the remote directory is ${path.join(peers.sshd.home, APPLIANCE)})`);
  });

  it('has exactly the steps the README lists for each protocol', () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    const block = readme.slice(readme.indexOf('<!-- test-connection-steps'), readme.indexOf('<!-- /test-connection-steps -->'));
    const listed = (label: string) => [...new RegExp(`- ${label}: ([^\\n]+(?:\\n  [^\\n]+)*)`).exec(block)![1]!.matchAll(/`([^`]+)`/g)]
      .map((m) => m[1]);
    for (const protocol of ['ssh', 'ssl'] as const) {
      const r = cli(['--config', configFile(tmspSection(peers, { protocol })), '--json', 'tmsp', 'test-connection']);
      expect(r.code, r.stdout).toBe(0);
      const of = (target: string) => steps(r).filter((x) => x.target === target).map((x) => x.step);
      expect(of('log server')).toEqual(listed(`log server, \`${protocol}\` \\((?:SFTP|HTTPS)\\)`));
      expect(of('status server')).toEqual(listed('status server'));
    }
  });

  it('Save refuses settings whose test failed, unless forced', () => {
    const file = configFile(tmspSection(peers));
    const before = fs.readFileSync(file);
    const r = cli(['--config', file, '--json', 'tmsp', 'save', 'tmsp.password=wrong-pass']);
    expect(r.code).toBe(22);
    expect(r.json.saved).toBe(false);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    const forced = cli(['--config', file, '--json', 'tmsp', 'save', '--force', 'tmsp.password=wrong-pass']);
    expect(forced.code).toBe(0);
    expect(forced.json).toMatchObject({ saved: true, forced: true });
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).tmsp.password).toBe('wrong-pass');
  });

  it('refuses invalid candidate settings before testing anything', () => {
    const file = configFile(tmspSection(peers));
    const r = cli(['--config', file, '--json', 'tmsp', 'test-connection', 'tmsp.logServer=http://x', 'tmsp.protocol=ftp']);
    expect(r.code).toBe(2);
    expect(r.json.error.problems.map((p: { field: string }) => p.field).sort()).toEqual(['tmsp.logServer', 'tmsp.protocol']);
  });
});
