// Opening a listening socket: resolves once it listens, or fails with an
// error that names what could not listen where (a port in use, an address
// not on this machine), which an operator can act on.

import type http from 'node:http';
import type net from 'node:net';
import { TmspError } from '../errors.ts';

export function listen(server: net.Server, port: number, host: string, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => {
      reject(new TmspError('E_CONFIG_INVALID', `${what} cannot listen on ${host}:${port}: ${err.code ?? err.message}`, { cause: err }));
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/** Closes an HTTP(S) server now: its keep-alive connections too, which close() alone would wait for. */
export async function closeNow(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
