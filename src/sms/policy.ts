// Which objects go to the SMS and with which tags (seed 004): the object
// types and risk levels chosen on the screen, and the four Trend Micro tag
// categories of the column mapping. TagData is a comma-separated pair list,
// so a value with a comma cannot be expressed: such a value is refused,
// never sent broken.

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
 * TagData for an object, in the fixed category order. The publisher and
 * source are configuration values whose schema rule (isTagValue) already
 * guarantees TagData can carry them; nothing is checked a second time here.
 */
export function tagData(p: Policy, category: Category, risk: Risk): string {
  return [
    TAG.publisher, p.publisher,
    TAG.source, p.source,
    TAG.category, CATEGORY_VALUE[category],
    TAG.severity, SEVERITY_VALUE[risk],
  ].join(',');
}
