// No byte sequence may make a parser throw: 120k random and mutated lines,
// and classify() must agree with parse() on every one of them; the CEF
// extension scanner must agree with the rule written as a regular expression.

import { describe, expect, it } from 'vitest';
import { parseCefExtension, pickCefExtension } from '../../src/parse/cef.ts';
import { classify, parse } from '../../src/parse/index.ts';
import { rng } from '../helpers/rng.ts';

const SEEDS = [
  '<158>CEF:0|Trend Micro|Deep Discovery Inspector|6.0.2026|1539|WinRM - HTTP|6|rt=Mar 09 2015 17:05:21 GMT+08:00 src=172.16.1.197 dst=216.52.115.2 cs1Label=x cs1=y',
  'Jan 18 10:49:41 ddei5 CEF:0|Trend Micro|DDEI|5.1|100132|URL_DETECTION|6|request=http://bad.example/ cs1Label=threats cs1=T',
  'LEEF:1.0|Trend Micro|DDI|3.8|SECURITY_RISK_DETECTION|sev=6\tdst=1.2.3.4\tcccaRiskLevel=2',
  'LEEF:2.0|TM|DDI|1|X|x5E|a=b^c=d',
  '<165>1 2026-11-22T06:00:00.000Z host app 1 ID [a@1 b="c\\"]"] msg',
  '<34>Oct 11 22:14:15 mymachine su[12]: failed',
];


const ALPHABET = '<>|=\\ \t\n\r[]"-:.0123456789CEFLabcxyz\u0000\u00ff\uFEFF\u{1F600}';

function mutate(r: () => number, s: string): string {
  const chars = [...s];
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (chars.length + 1));
    const op = r();
    const c = ALPHABET[Math.floor(r() * ALPHABET.length)]!;
    if (op < 0.35) chars.splice(at, 1);
    else if (op < 0.7) chars.splice(at, 0, c);
    else if (op < 0.9) chars[at] = c;
    else chars.splice(at, Math.floor(r() * 20));
  }
  return chars.join('');
}

function random(r: () => number): string {
  const bytes = Buffer.alloc(Math.floor(r() * 300));
  for (let i = 0; i < bytes.length; i++) bytes[i] = r() < 0.7 ? ALPHABET.charCodeAt(Math.floor(r() * 20)) : Math.floor(r() * 256);
  return r() < 0.5 ? bytes.toString('utf8') : bytes.toString('latin1');
}

describe('parsers under fuzzing', () => {
  it('never throw and agree with classify on 120,000 lines', () => {
    const r = rng(20261122);
    const formats = new Map<string, number>();
    let n = 0;
    for (; n < 120_000; n++) {
      const line = n % 3 === 0 ? random(r) : mutate(r, SEEDS[n % SEEDS.length]!);
      let p;
      try {
        p = parse(line);
      } catch (err) {
        throw new Error(`parse threw on ${JSON.stringify(line)}: ${(err as Error).message}`);
      }
      expect.soft(classify(line)).toBe(p.format);
      formats.set(p.format, (formats.get(p.format) ?? 0) + 1);
    }
    expect(n).toBe(120_000);
    // The mutations must still exercise every parser, not only the raw path.
    for (const f of ['cef', 'leef', 'rfc5424', 'rfc3164', 'raw']) expect(formats.get(f) ?? 0).toBeGreaterThan(1000);
  });

  it('splits a CEF extension into exactly the keys and values the CEF rule names, whole or a few keys, on 60,000 mutated extensions', () => {
    // The rule written as a regular expression, kept here as the reference for the scanner on the hot path.
    const reference = (ext: string) => {
      const out: Record<string, string> = Object.create(null);
      const keys: Array<[string, number, number]> = [];
      const re = /(?:^|\s)([A-Za-z0-9_.[\]-]{1,64})=/g;
      for (let m = re.exec(ext); m; m = re.exec(ext)) {
        const eq = m.index + m[0].length - 1;
        keys.push([m[1]!, eq - m[1]!.length, eq + 1]);
      }
      keys.forEach(([key, , start], k) => {
        const v = ext.slice(start, k + 1 < keys.length ? keys[k + 1]![1] : ext.length).trimEnd();
        out[key] = v.includes('\\') ? v.replace(/\\([=\\nr|])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c)) : v;
      });
      for (const key of Object.keys(out)) {
        const lm = /^(c[sn]\d|cfp\d|c6a\d|flexString\d|flexNumber\d|deviceCustomDate\d)Label$/.exec(key);
        if (lm && out[lm[1]!] !== undefined && out[key] !== '' && !(out[key]! in out)) out[out[key]!] = out[lm[1]!]!;
      }
      return out;
    };
    const PICKS = [['cn1', 'dst', 'dhost', 'request'], ['a', 'f', 'g', 'k'], ['dhost', 'AttackPhase', 'x']];
    const r = rng(20261201);
    const exts = [
      'rt=Mar 09 2015 17:05:21 GMT+08:00 src=172.16.1.197 dst=216.52.115.2 cs1Label=x cs1=y cn1Label=risk cn1=3',
      'cn1=1 dst=45.0.0.7 cs1Label=dhost cs1=label.example cs2Label=AttackPhase cs2=C&C request=http://x.example/ dhost=real.example',
      `k\\=v a=b\\=c\\\\ d=\\n e= f=x=y ${'k'.repeat(64)}=long ${'k'.repeat(65)}=toolong\u00a0g=h\u3000i=j`,
    ];
    for (let n = 0; n < 60_000; n++) {
      const ext = mutate(r, exts[n % exts.length]!);
      const full = reference(ext);
      expect.soft(parseCefExtension(ext), JSON.stringify(ext)).toStrictEqual(full);
      // Reading a few fields gives what the whole parse gives for them.
      const keys = PICKS[Math.floor(n / exts.length) % PICKS.length]!;
      const want: Record<string, string> = Object.create(null);
      for (const k of keys) if (k in full) want[k] = full[k]!;
      expect.soft(pickCefExtension(ext, keys), JSON.stringify([ext, keys])).toStrictEqual(want);
    }
  });
});
