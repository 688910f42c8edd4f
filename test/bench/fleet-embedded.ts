// The embedded set-up: one built portal process as the README starts it
// (tmsp-portal run --config FILE), with everything in its data directory:
// SQLite, batches on the local disk, the built-in MQTT broker. Accounts are
// added with the portal's own CLI while it runs, as an operator would.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadAddon } from '../../src/native/addons.ts';
import { portalSettings, RunningPortal } from '../helpers/portal-process.ts';
import { addAccounts, portalCounters } from './fleet-portal.ts';
import type { FleetSetup, RunningSetup, SeenHeartbeat, SetupOptions } from './fleet-setup.ts';

class Embedded implements FleetSetup {
  readonly name = 'embedded';
  private dir: string | undefined;
  private portal: RunningPortal | undefined;
  private db: Database.Database | undefined;

  async start(o: SetupOptions): Promise<RunningSetup> {
    const dir = (this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-bench-fleet-')));
    const file = path.join(dir, 'portal.json');
    fs.writeFileSync(file, JSON.stringify(portalSettings(dir, {
      portal: { logLevel: 'warn' },
      sftp: { enabled: false },
      fleet: { ...o.fleet },
      notify: { webhookUrl: o.webhook.url, webhookSecret: o.webhook.secret, registrationEmail: false },
    })), { mode: 0o600 });
    // FLEET_PORTAL_CPU_PROF=<dir>: the portal (and its CLI runs) write V8 CPU profiles there, the portal's at its stop.
    const prof = process.env.FLEET_PORTAL_CPU_PROF;
    const env = prof ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${prof}` } : undefined;
    const portal = (this.portal = await new RunningPortal(file, env).ready(60_000));
    await addAccounts(file, o.accounts);
    const f = portal.facts;
    const trust = { caFile: '', fingerprints: [f.tlsFingerprint] };
    const status = path.join(f.dataDir, 'status.json');
    const dbFile = path.join(f.dataDir, 'portal.db');
    return {
      processes: [{ name: 'portal', pid: f.pid, role: 'portal' }],
      mqtt: { host: '127.0.0.1', port: f.listeners.mqtt!, trust },
      https: { host: '127.0.0.1', port: f.listeners.https!, trust },
      basePath: 'upload',
      counters: () => portalCounters([status]),
      lastHeartbeats: async () => {
        // Read-only, beside the portal's own connection (WAL): what its fleet last wrote.
        this.db ??= new Database(dbFile, { readonly: true, fileMustExist: true, nativeBinding: loadAddon('better_sqlite3') as unknown as string });
        const rows = this.db.prepare(`SELECT id, last_heartbeat_at AS at, json_extract(last_heartbeat, '$.time') AS time FROM appliance
          WHERE last_heartbeat_at IS NOT NULL`).all() as Array<{ id: string; at: number; time: string }>;
        return rows.map((r): SeenHeartbeat => ({ id: r.id, handledAt: r.at, sentAt: Date.parse(r.time) }));
      },
      log: () => portal.log.slice(-4000),
    };
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    await this.portal?.stop();
    this.portal = undefined;
    if (this.dir && !process.env.KEEP_BENCH_DIR) fs.rmSync(this.dir, { recursive: true, force: true });
    else if (this.dir) process.stderr.write(`kept ${this.dir}\n`);
    this.dir = undefined;
  }
}

export function embeddedSetup(): FleetSetup {
  return new Embedded();
}
