// Whole-document validation of the agent's configuration: the schema's
// engine (settings/document.ts) bound to the agent's schema (schema.ts).

import type { Problem } from '../errors.ts';
import type { Value } from '../settings/fields.ts';
import {
  assignIn, checkShapeOf, flattenIn, problemIn, resolveIn, unflattenIn, valueIn, type SettingsDoc,
} from '../settings/document.ts';
import { AGENT, type Config } from './schema.ts';

/** The file form: sections of keys, any subset of the schema. */
export type ConfigDoc = SettingsDoc;

export const problem = (field: string, rule: string, input?: unknown): Problem => problemIn(AGENT, field, rule, input);
export const checkShape: (doc: unknown) => asserts doc is ConfigDoc = (doc) => checkShapeOf(AGENT, doc);
export const flatten = (doc: unknown, problems: Problem[]): Map<string, unknown> => flattenIn(AGENT, doc, problems);
export const unflatten = (values: ReadonlyMap<string, unknown>): ConfigDoc => unflattenIn(AGENT, values);
export const resolve = (doc: unknown): Config => resolveIn(AGENT, doc);
export const assign = (doc: ConfigDoc, assignments: ReadonlyArray<[string, string]>): ConfigDoc => assignIn(AGENT, doc, assignments);
export const getValue = (config: Config, key: string): Value => valueIn(config, key);
