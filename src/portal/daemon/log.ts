// The portal's log: pino, JSON lines on stdout (systemd's journal or the
// operator's terminal keeps them). Secrets never reach it: the settings
// holding them are censored wherever they appear.

import pino, { type Logger } from 'pino';
import { stdoutDestination } from '../../core/log-destination.ts';

export function portalLogger(level: string): Logger {
  return pino({
    level, base: { program: 'tmsp-portal' },
    redact: { paths: ['password', '*.password', 'smtpPassword', '*.smtpPassword', 'webhookSecret', '*.webhookSecret'], censor: '[redacted]' },
  }, stdoutDestination());
}
