// What a pane shows, as plain data: styled lines and small tables, top to
// bottom. The tabs (tabs.ts) and the help build it, components/Body.tsx
// draws it (a table through @alcalzone/ink-table). Every block is a whole
// number of terminal lines, one per line or table row plus a table's
// heading, whatever the width: the reducer bounds scrolling by it and the
// screen model cuts out the window that shows, neither rendering anything.
import { lineText, textWidth, type Line, type Tone } from './lines.js';

export interface TableColumn {
  /** the heading, and the key of the column's cell in every row */
  key: string;
  align?: 'left' | 'right';
  /** the tone of every cell of the column */
  tone?: Tone;
  /** the tone of a cell by its value (namespace sharing, label verdicts) */
  tones?: Record<string, Tone>;
  /** where a value too long for the column is cut: its end (default) or its start */
  cut?: 'end' | 'start';
  /** every cell bold (the help's keys) */
  bold?: boolean;
  /** at least this many columns wide (tables that should line up with each other) */
  min?: number;
}

export interface TableBlock {
  kind: 'table';
  columns: TableColumn[];
  rows: Array<Record<string, string>>;
  /** whether the headings show, as the table's first line */
  heading: boolean;
  /**
   * The table's lines that show (heading first), when the pane's window cuts
   * it: set by windowOf. Column widths still come from every row, so they
   * do not move as the table scrolls.
   */
  window?: { skip: number; take: number };
}

export interface LinesBlock {
  kind: 'lines';
  lines: Line[];
}

export type Block = LinesBlock | TableBlock;
export type Body = Block[];

export const linesBlock = (lines: Line[]): LinesBlock => ({ kind: 'lines', lines });

export function table(columns: TableColumn[], rows: Array<Record<string, string>>, heading = true): TableBlock {
  return { kind: 'table', columns, rows, heading };
}

/** Lines a block takes when all of it shows. */
function fullHeight(b: Block): number {
  return b.kind === 'lines' ? b.lines.length : b.rows.length + (b.heading ? 1 : 0);
}

/** Lines a block takes on screen. */
function blockHeight(b: Block): number {
  return b.kind === 'table' && b.window ? b.window.take : fullHeight(b);
}

export function bodyHeight(body: Body): number {
  return body.reduce((n, b) => n + blockHeight(b), 0);
}

/** The part of `body` on its lines [top, top + count): what a pane scrolled to `top` shows. */
export function windowOf(body: Body, top: number, count: number): Body {
  const out: Body = [];
  let at = 0;
  const end = top + count;
  for (const b of body) {
    const h = fullHeight(b);
    const from = Math.max(top, at) - at;
    const to = Math.min(end, at + h) - at;
    at += h;
    if (to <= from) continue;
    if (b.kind === 'lines') out.push(from === 0 && to === h ? b : linesBlock(b.lines.slice(from, to)));
    else out.push(from === 0 && to === h ? b : { ...b, window: { skip: from, take: to - from } });
  }
  return out;
}

/** Each column's width when nothing limits it: its widest value or heading. */
export function naturalWidths(t: TableBlock): number[] {
  return t.columns.map((c) => Math.max(textWidth(c.key), c.min ?? 0, ...t.rows.map((r) => textWidth(r[c.key] ?? ''))));
}

/** The body as plain text lines, tables in columns two spaces apart (tests, search in a test's eyes). */
export function bodyText(body: Body): string[] {
  const out: string[] = [];
  for (const b of body) {
    if (b.kind === 'lines') {
      out.push(...b.lines.map(lineText));
      continue;
    }
    const w = naturalWidths(b);
    const row = (cell: (key: string) => string) => b.columns.map((c, i) => cell(c.key).padEnd(w[i])).join('  ').trimEnd();
    const lines = [...(b.heading ? [row((k) => k)] : []), ...b.rows.map((r) => row((k) => r[k] ?? ''))];
    out.push(...(b.window ? lines.slice(b.window.skip, b.window.skip + b.window.take) : lines));
  }
  return out;
}
