// Checks a command's --json output against the documented table
// (src/cli/json-output.ts): every field it prints is documented with a type
// that fits, and every documented field that may not be absent is there.

import { ERROR_FIELDS, OUTPUTS, type FieldDoc } from '../../src/cli/json-output.ts';

interface Doc {
  types: Set<string>;
  optional: boolean;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function parentOf(path: string): string | undefined {
  if (path.endsWith('[]')) return undefined; // an array's elements, not a member
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(0, dot);
}

/** Problems with `out` as the output of `command`; empty when it keeps the contract. */
export function contractProblems(command: string, out: unknown, ok: boolean): string[] {
  const c = OUTPUTS.find((o) => o.command === command);
  if (!c) return [`"${command}" is not in the JSON output table`];
  const fields: FieldDoc[] = ok ? [...c.success] : [...ERROR_FIELDS, ...(c.failure ?? [])];
  const docs = new Map<string, Doc>([['ok', { types: new Set(['boolean']), optional: false }]]);
  for (const f of fields) {
    const optional = f.path.endsWith('?');
    docs.set(f.path.replace(/\?$/, ''), { types: new Set(f.type.split('|')), optional });
  }
  const problems: string[] = [];
  if (typeOf(out) !== 'object') return ['the output is not a JSON object'];
  if ((out as { ok?: unknown }).ok !== ok) problems.push(`ok is ${String((out as { ok?: unknown }).ok)}, expected ${ok}`);

  const visit = (value: unknown, path: string, doc: Doc) => {
    const t = typeOf(value);
    if (!doc.types.has('any') && !doc.types.has(t)) problems.push(`${path}: is ${t}, documented as ${[...doc.types].join('|')}`);
    if (doc.types.has('any')) return;
    if (t === 'array') {
      const el = docs.get(`${path}[]`);
      for (const [i, v] of (value as unknown[]).entries()) {
        if (!el) {
          problems.push(`${path}[${i}]: the array's elements are not documented`);
          break;
        }
        visit(v, `${path}[]`, el);
      }
    }
    if (t === 'object') members(value as Record<string, unknown>, path);
  };

  const members = (obj: Record<string, unknown>, path: string) => {
    const prefix = path === '' ? '' : `${path}.`;
    for (const [k, v] of Object.entries(obj)) {
      const p = `${prefix}${k}`;
      const doc = docs.get(p) ?? docs.get(`${prefix}*`);
      if (!doc) problems.push(`${p}: not documented`);
      else visit(v, docs.has(p) ? p : `${prefix}*`, doc);
    }
    for (const [p, d] of docs) {
      if (d.optional || parentOf(p) !== path || p.endsWith('*')) continue;
      if (!(p.slice(prefix.length) in obj)) problems.push(`${p}: documented but missing`);
    }
  };

  members(out as Record<string, unknown>, '');
  return problems;
}
