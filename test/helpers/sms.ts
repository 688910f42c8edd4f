// The SMS simulator, run as its own process, and a handle to it for tests.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { SimEntry, SimRequest } from '../peers/sms-simulator.ts';
import { peerRoot, pki } from '../peers/peers.ts';
import { TIMEOUT_SECONDS } from './tmsp.ts';

export const SMS_USER = 'smsadmin';
export const SMS_PASS = 'Sms-pass-123';
export const PRODUCT = 'TippingPoint ATP for Email';
export const HOST = 'ddei-01';

const MAIN = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'peers', 'sms-simulator-main.ts');

export class Sim {
  readonly port: number;
  private readonly control: number;
  private readonly proc: ChildProcess;

  constructor(proc: ChildProcess, port: number, control: number) {
    this.proc = proc;
    this.port = port;
    this.control = control;
  }

  private async call<T>(method: 'GET' | 'POST', what: string, body?: unknown): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${this.control}/${what}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await res.json()) as T;
  }

  entries(): Promise<SimEntry[]> {
    return this.call('GET', 'entries');
  }

  async entry(type: 'ip' | 'dns', value: string): Promise<SimEntry | undefined> {
    return (await this.entries()).find((e) => e.type === type && e.value.toLowerCase() === value.toLowerCase());
  }

  requests(): Promise<SimRequest[]> {
    return this.call('GET', 'requests');
  }

  addCounts(): Promise<Record<string, number>> {
    return this.call('GET', 'add-counts');
  }

  async reset(): Promise<void> {
    await this.call('POST', 'reset');
  }

  async rateLimit(limit: { perSecond: number; burst: number } | null): Promise<void> {
    await this.call('POST', 'rate-limit', limit ?? undefined);
  }

  /** The SMS lacks these tag categories until called again without them. */
  async withoutCategories(names: string[]): Promise<void> {
    await this.call('POST', 'categories', { without: names });
  }

  /** The API becomes unreachable (its entries are kept); start() brings it back on the same port. */
  async stop(): Promise<void> {
    await this.call('POST', 'stop');
  }

  async start(): Promise<void> {
    await this.call('POST', 'start');
  }

  async kill(): Promise<void> {
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await done;
  }
}

export async function startSimulator(certName = 'server', rateLimit?: { perSecond: number; burst: number }) {
  const root = peerRoot();
  const p = pki(root);
  const opts = {
    certFile: path.join(p.dir, `${certName}.pem`), keyFile: path.join(p.dir, `${certName === 'notyet' ? 'expired' : certName}.key`),
    username: SMS_USER, password: SMS_PASS, apiKey: 'sms-api-key-1', rateLimit,
  };
  const proc = spawn(process.execPath, [MAIN, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<{ port: number; control: number }>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
    });
    proc.once('exit', (code) => reject(new Error(`SMS simulator exited (${code})`)));
  });
  return { sim: new Sim(proc, ready.port, ready.control), ca: p.ca, root, pkiDir: p.dir };
}

export function smsSection(port: number, ca: string, o: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    enabled: true, server: '127.0.0.1', port, username: SMS_USER, password: SMS_PASS, tlsCaFile: ca,
    riskLevel: 'high-medium', requestIntervalMs: 100, retryMaxSeconds: 1, timeoutSeconds: TIMEOUT_SECONDS, ...o,
  };
}

/** A DDI threat log with a C&C destination. */
export function ccLine(dst: string, dhost: string | undefined, severity: number, id = 0): string {
  return `<134>Nov 22 08:00:00 ddi01 CEF:0|Trend Micro|Deep Discovery Inspector|6.0|1002|C&C callback|${severity}|` +
    `rt=Nov 22 2026 08:00:00 GMT+00:00 src=10.1.2.3 dst=${dst}${dhost ? ` dhost=${dhost}` : ''} cn1=1 act=not blocked id=${id}`;
}

