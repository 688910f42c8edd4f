// TLS on top of any stream (direct or tunnelled), verification always on.
// The operator may add a CA file (private CA) or pin certificates by their
// SHA-256 fingerprint; a pinned certificate is trusted exactly when its
// fingerprint matches, whoever signed it (appliances often face self-signed
// servers), and a mismatch is refused, never accepted silently.
//
// `startTls` is the only way to a TLS socket: it resolves only with a socket
// whose certificate passed, and a refusal carries the certificate that was
// presented, so Test Connection can show the operator what to compare and pin.
// Node's own handshake check is off only inside it, so that the certificate
// is always seen; the checks it would make are made here, before the socket
// is handed out.

import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { TmspError, CertificateRefused, type CertificateInfo, type ErrorCode } from '../errors.ts';

export { CertificateRefused, type CertificateInfo } from '../errors.ts';
import { toAgentError } from './errors.ts';

export interface TlsTrust {
  /** PEM file with extra CA certificates, or "". */
  caFile: string;
  /** Accepted SHA-256 fingerprints (hex, any case, colons optional). */
  fingerprints: readonly string[];
}

export function normaliseFingerprint(fp: string): string {
  return fp.replace(/^sha256:/i, '').replace(/:/g, '').toUpperCase();
}

export function colonFingerprint(hex: string): string {
  return normaliseFingerprint(hex).match(/.{2}/g)?.join(':') ?? '';
}

function dn(name: tls.PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  const parts = (['CN', 'O', 'OU'] as const).map((k) => name[k] ? `${k}=${[name[k]].flat().join('+')}` : '').filter(Boolean);
  return parts.join(', ');
}

function certificateInfo(cert: tls.PeerCertificate): CertificateInfo {
  return {
    subject: dn(cert.subject), issuer: dn(cert.issuer), validFrom: cert.valid_from ?? '', validTo: cert.valid_to ?? '',
    fingerprint: colonFingerprint(cert.fingerprint256 ?? ''),
  };
}

export function describeCertificate(c: CertificateInfo): string {
  return `certificate ${c.subject || '(no subject)'} issued by ${c.issuer || '(no issuer)'}, valid ${c.validFrom} to ${c.validTo}, SHA-256 ${c.fingerprint}`;
}

/** Why a chain did not verify, in the operator's words, from OpenSSL's verify code. */
function chainProblem(code: string, c: CertificateInfo): { code: ErrorCode; why: string } {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return { code: 'E_TLS_UNTRUSTED', why: 'its certificate is self-signed, and not pinned' };
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_UNTRUSTED':
      return { code: 'E_TLS_UNTRUSTED', why: 'its certificate is signed by a certificate authority this appliance does not trust' };
    case 'CERT_HAS_EXPIRED':
      return { code: 'E_TLS_EXPIRED', why: `its certificate expired on ${c.validTo}` };
    case 'CERT_NOT_YET_VALID':
      return { code: 'E_TLS_EXPIRED', why: `its certificate is not valid before ${c.validFrom} (is the appliance clock right?)` };
    default:
      return { code: 'E_TLS_UNTRUSTED', why: `its certificate could not be verified (${code})` };
  }
}

/** What was wrong with the presented certificate, or undefined when it is trusted. */
function verify(s: tls.TLSSocket, host: string, trust: TlsTrust, cert: tls.PeerCertificate): CertificateRefused | undefined {
  const info = certificateInfo(cert);
  const seen = `; it presented the ${describeCertificate(info)}`;
  if (trust.fingerprints.length > 0) {
    // The pin replaces chain and name checks: it names the one certificate to trust.
    const pins = new Set(trust.fingerprints.map(normaliseFingerprint));
    if (pins.has(normaliseFingerprint(info.fingerprint))) return undefined;
    return new CertificateRefused('E_TLS_PIN', `${host}: the certificate is not the pinned one${seen}`, info);
  }
  if (!s.authorized) {
    const p = chainProblem(String(s.authorizationError ?? ''), info);
    return new CertificateRefused(p.code, `${host}: ${p.why}${seen}`, info);
  }
  if (tls.checkServerIdentity(host, cert)) {
    return new CertificateRefused('E_TLS_HOSTNAME', `${host}: its certificate is for another name${seen}`, info);
  }
  return undefined;
}

export interface TlsResult {
  socket: tls.TLSSocket;
  certificate: CertificateInfo;
}

/** Handshake over `raw`; resolves only with a socket whose certificate passed. */
export function startTls(raw: net.Socket, host: string, trust: TlsTrust, timeoutMs: number): Promise<TlsResult> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      socket: raw,
      host,
      // SNI carries names only; an IP address is not sent as a server name.
      servername: net.isIP(host) ? undefined : host,
      ca: trust.caFile ? [...tls.rootCertificates, fs.readFileSync(trust.caFile, 'utf8')] : undefined,
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new TmspError('E_TIMEOUT', `${host}: TLS handshake did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = s.getPeerCertificate();
      const refused = verify(s, host, trust, cert);
      if (refused) {
        s.destroy();
        reject(refused);
        return;
      }
      s.removeAllListeners('error');
      resolve({ socket: s, certificate: certificateInfo(cert) });
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // OpenSSL's own words ("wrong version number") mean nothing to an operator.
      reject(String(err.code ?? '').startsWith('ERR_SSL')
        ? new TmspError('E_PROTOCOL', `${host}: the TLS handshake failed: is this the server's TLS port? (${err.code})`, { cause: err })
        : toAgentError(err, `${host}: TLS handshake`));
    });
  });
}
