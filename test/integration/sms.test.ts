// TippingPoint SMS object distribution, as seed 004 walks through it: the
// server settings and Test Connection, the object types and risk level,
// the four tags on every entry, and what happens when the filter changes,
// objects expire, the SMS is away or refuses the login.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentCommand, agentConfig, cli, RunningAgent, startAgent, until } from '../helpers/agent.ts';
import { ObjectStore } from '../../src/sms/store.ts';
import { openObjects } from '../../src/sms/database.ts';
import { spawn } from 'node:child_process';
import { sendTcp } from '../helpers/senders.ts';
import { ccLine, HOST, PRODUCT, smsSection, startSimulator, type Sim } from '../helpers/sms.ts';
import { tmpdir } from '../helpers/tmp.ts';

let sim: Sim;
let ca: string;
let agent: RunningAgent | undefined;

beforeAll(async () => {
  ({ sim, ca } = await startSimulator('server', { perSecond: 5, burst: 5 }));
});
afterEach(async () => {
  await agent?.stop('SIGKILL');
  agent = undefined;
  await sim.start().catch(() => {});
  await sim.reset();
  await sim.rateLimit({ perSecond: 5, burst: 5 });
  await sim.withoutCategories([]);
});
afterAll(async () => {
  await sim?.kill();
});

const count = async () => (await sim.entries()).length;
const countIs = (n: number) => async () => (await count()) === n;

async function smsAgent(sms: Record<string, unknown> = {}, extra: Record<string, Record<string, unknown>> = {}) {
  agent = await startAgent(tmpdir(), {
    spool: { chunkMaxAgeMs: 200 },
    extra: { appliance: { productName: PRODUCT, hostname: HOST }, sms: smsSection(sim.port, ca, sms), ...extra },
  });
  return agent;
}

function configFile(sms: Record<string, unknown>): string {
  const dir = tmpdir();
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify({
    appliance: { productName: PRODUCT, hostname: HOST }, sms: smsSection(sim.port, ca, sms),
    daemon: { stateDir: path.join(dir, 'state'), controlSocket: path.join(dir, 'control.sock') },
  }));
  return file;
}

const TAGS = (category: string, severity: string) => ({
  'Trend Micro Publisher': PRODUCT,
  'Trend Micro Source': HOST,
  'Trend Micro Detection Category': category,
  'Trend Micro Severity': severity,
});

describe('the SMS screen: Test Connection and Save', () => {
  it('tests TCP, TLS, authentication and a read-only query', async () => {
    const r = cli(['--config', configFile({}), '--json', 'sms', 'test-connection']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.json.steps.map((s: { step: string }) => s.step)).toEqual([
      'settings', 'resolve', 'TCP connect', 'TLS handshake', 'authentication', 'read-only query',
    ]);
    expect(r.json.certificateFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect((await sim.requests()).map((q) => q.path)).toEqual(['/dbAccess/tptDBServlet', '/repEntries/query']);
  });

  it('reports a wrong password with its own exit code, and works with an API key', () => {
    const bad = cli(['--config', configFile({ password: 'wrong-pass' }), '--json', 'sms', 'test-connection']);
    expect(bad.code).toBe(22);
    expect(bad.json.steps.find((s: { ok: boolean; skipped: boolean }) => !s.ok && !s.skipped)).toMatchObject({ step: 'authentication', code: 'E_AUTH' });
    const key = cli(['--config', configFile({ apiKey: 'sms-api-key-1', password: 'wrong-pass' }), '--json', 'sms', 'test-connection']);
    expect(key.code, key.stdout).toBe(0);
  });

  it('trusts a self-signed SMS certificate only when pinned', async () => {
    const { sim: selfSigned, pkiDir: dir } = await startSimulator('untrusted');
    try {
      const file = configFile({ port: selfSigned.port, tlsCaFile: '' });
      const r = cli(['--config', file, '--json', 'sms', 'test-connection']);
      expect(r.code).toBe(16);
      const { X509Certificate } = await import('node:crypto');
      const pin = new X509Certificate(fs.readFileSync(path.join(dir, 'untrusted.pem'))).fingerprint256;
      // The operator is shown what to compare with the SMS console, and the setting that pins it.
      expect(r.json.certificateFingerprint).toBe(pin);
      expect(r.json.certificate).toMatchObject({ subject: 'CN=localhost', fingerprint: pin });
      const tlsStep = r.json.steps.find((s: { step: string }) => s.step === 'TLS handshake');
      expect(tlsStep).toMatchObject({ ok: false, code: 'E_TLS_UNTRUSTED' });
      expect(tlsStep.detail).toContain(`sms.tlsFingerprints=${pin}`);
      const human = cli(['--config', file, 'sms', 'test-connection']);
      expect(human.stdout + human.stderr).not.toMatch(/Node\.js|--use-system-ca/);
      const pinned = cli(['--config', file, '--json', 'sms', 'test-connection', `sms.tlsFingerprints=${pin}`]);
      expect(pinned.code, pinned.stdout).toBe(0);
    } finally {
      await selfSigned.kill();
    }
  });

  it.each([
    [['sms.server=sms.example.com'], 'sms.server: must be an IPv4 address'],
    [['sms.password=sixteen-chars-xx'], 'sms.password: must be 1-15 printable ASCII characters'],
    [['sms.username=sixteen-chars-xx'], 'sms.username: must be 1-15'],
    [['appliance.productName=Acme, Inc.'], 'appliance.productName: must be 1-255 printable ASCII characters without a comma'],
  ])('refuses %j before testing anything, naming the field', async (args, message) => {
    const file = configFile({});
    const before = fs.readFileSync(file);
    const r = cli(['--config', file, 'sms', 'save', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(await sim.requests()).toHaveLength(0);
  });
});

describe('distribution through the daemon', () => {
  it('sends only the objects that pass the filter, each with exactly the four tags; follows filter changes and expiry', async () => {
    const a = await smsAgent({ riskLevel: 'high-medium' });
    await sendTcp(a.config.ingest!.tcpPort as number, [
      ccLine('198.51.100.10', 'cnc-high.example.net', 8, 1),
      ccLine('198.51.100.20', 'cnc-medium.example.net', 6, 2),
      ccLine('198.51.100.30', 'cnc-low.example.net', 4, 3),
      ccLine('10.9.9.9', undefined, 8, 4), // internal: never an object
    ].join('\n') + '\n');
    await until(countIs(4), 15_000, 'the high and medium objects on the SMS');
    expect((await sim.entries()).map((e) => `${e.type} ${e.value}`).sort()).toEqual([
      'dns cnc-high.example.net', 'dns cnc-medium.example.net', 'ip 198.51.100.10', 'ip 198.51.100.20',
    ]);
    expect((await sim.entry('ip', '198.51.100.10'))!.tags).toEqual(TAGS('C&C Callback Address', 'High'));
    expect((await sim.entry('dns', 'cnc-medium.example.net'))!.tags).toEqual(TAGS('C&C Callback Address', 'Medium'));
    // Step 8 of the seed: search the Reputation Database.
    const q = await a.cliAsync('--json', 'sms', 'query', 'cnc-high.example.net');
    expect(q.code).toBe(0);
    expect(q.json.entry).toContain('Trend Micro Severity,High');
    expect((await a.cliAsync('sms', 'query', '198.51.100.30')).code).toBe(9);

    // "High only": the medium ones leave the SMS.
    const saved = await a.cliAsync('--json', 'sms', 'save', 'sms.riskLevel=high');
    expect(saved.code, saved.stdout + saved.stderr).toBe(0);
    await until(countIs(2), 15_000, 'the medium objects to be deleted');
    expect(await sim.entry('dns', 'cnc-medium.example.net')).toBeUndefined();

    // Expiring an object removes it.
    expect(a.cli('objects', 'expire', 'domain', 'cnc-high.example.net').code).toBe(0);
    await until(countIs(1), 15_000, 'the expired object to be deleted');
    expect(await sim.entry('ip', '198.51.100.10')).toBeDefined();
    const st = a.status().sms!;
    expect(st).toMatchObject({ enabled: true, pending: 0, failed: 0, onSms: 1 });
    expect(a.cli('status').stdout).toMatch(/^sms: distribution on, idle; \d+ objects, 1 on the SMS, 0 pending, 0 refused; last success 20/m);
    expect(st.sent.adds).toBe(4);
    expect(st.sent.deletes).toBe(3);
  });

  it('takes objects from the menus, and refuses malformed ones naming the field', async () => {
    const a = await smsAgent({ riskLevel: 'high-medium-low', objectTypes: ['domain'] });
    expect(a.cli('objects', 'add', 'domain', 'Bad.Example.COM.', 'low').code).toBe(0);
    expect(a.cli('objects', 'add', 'ipv4', '203.0.113.9', 'high').code).toBe(0); // kept, not distributed (type filter)
    await until(countIs(1), 10_000, 'the domain on the SMS');
    expect((await sim.entry('dns', 'bad.example.com'))!.tags).toEqual(TAGS('Suspicious Object', 'Low'));
    for (const [args, words] of [
      [['ipv4', '999.1.1.1', 'high'], 'value: must be an IPv4 address'],
      [['ipv4', '203.0.113.010', 'high'], 'value: must be an IPv4 address'],
      [['domain', 'bad domain.example', 'high'], 'value: must be a domain name'],
      [['domain', 'bad.example', 'severe'], 'risk: must be one of high, medium, low'],
      [['url', 'http://x', 'high'], 'type: must be one of ipv4, domain'],
    ] as Array<[string[], string]>) {
      const r = a.cli('objects', 'add', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(words);
    }
    const list = a.cli('--json', 'objects', 'list');
    expect(list.json.objects.map((o: { value: string }) => o.value).sort()).toEqual(['203.0.113.9', 'bad.example.com']);
    expect(a.cli('objects', 'remove', 'domain', 'bad.example.com').code).toBe(0);
    await until(countIs(0), 10_000, 'the removed object to leave the SMS');
  });

  it('delivers a burst of 10,000 objects through the rate limit, in batches', async () => {
    await sim.rateLimit({ perSecond: 2, burst: 2 });
    const a = await smsAgent({ riskLevel: 'high', requestIntervalMs: 200 });
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) lines.push(ccLine(`198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, undefined, 8, i));
    await sendTcp(a.config.ingest!.tcpPort as number, `${lines.join('\n')}\n`);
    await until(countIs(10_000), 60_000, 'all 10,000 entries');
    await until(() => a.status().sms!.pending === 0, 10_000, 'an empty outbox');
    const st = a.status().sms!;
    expect(st).toMatchObject({ pending: 0, failed: 0, onSms: 10_000 });
    const requests = await sim.requests();
    const adds = requests.filter((q) => q.status === 200);
    const rejected = requests.filter((q) => q.status === 503);
    // In batches: far fewer requests than objects; retried after the SMS said "too fast", never hammered.
    expect(adds.length).toBeLessThanOrEqual(60);
    expect(rejected.length).toBeLessThanOrEqual(adds.length);
    expect(Object.values(await sim.addCounts()).every((n) => n === 1)).toBe(true);
  });

  it('keeps the outbox while the SMS is unreachable, across a restart, and drains it when it is back', async () => {
    const a = await smsAgent({ riskLevel: 'high' });
    await sim.stop();
    await sendTcp(a.config.ingest!.tcpPort as number, `${[1, 2, 3].map((i) => ccLine(`203.0.113.${i}`, undefined, 8, i)).join('\n')}\n`);
    await until(() => (a.status().sms?.distribution.lastErrorCode ?? null) === 'E_CONNECT', 10_000, 'the failure in status');
    expect(a.status().sms!.pending).toBe(3);
    expect(a.status().health.problems.join()).toContain('not distributing to the SMS');
    // A restart in the meantime loses nothing.
    await a.stop('SIGTERM');
    const again = (agent = await startAgentFrom(a));
    expect(again.status().sms!.pending).toBe(3);
    await sim.start();
    await until(countIs(3), 20_000, 'the outbox to drain');
    await until(() => again.status().sms!.pending === 0, 10_000, 'an empty outbox');
    expect(again.status().sms).toMatchObject({ pending: 0, onSms: 3 });
    expect(Object.values(await sim.addCounts()).every((n) => n === 1)).toBe(true);
  });

  it('reports a wrong password clearly and does not retry in a tight loop', async () => {
    const a = await smsAgent({ riskLevel: 'high', password: 'wrong-pass', retryMaxSeconds: 300 });
    expect(a.cli('objects', 'add', 'ipv4', '203.0.113.50', 'high').code).toBe(0);
    // Failed, and the next try scheduled on the operator's cadence (test/unit/retry.test.ts holds it).
    const st = await until(() => { const s = a.status().sms!; return s.distribution.nextAttemptAt !== null ? s : undefined; }, 20_000,
      'the failure in status');
    expect(st.distribution.lastErrorCode).toBe('E_AUTH');
    expect(st.pending).toBe(1);
    expect((await sim.requests()).filter((q) => q.status === 401).length).toBeLessThanOrEqual(2);
  });

  it('shows the entries the SMS refused with its answer, in health too, and sends them again when asked', async () => {
    // An SMS whose administrator has not created the Trend Micro categories refuses every tagged entry.
    await sim.withoutCategories(['Trend Micro Publisher']);
    const a = await smsAgent({ riskLevel: 'high' });
    expect(a.cli('objects', 'add', 'ipv4', '203.0.113.70', 'high').code).toBe(0);
    expect(a.cli('objects', 'add', 'domain', 'refused.example', 'high').code).toBe(0);
    await until(() => a.status().sms!.failed === 2, 15_000, 'two entries set aside');
    const st = a.status();
    expect(st.health.state).toBe('degraded');
    expect(st.health.problems.join('\n')).toMatch(/the SMS refused 2 entries, set aside; latest: add .*: .*no tag category "Trend Micro Publisher"/);
    expect(st.sms!.lastFailure).toMatchObject({ op: 'add', error: expect.stringContaining('Trend Micro Publisher') });
    const failed = a.cli('--json', 'objects', 'list', '--failed');
    expect(failed.code, failed.stdout).toBe(0);
    expect(failed.json.failed.map((f: { type: string; value: string }) => `${f.type} ${f.value}`).sort())
      .toEqual(['domain refused.example', 'ipv4 203.0.113.70']);
    for (const f of failed.json.failed) expect(f.error).toContain('HTTP 400');
    const human = a.cli('sms', 'status');
    expect(human.stdout).toContain('refused by the SMS: 2 entries set aside');
    expect(human.stdout).toContain('tmsp-agent sms retry');

    // The administrator creates the category; the operator sends them again.
    await sim.withoutCategories([]);
    const retried = a.cli('--json', 'sms', 'retry');
    expect(retried.json).toMatchObject({ ok: true, retried: 2 });
    await until(countIs(2), 15_000, 'both entries on the SMS');
    await until(() => a.status().sms!.failed === 0, 10_000, 'nothing set aside');
    expect(a.status().health).toMatchObject({ state: 'ok', problems: [] });
    expect(a.cli('objects', 'list', '--limit', 'abc').code).toBe(2);
  });

  it('lists any number of objects, page by page, to a reader slower than the agent', async () => {
    const dir = tmpdir();
    const config = await agentConfig(dir, { spool: { chunkMaxAgeMs: 200 } });
    {
      // 7,000 objects held before the agent starts (adding them one by one through the CLI would take minutes).
      const state = openObjects(config.daemon!.stateDir as string, { durability: 'normal' });
      const store = new ObjectStore(state.db, { ttlMs: 86_400_000, maxObjects: 100_000 });
      store.upsertMany(Array.from({ length: 7000 }, (_, i) => ({
        type: 'ipv4' as const, value: `198.18.${i >> 8}.${i & 255}`, risk: 'high' as const, category: 'suspicious-object' as const, source: 'test',
      })));
      state.db.close();
    }
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
    agent = await new RunningAgent(file, config).ready();
    // A shell pipe to a reader that starts late and reads in small pieces, as a menu script would.
    const slowly = async (args: string[]) => {
      const [cmd, pre] = agentCommand();
      const argv = [cmd, ...pre, '--config', file, ...args].map((x) => `'${x}'`).join(' ');
      const p = spawn('sh', ['-c', `${argv} | { sleep 0.5; dd bs=4096 status=none; }`], { stdio: ['ignore', 'pipe', 'inherit'] });
      const chunks: Buffer[] = [];
      p.stdout.on('data', (d: Buffer) => chunks.push(d));
      const code = await new Promise<number | null>((r) => p.once('close', r));
      return { code, out: Buffer.concat(chunks).toString('utf8') };
    };
    const all = await slowly(['--json', 'objects', 'list', '--limit', '7000']);
    expect(all.code).toBe(0);
    const parsed = JSON.parse(all.out);
    expect(parsed.ok).toBe(true);
    expect(parsed.objects).toHaveLength(7000);
    expect(new Set(parsed.objects.map((o: { value: string }) => o.value)).size).toBe(7000);
    expect(JSON.parse((await slowly(['--json', 'objects', 'list', '--limit', '100000'])).out).objects).toHaveLength(7000);
    expect(JSON.parse((await slowly(['--json', 'objects', 'list', '--limit', '1234'])).out).objects).toHaveLength(1234);
    const human = await slowly(['objects', 'list', '--limit', '7000']);
    expect(human.out.trimEnd().split('\n')).toHaveLength(7000);
  });

  it('turning distribution off deletes nothing; purge takes back what was sent', async () => {
    const a = await smsAgent({ riskLevel: 'high' });
    a.cli('objects', 'add', 'ipv4', '203.0.113.60', 'high');
    a.cli('objects', 'add', 'domain', 'purge-me.example', 'high');
    await until(countIs(2), 10_000, 'two entries');
    expect(a.cli('sms', 'purge').code).toBe(2); // distribution is on: refused
    expect(a.cli('sms', 'save', 'sms.enabled=false').code).toBe(0);
    await until(() => a.status().sms!.distribution.state === 'off', 10_000, 'distribution off');
    expect(await count()).toBe(2);
    expect(a.cli('sms', 'purge').code).toBe(0);
    await until(countIs(0), 10_000, 'the purge');
    await until(() => a.status().sms!.purging === false, 10_000, 'the purge to end');
    expect(a.status().sms).toMatchObject({ onSms: 0, purging: false, objects: 2 });
  });
});

async function startAgentFrom(a: RunningAgent): Promise<RunningAgent> {
  const { RunningAgent: R } = await import('../helpers/agent.ts');
  return new R(a.configFile, a.config).ready();
}
