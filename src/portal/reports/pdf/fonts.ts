// The one typeface a report's PDF uses: DejaVu Sans, regular and bold, embedded
// (subset) in every PDF so that it prints the same on any reader's machine.
// It covers Latin, Greek and Cyrillic; what it cannot show, glyphs.ts handles.
//
// The files are found the same way the native addons are, first match wins:
//   1. beside the bundle: dist/fonts/<file> (what build.mjs lays out). In the
//      bundle import.meta.url is the bundle itself (build.mjs defines it so);
//      from source the same URL points into this folder, where no fonts are;
//   2. in node_modules/dejavu-fonts-ttf, when running from a checkout.
// They stay files rather than being built into the bundle: 1.4 MB of fonts as
// base64 in the bundle would be parsed at every start of the portal, also by
// a portal that never makes a PDF; pdfkit reads a file only when it needs it.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TmspError } from '../../../errors.ts';

/** The font's name in document definitions. */
export const FAMILY = 'DejaVuSans';

/** The faces' files: build.mjs copies the same to dist/fonts/ (REPORT_FONTS there). */
export const FONT_FILES = { normal: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' } as const;

export type Face = keyof typeof FONT_FILES;

function candidates(file: string): string[] {
  const out = [fileURLToPath(new URL(`fonts/${file}`, import.meta.url))];
  try {
    out.push(createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${file}`));
  } catch {
    // Not a checkout: only the bundle's copy can be there.
  }
  return out;
}

const found = new Map<Face, string>();

/** The file of a face, an absolute path; thrown when the installation lacks it. */
export function fontFile(face: Face): string {
  const known = found.get(face);
  if (known) return known;
  const tried = candidates(FONT_FILES[face]);
  const file = tried.find((f) => fs.existsSync(f));
  if (!file) throw new TmspError('E_INTERNAL', `the report font ${FONT_FILES[face]} is missing (looked in ${tried.map((f) => path.dirname(f)).join(', ')})`);
  found.set(face, file);
  return file;
}

/**
 * pdfmake's font dictionary: bold and regular; there is no italic in a
 * report. It names the files by path, not by bytes in pdfmake's virtual file
 * system: a chart's text (svg-to-pdfkit) asks pdfkit for the font by the
 * same name, and pdfkit opens a path itself and keeps it under that name, so
 * the tables and the charts share one embedded subset.
 */
export function fontDictionary(): Record<string, { normal: string; bold: string }> {
  return { [FAMILY]: { normal: fontFile('normal'), bold: fontFile('bold') } };
}
