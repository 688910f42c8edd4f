// The daemon's logger: pino, JSON lines, with every secret field redacted by
// pino itself wherever it appears in a logged object. On a board the log
// goes to a file that rotates itself at a size limit, keeping a few old
// files, so the log can never fill the flash.

import pino, { type Logger } from 'pino';
import { SECRET_KEYS } from '../config/schema.ts';
import { RotatingFile, stdoutDestination } from '../core/log-destination.ts';

/** Names that hold secrets: every secret setting's name (config/schema.ts), and the HTTP headers that carry credentials. */
const SECRET_NAMES = [...new Set(SECRET_KEYS.map((k) => k.split('.')[1]!))];

export const REDACT_PATHS = [
  ...SECRET_NAMES.flatMap((n) => [n, `*.${n}`, `*.*.${n}`]),
  'authorization', '*.authorization', '*.headers.authorization', 'proxyAuthorization', '*.proxyAuthorization',
];

export interface LogOptions {
  level: string;
  file?: string;
  maxBytes?: number;
  files?: number;
}

export function createLogger(o: LogOptions, dest?: pino.DestinationStream): Logger {
  const out = dest ?? (o.file ? new RotatingFile(o.file, o.maxBytes ?? 1024 * 1024, o.files ?? 3) : stdoutDestination());
  return pino({
    level: o.level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, out);
}
