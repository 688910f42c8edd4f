// HTTPS PUT (tmsp.protocol=ssl): TLS verified against the system CAs and
// tmsp.tlsCaFile, or by the log server's own pins (tmsp.tlsFingerprints).

import type { TlsTrust } from '../../../net/tls.ts';
import { defineSink, type LogServer } from '../../sink.ts';
import { trustFor } from '../../target.ts';
import { probeHttps } from './probe.ts';
import { HttpsSink } from './transport.ts';

export interface HttpsTarget extends LogServer {
  tls: TlsTrust;
}

export const https = defineSink<HttpsTarget>({
  label: 'HTTPS',
  defaultPort: 443,
  target: (c, server) => ({ ...server, tls: trustFor(c, 'log') }),
  create: (t) => new HttpsSink(t),
  probe: probeHttps,
});
