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
  | 'E_TEST_FAILED';

/**
 * Failures that retrying cannot fix until the operator changes something
 * (credentials, trust): retried slowly, never in a tight loop.
 */
export const NEEDS_OPERATOR: ReadonlySet<ErrorCode> = new Set([
  'E_NOT_CONFIGURED', 'E_PROXY_AUTH', 'E_TLS_UNTRUSTED', 'E_TLS_EXPIRED', 'E_TLS_HOSTNAME', 'E_TLS_PIN',
  'E_HOSTKEY', 'E_HOSTKEY_UNKNOWN', 'E_AUTH', 'E_REMOTE_REFUSED',
]);

export class AgentError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
    this.code = code;
  }
}

/** One broken rule: the field it concerns and the rule in words. */
export interface Problem {
  field: string;
  rule: string;
  message: string;
}

export class ConfigInvalidError extends AgentError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super('E_CONFIG_INVALID', problems.map((p) => p.message).join('; '));
    this.name = 'ConfigInvalidError';
    this.problems = problems;
  }
}

export class UsageError extends AgentError {
  constructor(message: string) {
    super('E_USAGE', message);
    this.name = 'UsageError';
  }
}

export function errorCode(err: unknown): ErrorCode {
  return err instanceof AgentError ? err.code : 'E_INTERNAL';
}
