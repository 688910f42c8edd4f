// Suspicious objects: what they are and the forms their values must take.
// Values are normalised on the way in (dotted-quad IPv4 without leading
// zeros, lower-case ASCII domain names with IDNA for international names),
// so the same object is always the same key.

import net from 'node:net';
import { domainToASCII } from 'node:url';
import { isIPv4 } from '../settings/rules.ts';
import { TmspError } from '../errors.ts';

export const OBJECT_TYPES = ['ipv4', 'domain'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export const RISKS = ['high', 'medium', 'low'] as const;
export type Risk = (typeof RISKS)[number];

/** The seed's Detection Category values. */
export const CATEGORIES = ['suspicious-object', 'cnc-callback'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface SuspiciousObject {
  type: ObjectType;
  value: string;
  risk: Risk;
  category: Category;
  source: string;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Lower-case ASCII (punycode) domain, or undefined when it is not a domain name. */
export function normaliseDomain(raw: string): string | undefined {
  const trimmed = raw.trim().replace(/\.$/, '');
  if (trimmed === '' || trimmed.length > 253 || /[\s/:@?#]/.test(trimmed)) return undefined;
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (!ascii || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return undefined;
  // An all-numeric name is a malformed address, and a top-level label is never all digits.
  if (/^\d+$/.test(labels[labels.length - 1]!)) return undefined;
  return ascii;
}

export function normaliseIPv4(raw: string): string | undefined {
  const s = raw.trim();
  return isIPv4(s) ? s : undefined;
}

/** This host, RFC 1918, CGNAT, loopback, link-local, and multicast and above. */
const INTERNAL = new net.BlockList();
for (const [net4, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 3]] as const) INTERNAL.addSubnet(net4, bits, 'ipv4');

/** Addresses that are never a remote suspicious object: the appliance's own networks and the reserved ones. */
export function isInternalIPv4(ip: string): boolean {
  return INTERNAL.check(ip, 'ipv4');
}

const RULES: Record<ObjectType, string> = {
  ipv4: 'must be an IPv4 address in dotted-quad form, such as 203.0.113.7',
  domain: 'must be a domain name such as bad.example.com',
};

export function parseObjectType(raw: string): ObjectType {
  const t = raw.trim().toLowerCase();
  if ((OBJECT_TYPES as readonly string[]).includes(t)) return t as ObjectType;
  throw new TmspError('E_USAGE', `type: must be one of ${OBJECT_TYPES.join(', ')} (got ${JSON.stringify(raw)})`);
}

export function parseRisk(raw: string): Risk {
  const r = raw.trim().toLowerCase();
  if ((RISKS as readonly string[]).includes(r)) return r as Risk;
  throw new TmspError('E_USAGE', `risk: must be one of ${RISKS.join(', ')} (got ${JSON.stringify(raw)})`);
}

/** The normalised value, or an error that names the field and the rule. */
export function normaliseValue(type: ObjectType, raw: string): string {
  const v = type === 'ipv4' ? normaliseIPv4(raw) : normaliseDomain(raw);
  if (v === undefined) throw new TmspError('E_USAGE', `value: ${RULES[type]} (got ${JSON.stringify(raw.slice(0, 80))})`);
  return v;
}
