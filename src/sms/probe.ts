// Test Connection for the SMS screen: TCP, TLS (with the certificate's
// fingerprint, to pin a self-signed SMS), authentication (the Status call
// real clients make), and a read-only query of the Reputation Database.

import type { Config } from '../config/schema.ts';
import { TmspError } from '../errors.ts';
import { connectDirect } from '../net/connect.ts';
import { hostPort } from '../net/proxy.ts';
import { StepRunner, tlsStep, type StepResult } from '../net/steps.ts';
import type { CertificateInfo } from '../net/tls.ts';
import { SmsClient } from './client.ts';
import { smsTarget } from './room.ts';

export interface SmsProbeResult {
  ok: boolean;
  steps: StepResult[];
  /** What the SMS presented, shown whether or not it is trusted, for the operator to compare and pin. */
  certificateFingerprint: string | null;
  certificate: CertificateInfo | null;
}

const SMS = 'SMS';

export async function probeSms(c: Config): Promise<SmsProbeResult> {
  const r = new StepRunner();
  const out: SmsProbeResult = { ok: false, steps: r.results, certificateFingerprint: null, certificate: null };
  const t = smsTarget(c);
  const set = await r.run(SMS, 'settings', async () => {
    if (!t.host) throw new TmspError('E_NOT_CONFIGURED', 'sms.server is not set');
    if (!t.apiKey && (!t.username || !t.password)) throw new TmspError('E_NOT_CONFIGURED', 'sms.username and sms.password are not set');
    return { value: true, detail: `HTTPS to ${hostPort(t)}, ${t.apiKey ? 'API key' : `user ${t.username}`}` };
  });
  if (set) {
    // The seed asks for the SMS's IPv4 address: nothing to resolve.
    r.note(SMS, 'resolve', `${t.host} is an address`);
    const sock = await r.run(SMS, 'TCP connect', async () => ({
      value: await connectDirect(t, t.timeoutMs), detail: `connected to ${hostPort(t)}`,
    }));
    if (sock) {
      const tlsOk = await tlsStep(r, SMS, sock, {
        host: t.host, trust: t.trust, timeoutMs: t.timeoutMs, pinSetting: 'sms.tlsFingerprints',
        seen: (cert) => {
          out.certificate = cert;
          out.certificateFingerprint = cert.fingerprint;
        },
      });
      tlsOk?.destroy();
      const client = new SmsClient(t);
      const authed = await r.run(SMS, 'authentication', async () => ({
        value: true, detail: `the SMS accepted ${t.apiKey ? 'the API key' : `user ${t.username}`} (status: ${(await client.status()).slice(0, 60) || 'OK'})`,
      }));
      if (authed) {
        await r.run(SMS, 'read-only query', async () => {
          const q = await client.query([{ type: 'ipv4', value: '192.0.2.1' }]);
          return { value: true, detail: `Reputation Database answered (${q.found ? 'entry found' : 'no entry'} for 192.0.2.1)` };
        });
      }
    }
  }
  out.ok = r.ok;
  return out;
}
