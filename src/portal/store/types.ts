// What the portal keeps, as the rest of the portal sees it. Times are
// milliseconds since the epoch; sequence numbers are the agent's record
// sequence numbers (protocol/batch.ts).

import type { Heartbeat, Registration } from '../../protocol/heartbeat.ts';

export type Role = 'appliance' | 'admin';

export interface Account {
  name: string;
  role: Role;
  /** scrypt$N$r$p$salt$hash (accounts/password.ts): never the password. */
  hash: string;
  createdAt: number;
  updatedAt: number;
}

export const STATES = ['never-seen', 'online', 'late', 'silent', 'offline', 'retired'] as const;
export type ApplianceState = (typeof STATES)[number];

export interface Appliance {
  id: string;
  account: string;
  registration: Registration | null;
  firstRegisteredAt: number | null;
  lastRegisteredAt: number | null;
  /** The retained status topic: online, or offline (a clean stop or the last will). */
  status: 'online' | 'offline' | null;
  statusAt: number | null;
  lastHeartbeatAt: number | null;
  lastHeartbeat: Heartbeat | null;
  /** Learned from the appliance's own heartbeats (seconds). */
  intervalS: number | null;
  uploadIntervalS: number | null;
  lastBatchAt: number | null;
  lastBatchName: string | null;
  batches: number;
  records: number;
  detections: number;
  state: ApplianceState;
  stateSince: number;
  createdAt: number;
}

export interface BatchRange {
  firstSeq: number;
  lastSeq: number;
}

export interface Batch extends BatchRange {
  id: number;
  applianceId: string;
  name: string;
  via: string;
  size: number;
  /** Records in the file (lastSeq - firstSeq + 1). */
  records: number;
  /** Records new to the portal (the rest overlapped batches already kept). */
  newRecords: number;
  detections: number;
  receivedAt: number;
}

export interface Gap extends BatchRange {
  applianceId: string;
  foundAt: number;
}

export interface Detection {
  time: number;
  applianceId: string;
  /** Record sequence number: with the batch name, where the raw record is. */
  seq: number;
  format: 'cef' | 'leef';
  eventId: string;
  threat: string;
  /** 0-10, as the event carries it (CEF severity; LEEF sev). */
  severity: number;
  category: string;
  srcHost: string | null;
  srcPort: number | null;
  dstHost: string | null;
  dstPort: number | null;
  protocol: string | null;
  action: string | null;
  cnc: boolean;
  cncAddress: string | null;
}

export interface DetectionQuery {
  from?: number;
  until?: number;
  applianceId?: string;
  minSeverity?: number;
  /** Matches source or destination host (exact). */
  host?: string;
  /** Substring of the threat name, case-insensitive. */
  threat?: string;
  limit: number;
  /** Keyset paging: rows strictly older than this (time, applianceId, seq). */
  before?: { time: number; applianceId: string; seq: number };
}

/** Heartbeats are kept as counts per appliance and bucket of this width: every store and every chart divides time so. */
export const BUCKET_MS = 5 * 60_000;

export interface HeartbeatBucket {
  applianceId: string;
  start: number;
  count: number;
  spoolRecords: number;
  droppedRecords: number;
}

export interface DailyRollup {
  day: string;
  applianceId: string;
  severity: number;
  category: string;
  threat: string;
  count: number;
}

export type AlertKind = 'silent' | 'not-uploading' | 'dropping';

export interface Alert {
  id: number;
  applianceId: string;
  kind: AlertKind;
  openedAt: number;
  closedAt: number | null;
  lastNotifiedAt: number | null;
  notifications: number;
  detail: string;
}

export interface MaintenanceWindow {
  id: number;
  /** An appliance id, or '*' for the whole fleet. */
  applianceId: string;
  start: number;
  end: number;
  reason: string;
}

/** A report's row: its period and scope, claimed by one portal, and its model once made (JSON). */
export interface ReportRow {
  id: number;
  type: 'daily' | 'weekly' | 'monthly';
  firstDay: string;
  lastDay: string;
  /** An account's name, or '*' for the whole portal. */
  scope: string;
  timeZone: string;
  claimedAt: number;
  claimedBy: string;
  madeAt: number | null;
  model: string | null;
  /** E-mail: when it was sent, how many tries, the last failure. */
  mailedAt: number | null;
  mailAttempts: number;
  mailError: string | null;
}

export interface QueuedNotification {
  id: number;
  channel: 'email' | 'webhook';
  createdAt: number;
  attempts: number;
  nextAt: number;
  /** The message (notify/message.ts), as JSON. */
  body: string;
  lastError: string | null;
}

/** Lists a report reads are capped, so that its size never follows the fleet or the data; `omitted` counts the rest. */
export interface Capped<T> {
  items: T[];
  omitted: number;
}
