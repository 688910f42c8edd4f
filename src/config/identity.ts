// Who this appliance is, from the configuration or, where the board left it
// empty, from the operating system.

import os from 'node:os';
import { isHostname } from '../settings/rules.ts';
import type { Config } from './schema.ts';

/** Host name as the OS reports it, reduced to what an identifier may hold. */
function osHostname(): string {
  return os.hostname().split('.')[0]!.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64) || 'appliance';
}

export function applianceId(c: Config): string {
  return c.appliance.id || osHostname();
}

/**
 * The host name reported to TMSP and tagged on SMS entries. An OS host name
 * that breaks the rule appliance.hostname has (the only way a value can reach
 * here unchecked) is reduced to one that keeps it, so start-up never refuses
 * what the configuration did not say.
 */
export function applianceHostname(c: Config): string {
  if (c.appliance.hostname) return c.appliance.hostname;
  const h = os.hostname();
  if (isHostname(h)) return h;
  return h.split('.').map((l) => l.replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 63)).filter(Boolean).join('.')
    .slice(0, 253) || 'appliance';
}
