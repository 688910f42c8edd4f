// A report's tables, built so that they break across pages cleanly: the
// section's title and the column headings are the table's header rows, so
// they repeat on every page the table reaches and are never left alone at
// the foot of a page (keepWithHeaderRows holds them to the first data row);
// a row is never split (dontBreakRows); text columns are '*' and wrap, the
// others 'auto', so no table is wider than the page whatever the data.

import type { Content, CustomTableLayout, TableCell } from 'pdfmake/interfaces.js';
import { count } from '../format.ts';
import { HEAD_FILL, INK, MUTED, RULE, ZEBRA } from './theme.ts';

export interface Column<T> {
  title: string;
  /** '*' for a column of text that may wrap; 'auto' (the default) takes its widest cell. */
  width?: '*' | 'auto';
  /** Numbers are right-aligned, their heading too. */
  numeric?: boolean;
  cell: (row: T, index: number) => string | Content;
}

export interface SectionTable<T> {
  /** None for a table under a heading of its own (a card's, above its chart). */
  title?: string;
  /** A line under the title: what the table counts, over what time. */
  intro?: string | Content;
  columns: Array<Column<T>>;
  rows: T[];
  /** Rows the model left out; they are said in an "and N more …" line. */
  omitted?: number;
  /** What the omitted rows are, plural: "appliances". */
  noun?: string;
  /** Said instead of an empty table. */
  empty: string;
  /** A last row of totals, one cell a column, under a rule. */
  total?: Array<string | TableCell>;
}

/** What each row of a section's table is, which its rules and fills follow. */
type RowKind = 'title' | 'heading' | 'data' | 'total' | 'note';

/**
 * A rule under the headings and one under the data (a heavier one above a
 * total), zebra stripes on the data rows only. Rule i is the one above row i.
 */
function layout(kinds: RowKind[]): CustomTableLayout {
  const firstData = kinds.indexOf('data');
  return {
    hLineWidth: (i) => {
      const above = kinds[i - 1];
      const below = kinds[i];
      if (below === 'data' && above === 'heading') return 0.8;
      if (below === 'total') return 0.8;
      return (above === 'data' || above === 'total') && below !== 'data' ? 0.5 : 0;
    },
    hLineColor: () => RULE,
    vLineWidth: () => 0,
    fillColor: (row) => (kinds[row] === 'heading' ? HEAD_FILL : kinds[row] === 'data' && (row - firstData) % 2 === 1 ? ZEBRA : null) as string,
    paddingLeft: () => 4,
    paddingRight: () => 4,
    paddingTop: (row) => (kinds[row] === 'title' ? 10 : 2.5),
    paddingBottom: (row) => (kinds[row] === 'title' ? 4 : 2.5),
  };
}

/** A table this short is kept on one page: split, its halves are harder to compare than the page is worth. */
const KEPT_WHOLE = 15;

/** A number never wraps: a figure split over two lines reads as two figures. A stack says so of its lines itself. */
function cellOf(v: string | Content, numeric: boolean | undefined): TableCell {
  const c: Content = typeof v === 'string' ? { text: v } : v;
  if (!numeric) return c as TableCell;
  return { ...c as object, alignment: 'right', ...('stack' in (c as object) ? {} : { noWrap: true }) } as TableCell;
}

/** One row that spans every column, with the filler cells pdfmake wants after it. */
function spanning(n: number, content: Content): TableCell[] {
  return [{ ...content as object, colSpan: n } as TableCell, ...Array.from({ length: n - 1 }, () => ({}) as TableCell)];
}

/** "and 14 more callbacks" */
function andMore(omitted: number, noun: string): string {
  return `and ${count(omitted)} more ${noun}`;
}

export function sectionTable<T>(t: SectionTable<T>): Content {
  const n = t.columns.length;
  const body: TableCell[][] = [];
  const kinds: RowKind[] = [];
  const add = (kind: RowKind, row: TableCell[]) => {
    kinds.push(kind);
    body.push(row);
  };
  if (t.title !== undefined) {
    add('title', spanning(n, {
      stack: [
        { text: t.title, style: 'section' },
        ...(t.intro === undefined ? [] : [typeof t.intro === 'string' ? { text: t.intro, style: 'intro', margin: [0, 1, 0, 0] } as Content : t.intro]),
      ],
      margin: [-4, 0, 0, 0],
    }));
  }
  // An empty table says so under its title, without headings over nothing.
  if (t.rows.length === 0) add('note', spanning(n, { text: t.empty, color: MUTED }));
  else add('heading', t.columns.map((c) => ({ text: c.title, style: 'th', ...(c.numeric ? { alignment: 'right', noWrap: true } : {}) }) as TableCell));
  const heads = body.length;
  t.rows.forEach((r, i) => add('data', t.columns.map((c) => cellOf(c.cell(r, i), c.numeric))));
  if (t.rows.length > 0 && t.total) add('total', t.total.map((v, i) => ({ ...cellOf(v as string | Content, t.columns[i]?.numeric) as object, bold: true }) as TableCell));
  if ((t.omitted ?? 0) > 0) add('note', spanning(n, { text: andMore(t.omitted!, t.noun ?? 'rows'), style: 'note', color: INK, margin: [0, 1, 0, 0] }));
  return {
    table: {
      headerRows: t.rows.length === 0 ? 0 : heads,
      keepWithHeaderRows: t.rows.length === 0 ? 0 : 1,
      dontBreakRows: true,
      widths: t.columns.map((c) => c.width ?? 'auto'),
      body,
    },
    layout: layout(kinds),
    unbreakable: t.rows.length <= KEPT_WHOLE,
    style: 'td',
    margin: [0, 0, 0, 6],
  };
}
