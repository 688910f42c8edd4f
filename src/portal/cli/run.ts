// tmsp-portal run: the portal in the foreground until SIGTERM or SIGINT.

import { Portal } from '../daemon/portal.ts';
import { portalLogger } from '../daemon/log.ts';
import { tunePortalRuntime } from '../daemon/runtime.ts';
import { PORTAL_VERSION } from '../version.ts';
import type { PortalCtx } from './context.ts';

export async function runCommand(ctx: PortalCtx): Promise<number> {
  tunePortalRuntime();
  const log = portalLogger(ctx.config.portal.logLevel);
  const portal = new Portal(ctx.config, log, PORTAL_VERSION);
  await portal.start();
  const f = portal.facts();
  process.stderr.write([
    `tmsp-portal ${PORTAL_VERSION}: ${f.url}  (data in ${f.dataDir})`,
    `  SFTP log server   ${f.listeners.sftp ?? 'off'}   host key ${f.sshHostKey}`,
    `  HTTPS log server  ${f.listeners.https ?? 'off'}   certificate SHA-256 ${f.tlsFingerprint}${f.tlsSelfSigned ? ' (self-signed)' : ''}`,
    `  MQTT over TLS     ${f.listeners.mqtt ?? 'off'}`,
    `  web pages         ${f.listeners.web}`,
    '',
  ].join('\n'));
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
  });
  log.info('stopping');
  await portal.stop();
  log.flush?.();
  return 0;
}
