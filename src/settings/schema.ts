// A schema: the fields of a sectioned settings document ("section.name"
// keys), with what is derived from them once: lookup by key, the sections,
// the secret keys, the typed effective settings, and the rules that tie
// fields together. The agent's configuration and the portal's are each one.

import type { Problem } from '../errors.ts';
import type { Field } from './fields.ts';

type SectionOf<K> = K extends `${infer S}.${string}` ? S : never;
type NameOf<K> = K extends `${string}.${infer N}` ? N : never;

/** The effective settings of a list of fields: every section and setting, typed as its field says. */
export type SettingsOf<F extends readonly Field[]> = {
  [S in SectionOf<F[number]['key']>]: {
    [X in F[number] as SectionOf<X['key']> extends S ? NameOf<X['key']> : never]: X extends Field<string, infer V> ? V : never;
  };
};

export interface Schema<C = unknown> {
  readonly fields: readonly Field[];
  readonly byKey: ReadonlyMap<string, Field>;
  readonly sections: readonly string[];
  readonly secretKeys: readonly string[];
  /** Problems of values that are each valid alone but not together. */
  cross(settings: C): Problem[];
}

export function defineSchema<const F extends readonly Field[]>(fields: F,
  cross: (settings: SettingsOf<F>) => Problem[] = () => []): Schema<SettingsOf<F>> {
  return {
    fields,
    byKey: new Map(fields.map((f): [string, Field] => [f.key, f])),
    sections: [...new Set(fields.map((f) => f.key.split('.')[0]!))],
    secretKeys: fields.filter((f) => f.secret).map((f) => f.key),
    cross,
  };
}
