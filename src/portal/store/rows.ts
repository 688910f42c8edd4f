// The tables' rows as both stores read them (the column names are the
// same in SQLite and PostgreSQL), turned into the types above the store.

import type { Heartbeat, Registration } from '../../protocol/heartbeat.ts';
import type {
  Account, Alert, AlertKind, Appliance, ApplianceState, Batch, DailyRollup, Detection, Gap, HeartbeatBucket, MaintenanceWindow, QueuedNotification,
  ReportRow, Role,
} from './types.ts';

export interface AccountRow { name: string; role: Role; hash: string; created_at: number; updated_at: number }

export function account(r: AccountRow): Account {
  return { name: r.name, role: r.role, hash: r.hash, createdAt: r.created_at, updatedAt: r.updated_at };
}

export interface ApplianceRow {
  id: string; account: string; registration: string | null; first_registered_at: number | null; last_registered_at: number | null;
  status: 'online' | 'offline' | null; status_at: number | null; last_heartbeat_at: number | null; last_heartbeat: string | null;
  interval_s: number | null; upload_interval_s: number | null; last_batch_at: number | null; last_batch_name: string | null;
  batches: number; records: number; detections: number; state: ApplianceState; state_since: number; created_at: number;
}

export function appliance(r: ApplianceRow): Appliance {
  return {
    id: r.id, account: r.account,
    registration: r.registration ? JSON.parse(r.registration) as Registration : null,
    firstRegisteredAt: r.first_registered_at, lastRegisteredAt: r.last_registered_at,
    status: r.status, statusAt: r.status_at,
    lastHeartbeatAt: r.last_heartbeat_at, lastHeartbeat: r.last_heartbeat ? JSON.parse(r.last_heartbeat) as Heartbeat : null,
    intervalS: r.interval_s, uploadIntervalS: r.upload_interval_s,
    lastBatchAt: r.last_batch_at, lastBatchName: r.last_batch_name,
    batches: r.batches, records: r.records, detections: r.detections,
    state: r.state, stateSince: r.state_since, createdAt: r.created_at,
  };
}

export interface BatchRow {
  id: number; appliance_id: string; first_seq: number; last_seq: number; name: string; via: string; size: number; records: number;
  new_records: number; detections: number; received_at: number; state: string;
}

export function batch(r: BatchRow): Batch {
  return {
    id: r.id, applianceId: r.appliance_id, firstSeq: r.first_seq, lastSeq: r.last_seq, name: r.name, via: r.via, size: r.size,
    records: r.records, newRecords: r.new_records, detections: r.detections, receivedAt: r.received_at,
  };
}

export interface DetectionRow {
  time: number; appliance_id: string; seq: number; format: 'cef' | 'leef'; event_id: string; threat: string; severity: number;
  category: string; src_host: string | null; src_port: number | null; dst_host: string | null; dst_port: number | null;
  protocol: string | null; action: string | null; cnc: number; cnc_address: string | null;
}

export function detection(r: DetectionRow): Detection {
  return {
    time: r.time, applianceId: r.appliance_id, seq: r.seq, format: r.format, eventId: r.event_id, threat: r.threat,
    severity: r.severity, category: r.category, srcHost: r.src_host, srcPort: r.src_port, dstHost: r.dst_host, dstPort: r.dst_port,
    protocol: r.protocol, action: r.action, cnc: r.cnc === 1, cncAddress: r.cnc_address,
  };
}

export interface AlertRow {
  id: number; appliance_id: string; kind: AlertKind; opened_at: number; closed_at: number | null; last_notified_at: number | null;
  notifications: number; detail: string;
}

export function alert(r: AlertRow): Alert {
  return {
    id: r.id, applianceId: r.appliance_id, kind: r.kind, openedAt: r.opened_at, closedAt: r.closed_at,
    lastNotifiedAt: r.last_notified_at, notifications: r.notifications, detail: r.detail,
  };
}

export interface ReportTableRow {
  id: number; type: ReportRow['type']; first_day: string; last_day: string; scope: string; time_zone: string; claimed_at: number;
  claimed_by: string; made_at: number | null; model: string | null; mailed_at: number | null; mail_attempts: number; mail_error: string | null;
}

export function report(r: ReportTableRow): ReportRow {
  return {
    id: r.id, type: r.type, firstDay: r.first_day, lastDay: r.last_day, scope: r.scope, timeZone: r.time_zone, claimedAt: r.claimed_at,
    claimedBy: r.claimed_by, madeAt: r.made_at, model: r.model, mailedAt: r.mailed_at, mailAttempts: r.mail_attempts, mailError: r.mail_error,
  };
}

export interface NotificationRow {
  id: number; channel: QueuedNotification['channel']; created_at: number; attempts: number; next_at: number; body: string; last_error: string | null;
}

export function notification(r: NotificationRow): QueuedNotification {
  return { id: r.id, channel: r.channel, createdAt: r.created_at, attempts: r.attempts, nextAt: r.next_at, body: r.body, lastError: r.last_error };
}

export interface GapRow { appliance_id: string; first_seq: number; last_seq: number; found_at: number }

export function gap(r: GapRow): Gap {
  return { applianceId: r.appliance_id, firstSeq: r.first_seq, lastSeq: r.last_seq, foundAt: r.found_at };
}

export interface QuarantineRow { appliance_id: string | null; account: string; name: string; reason: string; at: number }

export function quarantineEntry(r: QuarantineRow): { applianceId: string | null; account: string; name: string; reason: string; at: number } {
  return { applianceId: r.appliance_id, account: r.account, name: r.name, reason: r.reason, at: r.at };
}

export interface RollupRow { day: string; appliance_id: string; severity: number; category: string; threat: string; count: number }

export function dailyRollup(r: RollupRow): DailyRollup {
  return { day: r.day, applianceId: r.appliance_id, severity: r.severity, category: r.category, threat: r.threat, count: r.count };
}

export interface MaintenanceRow { id: number; appliance_id: string; start: number; end: number; reason: string }

export function maintenance(r: MaintenanceRow): MaintenanceWindow {
  return { id: r.id, applianceId: r.appliance_id, start: r.start, end: r.end, reason: r.reason };
}

export interface BucketRow { appliance_id: string; start: number; count: number; spool_records: number; dropped_records: number }

export function heartbeatBucket(r: BucketRow): HeartbeatBucket {
  return { applianceId: r.appliance_id, start: r.start, count: r.count, spoolRecords: r.spool_records, droppedRecords: r.dropped_records };
}

/** hostsByDay from its two groupings (affected hosts per day, C&C callbacks per day): every day either names, in order. */
export function hostsByDay(hosts: Array<{ day: string; n: number }>, cnc: Array<{ day: string; hosts: number; n: number }>):
  Array<{ day: string; hosts: number; cncHosts: number; cnc: number }> {
  const byDay = new Map<string, { day: string; hosts: number; cncHosts: number; cnc: number }>();
  for (const h of hosts) byDay.set(h.day, { day: h.day, hosts: h.n, cncHosts: 0, cnc: 0 });
  for (const c of cnc) {
    const d = byDay.get(c.day) ?? { day: c.day, hosts: 0, cncHosts: 0, cnc: 0 };
    byDay.set(c.day, { ...d, cncHosts: c.hosts, cnc: c.n });
  }
  return [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
}
