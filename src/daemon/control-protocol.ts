// The control socket's wire format, shared by the daemon and the CLI: one
// JSON request line, one JSON response line, then the daemon closes. Every
// command, its arguments and its answer are declared once here; the daemon's
// handlers and the CLI's requests are both typed by this table.

import type { FailedEntry, StoredObject } from '../sms/store.ts';
import type { SmsStats } from '../sms/room.ts';
import type { UploaderStats } from '../tmsp/uploader.ts';
import type { Status } from './status.ts';

export const MAX_CONTROL_LINE = 1024 * 1024;

/** Rows in one page of a list (objects, refused entries): its answer stays far inside MAX_CONTROL_LINE. */
export const PAGE_ROWS = 500;

/** An object named on the command line (it is normalised and checked by the daemon). */
export interface ObjectKey {
  type: string;
  value: string;
}

export interface ControlCommands {
  ping: { args: Record<string, never>; result: { pong: true } };
  status: { args: Record<string, never>; result: Status };
  reload: { args: Record<string, never>; result: { reloaded: boolean; restartRequired: string[] } };
  flush: { args: Record<string, never>; result: Status['spool'] };
  'upload-now': { args: Record<string, never>; result: UploaderStats };
  'objects-add': {
    args: ObjectKey & { risk: string; category?: string; ttlDays?: number; source?: string };
    result: StoredObject;
  };
  'objects-remove': { args: ObjectKey; result: { removed: boolean } };
  'objects-expire': { args: Partial<ObjectKey>; result: { expired: number } };
  /** One page, after the row the previous page ended on. */
  'objects-list': { args: { limit?: number; after?: ObjectKey }; result: StoredObject[] };
  'objects-failed': { args: { limit?: number; after?: { failedAt: number } & ObjectKey }; result: FailedEntry[] };
  'sms-retry': { args: Partial<ObjectKey>; result: { retried: number } };
  'sms-purge': { args: Record<string, never>; result: { entries: number } };
  'sms-status': { args: Record<string, never>; result: SmsStats };
}

export type ControlCommand = keyof ControlCommands;

export interface ControlRequest {
  cmd: string;
  args?: Record<string, unknown>;
}

export type ControlResponse =
  | { ok: true; result: unknown }
  | { ok: false; error: { code: string; message: string } };
