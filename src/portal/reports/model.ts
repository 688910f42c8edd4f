// A report's model: everything its page, its PDF and its e-mail show, as
// typed JSON, stored with the report. Renderings read only this, never the
// store, so a report opened a year later shows what it showed the day it
// was made. MODEL_VERSION changes whenever a field's meaning does; a
// rendering refuses a version it does not know rather than guess.

import { TmspError } from '../../errors.ts';
import type { ApplianceState, Capped } from '../store/types.ts';
import type { ReportType } from './periods.ts';

export const MODEL_VERSION = 1;

/** A stored model of a version this code does not know: every rendering refuses it with this, never guesses. */
export class ReportVersionError extends TmspError {
  readonly version: unknown;

  constructor(version: unknown) {
    super('E_STATE', `The report's model is version ${String(version)}; this portal reads version ${MODEL_VERSION}.`);
    this.version = version;
  }
}

export function checkVersion(m: { version: unknown } | null | undefined): void {
  if (m?.version !== MODEL_VERSION) throw new ReportVersionError(m?.version ?? 'missing');
}

/** Severity levels as the appliances grade them (CEF 2 informational, 4 low, 6 medium, 8 high). */
export const LEVELS = ['high', 'medium', 'low', 'info'] as const;
export type Level = (typeof LEVELS)[number];

export function levelOf(severity: number): Level {
  return severity >= 8 ? 'high' : severity >= 6 ? 'medium' : severity >= 4 ? 'low' : 'info';
}

export type { Capped };

export interface ReportHead {
  version: typeof MODEL_VERSION;
  type: ReportType;
  /** An account's name, or '*' for the whole portal. */
  scope: string;
  timeZone: string;
  /** First and last local day, YYYY-MM-DD; from/until the instants, [from, until). */
  first: string;
  last: string;
  from: number;
  until: number;
  /** The period compared against (the one before). */
  previous: { first: string; last: string };
  madeAt: number;
  /** The portal that made it (host name), for the footer. */
  portal: string;
}

export interface Span {
  from: number;
  until: number;
}

export interface ApplianceDay {
  id: string;
  hostname: string | null;
  model: string | null;
  /** The state when the report was made. */
  state: ApplianceState;
  /** Seconds of the day with heartbeats (five-minute buckets), of periodS. */
  onlineS: number;
  /** The part of the day the appliance was registered for (s). */
  periodS: number;
  /** Stretches of the day without heartbeats, longest first. */
  heartbeatGaps: Capped<Span>;
  lastBatchAt: number | null;
  batches: number;
  /** Records received that day (new to the portal). */
  records: number;
  /** Records the appliance dropped (its heartbeats' drop counters). */
  dropped: number;
  /** Sequence gaps the portal saw that day and still misses: how many, and how many records they hold. */
  sequenceGaps: number;
  missingRecords: number;
  detections: number;
}

export interface Completeness {
  records: number;
  dropped: number;
  missingRecords: number;
  sequenceGaps: number;
  /**
   * Records that never arrived: per appliance the larger of dropped and
   * missing, because a record an appliance drops from its full spool also
   * leaves a hole in its sequence; summing both would count it twice.
   */
  lost: number;
  /** records / (records + lost), 1 when nothing was lost or nothing was sent. */
  ratio: number;
}

export interface CountVsPrevious {
  count: number;
  previous: number;
}

export interface ThreatRow {
  threat: string;
  category: string;
  level: Level;
  count: number;
  appliances: number;
}

export interface HostRow {
  host: string;
  count: number;
  level: Level;
  cnc: number;
}

export interface CncRow {
  host: string;
  address: string;
  applianceId: string;
  level: Level;
  count: number;
  firstSeen: number;
  lastSeen: number;
}

export interface Action {
  /** 1 first. */
  priority: number;
  /** The finding, in a sentence, with its numbers. */
  finding: string;
  /** What to do (actions.ts). */
  action: string;
  level: Level;
}

export interface DailyModel extends ReportHead {
  type: 'daily';
  fleet: Record<ApplianceState, number>;
  appliances: Capped<ApplianceDay>;
  completeness: Completeness;
  detections: CountVsPrevious;
  /** C&C callbacks against the day before, and how many hosts made them (the table below is capped; these are not). */
  callbacks: CountVsPrevious & { hosts: number };
  /** Distinct hosts with detections. */
  affectedHosts: CountVsPrevious;
  bySeverity: Array<{ level: Level } & CountVsPrevious>;
  byCategory: Capped<{ category: string } & CountVsPrevious>;
  topThreats: ThreatRow[];
  topHosts: HostRow[];
  cnc: Capped<CncRow>;
  /** Detections that name no malware (category "network"): scans, policy breaches, unusual protocols. */
  network: Capped<ThreatRow>;
  actions: Action[];
}

export type Posture = 'good' | 'fair' | 'poor' | 'critical';

export interface ApplianceAvailability {
  id: string;
  hostname: string | null;
  /** Share of the period with heartbeats, of the part it was registered, 0..1. */
  uptime: number;
  silentPeriods: number;
  longestSilentS: number;
}

export interface ExecutiveModel extends ReportHead {
  type: 'weekly' | 'monthly';
  /** One paragraph: what happened, how it compares, what is asked of the reader. */
  bottomLine: string;
  posture: { level: Posture; score: number; previousScore: number; trend: 'better' | 'same' | 'worse' };
  totals: {
    detections: CountVsPrevious;
    high: CountVsPrevious;
    affectedHosts: CountVsPrevious;
    cnc: CountVsPrevious;
    cncHosts: CountVsPrevious;
  };
  /** Per local day of the period, in order. */
  trend: {
    days: string[];
    bySeverity: Record<Level, number[]>;
    affectedHosts: number[];
    cnc: number[];
  };
  topRisks: ThreatRow[];
  topHosts: HostRow[];
  availability: { uptime: number; previousUptime: number; appliances: Capped<ApplianceAvailability> };
  completeness: Completeness;
  actions: Action[];
}

export type ReportModel = DailyModel | ExecutiveModel;
