// HTTP CONNECT through the appliance proxy: a stream builder every transport
// (SSH, HTTPS, MQTT) uses. Basic authentication when a user is set.
// tinyproxy 1.11 answers 401 rather than 407 to bad CONNECT credentials (an
// upstream bug), so both mean "proxy login failed".

import net from 'node:net';
import { TmspError } from '../errors.ts';
import { toAgentError } from './errors.ts';

export interface ProxySettings {
  host: string;
  port: number;
  username: string;
  password: string;
}

export interface Target {
  host: string;
  port: number;
}

const MAX_RESPONSE_HEAD = 16 * 1024;

export function hostPort(t: Target): string {
  return net.isIPv6(t.host) ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

/** Open a tunnel to `target` through `proxy`; resolves with the raw socket. */
export function connectViaProxy(proxy: ProxySettings, target: Target, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port });
    let head = Buffer.alloc(0);
    const fail = (err: TmspError) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new TmspError('E_TIMEOUT',
      `proxy ${hostPort(proxy)}: no answer to CONNECT ${hostPort(target)} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', (err) => fail(toAgentError(err, `proxy ${hostPort(proxy)}`)));
    socket.once('connect', () => {
      const auth = proxy.username
        ? `Proxy-Authorization: Basic ${Buffer.from(`${proxy.username}:${proxy.password}`).toString('base64')}\r\n`
        : '';
      socket.write(`CONNECT ${hostPort(target)} HTTP/1.1\r\nHost: ${hostPort(target)}\r\n${auth}\r\n`);
    });
    const onData = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_RESPONSE_HEAD) fail(new TmspError('E_PROXY_REFUSED', `proxy ${hostPort(proxy)}: response head too long`));
        return;
      }
      socket.off('data', onData);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? 0);
      if (status === 200) {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        // Whatever the server sent right behind the proxy's answer (an SSH banner does) goes back into the
        // stream, which is paused so that nothing flows out before the next owner listens (it resumes).
        socket.pause();
        const rest = head.subarray(end + 4);
        if (rest.length > 0) socket.unshift(rest);
        resolve(socket);
      } else if (status === 407 || status === 401) {
        fail(new TmspError('E_PROXY_AUTH', `proxy ${hostPort(proxy)} refused the login (HTTP ${status}): check the proxy user name and password`));
      } else {
        fail(new TmspError('E_PROXY_REFUSED', `proxy ${hostPort(proxy)} refused CONNECT ${hostPort(target)} (HTTP ${status || 'no status'})`));
      }
    };
    socket.on('data', onData);
  });
}
