// What the reader is asked to do, most urgent first: the same table closes
// the daily report ("recommended") and the executive ones ("prioritised").

import type { Content } from 'pdfmake/interfaces.js';
import type { Action } from '../model.ts';
import { levelMark } from './blocks.ts';
import { sectionTable } from './table.ts';

export function actionsTable(title: string, actions: Action[]): Content {
  return sectionTable<Action>({
    title,
    rows: [...actions].sort((a, b) => a.priority - b.priority),
    empty: 'Nothing needs doing.',
    columns: [
      { title: 'Priority', numeric: true, cell: (a) => ({ text: String(a.priority), bold: true, fontSize: 10 }) },
      { title: 'Level', cell: (a) => levelMark(a.level) },
      { title: 'Finding', width: '*', cell: (a) => a.finding },
      { title: 'What to do', width: '*', cell: (a) => ({ text: a.action, bold: a.level === 'high' }) },
    ],
  });
}
