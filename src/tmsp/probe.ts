// Test Connection for the TMSP screen: every step against the candidate
// settings, separately: resolve, proxy CONNECT or TCP, then the sink's own
// steps (sinks/<name>/probe.ts: handshake with the fingerprint to accept,
// login, a probe file written and deleted), then the status server's
// connect and login.

import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { applianceId } from '../config/identity.ts';
import type { Config } from '../config/schema.ts';
import { TmspError } from '../errors.ts';
import { connectDirect, routeFor } from '../net/connect.ts';
import { connectViaProxy, hostPort, type Target } from '../net/proxy.ts';
import { resolveStep, StepRunner, tlsStep } from '../net/steps.ts';
import type { CertificateInfo } from '../net/tls.ts';
import type { LogServer } from './sink.ts';
import { logTarget, SINKS } from './sinks/index.ts';
import { disconnect, mqttConnect, openStatusStream, probeSession } from './status/connect.ts';
import { proxyFor, statusOptions, statusTarget } from './target.ts';

export interface TmspProbeResult {
  ok: boolean;
  steps: StepRunner['results'];
  /** What the handshakes showed, for the operator to accept: shown whether or not it is trusted. */
  hostKeyFingerprint: string | null;
  certificateFingerprints: { log: string | null; status: string | null };
  certificates: { log: CertificateInfo | null; status: CertificateInfo | null };
}

function seen(out: TmspProbeResult, server: 'log' | 'status', cert: CertificateInfo): void {
  out.certificates[server] = cert;
  out.certificateFingerprints[server] = cert.fingerprint;
}

const LOG = 'log server';
const STATUS = 'status server';

/** Resolve + proxy CONNECT or TCP, each its own step. */
async function reach(r: StepRunner, who: string, target: Target, c: Config, timeoutMs: number): Promise<net.Socket | undefined> {
  const proxy = routeFor(target, { proxy: proxyFor(c), noProxy: c.proxy.noProxy, timeoutMs });
  if (proxy) {
    r.note(who, 'resolve', `${target.host} is resolved by the proxy`);
    if (!(await r.run(who, 'resolve proxy', () => resolveStep(proxy.host)))) return undefined;
    return r.run(who, 'proxy CONNECT', async () => ({
      value: await connectViaProxy(proxy, target, timeoutMs),
      detail: `tunnel to ${hostPort(target)} through ${hostPort(proxy)}${proxy.username ? ` as ${proxy.username}` : ''}`,
    }));
  }
  if (!(await r.run(who, 'resolve', () => resolveStep(target.host)))) return undefined;
  r.note(who, 'proxy', c.tmsp.useProxy ? `${target.host} is in no_proxy: direct` : 'not used');
  return r.run(who, 'TCP connect', async () => ({
    value: await connectDirect(target, timeoutMs), detail: `connected to ${hostPort(target)}`,
  }));
}

async function probeStatus(r: StepRunner, c: Config, out: TmspProbeResult): Promise<void> {
  const o = statusOptions(c);
  const sock = await reach(r, STATUS, o, c, o.timeoutMs);
  if (!sock) return;
  let stream: Duplex = sock;
  if (c.tmsp.statusTls) {
    const tlsSock = await tlsStep(r, STATUS, sock, {
      host: o.host, trust: o.trust, timeoutMs: o.timeoutMs, pinSetting: 'tmsp.statusTlsFingerprints', seen: (cert) => seen(out, 'status', cert),
    });
    if (!tlsSock) return;
    stream = tlsSock;
  } else {
    r.note(STATUS, 'TLS handshake', 'TLS is off for the status server (tmsp.statusTls=false)');
  }
  await r.run(STATUS, 'MQTT login', async () => {
    // Its own client id and no will: a test must not touch the running appliance's session.
    const session = probeSession(o.applianceId);
    let version: 4 | 5 = 5;
    let client;
    try {
      client = await mqttConnect(stream, o, 5, session);
    } catch (err) {
      if (!(err instanceof TmspError) || err.code !== 'E_PROTOCOL') throw err;
      version = 4;
      client = await mqttConnect(await openStatusStream(o), o, 4, session);
    }
    await disconnect(client);
    return { value: true, detail: `logged in as ${c.tmsp.username} (MQTT ${version === 5 ? '5' : '3.1.1'})` };
  });
}

export async function probeTmsp(c: Config): Promise<TmspProbeResult> {
  const r = new StepRunner();
  const out: TmspProbeResult = { ok: false, steps: r.results, hostKeyFingerprint: null,
    certificateFingerprints: { log: null, status: null }, certificates: { log: null, status: null } };
  const def = SINKS[c.tmsp.protocol];
  let t: LogServer | undefined;
  await r.run(LOG, 'settings', async () => {
    t = logTarget(c);
    statusTarget(c);
    return { value: true, detail: `${def.label} to ${hostPort(t)}, status server ${c.tmsp.statusServer}` };
  });
  if (t) {
    const sock = await reach(r, LOG, t, c, t.timeoutMs);
    if (sock) {
      await def.probe({
        runner: r, target: LOG, applianceId: applianceId(c),
        hostKey: (fp) => (out.hostKeyFingerprint = fp),
        certificate: (cert) => seen(out, 'log', cert),
      }, sock, t);
    }
    await probeStatus(r, c, out);
  }
  out.ok = r.ok;
  return out;
}
