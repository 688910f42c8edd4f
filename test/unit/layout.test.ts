// The rooms and their import rules, as the README's Layout table states
// them: every import in src/ is read, and no room imports one it may not
// (lower rooms never import upper ones; tmsp/ and sms/ stay apart).

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = 'src';

function roomOf(file: string): string {
  const rel = path.relative(SRC, file);
  return rel.includes(path.sep) ? `${rel.split(path.sep)[0]}/` : rel;
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The Layout table: room → the rooms it may import. */
function rules(): Map<string, Set<string>> {
  const readme = fs.readFileSync('README.md', 'utf8');
  const table = readme.slice(readme.indexOf('<!-- layout'), readme.indexOf('<!-- /layout -->'));
  const out = new Map<string, Set<string>>();
  for (const row of table.split('\n').filter((l) => /^\| `/.test(l))) {
    const cells = row.split('|').map((c) => c.trim());
    const room = /`([^`]+)`/.exec(cells[1]!)![1]!;
    out.set(room, new Set([...cells[3]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)));
  }
  return out;
}

describe('the rooms of src/', () => {
  const allowed = rules();

  it('are each in the README\'s Layout table', () => {
    const rooms = new Set(sources(SRC).map(roomOf));
    expect([...rooms].sort()).toEqual([...allowed.keys()].sort());
  });

  it('import only the rooms the table lets them, so no lower room imports an upper one', () => {
    const broken: string[] = [];
    for (const file of sources(SRC)) {
      const room = roomOf(file);
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)) {
        const target = roomOf(path.join(path.dirname(file), m[1] ?? m[2]!));
        if (target !== room && !allowed.get(room)?.has(target)) broken.push(`${file} imports ${target} (${m[1] ?? m[2]})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('keep tmsp/ and sms/ apart, and the shared rooms free of the agent', () => {
    expect(allowed.get('tmsp/')!.has('sms/')).toBe(false);
    expect(allowed.get('sms/')!.has('tmsp/')).toBe(false);
    expect(allowed.get('parse/')!.size).toBe(0);
    expect([...allowed.get('protocol/')!]).toEqual(['parse/']);
  });
});
