// A record's detection, read with the parsers the agent uses (parse/): what
// the portal indexes of a CEF or LEEF threat event. The mapping, also in the
// README ("What the portal keeps"):
//   threat    CEF event name; LEEF msg (else the event id)
//   severity  CEF severity (2 info, 4 low, 6 medium, 8 high; words mapped); LEEF sev
//   category  CEF cat, else cs6 (attack phase) or the email event's name; LEEF malType, else ptype; lower case
//   source    src (else shost), spt / srcPort
//   dest.     dst (else dhost), dpt / dstPort
//   protocol  CEF app (else proto); LEEF proto
//   action    act
//   C&C       CEF cn1 >= 1 with dhost, dst or the request's host; LEEF cccaDetection >= 1 with cccaDestination
//   time      CEF rt, LEEF devTime (event-time.ts), else the time the agent received the line

import { classifyLine, eventFields } from '../../parse/index.ts';
import type { Detection } from '../store/types.ts';
import { eventTime } from './event-time.ts';

const CEF_KEYS = ['rt', 'src', 'shost', 'spt', 'dst', 'dhost', 'dpt', 'app', 'proto', 'act', 'cat', 'cs6', 'cn1', 'request'] as const;
const LEEF_KEYS = ['devTime', 'sev', 'msg', 'malType', 'ptype', 'src', 'srcPort', 'dst', 'dhost', 'dstPort', 'proto', 'act',
  'cccaDetection', 'cccaDestination'] as const;
const EMAIL_EVENTS: Record<string, string> = { 100130: 'email', 100131: 'attachment', 100132: 'url' };
/** Longest text kept per field: a detection row stays small whatever a line carries. */
const MAX_TEXT = 512;

const WORD_SEVERITY: Record<string, number> = { unknown: 0, low: 4, medium: 6, high: 8, 'very-high': 10, veryhigh: 10 };

function severityOf(s: string | undefined): number {
  if (s === undefined) return 0;
  const n = Number(s);
  if (Number.isFinite(n) && s.trim() !== '') return Math.max(0, Math.min(10, Math.round(n)));
  return WORD_SEVERITY[s.trim().toLowerCase()] ?? 0;
}

function port(s: string | undefined): number | null {
  if (s === undefined || !/^\d{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n <= 65535 ? n : null;
}

function text(s: string | undefined): string | null {
  if (s === undefined) return null;
  const t = s.trim();
  return t === '' ? null : t.slice(0, MAX_TEXT);
}

/** Categories are compared and counted in reports: one spelling each ("MALWARE" and "Malware" are one). */
function category(s: string): string {
  return s.toLowerCase();
}

function hostOfUrl(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`).hostname.replace(/^\[|\]$/g, '') || null;
  } catch {
    return null;
  }
}

/** The detection a record's line carries, or undefined when it is not a CEF or LEEF event. */
export function detectionOf(line: string, applianceId: string, seq: number, receivedAt: number): Detection | undefined {
  const c = classifyLine(line);
  if (!c.event) return undefined;
  if (c.event.name === 'cef') {
    const e = eventFields({ ...c, event: { name: 'cef', header: c.event.header } }, CEF_KEYS);
    if (!e) return undefined;
    const { header: h, fields: f } = e;
    const cnc = Number(f.cn1) >= 1;
    return {
      time: eventTime(f.rt) ?? receivedAt, applianceId, seq, format: 'cef', eventId: h.eventId.slice(0, MAX_TEXT),
      threat: text(h.name) ?? h.eventId.slice(0, MAX_TEXT), severity: severityOf(h.severity),
      category: category(text(f.cat) ?? text(f.cs6) ?? EMAIL_EVENTS[h.eventId] ?? 'network'),
      srcHost: text(f.src) ?? text(f.shost), srcPort: port(f.spt),
      dstHost: text(f.dst) ?? text(f.dhost), dstPort: port(f.dpt),
      protocol: text(f.app) ?? text(f.proto), action: text(f.act),
      cnc, cncAddress: cnc ? text(f.dhost) ?? text(f.dst) ?? hostOfUrl(f.request) : null,
    };
  }
  const e = eventFields({ ...c, event: { name: 'leef', header: c.event.header } }, LEEF_KEYS);
  if (!e) return undefined;
  const { header: h, fields: f } = e;
  const cnc = Number(f.cccaDetection) >= 1;
  return {
    time: eventTime(f.devTime) ?? receivedAt, applianceId, seq, format: 'leef', eventId: h.eventId.slice(0, MAX_TEXT),
    threat: text(f.msg) ?? h.eventId.slice(0, MAX_TEXT), severity: severityOf(f.sev),
    category: category(text(f.malType) ?? text(f.ptype) ?? 'network'),
    srcHost: text(f.src), srcPort: port(f.srcPort),
    dstHost: text(f.dst) ?? text(f.dhost), dstPort: port(f.dstPort),
    protocol: text(f.proto), action: text(f.act),
    cnc, cncAddress: cnc ? text(f.cccaDestination) ?? text(f.dhost) ?? text(f.dst) : null,
  };
}
