// The configuration file: a sparse JSON document (only what the board or the
// operator set), written atomically with mode 0600 because it holds secrets.

import { readDoc, writeAtomic } from '../settings/file.ts';
import type { Config } from './schema.ts';
import { FIELD_BY_KEY, SECRET_KEYS } from './schema.ts';
import { resolve, type ConfigDoc } from './validate.ts';

export const DEFAULT_CONFIG_PATH = '/etc/tmsp-agent/config.json';

export function load(file: string): Config {
  return resolve(readDoc(file));
}

/**
 * The control socket named by a config file, even when the rest of the file
 * is invalid: status and reload must still reach a daemon running on its
 * previous, valid configuration.
 */
export function controlSocketOf(file: string): string {
  let doc: ConfigDoc;
  try {
    doc = readDoc(file);
  } catch {
    doc = {};
  }
  const v = doc.daemon?.controlSocket;
  return typeof v === 'string' && v.startsWith('/') ? v : (FIELD_BY_KEY.get('daemon.controlSocket')!.default as string);
}

/** Validate first, then write; an invalid document never reaches the disk. */
export function save(file: string, doc: ConfigDoc): Config {
  const config = resolve(doc);
  writeAtomic(file, `${JSON.stringify(doc, null, 2)}\n`);
  return config;
}

export const MASK = '********';

/** A copy safe to print: secrets that are set become MASK. */
export function masked<T extends ConfigDoc | Config>(c: T): T {
  const copy = structuredClone(c) as unknown as ConfigDoc;
  for (const key of SECRET_KEYS) {
    const [section, name] = key.split('.') as [string, string];
    const s = copy[section];
    if (s && typeof s[name] === 'string' && s[name] !== '') s[name] = MASK;
  }
  return copy as unknown as T;
}

/** The document without its secrets (for exports that leave the appliance). */
export function withoutSecrets(doc: ConfigDoc): ConfigDoc {
  const copy = structuredClone(doc);
  for (const key of SECRET_KEYS) {
    const [section, name] = key.split('.') as [string, string];
    if (copy[section]) delete copy[section][name];
  }
  return copy;
}

/** `incoming` with any secret it leaves out taken from `current`. */
export function keepSecrets(incoming: ConfigDoc, current: ConfigDoc): ConfigDoc {
  const doc = structuredClone(incoming);
  for (const key of SECRET_KEYS) {
    const [section, name] = key.split('.') as [string, string];
    const cur = current[section]?.[name];
    const into = doc[section];
    if (cur === undefined || (into !== undefined && (typeof into !== 'object' || name in into))) continue;
    (doc[section] ??= {})[name] = cur;
  }
  return doc;
}
