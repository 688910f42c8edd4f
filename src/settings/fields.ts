// Field kinds of the configuration schema. A field turns operator input
// (menu text from `config set`, or a JSON value from a file) into a
// normalised value, or refuses it with the sentence that states its rule.

export type Value = string | number | boolean | string[];

/** A setting: `K` its dotted key, `V` the type of its value (the Config type is derived from these, schema.ts). */
export interface Field<K extends string = string, V extends Value = Value> {
  readonly key: K;
  readonly doc: string;
  /** The rule in words, used verbatim in refusals and in the README. */
  readonly rule: string;
  readonly default: V;
  readonly secret: boolean;
  /** Normalised value, or undefined when the input breaks the rule. */
  coerce(input: unknown, fromText: boolean): V | undefined;
}

interface Common {
  doc: string;
  secret?: boolean;
}

function field<K extends string, V extends Value>(key: K, c: Common, rule: string, dflt: V, coerce: Field<K, V>['coerce']): Field<K, V> {
  return { key, doc: c.doc, rule, default: dflt, secret: c.secret ?? false, coerce };
}

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1', 'enable', 'enabled']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0', 'disable', 'disabled']);

export function bool<K extends string>(key: K, dflt: boolean, c: Common): Field<K, boolean> {
  return field(key, c, 'must be true or false', dflt, (v, fromText) => {
    if (typeof v === 'boolean') return v;
    if (fromText && typeof v === 'string') {
      const w = v.trim().toLowerCase();
      if (TRUE_WORDS.has(w)) return true;
      if (FALSE_WORDS.has(w)) return false;
    }
    return undefined;
  });
}

export function int<K extends string>(key: K, dflt: number, min: number, max: number, c: Common & { unit?: string }): Field<K, number> {
  const unit = c.unit ? ` ${c.unit}` : '';
  return field(key, c, `must be a whole number from ${min} to ${max}${unit}`, dflt, (v, fromText) => {
    let n: number | undefined;
    if (typeof v === 'number') n = v;
    else if (fromText && typeof v === 'string' && /^\s*\d+\s*$/.test(v)) n = Number(v);
    return n !== undefined && Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
  });
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

export function formatBytes(n: number): string {
  for (const [u, f] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (n >= f && n % f === 0) return `${n / f} ${u}`;
  }
  return `${n} bytes`;
}

/** A byte count; text may carry a KiB/MiB/GiB suffix (K, M, G accepted). */
export function bytes<K extends string>(key: K, dflt: number, min: number, max: number, c: Common): Field<K, number> {
  const rule = `must be a size from ${formatBytes(min)} to ${formatBytes(max)} (bytes, or with a KiB/MiB/GiB suffix)`;
  return field(key, c, rule, dflt, (v, fromText) => {
    let n: number | undefined;
    if (typeof v === 'number') n = v;
    else if (fromText && typeof v === 'string') {
      const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(v);
      const f = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
      if (m && f) n = Number(m[1]) * f;
    }
    return n !== undefined && Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
  });
}

export function oneOf<K extends string, T extends string>(key: K, dflt: NoInfer<T>, values: readonly T[], c: Common): Field<K, T> {
  return field(key, c, `must be one of: ${values.join(', ')}`, dflt, (v) =>
    typeof v === 'string' && (values as readonly string[]).includes(v) ? v as T : undefined);
}

export interface TextRule {
  rule: string;
  /** Whether "" (not set) is acceptable on its own. */
  optional?: boolean;
  test(s: string): boolean;
  normalise?(s: string): string;
}

export function text<K extends string>(key: K, dflt: string, r: TextRule, c: Common): Field<K, string> {
  const rule = r.optional ? `${r.rule}, or empty` : r.rule;
  return field(key, c, rule, dflt, (v) => {
    if (typeof v !== 'string') return undefined;
    const s = r.normalise ? r.normalise(v) : v;
    if (s === '') return r.optional ? '' : undefined;
    return r.test(s) ? s : undefined;
  });
}

/**
 * A list; text form is comma-separated, JSON form is an array of strings. A
 * file written by hand with the text form ("ipv4,domain") means the same list
 * `config set` would make of it.
 */
export function list<K extends string, T extends string = string>(key: K, dflt: NoInfer<T>[],
  item: TextRule & { allowed?: readonly string[]; minItems?: number }, c: Common): Field<K, T[]> {
  const min = item.minItems ?? 0;
  const rule = `must be a comma-separated list${min > 0 ? ` of at least ${min}` : ''} where each item ${item.rule}`;
  // The item rule's test is what makes an item a T.
  return field<K, T[]>(key, c, rule, dflt, (v) => {
    let items: unknown[];
    if (Array.isArray(v)) items = v;
    else if (typeof v === 'string') items = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
    else return undefined;
    const out: T[] = [];
    for (const it of items) {
      if (typeof it !== 'string') return undefined;
      const s = (item.normalise ? item.normalise(it) : it) as T;
      if (!item.test(s)) return undefined;
      if (!out.includes(s)) out.push(s);
    }
    return out.length >= min ? out : undefined;
  });
}
