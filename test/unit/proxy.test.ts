// The CONNECT tunnel hands over every byte: a server that speaks first (SSH
// sends its banner at once) may have its first bytes arrive in the same read
// as the proxy's "200", and they must reach the next owner of the socket.

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectViaProxy } from '../../src/net/proxy.ts';
import { bypassesProxy } from '../../src/net/no-proxy.ts';

describe('HTTP CONNECT', () => {
  it('keeps the bytes that arrive with the proxy answer, for whoever reads the socket later', async () => {
    const proxy = net.createServer((c) => {
      c.once('data', (d) => {
        expect(d.toString()).toMatch(/^CONNECT 192\.0\.2\.1:22 HTTP\/1\.1\r\nHost: 192\.0\.2\.1:22\r\nProxy-Authorization: Basic dTpw\r\n\r\n$/);
        c.write('HTTP/1.1 200 Connection established\r\n\r\nSSH-2.0-OpenSSH_9.2\r\n');
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as net.AddressInfo).port;
    const s = await connectViaProxy({ host: '127.0.0.1', port, username: 'u', password: 'p' }, { host: '192.0.2.1', port: 22 }, 2000);
    await new Promise((r) => setTimeout(r, 100)); // a slow next owner
    const got = await new Promise<string>((resolve) => {
      s.on('data', (d) => resolve(d.toString()));
      s.resume();
    });
    expect(got).toBe('SSH-2.0-OpenSSH_9.2\r\n');
    s.destroy();
    proxy.close();
  }, 5000);

  it.each([[401], [407]])('reports a %d to CONNECT as a proxy login failure', async (status) => {
    const proxy = net.createServer((c) => c.once('data', () => c.end(`HTTP/1.0 ${status} Unauthorized\r\n\r\n`)));
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as net.AddressInfo).port;
    await expect(connectViaProxy({ host: '127.0.0.1', port, username: 'u', password: 'bad' }, { host: '192.0.2.1', port: 22 }, 2000))
      .rejects.toMatchObject({ code: 'E_PROXY_AUTH' });
    proxy.close();
  });
});

describe('no_proxy', () => {
  it.each([
    ['logs.example.com', ['example.com'], true],
    ['example.com', ['.example.com'], true],
    ['a.b.example.com', ['*.example.com'], true],
    ['notexample.com', ['example.com'], false],
    ['10.1.2.3', ['10.0.0.0/8'], true],
    ['11.1.2.3', ['10.0.0.0/8'], false],
    ['192.0.2.7', ['192.0.2.7'], true],
    ['anything', ['*'], true],
    ['10.1.2.3', ['example.com'], false],
  ] as Array<[string, string[], boolean]>)('%s with %j bypasses the proxy: %s', (host, list, want) => {
    expect(bypassesProxy(host, list)).toBe(want);
  });
});
