// Every configuration rule, with values it must accept and values it must
// refuse (menu text, as `config set KEY=VALUE` passes it). The refusal must
// name the field and state the rule.

import { describe, expect, it } from 'vitest';
import { ConfigInvalidError } from '../../src/errors.ts';
import { FIELDS } from '../../src/config/schema.ts';
import { assign, resolve } from '../../src/config/validate.ts';
import { CASES } from '../helpers/config-cases.ts';

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
