// Every configuration rule, with values it must accept and values it must
// refuse (menu text, as `config set KEY=VALUE` passes it). The refusal must
// name the field and state the rule.

import { describe, expect, it } from 'vitest';
import { ConfigInvalidError } from '../../src/errors.ts';
import { FIELDS } from '../../src/config/schema.ts';
import { assign, resolve } from '../../src/config/validate.ts';

type Case = [key: string, good: string[], bad: string[], ruleWords: string];

const CASES: Case[] = [
  ['appliance.id', ['tda-01', 'A.b_c-9', ''], ['.hidden', 'has space', 'a/b', 'x'.repeat(65), 'tmsp/#'], '1-64 characters'],
  ['appliance.hostname', ['tda01', 'tda01.example.com', ''], ['-bad', 'under_score', 'a..b', '1.2.3'], 'host name'],
  ['appliance.productName', ['Threat Discovery Appliance', 'X'], ['', 'a,b', 'x'.repeat(256), 'tab\there'], 'without a comma'],
  ['appliance.model', ['TDA-1000', ''], ['a,b'], 'without a comma'],
  ['appliance.serial', ['SN123', ''], ['a,b', 'é'], 'printable ASCII'],
  ['tmsp.enabled', ['true', 'false', 'yes', 'no', 'on', 'off', '1', '0'], ['maybe', '', '2'], 'true or false'],
  ['tmsp.logServer', ['logs.tmsp.example.com', '192.0.2.1', '192.0.2.1:2222', 'log:443', '[2001:db8::1]:22', ''],
    ['http://x', 'host:0', 'host:65536', 'a b', '999.1.1.1', 'host:port'], 'host name or IP address'],
  ['tmsp.protocol', ['ssh', 'ssl'], ['SSH', 'ftp', '', 'https'], 'one of: ssh, ssl'],
  ['tmsp.uploadIntervalMinutes', ['1', '15', '1440'], ['0', '1441', '-5', '1.5', 'ten', ''], 'from 1 to 1440'],
  ['tmsp.statusServer', ['status.example.com:8883', '198.51.100.7', ''], ['status server', 'x:99999'], 'host name or IP address'],
  ['tmsp.username', ['appliance01', 'x', ''], ['user:name', 'x'.repeat(65), 'tab\t'], 'without ":"'],
  ['tmsp.password', ['s3cret!', 'p a s s', ''], ['x'.repeat(129), 'bell\u0007'], '1-128 printable ASCII'],
  ['tmsp.registrationEmail', ['admin@example.com', 'a.b+tag@mail.example.org', ''],
    ['admin', 'admin@', '@example.com', 'a@b', 'a..b@example.com', 'a b@example.com'], 'email address'],
  ['tmsp.useProxy', ['true', 'false'], ['proxy'], 'true or false'],
  ['tmsp.logBasePath', ['upload', '/srv/tmsp/in', 'a/b.c/d_e-f', 'upload/'], ['', '../etc', 'a/../b', 'a b', 'a//b', 'x?y'], 'separated by "/"'],
  ['tmsp.hostKeyFingerprint', ['SHA256:' + 'A'.repeat(43), ''], ['MD5:aa:bb', 'SHA256:short', 'A'.repeat(43)], 'SHA256:'],
  ['tmsp.tlsCaFile', ['/etc/tmsp-agent/ca.pem', ''], ['ca.pem'], 'absolute path'],
  ['tmsp.tlsFingerprints', ['ab'.repeat(32), 'AB:'.repeat(31) + 'AB', ''], ['ab'.repeat(31), 'zz'.repeat(32)], 'SHA-256 certificate fingerprint'],
  ['tmsp.statusTls', ['true', 'false'], ['tls'], 'true or false'],
  ['tmsp.statusTlsFingerprints', ['ab'.repeat(32), 'AB:'.repeat(31) + 'AB', ''], ['ab'.repeat(31), 'zz'.repeat(32)], 'SHA-256 certificate fingerprint'],
  ['tmsp.heartbeatSeconds', ['5', '60', '3600'], ['4', '3601'], 'from 5 to 3600'],
  ['tmsp.sftpParallelWrites', ['1', '64'], ['0', '65'], 'from 1 to 64'],
  ['tmsp.bandwidthLimitBytes', ['0', '128KiB', '1GiB'], ['-1', '2GiB'], 'size from 0 bytes to 1 GiB'],
  ['tmsp.highWaterPercent', ['1', '100'], ['0', '101'], 'from 1 to 100'],
  ['tmsp.batchMaxBytes', ['64KiB', '4GiB'], ['1KiB', '5GiB'], 'size from 64 KiB to 4 GiB'],
  ['tmsp.retryMaxSeconds', ['1', '3600'], ['0', '3601'], 'from 1 to 3600'],
  ['tmsp.timeoutSeconds', ['1', '300'], ['0', '301'], 'from 1 to 300'],
  ['tmsp.keepaliveSeconds', ['5', '600'], ['4', '601'], 'from 5 to 600'],
  ['proxy.host', ['proxy.example.com', '10.0.0.1', ''], ['http://proxy', 'proxy:8080', '10.0.0.256'], 'host name or IP address'],
  ['proxy.port', ['1', '3128', '65535'], ['0', '65536', 'http', ''], 'from 1 to 65535'],
  ['proxy.username', ['puser', ''], ['p:user'], 'without ":"'],
  ['proxy.password', ['pp', ''], ['x'.repeat(129)], 'printable ASCII'],
  ['proxy.noProxy', ['localhost,.example.com,10.0.0.0/8,192.0.2.1', '*', '', '*.internal'],
    ['10.0.0.0/33', 'bad host!', 'http://x'], 'comma-separated list'],
  ['sms.enabled', ['true', 'false'], ['enable it'], 'true or false'],
  ['sms.server', ['192.0.2.10', '10.1.1.1', ''], ['sms.example.com', '192.0.2.10:443', '192.0.2', '010.0.0.1', '256.1.1.1', '::1'],
    'IPv4 address'],
  ['sms.username', ['a', 'administrator1', 'x'.repeat(15), ''], ['x'.repeat(16), 'us:er', 'tab\t'], '1-15'],
  ['sms.password', ['p', 'x'.repeat(15), ''], ['x'.repeat(16), 'new\nline'], '1-15 printable ASCII'],
  ['sms.objectTypes', ['ipv4', 'domain', 'ipv4,domain', 'IPv4, Domain'], ['', 'url', 'ipv6', 'ipv4,url'], 'ipv4 or domain'],
  ['sms.riskLevel', ['high', 'high-medium', 'high-medium-low'], ['medium', 'High', 'low', ''], 'one of: high, high-medium, high-medium-low'],
  ['sms.port', ['443', '8443'], ['0', '70000'], 'from 1 to 65535'],
  ['sms.apiKey', ['0123-abcd', ''], ['x'.repeat(129), 'tab\t'], 'printable ASCII'],
  ['sms.tlsCaFile', ['/etc/sms-ca.pem', ''], ['ca.pem'], 'absolute path'],
  ['sms.tlsFingerprints', ['ab'.repeat(32), ''], ['nothex'], 'SHA-256 certificate fingerprint'],
  ['sms.objectTtlDays', ['1', '30', '3650'], ['0', '3651'], 'from 1 to 3650'],
  ['sms.maxObjects', ['100', '1000000'], ['99', '1000001'], 'from 100 to 1000000'],
  ['sms.batchSize', ['1', '500'], ['0', '501'], 'from 1 to 500'],
  ['sms.importThreshold', ['2', '100000'], ['1', '100001'], 'from 2 to 100000'],
  ['sms.requestIntervalMs', ['0', '60000'], ['-1', '60001'], 'from 0 to 60000'],
  ['sms.retryMaxSeconds', ['1', '3600'], ['0', '3601'], 'from 1 to 3600'],
  ['sms.timeoutSeconds', ['1', '300'], ['0', '301'], 'from 1 to 300'],
  ['ingest.unixSocket', ['/dev/log', '/run/tmsp-agent/log.sock', ''], ['relative/log.sock', 'log.sock'], 'absolute path'],
  ['ingest.listenAddress', ['127.0.0.1', '127.1.2.3', '::1'], ['0.0.0.0', '192.0.2.1', 'localhost', ''], 'loopback'],
  ['ingest.udpPort', ['0', '514', '65535'], ['-1', '65536', 'syslog'], 'from 0 to 65535'],
  ['ingest.tcpPort', ['0', '6514'], ['70000'], 'from 0 to 65535'],
  ['ingest.tcpMaxConnections', ['1', '1024'], ['0', '1025'], 'from 1 to 1024'],
  ['ingest.maxMessageBytes', ['1024', '64KiB', '65536', '8k'], ['1023', '65537', '1MiB', '64 parsecs'], 'size from 1 KiB to 64 KiB'],
  ['ingest.files', ['/var/log/messages', '/var/log/a.log,/var/log/b.log', ''], ['var/log/messages', '/ok,rel'], 'absolute path'],
  ['ingest.tailStartAt', ['beginning', 'end'], ['middle'], 'one of: beginning, end'],
  ['ingest.tailPollMs', ['50', '500', '60000'], ['49', '60001'], 'from 50 to 60000'],
  ['spool.budgetBytes', ['8MiB', '128M', '1GiB', '16777216'], ['1MiB', '100GiB', 'lots'], 'size from 8 MiB to 64 GiB'],
  ['spool.chunkMaxBytes', ['64KiB', '1MiB'], ['1KiB', '32MiB'], 'size from 64 KiB to 16 MiB'],
  ['spool.chunkMaxAgeMs', ['100', '5000', '600000'], ['99', '600001'], 'from 100 to 600000'],
  ['spool.durability', ['full', 'normal'], ['off', 'FULL'], 'one of: full, normal'],
  ['spool.compressionLevel', ['1', '9'], ['0', '10'], 'from 1 to 9'],
  ['spool.maxPendingBytes', ['1MiB', '256MiB'], ['512KiB', '1GiB'], 'size from 1 MiB to 256 MiB'],
  ['daemon.stateDir', ['/var/lib/tmsp-agent'], ['', 'var/lib'], 'absolute path'],
  ['daemon.controlSocket', ['/run/tmsp-agent/control.sock'], ['', 'control.sock'], 'absolute path'],
  ['daemon.addonDir', ['/var/lib/tmsp-agent/native', ''], ['native'], 'absolute path'],
  ['daemon.logFile', ['/var/log/tmsp-agent.log', ''], ['agent.log'], 'absolute path'],
  ['daemon.logMaxBytes', ['64KiB', '1MiB', '64MiB'], ['1KiB', '65MiB'], 'size from 64 KiB to 64 MiB'],
  ['daemon.logFiles', ['1', '10'], ['0', '11'], 'from 1 to 10'],
  ['daemon.logLevel', ['error', 'warn', 'info', 'debug'], ['trace', 'verbose'], 'one of: error, warn, info, debug'],
];

function refusal(fn: () => unknown): ConfigInvalidError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigInvalidError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('configuration rules', () => {
  it('covers every field of the schema', () => {
    expect(CASES.map((c) => c[0]).sort()).toEqual(FIELDS.map((f) => f.key).sort());
  });

  describe.each(CASES)('%s', (key, good, bad, ruleWords) => {
    it.each(good)('accepts %j', (value) => {
      expect(() => assign({}, [[key, value]])).not.toThrow();
    });
    it.each(bad)('refuses %j, naming the field and the rule', (value) => {
      const err = refusal(() => assign({}, [[key, value]]));
      expect(err.problems).toHaveLength(1);
      expect(err.problems[0]!.field).toBe(key);
      expect(err.problems[0]!.message.startsWith(`${key}: `)).toBe(true);
      expect(err.problems[0]!.rule).toContain(ruleWords);
      const field = FIELDS.find((f) => f.key === key)!;
      if (field.secret) expect(err.message).not.toContain(value.trim() === '' ? '\u0000' : value);
    });
  });

  it('normalises list values (case, spaces, duplicates)', () => {
    const doc = assign({}, [['sms.objectTypes', 'IPv4, Domain, ipv4']]);
    expect(resolve(doc).sms.objectTypes).toEqual(['ipv4', 'domain']);
  });

  it('reports every problem at once', () => {
    const err = refusal(() => assign({}, [['sms.server', 'sms.example.com'], ['sms.password', 'x'.repeat(16)], ['nope.key', '1']]));
    expect(err.problems.map((p) => p.field).sort()).toEqual(['nope.key', 'sms.password', 'sms.server']);
    expect(err.message).toContain('sms.server: must be an IPv4 address');
    expect(err.message).toContain('sms.password: must be 1-15 printable ASCII characters');
    expect(err.message).toContain('(got 16 characters)');
    expect(err.message).not.toContain('x'.repeat(16));
  });

  describe('rules between fields', () => {
    const tmsp: Array<[string, string]> = [
      ['tmsp.enabled', 'true'], ['tmsp.logServer', 'logs.example.com'], ['tmsp.statusServer', 'status.example.com'],
      ['tmsp.username', 'u'], ['tmsp.password', 'p'], ['tmsp.registrationEmail', 'a@example.com'],
    ];
    it('enabling TMSP needs the log server, status server, credentials and email', () => {
      expect(() => resolve(assign({}, tmsp))).not.toThrow();
      for (const [k] of tmsp.slice(1)) {
        const err = refusal(() => resolve(assign({}, tmsp.filter(([x]) => x !== k))));
        expect(err.problems.map((p) => p.field)).toEqual([k]);
        expect(err.problems[0]!.rule).toBe('must be set when tmsp.enabled is true');
      }
    });
    it('connecting through the proxy needs a proxy host', () => {
      const err = refusal(() => resolve(assign({}, [...tmsp, ['tmsp.useProxy', 'true']])));
      expect(err.problems.map((p) => p.field)).toEqual(['proxy.host']);
      expect(() => resolve(assign({}, [...tmsp, ['tmsp.useProxy', 'true'], ['proxy.host', 'proxy.lan']]))).not.toThrow();
    });
    it('a proxy password needs a proxy user name', () => {
      const err = refusal(() => resolve(assign({}, [['proxy.password', 'pw']])));
      expect(err.problems.map((p) => p.field)).toEqual(['proxy.username']);
    });
    it('enabling SMS distribution needs server, user name and password', () => {
      const sms: Array<[string, string]> = [['sms.enabled', 'true'], ['sms.server', '192.0.2.10'], ['sms.username', 'u'], ['sms.password', 'p']];
      expect(() => resolve(assign({}, sms))).not.toThrow();
      for (const [k] of sms.slice(1)) {
        const err = refusal(() => resolve(assign({}, sms.filter(([x]) => x !== k))));
        expect(err.problems.map((p) => p.field)).toEqual([k]);
      }
    });
    it('the spool budget must hold at least eight chunks', () => {
      const err = refusal(() => resolve(assign({}, [['spool.budgetBytes', '8MiB'], ['spool.chunkMaxBytes', '2MiB']])));
      expect(err.problems[0]!.field).toBe('spool.budgetBytes');
      expect(err.problems[0]!.rule).toContain('8 times spool.chunkMaxBytes');
    });
    it('the syslog socket cannot be the control socket', () => {
      const err = refusal(() => resolve(assign({}, [['ingest.unixSocket', '/run/x.sock'], ['daemon.controlSocket', '/run/x.sock']])));
      expect(err.problems[0]!.field).toBe('ingest.unixSocket');
    });
  });

  describe('files', () => {
    it('refuses unknown sections and keys, and wrong JSON types', () => {
      const err = refusal(() => resolve({ tmsp: { logserver: 'x', enabled: 'true', uploadIntervalMinutes: '15' }, bogus: {}, sms: [] }));
      const fields = err.problems.map((p) => p.field).sort();
      expect(fields).toEqual(['bogus', 'sms', 'tmsp.enabled', 'tmsp.logserver', 'tmsp.uploadIntervalMinutes']);
      expect(err.problems.find((p) => p.field === 'tmsp.logserver')!.rule).toBe('is not a known setting');
    });
    it('fills defaults for what a file leaves out', () => {
      const c = resolve({});
      expect(c.tmsp.protocol).toBe('ssh');
      expect(c.sms.riskLevel).toBe('high');
      expect(c.spool.budgetBytes).toBe(128 * 1024 * 1024);
    });
  });
});
