// Value rules shared by the schema. Each returns true when the value is
// acceptable; the schema pairs it with the sentence shown to the operator.

import net from 'node:net';

const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Dotted quad with no leading zeros (010.0.0.1 is octal to some parsers): Node's own parser refuses them too. */
export function isIPv4(s: string): boolean {
  return net.isIPv4(s);
}

export function isIPv6(s: string): boolean {
  return net.isIPv6(s);
}

export function isHostname(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  const labels = s.endsWith('.') ? s.slice(0, -1).split('.') : s.split('.');
  if (!labels.every((l) => LABEL.test(l))) return false;
  // An all-numeric name is a malformed IPv4 address, not a host name.
  return !/^[0-9.]+$/.test(s);
}

/**
 * A value SMS TagData can carry: TagData is a comma-separated pair list, and
 * a List category joins several values with "~~~".
 */
export function isTagValue(s: string): boolean {
  return s.length >= 1 && s.length <= 255 && isPrintableAscii(s) && !s.includes(',') && !s.includes('~~~');
}

export interface HostPort {
  host: string;
  port: number | undefined;
}

/** host, host:port, [v6] or [v6]:port. */
export function parseHostPort(s: string): HostPort | undefined {
  let host = s;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2];
    if (!isIPv6(host)) return undefined;
  } else {
    const i = s.lastIndexOf(':');
    if (i >= 0 && s.indexOf(':') === i) {
      host = s.slice(0, i);
      portText = s.slice(i + 1);
    }
    if (!isIPv4(host) && !isHostname(host)) return undefined;
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return undefined;
    port = Number(portText);
    if (port < 1 || port > 65535) return undefined;
  }
  return { host, port };
}

export function isEmail(s: string): boolean {
  if (s.length > 254) return false;
  const at = s.lastIndexOf('@');
  if (at < 1 || at > 64) return false;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  return /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(local) &&
    !local.startsWith('.') && !local.endsWith('.') && !local.includes('..') &&
    isHostname(domain) && domain.includes('.');
}

export function isPrintableAscii(s: string): boolean {
  return PRINTABLE_ASCII.test(s);
}

export function isAbsolutePath(s: string): boolean {
  return s.startsWith('/') && !s.includes('\0') && s.length <= 1024;
}

/** A no_proxy entry: host name, .suffix, *.suffix, IPv4, IPv4/len, or "*". */
export function isNoProxyEntry(s: string): boolean {
  if (s === '*') return true;
  const cidr = /^(.+)\/(\d{1,2})$/.exec(s);
  if (cidr) return isIPv4(cidr[1]!) && Number(cidr[2]) <= 32;
  const bare = s.replace(/^\*?\./, '');
  return isIPv4(bare) || isHostname(bare) || isIPv6(bare);
}

/** An IANA time zone this Node knows (Europe/Berlin, UTC, ...). */
export function isTimeZone(tz: string): boolean {
  if (tz === '' || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function isLoopbackAddress(s: string): boolean {
  return (isIPv4(s) && s.startsWith('127.')) || s === '::1';
}
