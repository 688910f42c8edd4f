// Shared pieces of the TMSP integration tests: the peers, an agent config
// pointing at them, and reading back what reached the log server.

import fs from 'node:fs';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { RunningAgent } from './agent.ts';
import { Monitor } from './mqtt-monitor.ts';
import path from 'node:path';
import zlib from 'node:zlib';
import { decodeRecord } from '../../src/protocol/record.ts';
import { parseBatchFileName } from '../../src/protocol/batch.ts';
import { unzstd } from './spool.ts';
import {
  PASS, peerRoot, pki, startMosquitto, startNginx, startSshd, startTinyproxy, USER, type NginxPeer, type Peer, type SshPeer,
} from '../peers/peers.ts';

export const APPLIANCE = 'tda-test-01';

/** Handshakes are computed, not waited for: under an emulator (test:arm) they take several times longer. */
export const TIMEOUT_SECONDS = process.env.TMSP_AGENT_EMULATOR ? 30 : 5;

export interface Peers {
  root: string;
  ca: string;
  sshd: SshPeer;
  nginx: NginxPeer;
  mqtt: Peer;
  proxy: Peer;
  stop(): Promise<void>;
}

export async function startPeers(): Promise<Peers> {
  const root = peerRoot();
  const ca = pki(root).ca;
  const [sshd, nginx, mqtt, proxy] = await Promise.all([startSshd(root), startNginx(root), startMosquitto(root), startTinyproxy(root)]);
  return {
    root, ca, sshd, nginx, mqtt, proxy,
    async stop() {
      await Promise.all([sshd.stop(), nginx.stop(), mqtt.stop(), proxy.stop()]);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The TMSP section for these peers; protocol ssh (SFTP) unless overridden. */
export function tmspSection(p: Peers, o: Record<string, unknown> = {}): Record<string, unknown> {
  const ssl = o.protocol === 'ssl';
  return {
    enabled: true,
    protocol: 'ssh',
    logServer: `127.0.0.1:${ssl ? p.nginx.port : p.sshd.port}`,
    logBasePath: 'upload',
    statusServer: `127.0.0.1:${p.mqtt.port}`,
    username: USER,
    password: PASS,
    registrationEmail: 'admin@example.com',
    tlsCaFile: p.ca,
    hostKeyFingerprint: p.sshd.hostKey,
    heartbeatSeconds: 5,
    timeoutSeconds: TIMEOUT_SECONDS,
    retryMaxSeconds: 2,
    ...o,
  };
}

export function proxySection(p: Peers, o: Record<string, unknown> = {}): Record<string, unknown> {
  return { host: '127.0.0.1', port: p.proxy.port, username: USER, password: PASS, ...o };
}

/** Where batches land: SFTP login dir or the WebDAV root, then base path and appliance id. */
export function batchDir(p: Peers, protocol: 'ssh' | 'ssl'): string {
  return protocol === 'ssh' ? path.join(p.sshd.home, 'upload', APPLIANCE) : path.join(p.nginx.uploadRoot, APPLIANCE);
}

export function batchFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => parseBatchFileName(f)).sort();
}

/** A batch file's content, read as an operator would: zlib for .gz, the zstd tool for .zst (its frames back to back). */
export function batchText(file: string): string {
  const data = fs.readFileSync(file);
  return file.endsWith('.zst') ? unzstd(data) : zlib.gunzipSync(data).toString('utf8');
}

/** Every record line that reached the server, in batch order. */
export function receivedLines(dir: string): string[] {
  const out: string[] = [];
  for (const f of batchFiles(dir)) {
    const text = batchText(path.join(dir, f));
    for (const l of text.split('\n')) if (l) out.push(decodeRecord(l)!.line.toString());
  }
  return out;
}

export function clearDir(dir: string): void {
  if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { force: true });
}

export function line(i: number, pad = 0): string {
  return `<134>Nov 22 08:00:00 ddi01 CEF:0|Trend Micro|Deep Discovery Inspector|6.0|1539|upload test|6|id=${i} src=10.0.${i % 250}.${i % 199}${pad ? ` msg=${'x'.repeat(pad)}` : ''}`;
}

export function idsOf(lines: string[]): number[] {
  return lines.map((l) => Number(/id=(\d+)/.exec(l)![1]));
}

export interface TmspFixture {
  peers: Peers;
  /** A subscriber on the status server (when asked for). */
  monitor: Monitor;
  /** The agent of the current test: killed after it. */
  agent: RunningAgent | undefined;
}

/** The peers for one test file (started once), and the clean-up after each test. */
export function tmspFixture(o: { monitor?: boolean } = {}): TmspFixture {
  const f = { agent: undefined } as TmspFixture;
  beforeAll(async () => {
    f.peers = await startPeers();
    if (o.monitor) f.monitor = await new Monitor().start(f.peers.mqtt.port, f.peers.ca);
  });
  afterEach(async () => {
    await f.agent?.stop('SIGKILL');
    f.agent = undefined;
    clearDir(batchDir(f.peers, 'ssh'));
    clearDir(batchDir(f.peers, 'ssl'));
  });
  afterAll(async () => {
    await f.monitor?.stop();
    await f.peers?.stop();
  });
  return f;
}
