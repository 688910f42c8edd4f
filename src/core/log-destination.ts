// Where log lines go, never throwing into whoever logs: the data path logs
// its failures, and a log that cannot be written must cost log lines, never
// a chunk, a commit or the daemon.

import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';

/**
 * A synchronous file destination that rotates at maxBytes: file → file.1 →
 * ... → file.(keep-1). It never throws: the log shares the data partition,
 * and a full partition must cost log lines (counted), never a chunk, a
 * commit or the daemon. It reopens the file once writing works again.
 */
export class RotatingFile implements pino.DestinationStream {
  private readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private fd = -1;
  private size = 0;
  /** Lines that could not be written. */
  dropped = 0;

  constructor(file: string, maxBytes: number, keep: number) {
    this.file = file;
    this.maxBytes = maxBytes;
    this.keep = keep;
    // On a board's first boot the data partition is empty.
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
    this.reopen();
  }

  private reopen(): void {
    this.fd = fs.openSync(this.file, 'a', 0o640);
    this.size = fs.fstatSync(this.fd).size;
  }

  write(line: string): void {
    try {
      if (this.fd < 0) this.reopen();
      const len = Buffer.byteLength(line);
      if (this.size + len > this.maxBytes && this.size > 0) this.rotate();
      fs.writeSync(this.fd, line);
      this.size += len;
    } catch {
      this.dropped++;
    }
  }

  private rotate(): void {
    const fd = this.fd;
    this.fd = -1;
    fs.closeSync(fd);
    for (let i = this.keep - 1; i >= 1; i--) {
      const from = i === 1 ? this.file : `${this.file}.${i - 1}`;
      try {
        fs.renameSync(from, `${this.file}.${i}`);
      } catch {
        // not there yet
      }
    }
    if (this.keep === 1) fs.truncateSync(this.file, 0);
    this.reopen();
  }
}

/** Standard output that never throws either (a closed pipe costs log lines, not the daemon). */
export function stdoutDestination(): pino.DestinationStream {
  const out = pino.destination({ dest: 1, sync: true });
  out.on('error', () => {});
  return {
    write(line: string) {
      try {
        out.write(line);
      } catch {
        // nowhere left to say it
      }
    },
  };
}

