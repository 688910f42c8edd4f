// What the fleet bench plays its appliances against: a portal set-up. One
// file per set-up (fleet-embedded.ts: SQLite, the data directory, the
// built-in broker), chosen by name from SETUPS below, each the same shape:
// start() brings up the portal process(es) and whatever peers they need and
// says where appliances connect and which processes to measure; stop()
// takes it all down. A set-up with an external broker, PostgreSQL and S3,
// or two portal processes, is one more file and one more line here.

import type { TlsTrust } from '../../src/net/tls.ts';
import { embeddedSetup } from './fleet-embedded.ts';
import { scaledSetup } from './fleet-scaled.ts';

/** An account appliances log in with (`tmsp-portal account add`). */
export interface BenchAccount {
  name: string;
  password: string;
}

/** What the bench asks of every set-up: the fleet's timing, the accounts and where notices go. */
export interface SetupOptions {
  fleet: {
    lateIntervals: number;
    silentIntervals: number;
    silentMinimumMinutes: number;
    maxAppliancesPerAccount: number;
  };
  webhook: { url: string; secret: string };
  accounts: BenchAccount[];
  /** Every appliance the bench will play and its account (a broker with a static ACL needs them before it starts). */
  appliances?: Array<{ id: string; account: string }>;
}

/** A server appliances reach, as the agent's settings name it (host, port, how its certificate is trusted). */
export interface Endpoint {
  host: string;
  port: number;
  trust: TlsTrust;
}

/** A process whose CPU and memory the bench reads from /proc (a portal, a broker, a database). */
export interface MeasuredProcess {
  name: string;
  pid: number;
  /** A portal process (its counters are summed into PortalCounters), or a peer. */
  role: 'portal' | 'peer';
  /** Measure it with its descendants (a server that forks a process per connection, as PostgreSQL does). */
  tree?: boolean;
}

/** The portals' counters summed over every portal process, as of their last status write. */
export interface PortalCounters {
  /** The oldest of the portals' status writes (ms): the counters are at least this fresh. */
  at: number;
  /** Heartbeats the fleet handled (counters.fleet.heartbeats). */
  heartbeats: number;
  notices: number;
  /** Batches ingested, received again, quarantined; and waiting in the queue now. */
  ingested: number;
  duplicates: number;
  quarantined: number;
  failed: number;
  turnedAway: number;
  depth: number;
  /** Uploads the HTTPS receivers took. */
  httpsUploads: number;
  /** Logged-in MQTT sessions now, and refusals (null without an embedded broker). */
  mqttClients: number | null;
  mqttRefusedClients: number | null;
  mqttRefusedLogins: number | null;
}

/** An appliance's last heartbeat as the portal keeps it. */
export interface SeenHeartbeat {
  id: string;
  /** When the portal handled it (last_heartbeat_at). */
  handledAt: number;
  /** The heartbeat's own time (when the appliance made it). */
  sentAt: number;
}

export interface RunningSetup {
  /** Every process to measure, portals first. */
  processes: MeasuredProcess[];
  /** The status server (MQTT over TLS) and the log server (HTTPS PUT). */
  mqtt: Endpoint;
  https: Endpoint;
  /** The log server's base path (the agent's tmsp.logBasePath). */
  basePath: string;
  counters(): PortalCounters;
  lastHeartbeats(): Promise<SeenHeartbeat[]>;
  /** What the set-up's own processes logged (the tail, for a failure). */
  log(): string;
}

export interface FleetSetup {
  readonly name: string;
  start(o: SetupOptions): Promise<RunningSetup>;
  stop(): Promise<void>;
}

export const SETUPS: Readonly<Record<string, () => FleetSetup>> = {
  embedded: embeddedSetup,
  scaled: scaledSetup,
};
