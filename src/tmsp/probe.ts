// Test Connection for the TMSP screen: every step against the candidate
// settings, separately: resolve, proxy CONNECT or TCP, SSH or TLS handshake
// (with the fingerprint to accept), authentication, a probe file written and
// deleted on the log server, then the status server's connect and login.

import crypto from 'node:crypto';
import type net from 'node:net';
import path from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { applianceId } from '../config/identity.ts';
import type { Config } from '../config/schema.ts';
import { AgentError } from '../errors.ts';
import { connectDirect, routeFor } from '../net/connect.ts';
import { connectViaProxy, hostPort, type Target } from '../net/proxy.ts';
import { resolveStep, StepRunner, tlsStep } from '../net/steps.ts';
import type { CertificateInfo } from '../net/tls.ts';
import { httpsRequest, statusError, urlPath } from './https.ts';
import type { SinkTarget } from './sink.ts';
import { mkdirp, writeAll } from './sftp.ts';
import { closeSsh, openSsh } from './ssh.ts';
import { disconnect, mqttConnect, openStatusStream, probeSession } from './status-link.ts';
import { logTarget, proxyFor, statusOptions, statusTarget } from './target.ts';

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

async function probeSftp(r: StepRunner, t: SinkTarget, c: Config, out: TmspProbeResult): Promise<void> {
  const sock = await reach(r, LOG, t, c, t.timeoutMs);
  if (!sock) return;
  let seen = '';
  const session = await r.run(LOG, 'SSH handshake and login', async () => {
    const s = await openSsh(sock, {
      username: t.username, password: t.password, hostKeyFingerprint: t.hostKeyFingerprint, allowUnknownHostKey: true,
      timeoutMs: t.timeoutMs, keepaliveMs: t.keepaliveMs,
    }, { hostKey: (fp) => (seen = fp) });
    return {
      value: s,
      detail: `host key ${s.fingerprint}${t.hostKeyFingerprint ? ' (accepted)' : ' (not accepted yet: Save accepts it)'}; logged in as ${t.username}`,
    };
  });
  out.hostKeyFingerprint = seen || null;
  if (!session) return;
  await r.run(LOG, 'probe write and delete', async () => {
    const dir = path.posix.join(t.basePath, applianceId(c));
    const file = path.posix.join(dir, `.tmsp-probe-${crypto.randomBytes(6).toString('hex')}`);
    const { sftp } = session;
    const call = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void) =>
      new Promise<T>((res, rej) => fn((err, v) => (err ? rej(new AgentError('E_REMOTE_REFUSED', `${file}: ${err.message}`)) : res(v as T))));
    try {
      await mkdirp(sftp, dir);
      const handle = await call<Buffer>((cb) => sftp.open(file, 'w', cb));
      await writeAll(sftp, handle, Readable.from([Buffer.from('tmsp-agent probe\n')]), 1, undefined);
      await call((cb) => sftp.close(handle, cb));
      await call((cb) => sftp.unlink(file, cb));
      // Where that is on the server: a chrooted server that starts in its upload directory shows "/upload/upload/...".
      const where = await call<string>((cb) => sftp.realpath(dir, cb));
      return { value: true, detail: `wrote and deleted ${file} (the remote directory is ${where})` };
    } finally {
      closeSsh(session);
    }
  });
}

async function probeHttps(r: StepRunner, t: SinkTarget, c: Config, out: TmspProbeResult): Promise<void> {
  const sock = await reach(r, LOG, t, c, t.timeoutMs);
  if (!sock) return;
  const tlsOk = await tlsStep(r, LOG, sock, {
    host: t.host, trust: t.tls, timeoutMs: t.timeoutMs, pinSetting: 'tmsp.tlsFingerprints', seen: (cert) => seen(out, 'log', cert),
  });
  tlsOk?.destroy();
  if (!tlsOk) return;
  const file = urlPath(t.basePath, `${applianceId(c)}/.tmsp-probe-${crypto.randomBytes(6).toString('hex')}`);
  const body = Buffer.from('tmsp-agent probe\n');
  const put = await r.run(LOG, 'authentication', async () => {
    const res = await httpsRequest(t, { method: 'PUT', path: file, bytes: body.length, body: Readable.from([body]) });
    if (res.status === 401 || res.status === 403) throw statusError(res.status, `PUT ${file}`, res.body)!;
    const accepted = statusError(res.status, '', '') === undefined;
    return { value: res, detail: accepted ? `logged in as ${t.username}` : `login not refused (HTTP ${res.status})` };
  });
  if (!put) return;
  await r.run(LOG, 'probe write and delete', async () => {
    const err = statusError(put.status, `PUT ${file}`, put.body);
    if (err) throw err;
    const del = await httpsRequest(t, { method: 'DELETE', path: file });
    const derr = statusError(del.status, `DELETE ${file}`, del.body);
    if (derr) throw derr;
    return { value: true, detail: `wrote and deleted ${file}` };
  });
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
      if (!(err instanceof AgentError) || err.code !== 'E_PROTOCOL') throw err;
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
  let t: SinkTarget | undefined;
  await r.run(LOG, 'settings', async () => {
    t = logTarget(c);
    statusTarget(c);
    return { value: true, detail: `${c.tmsp.protocol === 'ssh' ? 'SFTP' : 'HTTPS'} to ${hostPort(t)}, status server ${c.tmsp.statusServer}` };
  });
  if (t) {
    if (c.tmsp.protocol === 'ssh') await probeSftp(r, t, c, out);
    else await probeHttps(r, t, c, out);
    await probeStatus(r, c, out);
  }
  out.ok = r.ok;
  return out;
}
