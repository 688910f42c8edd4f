// The local syslog socket: a Unix datagram socket like /dev/log. Node has no
// AF_UNIX datagrams in core, so this drives the unix-dgram addon's binding
// directly (its JS wrapper crashes on a failed recv). A push source: it is
// always drained so the detection engines never block on it; what the spool
// cannot take is counted as shed.

import fs from 'node:fs';
import path from 'node:path';
import { loadAddon } from '../../native/addons.ts';
import { Source, type IngestSource, type Intake } from '../intake.ts';
import { trimDatagram } from './datagram.ts';

interface UnixDgramBinding {
  AF_UNIX: number;
  SOCK_DGRAM: number;
  socket(domain: number, type: number, protocol: number,
    onRecv: (status: number, buf: Buffer | null, from: string | null) => void, onWritable: () => void): number;
  bind(fd: number, path: string): number;
  close(fd: number): number;
}

/** The addon reads into a 64 KiB buffer: a datagram that fills it may have been cut. */
export const UNIX_RECV_BUFFER = 65536;

export class UnixSyslog implements IngestSource {
  readonly source: Source;
  private readonly socketPath: string;
  private readonly intake: Intake;
  private fd = -1;
  private binding: UnixDgramBinding | undefined;

  constructor(socketPath: string, intake: Intake) {
    this.socketPath = socketPath;
    this.intake = intake;
    this.source = new Source(`unix:${socketPath}`, 'unix', 'syslog');
  }

  private removeStale(): void {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(this.socketPath);
    } catch {
      return;
    }
    // Only ever remove a socket left by an earlier run, never a file someone put there.
    if (!st.isSocket()) throw new Error(`${this.socketPath} exists and is not a socket`);
    fs.unlinkSync(this.socketPath);
  }

  async start(): Promise<void> {
    try {
      const b = (this.binding = loadAddon('unix_dgram') as UnixDgramBinding);
      fs.mkdirSync(path.dirname(this.socketPath), { recursive: true, mode: 0o755 });
      this.removeStale();
      const fd = b.socket(b.AF_UNIX, b.SOCK_DGRAM, 0, (status, buf) => this.recv(status, buf), () => {});
      if (fd < 0) throw new Error(`socket() failed: errno ${-fd}`);
      this.fd = fd;
      const err = b.bind(fd, this.socketPath);
      if (err < 0) throw new Error(`bind ${this.socketPath} failed: errno ${-err}`);
      // Like /dev/log: every local process may log.
      fs.chmodSync(this.socketPath, 0o666);
      this.source.stats.state = 'listening';
    } catch (err) {
      this.source.stats.state = 'failed';
      this.source.fail(err);
      this.closeFd();
      throw err;
    }
  }

  private recv(status: number, buf: Buffer | null): void {
    if (status < 0 || !buf) {
      this.source.fail(new Error(`recvmsg failed: errno ${-status}`));
      return;
    }
    const line = trimDatagram(buf);
    if (line.length > 0) this.intake.accept(this.source, line, buf.length >= UNIX_RECV_BUFFER);
  }

  private closeFd(): void {
    if (this.fd >= 0 && this.binding) this.binding.close(this.fd);
    this.fd = -1;
  }

  async stop(): Promise<void> {
    this.closeFd();
    fs.rmSync(this.socketPath, { force: true });
    this.source.stats.state = 'stopped';
  }
}
