// The daemon's logger: pino, JSON lines, with every secret field redacted by
// pino itself wherever it appears in a logged object. On a board the log
// goes to a file that rotates itself at a size limit, keeping a few old
// files, so the log can never fill the flash.

import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'password', '*.password', '*.*.password', 'apiKey', '*.apiKey', '*.*.apiKey',
  'authorization', '*.authorization', '*.headers.authorization', 'proxyAuthorization', '*.proxyAuthorization',
];

/** A synchronous file destination that rotates at maxBytes: file → file.1 → ... → file.(keep-1). */
export class RotatingFile {
  private readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private fd: number;
  private size: number;

  constructor(file: string, maxBytes: number, keep: number) {
    this.file = file;
    this.maxBytes = maxBytes;
    this.keep = keep;
    // On a board's first boot the data partition is empty.
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
    this.fd = fs.openSync(file, 'a', 0o640);
    this.size = fs.fstatSync(this.fd).size;
  }

  write(line: string): void {
    const len = Buffer.byteLength(line);
    if (this.size + len > this.maxBytes && this.size > 0) this.rotate();
    fs.writeSync(this.fd, line);
    this.size += len;
  }

  private rotate(): void {
    fs.closeSync(this.fd);
    for (let i = this.keep - 1; i >= 1; i--) {
      const from = i === 1 ? this.file : `${this.file}.${i - 1}`;
      try {
        fs.renameSync(from, `${this.file}.${i}`);
      } catch {
        // not there yet
      }
    }
    if (this.keep === 1) fs.truncateSync(this.file, 0);
    this.fd = fs.openSync(this.file, 'a', 0o640);
    this.size = 0;
  }
}

export interface LogOptions {
  level: string;
  file?: string;
  maxBytes?: number;
  files?: number;
}

export function createLogger(o: LogOptions, dest?: pino.DestinationStream): Logger {
  const out = dest ?? (o.file ? new RotatingFile(o.file, o.maxBytes ?? 1024 * 1024, o.files ?? 3)
    : pino.destination({ dest: 1, sync: true }));
  return pino({
    level: o.level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, out);
}
