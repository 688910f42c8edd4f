// Whole-document validation: unknown keys, per-field rules, then the rules
// that tie fields together. Every problem is reported, not just the first,
// so a menu can mark all offending fields at once.

import { ConfigInvalidError, type Problem } from '../errors.ts';
import type { Field, Value } from './fields.ts';
import { FIELD_BY_KEY, FIELDS, SECTIONS, type Config } from './schema.ts';

/** The file form: sections of keys, any subset of the schema. */
export type ConfigDoc = Record<string, Record<string, unknown>>;

function describe(field: Field | undefined, input: unknown): string {
  if (field?.secret) return typeof input === 'string' ? `${input.length} characters` : typeof input;
  // A string is cut before it is quoted: never build a copy of a huge input to show 80 characters of it.
  if (typeof input === 'string') return JSON.stringify(input.length > 80 ? `${input.slice(0, 74)}...` : input);
  if (typeof input === 'object' && input !== null) return Array.isArray(input) ? 'a list' : 'an object';
  return String(input);
}

/** A name from the input, as echoed back: a 50 MB key must not come back whole. */
function shownName(name: string): string {
  return name.length > 64 ? `${name.slice(0, 61)}...` : name;
}

export function problem(field: string, rule: string, input?: unknown): Problem {
  const f = FIELD_BY_KEY.get(field);
  const got = input === undefined ? '' : ` (got ${describe(f, input)})`;
  const name = shownName(field);
  return { field: name, rule, message: `${name}: ${rule}${got}` };
}

/** A document that is an object of sections, each an object: checked before anything reads or merges it. */
export function checkShape(doc: unknown): asserts doc is ConfigDoc {
  const problems: Problem[] = [];
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    problems.push(problem('(document)', 'must be a JSON object of sections'));
  } else {
    for (const [section, body] of Object.entries(doc)) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) problems.push(problem(section, 'must be an object of settings'));
    }
  }
  if (problems.length > 0) throw new ConfigInvalidError(problems);
}

/** Flatten a document into dotted keys, reporting anything that is not a known field. */
export function flatten(doc: unknown, problems: Problem[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    problems.push(problem('(document)', 'must be a JSON object of sections'));
    return out;
  }
  for (const [section, body] of Object.entries(doc)) {
    if (!SECTIONS.includes(section)) {
      problems.push(problem(section, `is not a known section (known: ${SECTIONS.join(', ')})`));
      continue;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      problems.push(problem(section, 'must be an object of settings'));
      continue;
    }
    for (const [name, value] of Object.entries(body)) {
      const key = `${section}.${name}`;
      if (!FIELD_BY_KEY.has(key)) problems.push(problem(key, 'is not a known setting'));
      else out.set(key, value);
    }
  }
  return out;
}

export function unflatten(values: ReadonlyMap<string, unknown>): ConfigDoc {
  const doc: ConfigDoc = {};
  for (const f of FIELDS) {
    if (!values.has(f.key)) continue;
    const [section, name] = f.key.split('.') as [string, string];
    (doc[section] ??= {})[name] = values.get(f.key);
  }
  return doc;
}

function crossRules(c: Config): Problem[] {
  const p: Problem[] = [];
  const need = (cond: boolean, key: string, when: string) => {
    if (cond) p.push(problem(key, `must be set when ${when}`));
  };
  if (c.tmsp.enabled) {
    for (const k of ['logServer', 'statusServer', 'username', 'password', 'registrationEmail'] as const) {
      need(c.tmsp[k] === '', `tmsp.${k}`, 'tmsp.enabled is true');
    }
  }
  if (c.tmsp.enabled && c.tmsp.useProxy) need(c.proxy.host === '', 'proxy.host', 'tmsp.useProxy is true');
  need(c.proxy.password !== '' && c.proxy.username === '', 'proxy.username', 'proxy.password is set');
  if (c.sms.enabled) {
    for (const k of ['server', 'username', 'password'] as const) need(c.sms[k] === '', `sms.${k}`, 'sms.enabled is true');
  }
  if (c.spool.budgetBytes < 8 * c.spool.chunkMaxBytes) {
    p.push(problem('spool.budgetBytes', 'must be at least 8 times spool.chunkMaxBytes', c.spool.budgetBytes));
  }
  if (c.ingest.unixSocket !== '' && c.ingest.unixSocket === c.daemon.controlSocket) {
    p.push(problem('ingest.unixSocket', 'must differ from daemon.controlSocket'));
  }
  return p;
}

/**
 * Validate a sparse document (what the file holds) and return the effective
 * configuration with defaults filled in. Throws ConfigInvalidError listing
 * every problem.
 */
export function resolve(doc: unknown): Config {
  const problems: Problem[] = [];
  const given = flatten(doc, problems);
  const values = new Map<string, Value>();
  for (const f of FIELDS) {
    if (!given.has(f.key)) {
      values.set(f.key, f.default);
      continue;
    }
    const input = given.get(f.key);
    const v = f.coerce(input, false);
    if (v !== undefined) {
      values.set(f.key, v);
      continue;
    }
    const p = problem(f.key, f.rule, input);
    // "15" for a number, "true" for a flag: right in menu text, the wrong JSON type in a file.
    const asText = f.coerce(input, true);
    if (asText !== undefined) p.message += `: write it as a JSON ${typeof asText === 'number' ? 'number' : typeof asText === 'boolean' ? 'true or false' : 'value'}, without quotes`;
    problems.push(p);
  }
  if (problems.length > 0) throw new ConfigInvalidError(problems);
  const config = unflatten(values) as unknown as Config;
  const cross = crossRules(config);
  if (cross.length > 0) throw new ConfigInvalidError(cross);
  return config;
}

/**
 * Apply `key=value` assignments in menu text form to a sparse document.
 * Returns a new document; the input is not modified.
 */
export function assign(doc: ConfigDoc, assignments: ReadonlyArray<[string, string]>): ConfigDoc {
  const problems: Problem[] = [];
  const values = flatten(doc, problems);
  for (const [key, raw] of assignments) {
    const f = FIELD_BY_KEY.get(key);
    if (!f) {
      problems.push(problem(key, 'is not a known setting'));
      continue;
    }
    const v = f.coerce(raw, true);
    if (v === undefined) problems.push(problem(key, f.rule, raw));
    else values.set(key, v);
  }
  if (problems.length > 0) throw new ConfigInvalidError(problems);
  return unflatten(values);
}

export function getValue(config: Config, key: string): Value {
  const [section, name] = key.split('.') as [string, string];
  return (config as unknown as Record<string, Record<string, Value>>)[section]![name]!;
}
