// One way to open a TCP stream to a TMSP or SMS server: directly, or through
// the proxy when one is given and the destination is not in no_proxy.
// Keepalive is on, so a peer that vanished is noticed.

import net from 'node:net';
import { TmspError } from '../errors.ts';
import { toAgentError } from './errors.ts';
import { bypassesProxy } from './no-proxy.ts';
import { connectViaProxy, hostPort, type ProxySettings, type Target } from './proxy.ts';

export interface RouteOptions {
  proxy?: ProxySettings;
  noProxy?: readonly string[];
  timeoutMs: number;
  keepaliveMs?: number;
}

/** The proxy to use for `target`, or undefined to go direct. */
export function routeFor(target: Target, o: RouteOptions): ProxySettings | undefined {
  if (!o.proxy || !o.proxy.host) return undefined;
  return bypassesProxy(target.host, o.noProxy ?? []) ? undefined : o.proxy;
}

export function connectDirect(target: Target, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new TmspError('E_TIMEOUT', `${hostPort(target)}: no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(toAgentError(err, hostPort(target)));
    });
  });
}

export async function openStream(target: Target, o: RouteOptions): Promise<net.Socket> {
  const proxy = routeFor(target, o);
  const s = proxy ? await connectViaProxy(proxy, target, o.timeoutMs) : await connectDirect(target, o.timeoutMs);
  s.setKeepAlive(true, o.keepaliveMs ?? 30_000);
  s.setNoDelay(true);
  return s;
}
