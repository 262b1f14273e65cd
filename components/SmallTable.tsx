// A small table of the detail pane or the help (src/ui/body.ts), drawn by
// @alcalzone/ink-table inside one wrapper, because the pane needs four
// things ink-table does not do:
//  - a width limit: ink-table sizes each column to its longest value, with
//    no bound. Here columns are fitted to the pane first (the widest one
//    gives up a column at a time, down to its heading), and every value is
//    cut to its column (at its start where the column says so) and padded,
//    as are the headings, so ink-table's own sizing finds exactly those
//    widths.
//  - display width: ink-table counts UTF-16 code units, so a wide or
//    combining character would push a row out of line. Values are padded to
//    their display width here and the cell (below) takes away what
//    ink-table added for the difference.
//  - no borders: its skeleton draws a line between every two rows, which
//    would double a table's height in a pane of a dozen lines. The skeleton
//    renders nothing, and neither does the heading when it is hidden (the
//    help's tables, a table scrolled past its heading): a row of nothing is
//    no line in Ink's layout.
//  - tones: a column's cells take its tone, or one by their value (sharing:
//    host is a warning), from the theme.
// ink-table reads its cell, heading and skeleton components when it is
// made, so it is keyed by whether the heading shows.
import { createContext, memo, useContext, type ReactNode } from 'react';
import { Text } from 'ink';
import { Table } from '@alcalzone/ink-table';
import { naturalWidths, type TableBlock, type TableColumn } from '../src/ui/body.js';
import { fitWidth, textWidth } from '../src/ui/lines.js';
import { sanitize } from './sanitize.js';
import { toneStyle, type Theme } from './theme.js';

/** ink-table's padding: a space on each side of every cell. */
const PAD = 1;

/** Each column's width for a table that may take `width` columns in all. */
export function fitColumns(t: TableBlock, width: number): number[] {
  const w = naturalWidths(t);
  const floor = t.columns.map((c) => textWidth(c.key));
  let over = w.reduce((a, b) => a + b, 0) + 2 * PAD * w.length - width;
  while (over > 0) {
    let widest = -1;
    for (let i = 0; i < w.length; i++) if (w[i] > floor[i] && (widest < 0 || w[i] > w[widest])) widest = i;
    if (widest < 0) break; // every column at its heading: Ink cuts the rows
    w[widest]--;
    over--;
  }
  return w;
}

interface Fitted {
  columns: TableColumn[];
  widths: number[];
  theme: Theme;
}
const FittedContext = createContext<Fitted | null>(null);

function useFitted(): Fitted {
  const f = useContext(FittedContext);
  if (!f) throw new Error('a SmallTable cell outside its table');
  return f;
}

function Cell({ column, children }: { column: number; children?: ReactNode }) {
  const { columns, widths, theme } = useFitted();
  const c = columns[column];
  let text = String(children ?? '');
  // what ink-table padded for code units that take no column of their own
  const excess = textWidth(text) - (widths[column] + 2 * PAD);
  if (excess > 0) text = c.align === 'right' ? text.slice(excess) : text.slice(0, text.length - excess);
  const style = toneStyle(theme, c.tones?.[text.trim()] ?? c.tone);
  return (
    <Text wrap="truncate-end" bold={c.bold || style.bold} color={style.color} dimColor={style.dimColor}>
      {text}
    </Text>
  );
}

function Heading({ children }: { children?: ReactNode }) {
  const { theme } = useFitted();
  return (
    <Text wrap="truncate-end" bold {...toneStyle(theme, 'muted')}>
      {children}
    </Text>
  );
}

const Nothing = () => null;

export const SmallTable = memo(function SmallTable({ table, width, theme }: { table: TableBlock; width: number; theme: Theme }) {
  const widths = fitColumns(table, width);
  const headingLines = table.heading ? 1 : 0;
  const skip = table.window?.skip ?? 0;
  const take = table.window?.take ?? table.rows.length + headingLines;
  const heading = headingLines === 1 && skip === 0;
  const rows = table.rows.slice(Math.max(0, skip - headingLines), skip + take - headingLines);
  // headings padded to their columns too: ink-table sizes columns by them
  // when no row shows (a window of a heading alone)
  const keys = table.columns.map((c, i) => fitWidth(c.key, widths[i], { right: c.align === 'right' }));
  const data = rows.map((r) =>
    Object.fromEntries(table.columns.map((c, i) => [keys[i], fitWidth(sanitize(r[c.key] ?? ''), widths[i], { right: c.align === 'right', cut: c.cut })])),
  );
  return (
    <FittedContext.Provider value={{ columns: table.columns, widths, theme }}>
      <Table
        key={heading ? 'heading' : 'rows'}
        data={data}
        columns={table.columns.map((c, i) => ({ key: keys[i], align: c.align ?? 'left' }))}
        padding={PAD}
        header={heading ? Heading : Nothing}
        cell={Cell}
        skeleton={Nothing}
      />
    </FittedContext.Provider>
  );
});
