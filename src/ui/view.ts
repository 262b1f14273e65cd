// State -> the plain props the components draw. Pure and tested without
// rendering; only the visible window of rows is ever built.
import { NAMESPACE_TYPES } from '../common/namespaces.js';
import { NS_SYMBOLS } from '../probe/namespaces.js';
import { cellsOf, shownColumns, type ColumnDef } from './columns.js';
import { fit } from './format.js';
import { footerHints, type Hint } from './keymap.js';
import { columnWidths, layout, type ColumnWidths, type Layout } from './layout.js';
import type { Tone } from './lines.js';
import type { ContainerRecord } from './model.js';
import { modeOf, type StatusKind, type UiState } from './state.js';

/** column id -> the cell's text, fitted; in the table's order (keys keep their insertion order) */
export type Cells = Record<string, string>;

export interface RowView {
  id: string;
  selected: boolean;
  /** marked with space for an action on the marked set */
  marked: boolean;
  cells: Cells;
  /** the tones of the cells that have one (state, grade) */
  tones: Record<string, Tone>;
}

/** What is derived from a container list alone, kept while the list is the same array (see onSnapshot). */
const perList = new WeakMap<ContainerRecord[], { need: Record<string, number>; byId: Map<string, ContainerRecord> }>();

function listFacts(list: ContainerRecord[], cols: readonly ColumnDef[]) {
  let f = perList.get(list);
  if (!f) {
    const need: Record<string, number> = {};
    for (const c of cols) {
      if (typeof c.width === 'number') continue;
      let n = c.header.length;
      for (const r of list) n = Math.max(n, c.width.need(r));
      need[c.id] = n;
    }
    f = { need, byId: new Map(list.map((r) => [r.id, r])) };
    perList.set(list, f);
  }
  return f;
}

/** The definitions of the columns shown, the same array while the ids are. */
const shownCache = new WeakMap<string[], ColumnDef[]>();
export function tableDefs(s: UiState): ColumnDef[] {
  let d = shownCache.get(s.columns);
  if (!d) {
    d = shownColumns(s.columns);
    shownCache.set(s.columns, d);
  }
  return d;
}

/** Column widths for the current containers: names and images get what they need, if it fits. */
export function tableColumns(s: UiState): ColumnWidths {
  const defs = tableDefs(s);
  return columnWidths(s.cols, listFacts(s.containers, defs).need, defs);
}

export function screenLayout(s: UiState): Layout {
  return layout(s.cols, s.rows, s.visibleIds.length);
}

export function headerCells(s: UiState, w: ColumnWidths = tableColumns(s)): Cells {
  const out: Cells = {};
  for (const c of tableDefs(s)) {
    const arrow = s.sort.column === c.id ? (s.sort.desc ? '▼' : '▲') : '';
    out[c.id] = fit(c.header + arrow, w[c.id], c.right);
  }
  return out;
}

export function rowCells(s: UiState, r: ContainerRecord, w: ColumnWidths): Cells {
  return cellsOf(s, r, tableDefs(s), w);
}

function rowTones(s: UiState, r: ContainerRecord): Record<string, Tone> {
  const out: Record<string, Tone> = {};
  for (const c of tableDefs(s)) {
    const t = c.tone?.(s, r);
    if (t) out[c.id] = t;
  }
  return out;
}

/** The rows in the table's window, and nothing else. */
export function tableRows(s: UiState): RowView[] {
  const w = tableColumns(s);
  const { tableRows: n } = screenLayout(s);
  const { byId } = listFacts(s.containers, tableDefs(s));
  const marks = new Set(s.marked);
  const out: RowView[] = [];
  for (const id of s.visibleIds.slice(s.scrollTop, s.scrollTop + n)) {
    const r = byId.get(id);
    if (!r) continue;
    out.push({ id, selected: id === s.selectedId, marked: marks.has(id), cells: rowCells(s, r, w), tones: rowTones(s, r) });
  }
  return out;
}

/** The line above the table: counts, sort and filter. */
export function headerText(s: UiState): string {
  const total = s.containers.length;
  const running = s.containers.filter((r) => r.state === 'running').length;
  const shown = s.visibleIds.length;
  const parts = [`${total} container${total === 1 ? '' : 's'}, ${running} running`];
  if (s.filter) parts.push(`filter "${s.filter}": ${shown} shown`);
  if (shown > 0) parts.push(`${s.selectedIndex + 1}/${shown}`);
  if (s.marked.length) parts.push(`${s.marked.length} marked (Esc clears)`);
  return parts.join('  ·  ');
}

/** What shows when the table has no rows. */
export function emptyText(s: UiState): string {
  if (!s.loaded) return 'reading containers…';
  if (s.containersError) return `cannot list containers: ${s.containersError}`;
  if (s.containers.length === 0) return 'no containers: try `tsbox demo` or `tsbox run -d --name web host sleep infinity`';
  return `no container matches "${s.filter}" (Esc clears the filter)`;
}

/** Right side of the tab bar: the pane's own state. */
export function paneInfo(s: UiState): string {
  const parts: string[] = [];
  if (s.focus === 'detail') parts.push('keys: pane');
  if (s.tab === 'logs') parts.push(s.logs.follow ? 'following' : 'paused scroll');
  if ((s.tab === 'logs' || s.tab === 'config') && s.text.search) parts.push(`/${s.text.search}`);
  return parts.join('  ');
}

/**
 * The NS column's legend, on the status line whenever it has nothing else
 * to say: each letter's position named, then what the letters mean.
 */
export const NS_COLUMN_LEGEND = `NS ${NAMESPACE_TYPES.join(' ')}: ${NS_SYMBOLS.private} private ${NS_SYMBOLS.host} host's ${NS_SYMBOLS.shared} shared ${NS_SYMBOLS.unknown} unknown`;

export interface StatusView {
  text: string;
  tone: Tone | undefined;
  /** an input line being typed, shown with a cursor */
  input: boolean;
}

const PROMPTS = { filter: 'filter: ', search: 'search: ', uid: 'uid to translate: ' };

const STATUS_TONE: Record<StatusKind, Tone | undefined> = { error: 'bad', warning: 'warn', info: undefined };

export function statusView(s: UiState): StatusView {
  if (s.input) return { text: PROMPTS[s.input.kind] + s.input.text, tone: 'accent', input: true };
  if (s.status) return { text: s.status.text, tone: STATUS_TONE[s.status.kind], input: false };
  const pending = Object.values(s.pending);
  if (pending.length) return { text: `${pending.join(', ')}…`, tone: 'warn', input: false };
  return { text: s.notice ?? NS_COLUMN_LEGEND, tone: 'muted', input: false };
}

export function footer(s: UiState): Hint[] {
  return footerHints(modeOf(s), s.cols);
}
