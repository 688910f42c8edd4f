// The portal's own certificate, made when the operator brings none: a real
// X.509 certificate that OpenSSL and Node accept, for the names it was made
// for, whose fingerprint is what the agent pins.

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { certificateFingerprint, selfSigned } from '../../src/portal/tls/self-signed.ts';
import { tmpdir } from '../helpers/tmp.ts';

describe('the portal\'s self-signed certificate', () => {
  const made = selfSigned('portal.example', ['localhost', '127.0.0.1', '::1', 'portal.example']);

  it('is X.509 v3, self-signed, for the names and addresses it was made for, valid for ten years', () => {
    const x = new crypto.X509Certificate(made.cert);
    expect(x.subject).toContain('CN=portal.example');
    expect(x.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:portal.example');
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.checkPrivateKey(crypto.createPrivateKey(made.key))).toBe(true);
    const years = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThan(9.9);
    expect(certificateFingerprint(made.cert)).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('is accepted by OpenSSL as its own CA', () => {
    const dir = tmpdir();
    const file = path.join(dir, 'cert.pem');
    fs.writeFileSync(file, made.cert);
    const r = spawnSync('openssl', ['verify', '-CAfile', file, file], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain(': OK');
  });

  it('serves TLS that a client trusting only it verifies, by name and by address', async () => {
    const server = tls.createServer({ cert: made.cert, key: made.key }, (s) => s.end('hello'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      for (const servername of ['localhost', undefined]) {
        const got = await new Promise<string>((resolve, reject) => {
          const s = tls.connect({ host: '127.0.0.1', port, ca: made.cert, servername }, () => {
            s.setEncoding('utf8');
            let text = '';
            s.on('data', (d) => (text += d));
            s.on('end', () => resolve(text));
          });
          s.on('error', reject);
        });
        expect(got).toBe('hello');
      }
    } finally {
      server.close();
    }
  });
});
