// Which objects go to the SMS and with which tags (seed 004): the object
// types and risk levels chosen on the screen, and the four Trend Micro tag
// categories of the column mapping. TagData is a comma-separated pair list,
// so a value with a comma cannot be expressed: such a value is refused,
// never sent broken.

import { isTagValue } from '../settings/rules.ts';
import { TmspError } from '../errors.ts';
import type { Category, ObjectType, Risk } from './object.ts';

export interface Policy {
  types: readonly ObjectType[];
  /** sms.riskLevel */
  riskLevel: 'high' | 'high-medium' | 'high-medium-low';
  /** Trend Micro Publisher: the product name. */
  publisher: string;
  /** Trend Micro Source: the appliance host name. */
  source: string;
}

export const TAG = {
  publisher: 'Trend Micro Publisher',
  source: 'Trend Micro Source',
  category: 'Trend Micro Detection Category',
  severity: 'Trend Micro Severity',
} as const;

export const CATEGORY_VALUE: Record<Category, string> = {
  'suspicious-object': 'Suspicious Object',
  'cnc-callback': 'C&C Callback Address',
};

export const SEVERITY_VALUE: Record<Risk, string> = { high: 'High', medium: 'Medium', low: 'Low' };

const ALLOWED: Record<Policy['riskLevel'], readonly Risk[]> = {
  high: ['high'],
  'high-medium': ['high', 'medium'],
  'high-medium-low': ['high', 'medium', 'low'],
};

export function qualifies(p: Policy, type: ObjectType, risk: Risk): boolean {
  return p.types.includes(type) && ALLOWED[p.riskLevel].includes(risk);
}

/**
 * A Text tag value, by the same rule the configuration applies to the
 * product and host names (config/rules.ts isTagValue): what the schema let
 * in always passes; this is the last guard before anything is sent broken.
 */
function tagValue(tag: string, value: string): string {
  if (!isTagValue(value)) {
    throw new TmspError('E_CONFIG_INVALID',
      `${tag}: ${JSON.stringify(value.slice(0, 40))} cannot be an SMS tag value (1-255 printable characters, no comma or "~~~")`);
  }
  return value;
}

/** TagData for an object, in the fixed category order. */
export function tagData(p: Policy, category: Category, risk: Risk): string {
  return [
    TAG.publisher, tagValue(TAG.publisher, p.publisher),
    TAG.source, tagValue(TAG.source, p.source),
    TAG.category, CATEGORY_VALUE[category],
    TAG.severity, SEVERITY_VALUE[risk],
  ].join(',');
}
