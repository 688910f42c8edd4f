// Suspicious objects: which detections carry them, how values are
// normalised, which pass the filter with which tags, how the outbox
// coalesces, and how strict the simulator is.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SmsClient } from '../../src/sms/client.ts';
import { SmsRefused } from '../../src/errors.ts';
import { extractObjects } from '../../src/sms/extract.ts';
import { normaliseDomain, normaliseValue } from '../../src/sms/object.ts';
import { qualifies, tagData, type Policy } from '../../src/sms/policy.ts';
import { ObjectStore } from '../../src/sms/store.ts';
import { openObjects } from '../../src/sms/database.ts';
import { openState } from '../../src/state/db.ts';
import { classifyLine } from '../../src/parse/index.ts';
import { parseTagData, SmsSimulator } from '../peers/sms-simulator.ts';
import { peerRoot, pki } from '../peers/peers.ts';
import { tmpdir } from '../helpers/tmp.ts';

const objects = (line: string) => extractObjects(classifyLine(line)).map((o) => `${o.type} ${o.value} ${o.risk} ${o.category}`);

describe('objects from detections', () => {
  it('takes C&C destinations from CEF (cn1), with the risk of the severity', () => {
    const l = 'CEF:0|Trend Micro|Deep Discovery Inspector|6.0|1002|C&C|8|src=10.1.1.1 dst=198.51.100.7 dhost=Evil.Example.NET cn1=1 request=http://cdn.bad.example/x';
    expect(objects(l)).toEqual([
      'ipv4 198.51.100.7 high cnc-callback', 'domain evil.example.net high cnc-callback', 'domain cdn.bad.example high cnc-callback',
    ]);
    expect(objects(l.replace('|8|', '|6|'))).toHaveLength(3);
    expect(objects(l.replace('|8|', '|6|'))[0]).toContain(' medium ');
    expect(objects(l.replace('|8|', '|4|'))[0]).toContain(' low ');
    expect(objects(l.replace('|8|', '|2|'))).toEqual([]); // informational
  });

  it('takes the URL host of a URL detection (DDEI 100132) as a suspicious object', () => {
    expect(objects('Jan 18 10:49:41 ddei5 CEF:0|Trend Micro|Deep Discovery Email Inspector|5.1.0.1288|100132|URL_DETECTION|6|rt=Jan 18 2023 10:49:39 GMT+00:00 dvchost=ddei5 request=http://bad.example/ cs1Label=threats cs1=TSPY_KEYLOG.GC dvc=10.64.1.140'))
      .toEqual(['domain bad.example medium suspicious-object']);
  });

  it('reads DDI LEEF C&C fields (cccaDestination, format, risk level)', () => {
    const leef = 'LEEF:1.0|Trend Micro|Deep Discovery Inspector|3.8.1175|SECURITY_RISK_DETECTION|devTime=Mar 09 2015 11:58:24 GMT+08:00\tsev=6\tproto=HTTP\tdhost=www.freewebs.com\tdst=216.52.115.2\tdstPort=80\tsrc=172.16.1.197\tsrcPort=12121\tmalType=MALWARE\truleId=20\tmsg=Malware URL requested - Type 1\tact=not blocked\tthreatType=1\tcccaDestinationFormat=URL\tcccaRiskLevel=2\tcccaDetection=1\tpAttackPhase=Command and Control Communication';
    expect(objects(leef)).toEqual(['domain www.freewebs.com medium cnc-callback']);
    expect(objects(leef.replace('cccaDestinationFormat=URL', 'cccaDestination=203.0.113.5\tcccaDestinationFormat=IP_DOMAIN').replace('cccaRiskLevel=2', 'cccaRiskLevel=3')))
      .toEqual(['ipv4 203.0.113.5 high cnc-callback']);
    expect(objects(leef.replace('cccaRiskLevel=2', 'cccaRiskLevel=0'))).toEqual([]);
  });

  it('never makes an object of an internal or reserved address, and ignores other lines', () => {
    for (const ip of ['10.0.0.1', '172.20.1.1', '192.168.1.1', '127.0.0.1', '169.254.1.1', '100.64.0.1', '224.0.0.1', '0.0.0.0']) {
      expect(objects(`CEF:0|TM|DDI|1|1|x|8|dst=${ip} cn1=1`)).toEqual([]);
    }
    expect(objects('<13>Nov 22 08:00:00 host app: dst=203.0.113.1 cn1=1')).toEqual([]);
    expect(objects('CEF:0|TM|DDI|1|1|x|8|dst=203.0.113.1')).toEqual([]); // no C&C flag, no URL
  });
});

describe('values', () => {
  it('normalises domains to lower-case IDNA and refuses what is not a name', () => {
    expect(normaliseDomain('Bücher.Example.')).toBe('xn--bcher-kva.example');
    for (const bad of ['localhost', 'a b.example', '-x.example', 'x.123', '1.2.3.4', 'http://x.example', 'x'.repeat(64) + '.example']) {
      expect(normaliseDomain(bad), bad).toBeUndefined();
    }
    expect(() => normaliseValue('ipv4', '1.2.3.04')).toThrow(/value: must be an IPv4 address/);
  });
});

const POLICY: Policy = { types: ['ipv4', 'domain'], riskLevel: 'high-medium', publisher: 'ATP for Email', source: 'ddei-01' };

describe('policy and tags', () => {
  it('filters by type and risk level', () => {
    expect(qualifies(POLICY, 'ipv4', 'high')).toBe(true);
    expect(qualifies(POLICY, 'domain', 'medium')).toBe(true);
    expect(qualifies(POLICY, 'domain', 'low')).toBe(false);
    expect(qualifies({ ...POLICY, types: ['domain'] }, 'ipv4', 'high')).toBe(false);
    expect(qualifies({ ...POLICY, riskLevel: 'high-medium-low' }, 'ipv4', 'low')).toBe(true);
  });

  it('builds TagData with exactly the four Trend Micro categories, and refuses a value TagData cannot carry', () => {
    expect(tagData(POLICY, 'cnc-callback', 'medium')).toBe(
      'Trend Micro Publisher,ATP for Email,Trend Micro Source,ddei-01,Trend Micro Detection Category,C&C Callback Address,Trend Micro Severity,Medium');
    expect(() => tagData({ ...POLICY, publisher: 'Acme, Inc.' }, 'suspicious-object', 'high')).toThrow(/Trend Micro Publisher: .*no comma/);
    expect(() => tagData({ ...POLICY, source: '' }, 'suspicious-object', 'high')).toThrow(/Trend Micro Source/);
  });
});

describe('the outbox', () => {
  function store() {
    const state = openObjects(tmpdir(), { durability: 'normal' });
    return { state, s: new ObjectStore(state.db, { ttlMs: 86_400_000, maxObjects: 3 }) };
  }
  const row = (type: 'ipv4' | 'domain', value: string) => ({ type, value, risk: 'high' as const, category: 'suspicious-object' as const, source: 't' });

  it('coalesces: an add cancelled before it was sent never leaves', () => {
    const { state, s } = store();
    s.setPolicy(POLICY);
    s.upsert(row('ipv4', '203.0.113.1'));
    expect(s.stats().pending).toBe(1);
    s.remove('ipv4', '203.0.113.1');
    expect(s.stats().pending).toBe(0);
    state.db.close();
  });

  it('after delivery, a filter change queues a delete; delivery of the delete empties it', () => {
    const { state, s } = store();
    s.setPolicy(POLICY);
    s.upsert({ ...row('domain', 'med.example'), risk: 'medium' });
    const b = s.nextBatch(50, 1000, 5000)!;
    s.delivered(b.rows);
    expect(s.stats()).toMatchObject({ pending: 0, onSms: 1 });
    s.setPolicy({ ...POLICY, riskLevel: 'high' });
    const d = s.nextBatch(50, 1000, 5000)!;
    expect(d.rows.map((r) => [r.op, r.value])).toEqual([['delete', 'med.example']]);
    s.delivered(d.rows);
    expect(s.stats()).toMatchObject({ pending: 0, onSms: 0 });
    state.db.close();
  });

  it('survives a restart, and distribution off changes nothing', () => {
    const dir = tmpdir();
    let state = openObjects(dir, { durability: 'full' });
    let s = new ObjectStore(state.db, { ttlMs: 86_400_000, maxObjects: 10 });
    s.setPolicy(POLICY);
    s.upsert(row('ipv4', '203.0.113.2'));
    s.upsert(row('ipv4', '203.0.113.3'));
    state.db.close();
    state = openObjects(dir, { durability: 'full' });
    s = new ObjectStore(state.db, { ttlMs: 86_400_000, maxObjects: 10 });
    s.setPolicy(undefined); // off
    s.remove('ipv4', '203.0.113.2');
    expect(s.stats().pending).toBe(2);
    s.setPolicy(POLICY);
    expect(s.stats().pending).toBe(1);
    state.db.close();
  });

  it('recomputes the outbox only when the filter changes, and then a slice at a time', async () => {
    const state = openObjects(tmpdir(), { durability: 'normal' });
    const s = new ObjectStore(state.db, { ttlMs: 86_400_000, maxObjects: 100_000 });
    await s.setPolicy(POLICY);
    const many = Array.from({ length: 5000 }, (_, i) => ({ ...row('ipv4', `198.51.${i >> 8}.${i & 255}`), risk: 'medium' as const }));
    s.upsertMany(many);
    expect(s.stats().pending).toBe(5000);
    // A reload with the same filter (a new but equal object) does no work.
    const reconcile = vi.spyOn((s as unknown as { reconciler: { one: () => void } }).reconciler, 'one');
    await s.setPolicy({ ...POLICY });
    expect(reconcile).not.toHaveBeenCalled();
    // A new filter: the event loop gets its turns while 5,000 objects are recomputed.
    let turns = 0;
    let done = false;
    const spin = () => {
      turns++;
      if (!done) setImmediate(spin);
    };
    setImmediate(spin);
    await s.setPolicy({ ...POLICY, riskLevel: 'high' });
    done = true;
    expect(reconcile).toHaveBeenCalledTimes(5000);
    expect(turns).toBeGreaterThanOrEqual(4);
    expect(s.stats().pending).toBe(0);
    state.db.close();
  });

  it('takes over the objects, the outbox and what the SMS holds from a state.db of 0.1.0, once', () => {
    const dir = tmpdir();
    const legacy = openState(dir, { durability: 'normal' });
    const ins = (sql: string, ...v: unknown[]) => legacy.db.prepare(sql).run(...v);
    const t = 1_796_000_000_000;
    ins(`INSERT INTO sms_object VALUES ('ipv4', '203.0.113.5', 'high', 'cnc-callback', 'cef:1002', ?, ?, ?)`, t, t + 5000, t + 86_400_000);
    ins(`INSERT INTO sms_object VALUES ('domain', 'old.example', 'medium', 'suspicious-object', 'cli', ?, ?, ?)`, t, t, t + 86_400_000);
    ins(`INSERT INTO sms_sent VALUES ('ipv4', '203.0.113.5', 'tags', ?)`, t);
    ins(`INSERT INTO sms_outbox (type, value, op, tags, queued_at, failed, last_error) VALUES ('domain', 'old.example', 'add', 'x', ?, 1, 'refused')`, t);
    ins(`INSERT INTO counter VALUES ('sms_sent_adds', 7)`);
    const objects = openObjects(dir, { durability: 'normal' }, legacy.db);
    const s = new ObjectStore(objects.db, { ttlMs: 86_400_000, maxObjects: 10 });
    expect(s.get('ipv4', '203.0.113.5')).toEqual({
      type: 'ipv4', value: '203.0.113.5', risk: 'high', category: 'cnc-callback', source: 'cef:1002',
      firstSeen: t, lastSeen: t + 5000, expiresAt: t + 86_400_000,
    });
    expect(s.stats()).toMatchObject({ objects: 2, byTypeAndRisk: { 'ipv4.high': 1, 'domain.medium': 1 }, onSms: 1, failed: 1,
      sent: { adds: 7 } });
    expect(legacy.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'sms\\_%' ESCAPE '\\'").get()).toEqual({ n: 0 });
    objects.db.close();
    // Opened again: nothing to take over, nothing counted twice.
    const again = openObjects(dir, { durability: 'normal' }, legacy.db);
    expect(new ObjectStore(again.db, { ttlMs: 86_400_000, maxObjects: 10 }).stats()).toMatchObject({ objects: 2, onSms: 1 });
    again.db.close();
    legacy.db.close();
    expect(fs.statSync(path.join(dir, 'objects.db')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'state.db')).mode & 0o777).toBe(0o600);
  });

  it('counts a batch of objects exactly, and a batch that fails halfway leaves rows and counts as they were', () => {
    const { state, s } = store();
    s.setPolicy(POLICY);
    s.upsertMany([row('ipv4', '203.0.113.1'), row('ipv4', '203.0.113.2'), row('ipv4', '203.0.113.3'), row('ipv4', '203.0.113.4')], 1000);
    expect(s.stats()).toMatchObject({ objects: 3, evicted: 1, pending: 3, byTypeAndRisk: { 'ipv4.high': 3 } });
    const bad = { ...row('ipv4', '203.0.113.9'), type: 'bogus' as 'ipv4' };
    expect(() => s.upsertMany([row('domain', 'b.example'), bad], 2000)).toThrow();
    expect(s.stats()).toMatchObject({ objects: 3, evicted: 1, pending: 3, byTypeAndRisk: { 'ipv4.high': 3 } });
    expect(s.get('domain', 'b.example')).toBeUndefined();
    s.upsert(row('domain', 'c.example'), 3000);
    expect(s.stats()).toMatchObject({ objects: 3, evicted: 2 });
    state.db.close();
  });

  it('stores an address as its four bytes, lists addresses in numeric order, and finds nothing for a value that is not one', () => {
    const { state, s } = store();
    for (const ip of ['203.0.113.10', '203.0.113.9', '198.51.100.255']) s.upsert(row('ipv4', ip), 1000);
    expect(state.db.prepare("SELECT typeof(value) AS t, length(value) AS n FROM object WHERE type = 1").all())
      .toEqual(Array(3).fill({ t: 'blob', n: 4 }));
    expect(s.list(10).map((o) => o.value)).toEqual(['198.51.100.255', '203.0.113.9', '203.0.113.10']);
    expect(s.get('ipv4', '203.0.113.9')).toMatchObject({ value: '203.0.113.9', risk: 'high' });
    for (const bad of ['203.0.113', '203.0.113.9.1', '203.0.113.256', '203.0.113.x', '']) {
      expect(s.get('ipv4', bad)).toBeUndefined();
      expect(s.remove('ipv4', bad)).toBe(false);
    }
    state.db.close();
  });

  it('is bounded: past maxObjects the one closest to expiry makes room, counted', () => {
    const { state, s } = store();
    s.setPolicy(POLICY);
    for (let i = 1; i <= 5; i++) s.upsert(row('ipv4', `203.0.113.${i}`), 1000 + i);
    expect(s.stats()).toMatchObject({ objects: 3, evicted: 2 });
    expect(s.get('ipv4', '203.0.113.1')).toBeUndefined();
    state.db.close();
  });
});

describe('the SMS simulator is strict', () => {
  let sim: SmsSimulator;
  let client: SmsClient;
  beforeAll(async () => {
    const root = peerRoot();
    const p = pki(root);
    sim = await new SmsSimulator({ certFile: path.join(p.dir, 'server.pem'), keyFile: path.join(p.dir, 'server.key'), username: 'u', password: 'p' }).start();
    client = new SmsClient({ host: '127.0.0.1', port: sim.port, username: 'u', password: 'p', apiKey: '', trust: { caFile: p.ca, fingerprints: [] }, timeoutMs: 5000 });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it.each([
    ['an odd pair list', 'Trend Micro Severity'],
    ['an unknown category', 'Trend Micro Colour,Red'],
    ['a List value that is not one of its values', 'Trend Micro Severity,Critical'],
    ['a category given twice', 'Trend Micro Severity,High,Trend Micro Severity,Low'],
    ['an empty value', 'Trend Micro Source,'],
  ])('refuses TagData with %s', (_what, tags) => {
    expect(() => parseTagData(tags)).toThrow();
  });

  it('answers 400 to a bad add, 412 to a bad query, 204 when not found, 401 to a bad login', async () => {
    await expect(client.add([{ type: 'ipv4', value: '999.0.0.1' }], 'Trend Micro Severity,High')).rejects.toBeInstanceOf(SmsRefused);
    await expect(client.add([{ type: 'ipv4', value: '203.0.113.1' }], 'Nope,High')).rejects.toMatchObject({ status: 400 });
    await expect(client.query([{ type: 'domain', value: 'bad..example' }])).rejects.toMatchObject({ status: 412 });
    expect(await client.query([{ type: 'ipv4', value: '203.0.113.1' }])).toEqual({ found: false, body: '' });
    await client.add([{ type: 'ipv4', value: '203.0.113.1' }, { type: 'domain', value: 'x.example' }], 'Trend Micro Severity,High');
    expect((await client.query([{ type: 'domain', value: 'x.example' }])).body).toBe('x.example,Trend Micro Severity,High');
    const wrong = new SmsClient({ host: '127.0.0.1', port: sim.port, username: 'u', password: 'bad', apiKey: '', trust: { caFile: pki(peerRoot()).ca, fingerprints: [] }, timeoutMs: 5000 });
    await expect(wrong.status()).rejects.toMatchObject({ code: 'E_AUTH' });
    await expect(client.bulk('import', 'ipv4', ['203.0.113.9,Trend Micro Severity,Low', 'not-an-ip'])).rejects.toMatchObject({ status: 400 });
    expect(sim.entry('ip', '203.0.113.9')).toBeUndefined(); // nothing of a refused file is applied
  });
});
