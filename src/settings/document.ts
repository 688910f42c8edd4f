// A settings document checked against its schema: unknown keys, per-field
// rules, then the rules that tie fields together. Every problem is reported,
// not just the first, so a menu can mark all offending fields at once; what
// is echoed of the input is cut, and a secret's value is never echoed.

import { ConfigInvalidError, type Problem } from '../errors.ts';
import type { Field, Value } from './fields.ts';
import type { Schema } from './schema.ts';

/** The file form: sections of keys, any subset of the schema. */
export type SettingsDoc = Record<string, Record<string, unknown>>;

function describe(field: Field | undefined, input: unknown): string {
  if (field?.secret) return typeof input === 'string' ? `${input.length} characters` : typeof input;
  // A URL refused for carrying a password must not show it back.
  if (typeof input === 'string') input = input.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:)[^/@\s]*@/i, '$1***@');
  // A string is cut before it is quoted: never build a copy of a huge input to show 80 characters of it.
  if (typeof input === 'string') return JSON.stringify(input.length > 80 ? `${input.slice(0, 74)}...` : input);
  if (typeof input === 'object' && input !== null) return Array.isArray(input) ? 'a list' : 'an object';
  return String(input);
}

/** A name from the input, as echoed back: a 50 MB key must not come back whole. */
function shownName(name: string): string {
  return name.length > 64 ? `${name.slice(0, 61)}...` : name;
}

export function problemIn(schema: Schema<never>, field: string, rule: string, input?: unknown): Problem {
  const f = schema.byKey.get(field);
  const got = input === undefined ? '' : ` (got ${describe(f, input)})`;
  const name = shownName(field);
  return { field: name, rule, message: `${name}: ${rule}${got}` };
}

/** A document that is an object of sections, each an object: checked before anything reads or merges it. */
export function checkShapeOf(schema: Schema<never>, doc: unknown): asserts doc is SettingsDoc {
  const problems: Problem[] = [];
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    problems.push(problemIn(schema, '(document)', 'must be a JSON object of sections'));
  } else {
    for (const [section, body] of Object.entries(doc)) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) problems.push(problemIn(schema, section, 'must be an object of settings'));
    }
  }
  if (problems.length > 0) throw new ConfigInvalidError(problems);
}

/** Flatten a document into dotted keys, reporting anything that is not a known field. */
export function flattenIn(schema: Schema<never>, doc: unknown, problems: Problem[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    problems.push(problemIn(schema, '(document)', 'must be a JSON object of sections'));
    return out;
  }
  for (const [section, body] of Object.entries(doc)) {
    if (!schema.sections.includes(section)) {
      problems.push(problemIn(schema, section, `is not a known section (known: ${schema.sections.join(', ')})`));
      continue;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      problems.push(problemIn(schema, section, 'must be an object of settings'));
      continue;
    }
    for (const [name, value] of Object.entries(body)) {
      const key = `${section}.${name}`;
      if (!schema.byKey.has(key)) problems.push(problemIn(schema, key, 'is not a known setting'));
      else out.set(key, value);
    }
  }
  return out;
}

export function unflattenIn(schema: Schema<never>, values: ReadonlyMap<string, unknown>): SettingsDoc {
  const doc: SettingsDoc = {};
  for (const f of schema.fields) {
    if (!values.has(f.key)) continue;
    const [section, name] = f.key.split('.') as [string, string];
    (doc[section] ??= {})[name] = values.get(f.key);
  }
  return doc;
}

/**
 * Validate a sparse document (what the file holds) and return the effective
 * settings with defaults filled in. Throws ConfigInvalidError listing every
 * problem.
 */
export function resolveIn<C>(schema: Schema<C>, doc: unknown): C {
  const problems: Problem[] = [];
  const given = flattenIn(schema, doc, problems);
  const values = new Map<string, Value>();
  for (const f of schema.fields) {
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
    const p = problemIn(schema, f.key, f.rule, input);
    // "15" for a number, "true" for a flag: right in menu text, the wrong JSON type in a file.
    const asText = f.coerce(input, true);
    if (asText !== undefined) p.message += `: write it as a JSON ${typeof asText === 'number' ? 'number' : typeof asText === 'boolean' ? 'true or false' : 'value'}, without quotes`;
    problems.push(p);
  }
  if (problems.length > 0) throw new ConfigInvalidError(problems);
  const settings = unflattenIn(schema, values) as unknown as C;
  const cross = schema.cross(settings);
  if (cross.length > 0) throw new ConfigInvalidError(cross);
  return settings;
}

/**
 * Apply `key=value` assignments in menu text form to a sparse document.
 * Returns a new document; the input is not modified.
 */
export function assignIn(schema: Schema<never>, doc: SettingsDoc, assignments: ReadonlyArray<[string, string]>): SettingsDoc {
  const problems: Problem[] = [];
  const values = flattenIn(schema, doc, problems);
  for (const [key, raw] of assignments) {
    const f = schema.byKey.get(key);
    if (!f) {
      problems.push(problemIn(schema, key, 'is not a known setting'));
      continue;
    }
    const v = f.coerce(raw, true);
    if (v === undefined) problems.push(problemIn(schema, key, f.rule, raw));
    else values.set(key, v);
  }
  if (problems.length > 0) throw new ConfigInvalidError(problems);
  return unflattenIn(schema, values);
}

export function valueIn(settings: unknown, key: string): Value {
  const [section, name] = key.split('.') as [string, string];
  return (settings as Record<string, Record<string, Value>>)[section]![name]!;
}
