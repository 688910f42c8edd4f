// The README's reference of the portal's configuration, generated from its
// schema (settings/reference.ts says how).

import { fieldsReference, withSection } from '../../settings/reference.ts';
import { PORTAL_FIELDS } from './schema.ts';

export const PORTAL_BEGIN = '<!-- portal-config-reference:begin (generated: node build.mjs --docs) -->';
export const PORTAL_END = '<!-- portal-config-reference:end -->';

export function withPortalReference(readme: string): string {
  return withSection(readme, PORTAL_BEGIN, PORTAL_END, fieldsReference(PORTAL_FIELDS));
}
