// Every error the agent reports has a stable code. The CLI maps codes to exit
// codes and plain-words hints in one table (cli/exit-codes.ts); nothing else
// should branch on message text.

export type ErrorCode =
  | 'E_USAGE'
  | 'E_CONFIG_INVALID'
  | 'E_CONFIG_IO'
  | 'E_DAEMON_DOWN'
  | 'E_DAEMON_PROTOCOL'
  | 'E_STATE'
  | 'E_ADDON'
  | 'E_INTERNAL'
  // Talking to the outside: each needs a different action from the operator.
  | 'E_NOT_CONFIGURED'
  | 'E_NOT_FOUND'
  | 'E_RESOLVE'
  | 'E_CONNECT'
  | 'E_TIMEOUT'
  | 'E_PROXY_AUTH'
  | 'E_PROXY_REFUSED'
  | 'E_TLS_UNTRUSTED'
  | 'E_TLS_EXPIRED'
  | 'E_TLS_HOSTNAME'
  | 'E_TLS_PIN'
  | 'E_HOSTKEY'
  | 'E_HOSTKEY_UNKNOWN'
  | 'E_AUTH'
  | 'E_REMOTE'
  | 'E_REMOTE_REFUSED'
  | 'E_PROTOCOL'
  | 'E_SPOOL_CHANGED'
  | 'E_TEST_FAILED';

/**
 * Failures that retrying cannot fix until the operator changes something
 * (credentials, trust): retried slowly, never in a tight loop.
 */
export const NEEDS_OPERATOR: ReadonlySet<ErrorCode> = new Set([
  'E_NOT_CONFIGURED', 'E_PROXY_AUTH', 'E_TLS_UNTRUSTED', 'E_TLS_EXPIRED', 'E_TLS_HOSTNAME', 'E_TLS_PIN',
  'E_HOSTKEY', 'E_HOSTKEY_UNKNOWN', 'E_AUTH', 'E_REMOTE_REFUSED',
]);

export class TmspError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TmspError';
    this.code = code;
  }
}

/** One broken rule: the field it concerns and the rule in words. */
export interface Problem {
  field: string;
  rule: string;
  message: string;
}

export class ConfigInvalidError extends TmspError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super('E_CONFIG_INVALID', problems.map((p) => p.message).join('; '));
    this.name = 'ConfigInvalidError';
    this.problems = problems;
  }
}

export class UsageError extends TmspError {
  constructor(message: string) {
    super('E_USAGE', message);
    this.name = 'UsageError';
  }
}

/** A certificate that failed verification; `certificate` is what the server presented (net/tls.ts). */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** SHA-256, colon-separated upper-case hex: what `*.tlsFingerprints` takes. */
  fingerprint: string;
}

export class CertificateRefused extends TmspError {
  readonly certificate: CertificateInfo;
  constructor(code: ErrorCode, message: string, certificate: CertificateInfo) {
    super(code, message);
    this.name = 'CertificateRefused';
    this.certificate = certificate;
  }
}

/** The SMS refused a request itself (4xx): retrying it unchanged cannot help (sms/distributor.ts sets the entry aside). */
export class SmsRefused extends TmspError {
  readonly status: number;
  constructor(status: number, message: string) {
    super('E_REMOTE_REFUSED', message);
    this.name = 'SmsRefused';
    this.status = status;
  }
}

/** A chunk left the spool (dropped at the budget, or found damaged) while its batch was being sent: select again. */
export class BatchChanged extends TmspError {
  constructor(message: string) {
    super('E_SPOOL_CHANGED', message);
    this.name = 'BatchChanged';
  }
}

export function errorCode(err: unknown): ErrorCode {
  return err instanceof TmspError ? err.code : 'E_INTERNAL';
}
