// State -> the plain props the components draw. Pure and tested without
// rendering; only the visible window of rows is ever built.
import { fit, formatDuration, formatMemPair, formatPercent } from './format.js';
import { footerHints, type Hint } from './keymap.js';
import { columnWidths, layout, type ColumnWidths, type Layout } from './layout.js';
import type { Tone } from './lines.js';
import type { ContainerRecord } from './model.js';
import { imageName, stateLabel, uptimeMs } from './records.js';
import { COLUMNS, modeOf, type SortColumn, type StatusKind, type UiState } from './state.js';

export type Cells = Record<keyof ColumnWidths, string>;

export interface RowView {
  id: string;
  selected: boolean;
  cells: Cells;
  stateTone: Tone;
}

const HEADERS: Record<SortColumn, string> = {
  name: 'NAME',
  image: 'IMAGE',
  state: 'STATE',
  uptime: 'UP',
  cpu: 'CPU%',
  mem: 'MEM/LIMIT',
  pids: 'PIDS',
  ns: 'NS',
};
const RIGHT: ReadonlySet<SortColumn> = new Set(['uptime', 'cpu', 'mem', 'pids']);

/** What is derived from a container list alone, kept while the list is the same array (see onSnapshot). */
const perList = new WeakMap<ContainerRecord[], { need: { name: number; image: number }; byId: Map<string, ContainerRecord> }>();

function listFacts(list: ContainerRecord[]) {
  let f = perList.get(list);
  if (!f) {
    let name = 4;
    let image = 5;
    for (const r of list) {
      if (r.name.length > name) name = r.name.length;
      if (imageName(r).length > image) image = imageName(r).length;
    }
    f = { need: { name, image }, byId: new Map(list.map((r) => [r.id, r])) };
    perList.set(list, f);
  }
  return f;
}

/** Column widths for the current containers: names and images get what they need, if it fits. */
export function tableColumns(s: UiState): ColumnWidths {
  return columnWidths(s.cols, listFacts(s.containers).need);
}

export function screenLayout(s: UiState): Layout {
  return layout(s.cols, s.rows, s.visibleIds.length);
}

export function headerCells(s: UiState, w: ColumnWidths = tableColumns(s)): Cells {
  const out = {} as Cells;
  for (const c of COLUMNS) {
    const arrow = s.sort.column === c ? (s.sort.desc ? '▼' : '▲') : '';
    out[c] = fit(HEADERS[c] + arrow, w[c], RIGHT.has(c));
  }
  return out;
}

function stateTone(r: ContainerRecord): Tone {
  if (r.oomKilled) return 'bad';
  switch (r.state) {
    case 'running':
      return 'good';
    case 'paused':
      return 'warn';
    case 'exited':
      return r.exitCode === 0 ? 'muted' : 'bad';
    default:
      return 'accent';
  }
}

export function rowCells(s: UiState, r: ContainerRecord, w: ColumnWidths): Cells {
  const st = s.stats.ok && (r.state === 'running' || r.state === 'paused') ? s.stats.value[r.id] : undefined;
  const up = uptimeMs(r, s.now);
  const pending = s.pending[r.id];
  return {
    name: fit(r.name, w.name),
    image: fit(imageName(r), w.image),
    // a running action shows in place of the state: "stopping..." (with an ellipsis)
    state: fit(pending ? `${pending.split(' ')[0]}…` : stateLabel(r), w.state),
    uptime: fit(up === null ? '-' : formatDuration(up), w.uptime, true),
    cpu: fit(st ? formatPercent(st.cpuPercent) : '-', w.cpu, true),
    mem: fit(st ? formatMemPair(st.memUsed, st.memLimit) : '-', w.mem, true),
    pids: fit(st ? String(st.pids) : '-', w.pids, true),
    ns: fit(s.nsColumn[r.id] ?? '-', w.ns),
  };
}

/** The rows in the table's window, and nothing else. */
export function tableRows(s: UiState): RowView[] {
  const w = tableColumns(s);
  const { tableRows: n } = screenLayout(s);
  const { byId } = listFacts(s.containers);
  const out: RowView[] = [];
  for (const id of s.visibleIds.slice(s.scrollTop, s.scrollTop + n)) {
    const r = byId.get(id);
    if (!r) continue;
    out.push({ id, selected: id === s.selectedId, cells: rowCells(s, r, w), stateTone: s.pending[id] ? 'warn' : stateTone(r) });
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
  return { text: s.notice ?? '', tone: 'muted', input: false };
}

export function footer(s: UiState): Hint[] {
  return footerHints(modeOf(s), s.cols);
}
