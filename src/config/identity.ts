// Who this appliance is, from the configuration or, where the board left it
// empty, from the operating system.

import os from 'node:os';
import type { Config } from './schema.ts';

/** Host name as the OS reports it, reduced to what an identifier may hold. */
function osHostname(): string {
  return os.hostname().split('.')[0]!.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64) || 'appliance';
}

export function applianceId(c: Config): string {
  return c.appliance.id || osHostname();
}

export function applianceHostname(c: Config): string {
  return c.appliance.hostname || os.hostname();
}
