// The daemon's logger: pino, JSON lines on stdout, with every secret field
// redacted by pino itself wherever it appears in a logged object.

import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'password', '*.password', '*.*.password', 'apiKey', '*.apiKey', '*.*.apiKey',
  'authorization', '*.authorization', '*.headers.authorization', 'proxyAuthorization', '*.proxyAuthorization',
];

export function createLogger(level: string, dest: pino.DestinationStream = pino.destination({ dest: 1, sync: true })): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, dest);
}
