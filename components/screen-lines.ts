// The screen as painted lines (components/ansi.ts), part by part: pure
// functions of the screen model and the width. Screen.tsx hands them to Ink,
// and src/ui/main.tsx writes the first frame with them while Ink is still
// loading, so both show exactly the same text.
import type { Hint } from '../src/ui/keymap.js';
import { clipLine, textWidth, type Line } from '../src/ui/lines.js';
import { MIN_COLS, MIN_ROWS } from '../src/ui/layout.js';
import type { Cells, RowView, StatusView } from '../src/ui/view.js';
import { paint, type Painted } from './ansi.js';
import type { Theme } from './theme.js';

/** The parts of the screen model these lines are made from (see ScreenProps). */
export interface ScreenParts {
  width: number;
  height: number;
  tableRows: number;
  detailRows: number;
  headerText: string;
  table: { header: Cells; rows: RowView[]; emptyText: string };
  tabBar: { tabs: readonly { label: string }[]; active: number; focused: boolean; title: string; info: string };
  body: { lines: Line[]; more: number };
  status: StatusView;
  hints: Hint[];
}

const BLANK: Painted = { text: '', width: 0 };

/** The top line: name, counts, sort and filter. */
export function headerLine(text: string, width: number, theme: Theme): Painted {
  return paint(clipLine([{ text: 'tsbox  ', tone: 'accent', bold: true }, { text }], width), theme);
}

const before = (c: Cells) => `${c.name} ${c.image} `;
const after = (c: Cells) => ` ${c.uptime} ${c.cpu} ${c.mem} ${c.pids} ${c.ns}`;

/** The table's header and its visible rows (or what shows when there are none). */
export function tableLines(t: ScreenParts['table'], width: number, theme: Theme): Painted[] {
  const out = [paint([{ text: `  ${before(t.header)}${t.header.state}${after(t.header)}`, tone: 'muted', bold: true }], theme)];
  if (t.rows.length === 0) out.push(paint(clipLine([{ text: `  ${t.emptyText}`, tone: 'muted' }], width), theme));
  for (const r of t.rows) {
    const line = [{ text: r.selected ? '› ' : '  ' }, { text: before(r.cells) }, { text: r.cells.state, tone: r.stateTone }, { text: after(r.cells) }];
    out.push(paint(line, theme, r.selected ? { inverse: true, bold: true } : {}));
  }
  return out;
}

/**
 * The detail pane's tab bar: the container's name, numbered tabs with the
 * active one highlighted (underlined while the pane has the keys), and the
 * pane's own state on the right. Narrow terminals get the tab numbers with
 * only the active label spelled out.
 */
export function tabBarLine(b: ScreenParts['tabBar'], width: number, theme: Theme): Painted {
  const full = b.tabs.reduce((n, t) => n + t.label.length + 4, 0) + b.title.length + b.info.length + 4 <= width;
  const left: Line = b.title ? [{ text: `${b.title} `, tone: 'accent', bold: true }] : [];
  b.tabs.forEach((t, i) => {
    const text = ` ${full || i === b.active ? `${i + 1} ${t.label}` : `${i + 1}`} `;
    left.push(i === b.active ? { text, inverse: true, bold: true, underline: b.focused } : { text });
  });
  const right = b.info ? clipLine([{ text: ` ${b.info}`, tone: 'muted' }], width) : [];
  const room = width - textWidth(right.map((s) => s.text).join(''));
  const shown = clipLine(left, room);
  const gap = room - textWidth(shown.map((s) => s.text).join(''));
  return paint(right.length ? [...shown, { text: ' '.repeat(gap) }, ...right] : shown, theme);
}

/** The visible window of the active tab; the last line says how much is below, when something is. */
export function detailLines(lines: Line[], more: number, height: number, theme: Theme): Painted[] {
  return lines.map((l, i) => paint(i === height - 1 && more > 0 ? [{ text: `  ↓ ${more + 1} more lines (enter, then j/k to scroll)`, tone: 'muted' }] : l, theme));
}

/** What is being typed (with a cursor), or the last action's outcome or error. */
export function statusLine(status: StatusView, width: number, theme: Theme): Painted {
  // typing shows its end (where the cursor is); messages show their start
  const room = width - (status.input ? 1 : 0);
  const text = status.input && status.text.length > room ? status.text.slice(status.text.length - room) : status.text;
  const line = clipLine([{ text, tone: status.tone }], room);
  if (status.input) line.push({ text: ' ', inverse: true });
  return paint(line, theme);
}

/** Key hints from the keymap table (already cut to the width). */
export function footerLine(hints: Hint[], width: number, theme: Theme): Painted {
  return paint(clipLine(hints.flatMap((h): Line => [{ text: h.keys, tone: 'accent', bold: true }, { text: ` ${h.label}  ` }]), width), theme);
}

/** Blank lines up to `n`. */
const fill = (lines: Painted[], n: number): Painted[] => [...lines, ...Array.from({ length: Math.max(0, n - lines.length) }, () => BLANK)];

/** Whether the terminal is smaller than the screen can be laid out in (the table would wrap). */
export function tooSmall(m: Pick<ScreenParts, 'width' | 'height'>): boolean {
  return m.width < MIN_COLS || m.height < MIN_ROWS - 1; // height: the layout's, one less than the terminal
}

/** What shows instead of the screen in a terminal that is too small; the keys still work. */
function tooSmallLines(m: ScreenParts, theme: Theme): Painted[] {
  const lines: Line[] = [
    [{ text: 'tsbox ', tone: 'accent', bold: true }, { text: `needs a terminal of at least ${MIN_COLS}x${MIN_ROWS};` }],
    [{ text: `this one is ${m.width}x${m.height + 1}.` }],
    [{ text: 'Make it larger, or press q to quit.', tone: 'muted' }],
  ];
  return fill(
    lines.slice(0, m.height).map((l) => paint(clipLine(l, m.width), theme)),
    m.height,
  );
}

/** The whole screen without an overlay: exactly `height` lines. */
export function screenLines(m: ScreenParts, theme: Theme): Painted[] {
  if (tooSmall(m)) return tooSmallLines(m, theme);
  return [
    headerLine(m.headerText, m.width, theme),
    ...fill(tableLines(m.table, m.width, theme), m.tableRows + 1),
    tabBarLine(m.tabBar, m.width, theme),
    ...fill(detailLines(m.body.lines, m.body.more, m.detailRows, theme), m.detailRows),
    statusLine(m.status, m.width, theme),
    footerLine(m.hints, m.width, theme),
  ];
}
