// The README's reference of the agent's configuration, generated from its
// schema (settings/reference.ts says how).

import { fieldsReference, withSection } from '../settings/reference.ts';
import { FIELDS } from './schema.ts';


export function configReference(): string {
  return fieldsReference(FIELDS);
}

export const BEGIN = '<!-- config-reference:begin (generated: node build.mjs --docs) -->';
export const END = '<!-- config-reference:end -->';

/** The README text with its reference section replaced by the current one. */
export function withReference(readme: string): string {
  return withSection(readme, BEGIN, END, configReference());
}
