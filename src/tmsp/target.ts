// The TMSP settings turned into what the links need: the log server every
// sink connects to (each sink adds its own settings, sinks/), the status
// server, credentials, proxy route and trust.

import { applianceId } from '../config/identity.ts';
import { parseHostPort } from '../settings/rules.ts';
import type { Config } from '../config/schema.ts';
import { TmspError } from '../errors.ts';
import type { ProxySettings } from '../net/proxy.ts';
import type { TlsTrust } from '../net/tls.ts';
import type { LogServer } from './sink.ts';
import type { StatusLinkOptions } from './status/link.ts';

export const STATUS_PORTS = { mqtts: 8883, mqtt: 1883 } as const;

export function proxyFor(c: Config): ProxySettings | undefined {
  if (!c.tmsp.useProxy || c.proxy.host === '') return undefined;
  return { host: c.proxy.host, port: c.proxy.port, username: c.proxy.username, password: c.proxy.password };
}

/** Each server has its own pins: pinning one self-signed server must not break the other. */
export function trustFor(c: Config, server: 'log' | 'status'): TlsTrust {
  return { caFile: c.tmsp.tlsCaFile, fingerprints: server === 'log' ? c.tmsp.tlsFingerprints : c.tmsp.statusTlsFingerprints };
}

function hostPort(value: string, key: string, defaultPort: number): { host: string; port: number } {
  const hp = parseHostPort(value);
  if (!hp) throw new TmspError('E_NOT_CONFIGURED', `${key} is not set`);
  return { host: hp.host, port: hp.port ?? defaultPort };
}

/** The log server as every sink needs it; `defaultPort` is the sink's. */
export function logServer(c: Config, defaultPort: number): LogServer {
  const { host, port } = hostPort(c.tmsp.logServer, 'tmsp.logServer', defaultPort);
  return {
    host, port, username: c.tmsp.username, password: c.tmsp.password, basePath: c.tmsp.logBasePath,
    proxy: proxyFor(c), noProxy: c.proxy.noProxy, timeoutMs: c.tmsp.timeoutSeconds * 1000,
    keepaliveMs: c.tmsp.keepaliveSeconds * 1000, bandwidthLimitBytes: c.tmsp.bandwidthLimitBytes,
  };
}

export function statusTarget(c: Config): { host: string; port: number } {
  return hostPort(c.tmsp.statusServer, 'tmsp.statusServer', c.tmsp.statusTls ? STATUS_PORTS.mqtts : STATUS_PORTS.mqtt);
}

/** The status server link's settings, for the daemon's link and for Test Connection alike. */
export function statusOptions(c: Config): StatusLinkOptions {
  const { host, port } = statusTarget(c);
  return {
    host, port, tls: c.tmsp.statusTls, trust: trustFor(c, 'status'), proxy: proxyFor(c), noProxy: c.proxy.noProxy,
    username: c.tmsp.username, password: c.tmsp.password, applianceId: applianceId(c), keepaliveMs: c.tmsp.keepaliveSeconds * 1000,
    timeoutMs: c.tmsp.timeoutSeconds * 1000, heartbeatMs: c.tmsp.heartbeatSeconds * 1000,
    retryMaxMs: c.tmsp.retryMaxSeconds * 1000,
  };
}

