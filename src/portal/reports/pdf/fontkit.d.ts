// The little of fontkit (pdfkit's font engine) that glyphs.ts uses; fontkit ships no types.
declare module 'fontkit' {
  export interface Font {
    /** Every code point the font maps to a glyph. */
    characterSet: number[];
  }
  export function openSync(file: string): Font;
}
