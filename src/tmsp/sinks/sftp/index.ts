// SFTP over SSH (tmsp.protocol=ssh): the log server's host key is pinned
// (tmsp.hostKeyFingerprint) and writes are kept in flight in parallel.

import { defineSink, type LogServer } from '../../sink.ts';
import { probeSftp } from './probe.ts';
import { SftpSink } from './transport.ts';

export interface SftpTarget extends LogServer {
  /** Accepted SSH host key (SHA256:...), "" when none is accepted yet. */
  hostKeyFingerprint: string;
  parallelWrites: number;
}

export const sftp = defineSink<SftpTarget>({
  label: 'SFTP',
  defaultPort: 22,
  target: (c, server) => ({ ...server, hostKeyFingerprint: c.tmsp.hostKeyFingerprint, parallelWrites: c.tmsp.sftpParallelWrites }),
  create: (t) => new SftpSink(t),
  probe: probeSftp,
});
