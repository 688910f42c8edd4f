// The certificate every TLS listener serves: the operator's own (https.certFile
// and keyFile), or one made on first start and kept in the data directory,
// so that its fingerprint stays the one appliances pinned.

import fs from 'node:fs';
import path from 'node:path';
import { TmspError } from '../../errors.ts';
import { writeAtomic } from '../../settings/file.ts';
import { certificateFingerprint, selfSigned } from './self-signed.ts';

export interface ServedCertificate {
  cert: string;
  key: string;
  /** SHA-256, AA:BB:... as the agent's tmsp.tlsFingerprints takes it. */
  fingerprint: string;
  /** True when the portal made it (appliances must pin it or trust it as a CA). */
  selfSigned: boolean;
  certFile: string;
}

export function loadOrCreateCertificate(certFile: string, keyFile: string, own: boolean, name: string, names: readonly string[]):
  ServedCertificate {
  if (!own && !fs.existsSync(certFile)) {
    fs.mkdirSync(path.dirname(certFile), { recursive: true, mode: 0o700 });
    const made = selfSigned(name, names);
    writeAtomic(keyFile, made.key, 0o600);
    writeAtomic(certFile, made.cert, 0o644);
  }
  let cert: string;
  let key: string;
  try {
    cert = fs.readFileSync(certFile, 'utf8');
    key = fs.readFileSync(keyFile, 'utf8');
  } catch (err) {
    throw new TmspError('E_CONFIG_IO', `cannot read the TLS certificate or key: ${(err as Error).message}`, { cause: err });
  }
  let fingerprint: string;
  try {
    fingerprint = certificateFingerprint(cert);
  } catch (err) {
    throw new TmspError('E_CONFIG_INVALID', `${certFile} is not a PEM certificate: ${(err as Error).message}`, { cause: err });
  }
  return { cert, key, fingerprint, selfSigned: !own, certFile };
}
