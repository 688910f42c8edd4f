// The SSH log server's host key: made once, on first start, and kept, because
// every appliance pins its fingerprint (tmsp.hostKeyFingerprint) and a new key
// is, to them, a changed server that they refuse until an operator accepts it.
// Written in OpenSSH's own format so `ssh-keygen -l -f` shows the operator the
// same fingerprint the appliances show in Test Connection.

import crypto from 'node:crypto';
import fs from 'node:fs';
import ssh2 from 'ssh2';
import { TmspError } from '../../../errors.ts';
import { writeAtomic } from '../../../settings/file.ts';

export interface HostKey {
  /** The private key, OpenSSH format (what ssh2's Server takes as a host key). */
  key: string;
  /** SHA256:<base64 without padding> of the public key blob, as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

/** SHA256:<base64 without padding> of an SSH public key blob. */
export function fingerprintOf(publicBlob: Buffer): string {
  return `SHA256:${crypto.createHash('sha256').update(publicBlob).digest('base64').replace(/=+$/, '')}`;
}

function parse(text: string, file: string): HostKey {
  const parsed = ssh2.utils.parseKey(text);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error || key.getPrivatePEM() === null) {
    throw new TmspError('E_CONFIG_INVALID', `${file} is not an SSH private key${key instanceof Error ? `: ${key.message}` : ''}`);
  }
  return { key: text, fingerprint: fingerprintOf(key.getPublicSSH()) };
}

/** The host key in `file`, made (ed25519, mode 0600) when there is none yet. */
export function loadOrCreateHostKey(file: string): HostKey {
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new TmspError('E_CONFIG_IO', `cannot read the SSH host key ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (text !== undefined) {
    // A private key others can read is no longer private: tighten it rather than serve with it as it is.
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
    return parse(text, file);
  }
  // ssh2 1.17 writes about one ed25519 key in 150 that its own parser then calls malformed (measured: 21 of 3,000):
  // only a key it reads back is kept, so a first start never fails on it.
  for (let attempt = 1; ; attempt++) {
    const made = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(made.private) instanceof Error) || attempt === MAKE_ATTEMPTS) {
      writeAtomic(file, made.private, 0o600);
      return parse(made.private, file);
    }
  }
}

const MAKE_ATTEMPTS = 16;
