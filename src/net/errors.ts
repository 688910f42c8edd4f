// Socket and TLS errors from Node, in the agent's codes.

import { TmspError, type ErrorCode } from '../errors.ts';

const BY_NODE_CODE: Record<string, ErrorCode> = {
  ENOTFOUND: 'E_RESOLVE',
  EAI_AGAIN: 'E_RESOLVE',
  EAI_FAIL: 'E_RESOLVE',
  ECONNREFUSED: 'E_CONNECT',
  ECONNRESET: 'E_CONNECT',
  EHOSTUNREACH: 'E_CONNECT',
  ENETUNREACH: 'E_CONNECT',
  EPIPE: 'E_CONNECT',
  ETIMEDOUT: 'E_TIMEOUT',
  CERT_HAS_EXPIRED: 'E_TLS_EXPIRED',
  CERT_NOT_YET_VALID: 'E_TLS_EXPIRED',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'E_TLS_UNTRUSTED',
  SELF_SIGNED_CERT_IN_CHAIN: 'E_TLS_UNTRUSTED',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'E_TLS_UNTRUSTED',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'E_TLS_UNTRUSTED',
  UNABLE_TO_GET_ISSUER_CERT: 'E_TLS_UNTRUSTED',
  CERT_UNTRUSTED: 'E_TLS_UNTRUSTED',
  ERR_TLS_CERT_ALTNAME_INVALID: 'E_TLS_HOSTNAME',
};

/** An TmspError for any error, keeping one that already is. */
export function toAgentError(err: unknown, what: string): TmspError {
  if (err instanceof TmspError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = BY_NODE_CODE[e?.code ?? ''] ?? (String(e?.code ?? '').startsWith('ERR_SSL') ? 'E_PROTOCOL' : 'E_CONNECT');
  return new TmspError(code, `${what}: ${e?.message ?? String(err)}`, { cause: err });
}
