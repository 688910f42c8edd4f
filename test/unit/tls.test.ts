// TLS trust as any caller gets it: the one way to a TLS socket verifies the
// certificate before handing the socket out (a wrong pin, an unknown issuer,
// another name are refused), and every refusal carries the certificate the
// server presented, so that it can be shown to the operator.

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as trust from '../../src/net/tls.ts';
import { CertificateRefused, startTls } from '../../src/net/tls.ts';

let pki: string;
let server: tls.Server;
let port: number;
let fingerprint: string;

beforeAll(async () => {
  pki = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-tls-'));
  const r = spawnSync('bash', ['test/peers/certs.sh', pki], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const cert = fs.readFileSync(path.join(pki, 'untrusted.pem'));
  fingerprint = new crypto.X509Certificate(cert).fingerprint256;
  server = tls.createServer({ cert, key: fs.readFileSync(path.join(pki, 'untrusted.key')) }, (s) => s.end('hello'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => {
  server?.close();
  fs.rmSync(pki, { recursive: true, force: true });
});

function raw(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

async function refusal(t: trust.TlsTrust, host = '127.0.0.1'): Promise<CertificateRefused> {
  const err = await startTls(await raw(), host, t, 5000).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CertificateRefused);
  return err as CertificateRefused;
}

describe('TLS trust', () => {
  it('refuses a certificate that is not the pinned one, and says which one it was', async () => {
    const e = await refusal({ caFile: '', fingerprints: ['AB'.repeat(32)] });
    expect(e.code).toBe('E_TLS_PIN');
    expect(e.certificate).toMatchObject({ fingerprint: fingerprint, subject: 'CN=localhost', issuer: 'CN=localhost' });
    expect(e.message).toContain(fingerprint);
  });

  it('refuses a self-signed certificate without a pin, in plain words, carrying the certificate', async () => {
    const e = await refusal({ caFile: '', fingerprints: [] });
    expect(e.code).toBe('E_TLS_UNTRUSTED');
    expect(e.message).toContain('self-signed');
    expect(e.message).not.toMatch(/Node\.js|--use-system-ca/);
    expect(e.certificate.fingerprint).toBe(fingerprint);
  });

  it('refuses a certificate for another name when it is trusted by its CA', async () => {
    const cert = fs.readFileSync(path.join(pki, 'wronghost.pem'));
    const other = tls.createServer({ cert, key: fs.readFileSync(path.join(pki, 'wronghost.key')) }, (s) => s.end());
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    const s = await new Promise<net.Socket>((resolve) => {
      const c = net.connect((other.address() as net.AddressInfo).port, '127.0.0.1', () => resolve(c));
    });
    const err = await startTls(s, 'localhost', { caFile: path.join(pki, 'ca.pem'), fingerprints: [] }, 5000).catch((e) => e);
    other.close();
    expect(err).toBeInstanceOf(CertificateRefused);
    expect((err as CertificateRefused).code).toBe('E_TLS_HOSTNAME');
  });

  it('hands out the socket only for a pinned match, and offers no way to build unverified options', async () => {
    const ok = await startTls(await raw(), '127.0.0.1', { caFile: '', fingerprints: [fingerprint.toLowerCase()] }, 5000);
    expect(ok.certificate.fingerprint).toBe(fingerprint);
    ok.socket.destroy();
    expect(Object.keys(trust).sort()).toEqual(
      ['CertificateRefused', 'colonFingerprint', 'describeCertificate', 'normaliseFingerprint', 'startTls']);
  });
});
