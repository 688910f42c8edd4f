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
  | 'E_INTERNAL';

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
