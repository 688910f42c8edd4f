// What arrives on the status topics, checked before anything is kept: the
// payloads come from the network, and only well-formed ones count.

import type { Heartbeat, Registration } from '../../protocol/heartbeat.ts';
import { APPLIANCE_ID, TOPIC_ROOT } from '../../protocol/topics.ts';


export type Kind = 'status' | 'heartbeat' | 'registration';

export function topicOf(topic: string): { id: string; kind: Kind } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 4 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT || !APPLIANCE_ID.test(parts[2]!)) return undefined;
  const kind = parts[3];
  return kind === 'status' || kind === 'heartbeat' || kind === 'registration' ? { id: parts[2]!, kind } : undefined;
}

function json(payload: Buffer): Record<string, unknown> | undefined {
  try {
    const o = JSON.parse(payload.toString('utf8')) as unknown;
    return typeof o === 'object' && o !== null && !Array.isArray(o) ? o as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const str = (v: unknown, max = 1024): v is string => typeof v === 'string' && v.length <= max;
const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function readHeartbeat(id: string, payload: Buffer): Heartbeat | undefined {
  const o = json(payload);
  if (!o || o.applianceId !== id || !str(o.time, 64) || !num(o.uptimeS) || !obj(o.spool) || !obj(o.dropped) || !obj(o.upload)) return undefined;
  const s = o.spool;
  const d = o.dropped;
  const u = o.upload;
  if (!num(s.chunks) || !num(s.records) || !num(s.bytes) || !(s.oldestUnsentAgeS === null || num(s.oldestUnsentAgeS))) return undefined;
  if (!num(d.chunks) || !num(d.records) || !num(d.bytes)) return undefined;
  if (!str(u.state, 64)) return undefined;
  const orNull = (v: unknown) => (str(v) ? v : null);
  const hb: Heartbeat = {
    applianceId: id, time: o.time, uptimeS: o.uptimeS,
    spool: { chunks: s.chunks, records: s.records, bytes: s.bytes, oldestUnsentAgeS: s.oldestUnsentAgeS as number | null },
    dropped: { chunks: d.chunks, records: d.records, bytes: d.bytes },
    upload: { state: u.state, lastSuccessAt: orNull(u.lastSuccessAt), lastError: orNull(u.lastError), lastErrorCode: orNull(u.lastErrorCode) },
  };
  const i = o.intervals;
  if (obj(i) && num(i.heartbeatS) && num(i.uploadS)) hb.intervals = { heartbeatS: i.heartbeatS, uploadS: i.uploadS };
  return hb;
}

export function readRegistration(id: string, payload: Buffer): Registration | undefined {
  const o = json(payload);
  if (!o || o.applianceId !== id) return undefined;
  const keys = ['email', 'product', 'model', 'serial', 'hostname', 'version', 'registeredAt'] as const;
  for (const k of keys) if (!str(o[k], 256)) return undefined;
  return {
    applianceId: id, email: o.email as string, product: o.product as string, model: o.model as string, serial: o.serial as string,
    hostname: o.hostname as string, version: o.version as string, registeredAt: o.registeredAt as string,
  };
}

export function readStatus(payload: Buffer): 'online' | 'offline' | undefined {
  const s = payload.toString('utf8');
  return s === 'online' || s === 'offline' ? s : undefined;
}
