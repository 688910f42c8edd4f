// A README's configuration reference, generated from a schema's fields so
// that the two cannot drift (test/unit/readme.test.ts checks it; `node
// build.mjs --docs` rewrites it). The agent's and the portal's each use it.

import { formatBytes, type Field } from './fields.ts';

function shown(key: string, v: unknown): string {
  if (Array.isArray(v)) return v.length > 0 ? v.join(',') : '(empty)';
  if (v === '') return '(empty)';
  if (typeof v === 'number' && /Bytes$/.test(key)) return formatBytes(v);
  return String(v);
}

/** One table per section: key, default, rule, meaning. */
export function fieldsReference(fields: readonly Field[]): string {
  const out: string[] = [];
  let section = '';
  for (const f of fields) {
    const s = f.key.split('.')[0]!;
    if (s !== section) {
      section = s;
      out.push('', '| key | default | rule | meaning |', '|---|---|---|---|');
    }
    const cell = (t: string) => t.replace(/\|/g, '\\|');
    out.push(`| \`${f.key}\`${f.secret ? ' (secret)' : ''} | ${cell(shown(f.key, f.default))} | ${cell(f.rule)} | ${cell(f.doc)} |`);
  }
  return `${out.join('\n').trim()}\n`;
}

/** `text` with what stands between the markers `begin` and `end` replaced by `body`. */
export function withSection(text: string, begin: string, end: string, body: string): string {
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README has no ${begin} ... ${end} markers`);
  return `${text.slice(0, a + begin.length)}\n${body}${text.slice(b)}`;
}
