// Suspicious objects carried by detection events. The mapping (also in the
// README, "Where objects come from"):
//
// CEF (Deep Discovery threat logs):
//   - cn1 >= 1 (C&C callback detected): dst (IPv4), dhost (domain) and the
//     host of request (URL) become "C&C Callback Address" objects;
//   - otherwise an event with a request URL (e.g. 100132 URL_DETECTION) makes
//     the URL's host a "Suspicious Object";
//   - risk from the CEF severity: 8-10 high, 6-7 medium, 4-5 low; below 4
//     (informational) yields nothing.
// LEEF (DDI): cccaDestination (else dhost, else dst), read as cccaDestinationFormat
//   says (IP_DOMAIN: an address or a name; URL: its host), risk from
//   cccaRiskLevel 3 high, 2 medium, 1 low (0 or missing: nothing); a
//   "C&C Callback Address" when cccaDetection >= 1, else a "Suspicious Object".
// Addresses of the appliance's own and reserved networks (RFC 1918, loopback,
// link-local, CGNAT, multicast) are never objects.

import { eventFields, type Classified, type EventFormatName, type HeaderOf } from '../parse/index.ts';
import { isInternalIPv4, normaliseDomain, normaliseIPv4, type Category, type Risk, type SuspiciousObject } from './object.ts';

function cefRisk(sev: string): Risk | undefined {
  const n = Number(sev);
  if (!Number.isFinite(n)) {
    const w = sev.toLowerCase();
    return w === 'high' || w === 'very-high' ? 'high' : w === 'medium' ? 'medium' : w === 'low' ? 'low' : undefined;
  }
  return n >= 8 ? 'high' : n >= 6 ? 'medium' : n >= 4 ? 'low' : undefined;
}

function leefRisk(level: string | undefined): Risk | undefined {
  return level === '3' ? 'high' : level === '2' ? 'medium' : level === '1' ? 'low' : undefined;
}

function hostOfUrl(url: string): string | undefined {
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`);
    return u.hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

/** An address or a name, as an object; undefined for internal addresses and anything else. */
function objectFor(host: string | undefined, risk: Risk, category: Category, source: string): SuspiciousObject | undefined {
  if (!host) return undefined;
  const ip = normaliseIPv4(host);
  if (ip) return isInternalIPv4(ip) ? undefined : { type: 'ipv4', value: ip, risk, category, source };
  const d = normaliseDomain(host);
  return d ? { type: 'domain', value: d, risk, category, source } : undefined;
}

interface Extractor<H> {
  /** A cheap test before the event is read: most detection lines carry none of these. */
  markers: readonly string[];
  /** The fields of the event's body the objects come from. */
  fields: readonly string[];
  objects(header: H, f: Record<string, string>, add: (o: SuspiciousObject | undefined) => void): void;
}

/** One entry per event format (parse/formats.ts): a new format without one does not compile. */
const EXTRACTORS: { [K in EventFormatName]: Extractor<HeaderOf<K>> } = {
  cef: {
    markers: ['cn1=', 'request='],
    fields: ['cn1', 'dst', 'dhost', 'request'],
    objects(h, e, add) {
      const risk = cefRisk(h.severity);
      if (!risk) return;
      const source = `cef:${h.eventId}`;
      if (Number(e.cn1) >= 1) {
        add(objectFor(e.dst, risk, 'cnc-callback', source));
        add(objectFor(e.dhost, risk, 'cnc-callback', source));
        add(objectFor(e.request ? hostOfUrl(e.request) : undefined, risk, 'cnc-callback', source));
      } else if (e.request) {
        add(objectFor(hostOfUrl(e.request), risk, 'suspicious-object', source));
      }
    },
  },
  leef: {
    markers: ['cccaDestination', 'cccaRiskLevel'],
    fields: ['cccaRiskLevel', 'cccaDetection', 'cccaDestination', 'cccaDestinationFormat', 'dhost', 'dst'],
    objects(h, a, add) {
      const risk = leefRisk(a.cccaRiskLevel);
      if (!risk) return;
      const category: Category = Number(a.cccaDetection) >= 1 ? 'cnc-callback' : 'suspicious-object';
      const dest = a.cccaDestination ?? a.dhost ?? a.dst;
      const host = a.cccaDestinationFormat === 'URL' ? (dest && (hostOfUrl(dest) ?? dest)) : dest;
      add(objectFor(host, risk, category, `leef:${h.eventId}`));
    },
  },
};

/** The suspicious objects a classified detection line carries (none for other lines). */
export function extractObjects(line: Classified): SuspiciousObject[] {
  const kind = line.event?.name;
  if (!kind) return [];
  const x = EXTRACTORS[kind] as Extractor<unknown>;
  if (!x.markers.some((m) => line.message.includes(m))) return [];
  const read = eventFields(line as Classified & { event: { name: typeof kind } }, x.fields);
  if (!read) return [];
  const out: SuspiciousObject[] = [];
  x.objects(read.header, read.fields, (o) => {
    if (o && !out.some((y) => y.type === o.type && y.value === o.value)) out.push(o);
  });
  return out;
}
