// Colours, sizes and named styles of a report's PDF. A level's square is
// the charts' colour (charts.ts), so a table reads against the chart beside
// it; text stays dark, as a printer in greyscale needs it.

import type { StyleDictionary } from 'pdfmake/interfaces.js';
import type { ApplianceState } from '../../store/types.ts';
import type { Posture } from '../model.ts';

export { LEVEL_COLOURS, LEVEL_NAMES } from '../charts.ts';

export const INK = '#1e293b';
export const MUTED = '#64748b';
export const BRAND = '#1e3a5f';
export const RULE = '#cbd5e1';
export const HEAD_FILL = '#e2e8f0';
export const ZEBRA = '#f1f5f9';
export const TILE_FILL = '#f1f5f9';
export const GOOD = '#15803d';
export const WARN = '#b45309';
export const BAD = '#b91c1c';

/** The web pages' state badges' ink (web/static.ts). */
export const STATE_COLOURS: Record<ApplianceState, string> = {
  'never-seen': '#3b4a63', online: '#166534', late: '#92400e', silent: '#991b1b', offline: '#374151', retired: '#94a3b8',
};

export const POSTURE_NAMES: Record<Posture, string> = { good: 'Good', fair: 'Fair', poor: 'Poor', critical: 'Critical' };
export const POSTURE_COLOURS: Record<Posture, string> = { good: '#15803d', fair: '#b45309', poor: '#c2410c', critical: '#991b1b' };

/** A4 portrait, in points; the margins leave room for the header and the footer. */
export const PAGE = { width: 595.28, height: 841.89, left: 40, right: 40, top: 62, bottom: 48 } as const;
export const CONTENT_WIDTH = PAGE.width - PAGE.left - PAGE.right;

export const BASE_SIZE = 8.5;

export const STYLES: StyleDictionary = {
  kicker: { fontSize: 8.5, bold: true, color: BRAND, characterSpacing: 0.4 },
  title: { fontSize: 18, bold: true, color: INK },
  period: { fontSize: 9.5, color: INK },
  section: { fontSize: 11.5, bold: true, color: BRAND },
  subsection: { fontSize: 9.5, bold: true, color: INK },
  intro: { fontSize: 8, color: MUTED },
  th: { fontSize: 7.5, bold: true, color: INK },
  td: { fontSize: 8 },
  note: { fontSize: 7.5, color: MUTED },
  tileLabel: { fontSize: 7.5, bold: true, color: MUTED },
  tileValue: { fontSize: 16, bold: true, color: INK },
  tileDetail: { fontSize: 7.5, color: MUTED },
  bottomLine: { fontSize: 10.5, lineHeight: 1.3, color: INK },
};
