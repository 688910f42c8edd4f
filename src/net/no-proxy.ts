// Whether a destination bypasses the proxy, by the appliance's no_proxy
// list: "*" (everything), a host name (itself and its subdomains),
// ".domain" or "*.domain" (the same), an IP address, or an IPv4 CIDR.
// Names are never resolved for this: a name matches only name entries.

import net from 'node:net';

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string];
  const n = Number(bits);
  if (!net.isIPv4(base) || !(n >= 0 && n <= 32)) return false;
  const list = new net.BlockList();
  list.addSubnet(base, n, 'ipv4');
  return list.check(ip, 'ipv4');
}

export function bypassesProxy(host: string, noProxy: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  for (const raw of noProxy) {
    const e = raw.trim().toLowerCase();
    if (e === '') continue;
    if (e === '*') return true;
    if (e.includes('/')) {
      if (net.isIPv4(h) && inCidr(h, e)) return true;
      continue;
    }
    const d = e.replace(/^\*?\./, '').replace(/\.$/, '');
    if (h === d) return true;
    if (!net.isIP(h) && h.endsWith(`.${d}`)) return true;
  }
  return false;
}
