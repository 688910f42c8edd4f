// What every fleet set-up asks of its portal processes: a command run as an
// operator runs it (accounts, claims), and the counters their status files
// hold, summed over the processes.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { PORTAL } from '../helpers/portal-process.ts';
import type { BenchAccount, PortalCounters } from './fleet-setup.ts';

/** A portal command (`tmsp-portal --config FILE ...`), with `stdin` on its standard input. */
export function portalCommand(configFile: string, args: string[], stdin = ''): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, [PORTAL, '--config', configFile, ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tmsp-portal ${args.join(' ')} exited ${code}: ${err}`))));
    p.stdin.end(stdin);
  });
}

/** `account add` through the CLI, a few at a time (each is a process and an scrypt hash); every set-up adds its accounts so. */
export async function addAccounts(configFile: string, accounts: BenchAccount[], parallel = 4): Promise<void> {
  const queue = [...accounts];
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let a = queue.shift(); a; a = queue.shift()) await portalCommand(configFile, ['account', 'add', a.name, '--password-stdin'], `${a.password}\n`);
  }));
}

interface StatusFile {
  updatedAt: string;
  counters: {
    fleet: { heartbeats: number; notices: number };
    ingest: { ingested: number; duplicates: number; quarantined: number; failed: number; turnedAway: number; depth: number };
    https: { uploads: number } | null;
    broker: { clients: number; refusedClients: number; refusedLogins: number } | null;
  };
}

/** The counters of every portal process, from their status files, summed; the broker's are null where no portal embeds one. */
export function portalCounters(statusFiles: string[]): PortalCounters {
  const all = statusFiles.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as StatusFile);
  const sum = (g: (c: StatusFile['counters']) => number) => all.reduce((n, s) => n + g(s.counters), 0);
  const broker = (g: (b: NonNullable<StatusFile['counters']['broker']>) => number) =>
    (all.some((s) => s.counters.broker) ? sum((c) => (c.broker ? g(c.broker) : 0)) : null);
  return {
    at: Math.min(...all.map((s) => Date.parse(s.updatedAt))), heartbeats: sum((c) => c.fleet.heartbeats), notices: sum((c) => c.fleet.notices),
    ingested: sum((c) => c.ingest.ingested), duplicates: sum((c) => c.ingest.duplicates), quarantined: sum((c) => c.ingest.quarantined),
    failed: sum((c) => c.ingest.failed), turnedAway: sum((c) => c.ingest.turnedAway), depth: sum((c) => c.ingest.depth),
    httpsUploads: sum((c) => c.https?.uploads ?? 0), mqttClients: broker((b) => b.clients), mqttRefusedClients: broker((b) => b.refusedClients),
    mqttRefusedLogins: broker((b) => b.refusedLogins),
  };
}
