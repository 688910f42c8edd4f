// What prints for a character DejaVu Sans has no glyph for (Chinese,
// Japanese, Korean, Thai, Devanagari, most emoji). Left alone it would
// print as an empty box or as nothing, and either reads as data. Instead it
// prints as U+FFFD "�", which the font has, one per missing character,
// the rest of the name kept; and the report says once, near its top, what
// that mark means (the report's web page shows the names whole).
//
// A second, CJK font was weighed and left out. The one npm has as plain
// TrueType, Noto Sans JP, is 5.5 MB a face (its package is 29 MB to fetch,
// with eight other weights), more than the portal's whole bundle, and covers
// Japanese only: Korean and Chinese names would still come here. npm's other
// builds of it are WOFF2 cut into a hundred slices by Unicode range. And
// pdfmake has no fallback font per character, so every string would have to
// be split into runs by font. Names identify little on their own in these
// reports: each appliance row also shows its id, each host its address.

import { openSync } from 'fontkit';
import { fontFile } from './fonts.ts';

export const PLACEHOLDER = '\uFFFD';

let coverage: Set<number> | undefined;

/** The code points both faces have: a name may be set in either. Read once, then only the set is kept. */
function covered(): Set<number> {
  if (!coverage) {
    const normal = new Set(openSync(fontFile('normal')).characterSet);
    coverage = new Set(openSync(fontFile('bold')).characterSet.filter((cp) => normal.has(cp)));
  }
  return coverage;
}

const PLAIN = /^[\x20-\x7e\n]*$/;
const INVISIBLE = /^\p{Default_Ignorable_Code_Point}$/u;

/** The text as the font prints it, and how many characters had to be replaced. */
export function printable(text: string): { text: string; replaced: number } {
  if (PLAIN.test(text)) return { text, replaced: 0 };
  const have = covered();
  let out = '';
  let replaced = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\n' || (have.has(cp) && cp >= 0x20)) out += ch;
    else if (ch === '\t') out += ' ';
    // Joiners and variation selectors the font lacks show nothing anyway: dropping them hides nothing.
    else if (INVISIBLE.test(ch)) continue;
    else {
      out += PLACEHOLDER;
      replaced++;
    }
  }
  return { text: out, replaced };
}

/** A copy of a model (plain JSON) with every string printable, and the count of characters replaced. */
export function printableModel<T>(model: T): { model: T; replaced: number } {
  let replaced = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const p = printable(v);
      replaced += p.replaced;
      return p.text;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { model: walk(model) as T, replaced };
}
