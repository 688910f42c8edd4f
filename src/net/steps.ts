// Test Connection: each step run on its own, timed, and reported with a
// plain-words hint when it fails. Used by the TMSP and SMS menus alike.

import dns from 'node:dns/promises';
import type net from 'node:net';
import type tls from 'node:tls';
import { TmspError, type ErrorCode } from '../errors.ts';
import { toAgentError } from './errors.ts';
import { CertificateRefused, describeCertificate, startTls, type CertificateInfo, type TlsTrust } from './tls.ts';

export interface StepResult {
  /** Which server: "log server", "status server", "SMS". */
  target: string;
  step: string;
  ok: boolean;
  /** Not run because an earlier step for the same target failed. */
  skipped: boolean;
  ms: number;
  detail: string;
  code: ErrorCode | null;
}

export class StepRunner {
  readonly results: StepResult[] = [];
  private failedTargets = new Set<string>();

  /** Run one step; its result is recorded. Returns undefined if it failed or was skipped. */
  async run<T>(target: string, step: string, fn: () => Promise<{ value: T; detail: string }>): Promise<T | undefined> {
    if (this.failedTargets.has(target)) {
      this.results.push({ target, step, ok: false, skipped: true, ms: 0, detail: 'not run: an earlier step failed', code: null });
      return undefined;
    }
    const t0 = performance.now();
    try {
      const { value, detail } = await fn();
      this.results.push({ target, step, ok: true, skipped: false, ms: Math.round(performance.now() - t0), detail, code: null });
      return value;
    } catch (err) {
      const e = err instanceof TmspError ? err : toAgentError(err, step);
      this.failedTargets.add(target);
      this.results.push({ target, step, ok: false, skipped: false, ms: Math.round(performance.now() - t0), detail: e.message, code: e.code });
      return undefined;
    }
  }

  /** Note a step that is not needed in this setup (e.g. no proxy). */
  note(target: string, step: string, detail: string): void {
    this.results.push({ target, step, ok: true, skipped: true, ms: 0, detail, code: null });
  }

  get ok(): boolean {
    return this.results.every((r) => r.ok);
  }

}

export async function resolveStep(host: string): Promise<{ value: string; detail: string }> {
  try {
    const addrs = await dns.lookup(host, { all: true });
    const list = addrs.map((a) => a.address).join(', ');
    return { value: addrs[0]!.address, detail: `${host} → ${list}` };
  } catch (err) {
    throw new TmspError('E_RESOLVE', `${host} could not be resolved (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export interface TlsStep {
  host: string;
  trust: TlsTrust;
  timeoutMs: number;
  /** The setting that pins this server's certificate, named in the advice: "sms.tlsFingerprints". */
  pinSetting: string;
  /** Receives the presented certificate, whether or not it passed. */
  seen(c: CertificateInfo): void;
}

/**
 * The TLS handshake as a Test Connection step. The certificate the server
 * presented is always shown; when it is refused, the step says what to
 * compare and which setting pins it, in the operator's words.
 */
export function tlsStep(r: StepRunner, target: string, raw: net.Socket, o: TlsStep): Promise<tls.TLSSocket | undefined> {
  return r.run(target, 'TLS handshake', async () => {
    try {
      const res = await startTls(raw, o.host, o.trust, o.timeoutMs);
      o.seen(res.certificate);
      const how = o.trust.fingerprints.length > 0 ? 'pinned' : 'trusted';
      return { value: res.socket, detail: `${describeCertificate(res.certificate)} (${how})` };
    } catch (err) {
      raw.destroy();
      if (!(err instanceof CertificateRefused)) throw err;
      o.seen(err.certificate);
      const fp = err.certificate.fingerprint;
      const advice = err.code === 'E_TLS_EXPIRED' ? ' The server needs a valid certificate.'
        : err.code === 'E_TLS_PIN'
          ? ` If the server's certificate was replaced on purpose, compare this fingerprint with the one the server shows, then pin it: ${o.pinSetting}=${fp}`
          : ` Compare this fingerprint with the one the server shows for its own certificate; if they are the same, pin it: ${o.pinSetting}=${fp}`;
      throw new TmspError(err.code, `${err.message}.${advice}`);
    }
  });
}
