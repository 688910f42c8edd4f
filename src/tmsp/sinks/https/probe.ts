// Test Connection's HTTPS steps, on the connection the probe opened: the TLS
// handshake (showing the certificate, trusted or not), the login (a PUT of
// a probe file), and the probe file written and deleted.

import crypto from 'node:crypto';
import type net from 'node:net';
import { Readable } from 'node:stream';
import { tlsStep } from '../../../net/steps.ts';
import { MEDIA_TYPE } from '../../../protocol/batch.ts';
import type { SinkProbe } from '../../sink.ts';
import type { HttpsTarget } from './index.ts';
import { httpsRequest, statusError, urlPath } from './transport.ts';

export async function probeHttps(p: SinkProbe, sock: net.Socket, t: HttpsTarget): Promise<void> {
  const { runner: r, target } = p;
  const tlsOk = await tlsStep(r, target, sock, {
    host: t.host, trust: t.tls, timeoutMs: t.timeoutMs, pinSetting: 'tmsp.tlsFingerprints', seen: (cert) => p.certificate(cert),
  });
  tlsOk?.destroy();
  if (!tlsOk) return;
  const file = urlPath(t.basePath, `${p.applianceId}/.tmsp-probe-${crypto.randomBytes(6).toString('hex')}`);
  const body = Buffer.from('tmsp-agent probe\n');
  const put = await r.run(target, 'authentication', async () => {
    // Sent as a batch is by default, so that a server that takes batches takes the probe.
    const res = await httpsRequest(t, { method: 'PUT', path: file, bytes: body.length, type: MEDIA_TYPE.gzip, body: Readable.from([body]) });
    if (res.status === 401 || res.status === 403) throw statusError(res.status, `PUT ${file}`, res.body)!;
    const accepted = statusError(res.status, '', '') === undefined;
    return { value: res, detail: accepted ? `logged in as ${t.username}` : `login not refused (HTTP ${res.status})` };
  });
  if (!put) return;
  await r.run(target, 'probe write and delete', async () => {
    const err = statusError(put.status, `PUT ${file}`, put.body);
    if (err) throw err;
    const del = await httpsRequest(t, { method: 'DELETE', path: file });
    const derr = statusError(del.status, `DELETE ${file}`, del.body);
    if (derr) throw derr;
    return { value: true, detail: `wrote and deleted ${file}` };
  });
}
