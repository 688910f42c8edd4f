// The rooms and their import rules, as the README's Layout table states
// them: every import in src/ is read, and no room imports one it may not
// (lower rooms never import upper ones; tmsp/ and sms/ stay apart; the
// portal imports nothing of the agent but the shared rooms, and the agent
// nothing of the portal). The portal's rooms are the folders of src/portal/.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = 'src';

function roomOf(file: string): string {
  const parts = path.relative(SRC, file).split(path.sep);
  if (parts[0] === 'portal' && parts.length > 1) return parts.length > 2 ? `portal/${parts[1]}/` : `portal/${parts[1]}`;
  return parts.length > 1 ? `${parts[0]}/` : parts[0]!;
}

/** What both programs may import: the contract and the parsers, and plumbing that knows neither program. */
const SHARED = ['errors.ts', 'core/', 'settings/', 'native/', 'parse/', 'protocol/'];
const isPortal = (room: string) => room.startsWith('portal/');

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
    for (const room of SHARED) expect([...allowed.get(room)!].filter((r) => !SHARED.includes(r)), room).toEqual([]);
  });

  it('keep the portal apart: it imports only the shared rooms of the agent\'s, and the agent none of its', () => {
    expect([...allowed.keys()].some(isPortal)).toBe(true);
    for (const [room, may] of allowed) {
      const foreign = [...may].filter((r) => (isPortal(room) ? !isPortal(r) && !SHARED.includes(r) : isPortal(r)));
      expect(foreign, room).toEqual([]);
    }
  });
});
