// TLS on top of any stream (direct or tunnelled), verification always on.
// The operator may add a CA file (private CA) or pin certificates by their
// SHA-256 fingerprint; a pinned certificate is trusted exactly when its
// fingerprint matches, whoever signed it (appliances often face self-signed
// servers), and a mismatch is refused, never accepted silently.

import fs from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';
import { AgentError } from '../errors.ts';
import { classify } from './errors.ts';

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

/** TLS options for node:tls / https / mqtt from the trust settings. */
export function tlsOptions(trust: TlsTrust, servername: string): tls.ConnectionOptions {
  // SNI carries names only; an IP address is not sent as a server name.
  const o: tls.ConnectionOptions = { servername: isName(servername) ? servername : undefined };
  if (trust.caFile) o.ca = [...tls.rootCertificates, fs.readFileSync(trust.caFile, 'utf8')];
  if (trust.fingerprints.length > 0) {
    const pins = new Set(trust.fingerprints.map(normaliseFingerprint));
    // The pin replaces chain and name checks: it names the one certificate to trust.
    o.rejectUnauthorized = false;
    o.checkServerIdentity = (_host, cert) => {
      const fp = normaliseFingerprint(cert.fingerprint256 ?? '');
      return pins.has(fp) ? undefined
        : new AgentError('E_TLS_PIN', `certificate fingerprint ${colonFingerprint(fp)} is not the pinned one`);
    };
  }
  return o;
}

function isName(host: string): boolean {
  return !/^[\d.]+$/.test(host) && !host.includes(':');
}

export interface TlsResult {
  socket: tls.TLSSocket;
  fingerprint: string;
  subject: string;
  issuer: string;
  validTo: string;
}

/** Handshake over `raw` (or a fresh TCP connection when raw is undefined). */
export function startTls(raw: net.Socket, host: string, trust: TlsTrust, timeoutMs: number): Promise<TlsResult> {
  return new Promise((resolve, reject) => {
    const opts = tlsOptions(trust, host);
    const s = tls.connect({ ...opts, socket: raw, host });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new AgentError('E_TIMEOUT', `${host}: TLS handshake did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = s.getPeerCertificate();
      const fingerprint = colonFingerprint(cert.fingerprint256 ?? '');
      // With pins, rejectUnauthorized is off: checkServerIdentity decided. Without, Node did.
      if (trust.fingerprints.length > 0) {
        const err = opts.checkServerIdentity!(host, cert);
        if (err) {
          s.destroy();
          reject(err);
          return;
        }
      }
      s.removeAllListeners('error');
      resolve({ socket: s, fingerprint, subject: String(cert.subject?.CN ?? ''), issuer: String(cert.issuer?.CN ?? ''), validTo: cert.valid_to ?? '' });
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(classify(err, `${host}: TLS`));
    });
  });
}
