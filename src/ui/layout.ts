// Where things go on the screen, as a pure function of the terminal size.
import { COLUMN_DEFS, type ColumnDef } from './columns.js';

export interface Layout {
  width: number;
  /** lines drawn: one less than the terminal (see below) */
  height: number;
  /** container rows visible in the table (not counting its header) */
  tableRows: number;
  /** lines of the detail pane's body (not counting the tab bar) */
  detailRows: number;
}

/** header, table header, tab bar, status line, footer */
const FIXED_LINES = 5;

/**
 * The table takes what the containers need, up to ~45% of the free lines;
 * the detail pane gets the rest.
 *
 * One terminal line stays empty: Ink clears the whole terminal before every
 * frame once a frame is as tall as the terminal (a visible flicker), and
 * rewrites only the frame's own lines while it is shorter.
 */
export function layout(cols: number, rows: number, containerCount: number): Layout {
  const width = Math.max(20, cols);
  const height = Math.max(FIXED_LINES + 2, rows - 1);
  const free = height - FIXED_LINES;
  const tableMax = Math.max(3, Math.floor(free * 0.45));
  const tableRows = Math.max(1, Math.min(containerCount, tableMax));
  return { width, height, tableRows, detailRows: free - tableRows };
}

/** column id -> its width in terminal columns */
export type ColumnWidths = Record<string, number>;

/** the selection marker before the first column */
export const MARKER_WIDTH = 2;
/** name and image together get at least this much */
const MIN_FLEX = 8;

/** What the table takes besides its flex columns: the marker, the fixed columns and a space between every two. */
function fixedWidth(cols: readonly ColumnDef[]): number {
  return MARKER_WIDTH + Math.max(0, cols.length - 1) + cols.reduce((n, c) => n + (typeof c.width === 'number' ? c.width : 0), 0);
}

/**
 * The smallest terminal the screen is laid out for: every table column, and
 * one container row with three lines of its details (plus the line left
 * empty). Below it components/TooSmall.tsx shows what size is needed.
 */
export const MIN_COLS = fixedWidth(COLUMN_DEFS) + MIN_FLEX;
export const MIN_ROWS = FIXED_LINES + 1 + 3 + 1;

/** Whether a screen laid out as `width` x `height` (the layout's, one line less than the terminal) is too small for the table. */
export function tooSmall(width: number, height: number): boolean {
  return width < MIN_COLS || height < MIN_ROWS - 1;
}

/**
 * Fixed columns keep their width; the flex ones (name, image) share what is
 * left, but take no more than their longest value needs (`need`, by column
 * id), so a wide terminal does not push the numbers far from the names.
 */
export function columnWidths(width: number, need: Record<string, number> = {}, cols: readonly ColumnDef[] = COLUMN_DEFS): ColumnWidths {
  const out: ColumnWidths = {};
  const flexCols: Array<{ id: string; share: number; want: number }> = [];
  for (const c of cols) {
    if (typeof c.width === 'number') out[c.id] = c.width;
    else flexCols.push({ id: c.id, share: c.width.share, want: Math.min(c.width.max, Math.max(6, need[c.id] ?? c.width.max)) });
  }
  if (flexCols.length === 0) return out;
  const flex = Math.max(MIN_FLEX, width - fixedWidth(cols));
  if (flexCols.reduce((n, f) => n + f.want, 0) <= flex) {
    for (const f of flexCols) out[f.id] = f.want;
    return out;
  }
  // the first takes what the others leave; each other at most its share
  let rest = flex;
  for (const f of flexCols.slice(1)) {
    out[f.id] = Math.max(4, Math.min(f.want, Math.floor(flex * f.share)));
    rest -= out[f.id];
  }
  out[flexCols[0].id] = Math.max(4, rest);
  return out;
}
