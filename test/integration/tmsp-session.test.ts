// What the portal sees of a running appliance while its operator works: a
// Test Connection, a Save or any change of settings must not make it flap
// offline/online (each flap is a false "no heartbeat" alarm), a graceful stop
// says "offline" once, and the upload counters count from the agent's start.

import mqtt from 'mqtt';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startAgent, until, type RunningAgent } from '../helpers/agent.ts';
import { sendTcp } from '../helpers/senders.ts';
import { APPLIANCE, line, tmspFixture, tmspSection } from '../helpers/tmsp.ts';
import { tmpdir } from '../helpers/tmp.ts';
import { PASS, USER } from '../peers/peers.ts';

const f = tmspFixture({ monitor: true });
const topic = (x: string) => `tmsp/v1/${APPLIANCE}/${x}`;

async function tmspAgent(tmsp: Record<string, unknown> = {}): Promise<RunningAgent> {
  f.agent = await startAgent(tmpdir(), {
    spool: { chunkMaxAgeMs: 200 },
    extra: { appliance: { id: APPLIANCE, model: 'TDA-1000' }, tmsp: tmspSection(f.peers, tmsp) },
  });
  return f.agent;
}

/**
 * Everything the broker delivered to the monitor before this point: a marker
 * published after the actions arrives after anything they caused, since the
 * broker keeps the order of what it delivers to one subscriber.
 */
async function settled(): Promise<void> {
  const marker = `m-${Date.now()}-${Math.random()}`;
  const c = await mqtt.connectAsync({
    host: '127.0.0.1', port: f.peers.mqtt.port, protocol: 'mqtts', ca: fs.readFileSync(f.peers.ca), username: USER, password: PASS,
    clientId: `marker-${marker}`, reconnectPeriod: 0,
  });
  await c.publishAsync(topic('marker'), marker, { qos: 1 });
  await c.endAsync();
  await until(() => f.monitor.on(topic('marker')).some((s) => s.payload === marker), 10_000, 'the marker');
}

function statusSince(t0: number): string[] {
  return f.monitor.on(topic('status')).filter((s) => s.at >= t0).map((s) => s.payload);
}

describe('a running appliance on the portal', () => {
  it('stays online through Test Connection, Save and changes of settings, with one session throughout', async () => {
    const a = await tmspAgent({ uploadIntervalMinutes: 60 });
    const t0 = Date.now();
    await until(() => a.status().tmsp.enabled && (a.status().tmsp as any).status.state === 'connected', 20_000, 'connected');
    await until(() => statusSince(t0).includes('online'), 10_000, '"online"');
    const before = (a.status().tmsp as any).status;
    const brokerLog = f.peers.mqtt.log.length;

    const tested = a.cli('--json', 'tmsp', 'test-connection');
    expect(tested.code, tested.stdout).toBe(0);
    const saved = a.cli('--json', 'tmsp', 'save');
    expect(saved.code, saved.stdout).toBe(0);
    expect(saved.json.reloaded).toBe(true);
    const set = a.cli('--json', 'config', 'set', 'tmsp.uploadIntervalMinutes=30', 'tmsp.heartbeatSeconds=6',
      'appliance.model=TDA-2000', 'daemon.logLevel=info');
    expect(set.code, set.stdout).toBe(0);
    expect(set.json.reloaded).toBe(true);
    // The registration carries the new model, on the same session.
    await until(() => JSON.parse(f.monitor.last(topic('registration'))?.payload ?? '{}').model === 'TDA-2000', 10_000,
      'the new registration');
    await settled();

    expect(statusSince(t0)).toEqual(['online']);
    const after = (a.status().tmsp as any).status;
    expect(after).toMatchObject({ state: 'connected', connectedAt: before.connectedAt, attempts: before.attempts });
    expect(f.peers.mqtt.log.slice(brokerLog)).not.toContain('already connected, closing old connection');
  });

  it('takes a new session without a flap when the status server settings change, and keeps the server it stays on', async () => {
    const a = await tmspAgent({ keepaliveSeconds: 30 });
    const t0 = Date.now();
    await until(() => (a.status().tmsp as any).status.state === 'connected', 20_000, 'connected');
    const first = (a.status().tmsp as any).status.connectedAt;
    expect(a.cli('config', 'set', 'tmsp.keepaliveSeconds=20').code).toBe(0);
    await until(() => { const s = (a.status().tmsp as any).status; return s.state === 'connected' && s.connectedAt !== first; },
      20_000, 'the new session');
    await settled();
    // The old session ended with DISCONNECT: no will, no "offline" before the new "online".
    expect(statusSince(t0)).toEqual(['online', 'online']);
  });

  it('says "offline" once on a graceful stop, and ends its session cleanly so the broker drops the will', async () => {
    const a = await tmspAgent();
    const t0 = Date.now();
    await until(() => statusSince(t0).includes('online'), 20_000, '"online"');
    const brokerLog = f.peers.mqtt.log.length;
    expect(await a.stop('SIGTERM')).toBe(0);
    await until(() => /Client tmsp-agent-tda-test-01 (disconnected|closed its connection)/.test(f.peers.mqtt.log.slice(brokerLog)),
      10_000, 'the broker to see the session end');
    expect(f.peers.mqtt.log.slice(brokerLog)).toContain(`Client tmsp-agent-${APPLIANCE} disconnected.`);
    await settled();
    expect(statusSince(t0)).toEqual(['online', 'offline']);
  });

  it('counts uploads since the agent started, across reloads and TMSP off and on', async () => {
    const a = await tmspAgent();
    const feed = async (from: number, to: number) => {
      let s = '';
      for (let i = from; i < to; i++) s += `${line(i)}\n`;
      await sendTcp(a.config.ingest!.tcpPort as number, s);
      await until(() => a.status().ingest.records >= to, 20_000, `${to} records in`);
    };
    const uploaded = () => { const t = a.status().tmsp; return t.enabled ? t.upload.uploaded.records : -1; };
    await feed(0, 100);
    expect(a.cli('upload-now').code).toBe(0);
    expect(uploaded()).toBe(100);
    expect(a.cli('config', 'set', 'tmsp.uploadIntervalMinutes=30').code).toBe(0);
    expect(uploaded()).toBe(100);
    expect(a.cli('config', 'set', 'tmsp.sftpParallelWrites=8').code).toBe(0); // a new sink
    expect(uploaded()).toBe(100);
    expect(a.cli('config', 'set', 'tmsp.enabled=false').code).toBe(0);
    expect(a.cli('config', 'set', 'tmsp.enabled=true').code).toBe(0);
    expect(uploaded()).toBe(100);
    await feed(100, 150);
    expect(a.cli('upload-now').code).toBe(0);
    expect(uploaded()).toBe(150);
  });
});
