// Where the portal's settings come from and where it keeps its data. One data
// directory holds everything, so a backup is one directory and a second
// portal on the same machine is a second directory.

import os from 'node:os';
import path from 'node:path';
import { resolveIn } from '../../settings/document.ts';
import { readDoc, writeAtomic } from '../../settings/file.ts';
import { PORTAL, type PortalConfig } from './schema.ts';

export const DEFAULT_PORTAL_CONFIG = '/etc/tmsp-portal/portal.json';

export function loadPortalConfig(file: string): PortalConfig {
  return resolveIn(PORTAL, readDoc(file));
}

/**
 * --dev: everything under ./.dev/portal, on loopback, created on first use;
 * no root needed. An appliance counts as silent after a minute rather than
 * ten, so that trying it out does not mean waiting.
 */
export function devPortalConfig(cwd = process.cwd()): string {
  const dir = path.join(cwd, '.dev', 'portal');
  const file = path.join(dir, 'portal.json');
  if (Object.keys(readDoc(file)).length === 0) {
    const doc = {
      portal: { dataDir: path.join(dir, 'data'), listenAddress: '127.0.0.1', publicName: 'localhost' },
      fleet: { silentMinimumMinutes: 1 },
    };
    writeAtomic(file, `${JSON.stringify(doc, null, 2)}\n`);
  }
  return file;
}

export function portalConfigFile(opt: { config?: string; dev?: boolean }): string {
  if (opt.config) return path.resolve(opt.config);
  if (opt.dev) return devPortalConfig();
  if (process.env.TMSP_PORTAL_CONFIG) return path.resolve(process.env.TMSP_PORTAL_CONFIG);
  return DEFAULT_PORTAL_CONFIG;
}

export interface PortalPaths {
  dataDir: string;
  /** The embedded store. */
  db: string;
  /** The TLS certificate and key every listener serves, when the operator brings none. */
  tlsCert: string;
  tlsKey: string;
  /** The SSH host key (OpenSSH format). */
  hostKey: string;
  /** What appliances upload lands here, one directory per account (its SFTP root). */
  incoming: string;
  /** Accepted batches, by appliance: the raw records that detections point back to. */
  batches: string;
  /** Batches refused by ingest, kept for a look. */
  quarantine: string;
}

export function pathsOf(c: PortalConfig): PortalPaths {
  const d = c.portal.dataDir;
  return {
    dataDir: d,
    db: path.join(d, 'portal.db'),
    tlsCert: c.https.certFile || path.join(d, 'tls', 'cert.pem'),
    tlsKey: c.https.keyFile || path.join(d, 'tls', 'key.pem'),
    hostKey: c.sftp.hostKeyFile || path.join(d, 'ssh', 'host_ed25519_key'),
    incoming: path.join(d, 'incoming'),
    batches: path.join(d, 'batches'),
    quarantine: path.join(d, 'quarantine'),
  };
}

export function publicName(c: PortalConfig): string {
  return c.portal.publicName || os.hostname();
}

/** The web pages' address, as links in notices give it. */
export function portalUrl(c: PortalConfig, port = c.web.port): string {
  return `https://${publicName(c)}:${port}`;
}
