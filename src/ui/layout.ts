// Where things go on the screen, as a pure function of the terminal size.

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

export interface ColumnWidths {
  name: number;
  image: number;
  state: number;
  uptime: number;
  cpu: number;
  mem: number;
  pids: number;
  ns: number;
}

/** the selection marker before the first column */
export const MARKER_WIDTH = 2;
/** the table's columns of fixed width, and the spaces between its eight columns */
const FIXED_COLUMNS = { state: 11, uptime: 6, cpu: 6, mem: 13, pids: 5, ns: 8 };
const COLUMN_GAPS = 7;
const FIXED_WIDTH = MARKER_WIDTH + COLUMN_GAPS + Object.values(FIXED_COLUMNS).reduce((a, b) => a + b, 0);
/** name and image together get at least this much */
const MIN_FLEX = 8;

/**
 * The smallest terminal the screen is laid out for: every table column, and
 * one container row with three lines of its details (plus the line left
 * empty). Below it components/TooSmall.tsx shows what size is needed.
 */
export const MIN_COLS = FIXED_WIDTH + MIN_FLEX;
export const MIN_ROWS = FIXED_LINES + 1 + 3 + 1;

/** Whether a screen laid out as `width` x `height` (the layout's, one line less than the terminal) is too small for the table. */
export function tooSmall(width: number, height: number): boolean {
  return width < MIN_COLS || height < MIN_ROWS - 1;
}

/**
 * Fixed columns keep their width; name and image share what is left, but
 * take no more than their longest value needs (`need`), so a wide terminal
 * does not push the numbers far from the names.
 */
export function columnWidths(width: number, need: { name: number; image: number } = { name: 40, image: 30 }): ColumnWidths {
  const fixed = FIXED_COLUMNS;
  const flex = Math.max(MIN_FLEX, width - FIXED_WIDTH);
  const wantName = Math.min(40, Math.max(6, need.name));
  const wantImage = Math.min(30, Math.max(6, need.image));
  if (wantName + wantImage <= flex) return { name: wantName, image: wantImage, ...fixed };
  const image = Math.max(4, Math.min(wantImage, Math.floor(flex * 0.4)));
  const name = Math.max(4, flex - image);
  return { name, image, ...fixed };
}
