// The dashboard's state and its pure reducer. No I/O and no React here: the
// controller feeds facts in as actions, the components read the state out.
import type { Command, Mode } from './keymap.js';
import { layout } from './layout.js';
import type {
  Avail,
  ContainerRecord,
  ContainerStats,
  LogLine,
  NamespaceView,
  Snapshot,
} from './model.js';
import { na } from './model.js';
import { imageName, stateLabel } from './records.js';
import { ALL_COLUMNS, columnDef, shownColumns } from './columns.js';
import { appendSample, EMPTY_SERIES, type Series } from './series.js';
import { bodyHeight } from './body.js';
import { TAB_DEFS, tabBody, tabDef } from './tab-defs.js';

/** The detail tabs, in order: their definitions table (tab-defs.ts). */
export const TABS = TAB_DEFS;
/** a tab's id in TAB_DEFS */
export type TabId = string;

/** a column's id in COLUMN_DEFS (columns.ts) */
export type SortColumn = string;

/** samples kept per container for the sparklines: 5 minutes at the default 1 s */
export const HISTORY_LENGTH = 300;
/** log lines kept in memory for the selected container */
export const LOG_LINES_KEPT = 5000;

export type InputKind = 'filter' | 'search' | 'uid';

export interface History {
  cpu: Series;
  mem: Series;
}

/** Data of the detail tabs that are loaded on demand, for one container. */
export interface DetailData {
  id: string | null;
  /** tab id -> what its definition's load read (tab-defs.ts detailOf); absent = not loaded yet */
  data: Partial<Record<TabId, Avail<unknown>>>;
}

export interface LogsState {
  id: string | null;
  lines: LogLine[];
  /** set when the log cannot be read */
  error: string | null;
  follow: boolean;
}

/** Scroll and search of the detail pane's body. */
export interface TextView {
  scroll: number;
  search: string;
  /** line index of the current match */
  match: number | null;
}

/** The container actions a confirmation can ask about: d always, the others on a marked set. */
export type ConfirmAction = 'start' | 'stop' | 'restart' | 'kill' | 'pause' | 'remove';

export type Overlay =
  | null
  | { kind: 'help'; scroll: number }
  /** one question for every container it names; force: one of them is running (removal kills it first) */
  | { kind: 'confirm'; action: ConfirmAction; ids: string[]; names: string[]; force: boolean };

/** One container's audit, from the cache (audit-cache.ts): the rules of `tsbox audit` over its kernel facts. */
export interface AuditView {
  /** the process it was read from: a restarted container is audited again */
  pid: number;
  grade: string;
  findings: AuditFinding[];
  /** when it was worked out (ms since the epoch) */
  at: number;
}

/** A finding as the Security tab shows it (engine/audit-rules.ts Finding). */
export interface AuditFinding {
  id: string;
  level: string;
  title: string;
  evidence: string[];
  fix: string;
}

export interface UiState {
  cols: number;
  rows: number;
  now: number;
  /** false until the first snapshot arrived */
  loaded: boolean;
  containers: ContainerRecord[];
  /** why the container list could not be read on the last refresh */
  containersError: string | null;
  stats: Avail<Record<string, ContainerStats>>;
  namespaces: Avail<Record<string, NamespaceView[]>>;
  nsColumn: Record<string, string>;
  /** the namespace column's legend, from the probe */
  nsLegend: string | null;
  history: Record<string, History>;
  /** derived: the filtered, sorted ids, kept in the state so selection can follow them */
  visibleIds: string[];
  sort: { column: SortColumn; desc: boolean };
  filter: string;
  input: { kind: InputKind; text: string } | null;
  selectedId: string | null;
  /** where the selection was, for when its container goes away */
  selectedIndex: number;
  scrollTop: number;
  tab: TabId;
  focus: 'table' | 'detail';
  overlay: Overlay;
  /** the ids marked with space, in the order they were marked: s/x/r/K/p/d act on them */
  marked: string[];
  /** container id -> the action running on it ("stopping") */
  pending: Record<string, string>;
  status: { text: string; kind: StatusKind } | null;
  detail: DetailData;
  logs: LogsState;
  text: TextView;
  uid: { query: string; result: string | null };
  /** a standing message for the status line when it has nothing else (the demo's clean-up command) */
  notice: string | null;
  /** the refresh interval: how much time one history sample stands for */
  intervalMs: number;
  /** the Env tab shows the values of secret-looking variables (v); back to hidden for another container */
  revealSecrets: boolean;
  /** the table's columns, by id (columns.ts), in the table's order */
  columns: string[];
  /** container id -> its audit, as the cache last worked it out */
  audit: Record<string, AuditView>;
}

/** the status line's kinds: a warning (the engine's, src/engine/events.ts) shows in the warn tone */
export type StatusKind = 'error' | 'warning' | 'info';

export type Action =
  | { type: 'snapshot'; snap: Snapshot }
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'command'; command: Command; arg?: string }
  | { type: 'type'; text: string }
  | { type: 'detail'; id: string; key: TabId; value: Avail<unknown> }
  | { type: 'logs'; id: string; lines: LogLine[]; reset: boolean }
  | { type: 'logsError'; id: string; reason: string }
  | { type: 'pending'; id: string; label: string }
  /** an action ended: its error, or its message and the warnings the engine gave while it ran */
  | { type: 'done'; id: string; error?: string; message?: string; warnings?: string[] }
  | { type: 'status'; text: string; kind: StatusKind }
  | { type: 'confirmRemove'; id: string; name: string; force: boolean }
  /** ask once about an action on these containers */
  | { type: 'confirmAction'; action: ConfirmAction; ids: string[]; names: string[]; force: boolean }
  | { type: 'clearMarks' }
  | { type: 'uidResult'; text: string }
  /** the audit cache's results: these containers' audits (others keep theirs), and the ids no longer audited */
  | { type: 'audit'; views: Record<string, AuditView>; gone: string[] };

const emptyDetail = (id: string | null): DetailData => ({ id, data: {} });

export function initialState(cols = 80, rows = 24, opts: { notice?: string; intervalMs?: number; columns?: readonly string[] } = {}): UiState {
  return {
    cols,
    rows,
    now: 0,
    loaded: false,
    containers: [],
    containersError: null,
    stats: na('no sample yet'),
    namespaces: na('no sample yet'),
    nsColumn: {},
    nsLegend: null,
    history: {},
    visibleIds: [],
    sort: { column: 'name', desc: false },
    filter: '',
    input: null,
    selectedId: null,
    selectedIndex: 0,
    scrollTop: 0,
    tab: 'stats',
    focus: 'table',
    overlay: null,
    marked: [],
    pending: {},
    status: null,
    detail: emptyDetail(null),
    logs: { id: null, lines: [], error: null, follow: true },
    text: { scroll: 0, search: '', match: null },
    uid: { query: '', result: null },
    notice: opts.notice ?? null,
    intervalMs: opts.intervalMs ?? 1000,
    revealSecrets: false,
    columns: [...(opts.columns ?? ALL_COLUMNS)],
    audit: {},
  };
}

/** Who owns the keys. */
export function modeOf(s: UiState): Mode {
  if (s.overlay?.kind === 'confirm') return 'confirm';
  if (s.overlay?.kind === 'help') return 'help';
  if (s.input) return 'input';
  return s.focus === 'detail' ? 'detail' : 'table';
}

export function selectedRecord(s: UiState): ContainerRecord | null {
  if (!s.selectedId) return null;
  return s.containers.find((c) => c.id === s.selectedId) ?? null;
}

// ---- filtering and sorting -------------------------------------------------

function sortKey(s: UiState, r: ContainerRecord, column: SortColumn): string | number {
  return columnDef(column)?.sortKey(s, r) ?? r.name;
}

export function matchesFilter(r: ContainerRecord, filter: string): boolean {
  if (!filter) return true;
  const f = filter.toLowerCase();
  return (
    r.name.toLowerCase().includes(f) ||
    imageName(r).toLowerCase().includes(f) ||
    r.id.startsWith(f) ||
    stateLabel(r).toLowerCase().includes(f)
  );
}

/** The ids the table shows, in order. Ties break on name so the order is stable. */
export function computeVisible(s: UiState): string[] {
  const { column, desc } = s.sort;
  const rows = s.containers.filter((r) => matchesFilter(r, s.filter)).map((r) => ({ r, k: sortKey(s, r, column) }));
  rows.sort((a, b) => {
    let d = 0;
    if (typeof a.k === 'number' && typeof b.k === 'number') d = a.k - b.k;
    else d = String(a.k).localeCompare(String(b.k));
    if (desc) d = -d;
    return d !== 0 ? d : a.r.name.localeCompare(b.r.name);
  });
  return rows.map((x) => x.r.id);
}

// ---- selection and scrolling ----------------------------------------------

/** The first row to show so that `index` is visible and no space is wasted at the end. */
export function scrollWindow(index: number, scrollTop: number, visibleRows: number, total: number): number {
  let top = scrollTop;
  if (index < top) top = index;
  if (index >= top + visibleRows) top = index - visibleRows + 1;
  top = Math.min(top, Math.max(0, total - visibleRows));
  return Math.max(0, top);
}

export function tableRowsOf(s: UiState): number {
  return layout(s.cols, s.rows, s.visibleIds.length).tableRows;
}

export function detailRowsOf(s: UiState): number {
  return layout(s.cols, s.rows, s.visibleIds.length).detailRows;
}

/**
 * Put the selection back on its container (by id) after the list changed; if
 * that container is gone or filtered out, stay at the same position.
 */
function normalize(s: UiState): UiState {
  const ids = s.visibleIds;
  let index = s.selectedId ? ids.indexOf(s.selectedId) : -1;
  if (index < 0) index = ids.length === 0 ? 0 : Math.min(Math.max(0, s.selectedIndex), ids.length - 1);
  const selectedId = ids.length === 0 ? null : ids[index];
  const scrollTop = scrollWindow(index, s.scrollTop, tableRowsOf(s), ids.length);
  if (selectedId === s.selectedId && index === s.selectedIndex && scrollTop === s.scrollTop) return s;
  return { ...s, selectedId, selectedIndex: index, scrollTop };
}

function resetDetail(s: UiState): UiState {
  return {
    ...s,
    detail: emptyDetail(s.selectedId),
    logs: { id: s.selectedId, lines: [], error: null, follow: true },
    text: { scroll: 0, search: s.text.search, match: null },
    uid: { query: '', result: null },
    revealSecrets: false,
  };
}


function withVisible(s: UiState): UiState {
  return normalize({ ...s, visibleIds: computeVisible(s) });
}

function moveSelection(s: UiState, delta: number | 'top' | 'bottom'): UiState {
  const n = s.visibleIds.length;
  if (n === 0) return s;
  let i = delta === 'top' ? 0 : delta === 'bottom' ? n - 1 : s.selectedIndex + delta;
  i = Math.max(0, Math.min(n - 1, i));
  return normalize({ ...s, selectedIndex: i, selectedId: s.visibleIds[i] });
}

// ---- the detail pane's text -----------------------------------------------

/** The searchable lines of the active tab (logs and config), or null. */
export function textLines(s: UiState): string[] | null {
  return tabDef(s.tab).text?.(s) ?? null;
}

function maxScroll(s: UiState, lineCount: number): number {
  return Math.max(0, lineCount - detailRowsOf(s));
}

/** How many lines the active tab has, at the current width. */
export function bodyLineCount(s: UiState): number {
  return bodyHeight(tabBody(s, s.tab, s.cols));
}

function scrollText(s: UiState, delta: number | 'top' | 'bottom'): UiState {
  const max = maxScroll(s, bodyLineCount(s));
  let scroll = delta === 'top' ? 0 : delta === 'bottom' ? max : s.text.scroll + delta;
  scroll = Math.max(0, Math.min(max, scroll));
  // Scrolling up in the logs stops following them; reaching the end resumes.
  const logs = s.tab === 'logs' ? { ...s.logs, follow: scroll >= max } : s.logs;
  return { ...s, text: { ...s.text, scroll }, logs };
}

/** Next (dir 1) or previous (-1) line matching the search, wrapping around. */
export function findMatch(lines: string[], term: string, from: number, dir: 1 | -1): number | null {
  if (!term || lines.length === 0) return null;
  const t = term.toLowerCase();
  for (let step = 1; step <= lines.length; step++) {
    const i = (((from + dir * step) % lines.length) + lines.length) % lines.length;
    if (lines[i].toLowerCase().includes(t)) return i;
  }
  return null;
}

function jumpToMatch(s: UiState, dir: 1 | -1, from?: number): UiState {
  const lines = textLines(s);
  if (!lines) return s;
  const start = from ?? s.text.match ?? s.text.scroll;
  const match = findMatch(lines, s.text.search, start, dir);
  if (match === null) return { ...s, status: { text: `not found: ${s.text.search}`, kind: 'info' } };
  const rows = detailRowsOf(s);
  // keep the match a third of the way down so its context shows
  const scroll = Math.max(0, Math.min(maxScroll(s, lines.length), match - Math.floor(rows / 3)));
  const logs = s.tab === 'logs' ? { ...s.logs, follow: false } : s.logs;
  return { ...s, text: { ...s.text, scroll, match }, logs, status: null };
}

function setTab(s: UiState, tab: TabId): UiState {
  if (tab === s.tab) return s;
  return { ...s, tab, text: { scroll: 0, search: s.text.search, match: null } };
}

function cycleTab(s: UiState, delta: number): UiState {
  const i = TABS.findIndex((t) => t.id === s.tab);
  return setTab(s, TABS[(i + delta + TABS.length) % TABS.length].id);
}

function cycleSort(s: UiState, delta: number): UiState {
  // the columns shown: a hidden one would sort by what nobody sees
  const cols = shownColumns(s.columns);
  const i = cols.findIndex((c) => c.id === s.sort.column);
  const def = cols[(i + delta + cols.length) % cols.length];
  // numbers read best biggest-first (grades worst first), words alphabetically
  return withVisible({ ...s, sort: { column: def.id, desc: !!def.desc } });
}

// ---- input line ------------------------------------------------------------

function openInput(s: UiState, kind: InputKind): UiState {
  const text = kind === 'filter' ? s.filter : kind === 'search' ? s.text.search : s.uid.query;
  return { ...s, input: { kind, text } };
}

function applyInput(s: UiState, text: string): UiState {
  if (!s.input) return s;
  const next = { ...s, input: { ...s.input, text } };
  // the filter applies while typing; search and uid apply on enter
  if (s.input.kind === 'filter') return withVisible({ ...next, filter: text });
  return next;
}

function submitInput(s: UiState): UiState {
  if (!s.input) return s;
  const { kind, text } = s.input;
  const closed = { ...s, input: null };
  if (kind === 'filter') return closed;
  if (kind === 'search') {
    const lines = textLines(closed) ?? [];
    // the newest match first: search backwards from past the end
    return jumpToMatch({ ...closed, text: { ...closed.text, search: text, match: null } }, -1, lines.length);
  }
  return { ...closed, uid: { query: text, result: null } };
}

function cancelInput(s: UiState): UiState {
  if (!s.input) return s;
  if (s.input.kind === 'filter') return withVisible({ ...s, input: null, filter: '' });
  return { ...s, input: null };
}

// ---- the reducer -----------------------------------------------------------

function onCommand(s: UiState, command: Command, arg?: string): UiState {
  const inDetail = s.focus === 'detail';
  const page = inDetail ? detailRowsOf(s) : tableRowsOf(s);
  if (s.overlay?.kind === 'help') {
    if (command === 'up' || command === 'down') {
      const scroll = Math.max(0, s.overlay.scroll + (command === 'up' ? -1 : 1));
      return { ...s, overlay: { kind: 'help', scroll } };
    }
    if (command === 'help' || command === 'escape') return { ...s, overlay: null };
    return s;
  }
  switch (command) {
    case 'up':
      return inDetail ? scrollText(s, -1) : moveSelection(s, -1);
    case 'down':
      return inDetail ? scrollText(s, 1) : moveSelection(s, 1);
    case 'pageUp':
      return inDetail ? scrollText(s, -page) : moveSelection(s, -page);
    case 'pageDown':
      return inDetail ? scrollText(s, page) : moveSelection(s, page);
    case 'top':
      return inDetail ? scrollText(s, 'top') : moveSelection(s, 'top');
    case 'bottom':
      return inDetail ? scrollText(s, 'bottom') : moveSelection(s, 'bottom');
    case 'nextTab':
      return cycleTab(s, 1);
    case 'prevTab':
      return cycleTab(s, -1);
    case 'selectTab': {
      // 0 is the tenth tab, as on the keyboard
      const i = arg === '0' ? 9 : Number(arg) - 1;
      return i >= 0 && i < TABS.length ? setTab(s, TABS[i].id) : s;
    }
    case 'focusDetail':
      return { ...s, focus: 'detail' };
    case 'logs': {
      const t = setTab(s, 'logs');
      const lines = textLines(t) ?? [];
      return { ...t, focus: 'detail', logs: { ...t.logs, follow: true }, text: { ...t.text, scroll: maxScroll(t, lines.length) } };
    }
    case 'filter':
      return openInput(s, 'filter');
    case 'search':
      return textLines(s) ? openInput(s, 'search') : { ...s, status: { text: 'search works in the Logs and Config tabs', kind: 'info' } };
    case 'nextMatch':
      return jumpToMatch(s, 1);
    case 'prevMatch':
      return jumpToMatch(s, -1);
    case 'follow': {
      if (s.tab !== 'logs') return s;
      const follow = !s.logs.follow;
      const lines = textLines(s) ?? [];
      const scroll = follow ? maxScroll(s, lines.length) : s.text.scroll;
      return { ...s, logs: { ...s.logs, follow }, text: { ...s.text, scroll } };
    }
    case 'translateUid':
      return openInput(setTab(s, 'users'), 'uid');
    case 'revealSecrets':
      // elsewhere the key first shows the Env tab, still hidden
      return s.tab === 'env' ? { ...s, revealSecrets: !s.revealSecrets } : setTab(s, 'env');
    case 'sortNext':
      return cycleSort(s, 1);
    case 'sortPrev':
      return cycleSort(s, -1);
    case 'sortInvert':
      return withVisible({ ...s, sort: { ...s.sort, desc: !s.sort.desc } });
    case 'help':
      return { ...s, overlay: { kind: 'help', scroll: 0 } };
    case 'mark': {
      if (!s.selectedId) return s;
      const id = s.selectedId;
      const marked = s.marked.includes(id) ? s.marked.filter((x) => x !== id) : [...s.marked, id];
      // htop's habit: marking moves on, so space space space marks a run of rows
      return moveSelection({ ...s, marked }, 1);
    }
    case 'escape':
      if (s.focus === 'detail') return { ...s, focus: 'table' };
      if (s.filter) return withVisible({ ...s, filter: '' });
      if (s.marked.length) return { ...s, marked: [] };
      return { ...s, status: null };
    case 'cancel':
      return { ...s, overlay: null };
    case 'inputSubmit':
      return submitInput(s);
    case 'inputCancel':
      return cancelInput(s);
    case 'inputBackspace':
      return s.input ? applyInput(s, s.input.text.slice(0, -1)) : s;
    case 'inputClear':
      return s.input ? applyInput(s, '') : s;
    default:
      // container actions, exec, quit and confirm are the controller's
      return s;
  }
}

const NO_HISTORY: History = { cpu: EMPTY_SERIES, mem: EMPTY_SERIES };

function appendHistory(h: History = NO_HISTORY, st: ContainerStats | undefined): History {
  return { cpu: appendSample(h.cpu, st ? st.cpuPercent : null, HISTORY_LENGTH), mem: appendSample(h.mem, st ? st.memUsed : null, HISTORY_LENGTH) };
}

/** What about a record can change while it exists; equal keys keep the old object. */
function recordKey(r: ContainerRecord): string {
  return [r.name, r.state, r.pid, r.startedAt, r.finishedAt, r.exitCode, r.oomKilled, r.error ?? ''].join('|');
}

function onSnapshot(s: UiState, snap: Snapshot): UiState {
  let containers = s.containers;
  let containersError: string | null = null;
  if (snap.containers.ok) {
    const old = new Map(s.containers.map((r) => [r.id, r]));
    const fresh = snap.containers.value.map((r) => {
      const prev = old.get(r.id);
      // the engine hands out the same object while a record is unchanged
      return prev && (prev === r || recordKey(prev) === recordKey(r)) ? prev : r;
    });
    // the same list keeps its identity: what is derived from it need not be again
    if (fresh.length !== containers.length || fresh.some((r, i) => r !== containers[i])) containers = fresh;
  } else {
    containersError = snap.containers.reason;
  }
  const history: Record<string, History> = {};
  const stats = snap.stats.ok ? snap.stats.value : {};
  for (const r of containers) {
    // only running containers get samples; a stopped one keeps its past
    history[r.id] = r.state === 'running' ? appendHistory(s.history[r.id], stats[r.id]) : (s.history[r.id] ?? NO_HISTORY);
  }
  // a container whose record changed (restarted, stopped) may have new detail facts
  let next: UiState = {
    ...s,
    now: snap.at,
    loaded: true,
    containers,
    containersError,
    stats: snap.stats,
    namespaces: snap.namespaces,
    nsColumn: snap.nsColumn,
    nsLegend: snap.nsLegend,
    history,
  };
  // The order changes with the list, or with what a refresh brings when
  // sorted by it (uptime moves too, but every running container's alike).
  const sameOrder = containers === s.containers && !columnDef(s.sort.column)?.live && s.visibleIds.length > 0;
  next = sameOrder ? normalize(next) : withVisible(next);
  // Drop pending actions and marks of containers that are gone.
  const ids = new Set(containers.map((r) => r.id));
  if (next.marked.some((id) => !ids.has(id))) next = { ...next, marked: next.marked.filter((id) => ids.has(id)) };
  if (Object.keys(next.pending).some((id) => !ids.has(id))) {
    next = { ...next, pending: Object.fromEntries(Object.entries(next.pending).filter(([id]) => ids.has(id))) };
  }
  return next;
}

export function reduce(s: UiState, a: Action): UiState {
  const next = reduceAction(s, a);
  // Whatever moved the selection, the detail data was the old container's.
  return next.selectedId !== s.selectedId ? resetDetail(next) : next;
}

function reduceAction(s: UiState, a: Action): UiState {
  switch (a.type) {
    case 'snapshot':
      return onSnapshot(s, a.snap);
    case 'resize':
      if (a.cols === s.cols && a.rows === s.rows) return s;
      return normalize({ ...s, cols: a.cols, rows: a.rows });
    case 'command':
      return onCommand(s, a.command, a.arg);
    case 'type':
      return s.input ? applyInput(s, s.input.text + a.text) : s;
    case 'detail':
      if (a.id !== s.selectedId) return s;
      return { ...s, detail: { id: a.id, data: { ...s.detail.data, [a.key]: a.value } } };
    case 'logs': {
      if (a.id !== s.selectedId) return s;
      let lines = a.reset ? a.lines : s.logs.lines.concat(a.lines);
      if (lines.length > LOG_LINES_KEPT) lines = lines.slice(lines.length - LOG_LINES_KEPT);
      const logs = { ...s.logs, id: a.id, lines, error: null };
      const next = { ...s, logs };
      if (s.tab === 'logs' && logs.follow) return { ...next, text: { ...s.text, scroll: maxScroll(next, lines.length) } };
      return next;
    }
    case 'logsError':
      if (a.id !== s.selectedId) return s;
      return { ...s, logs: { ...s.logs, id: a.id, lines: [], error: a.reason } };
    case 'pending':
      return { ...s, pending: { ...s.pending, [a.id]: a.label }, status: { text: `${a.label}…`, kind: 'info' } };
    case 'done': {
      const pending = { ...s.pending };
      delete pending[a.id];
      const status = a.error
        ? { text: a.error, kind: 'error' as const }
        : a.warnings?.length
          ? { text: [a.message, ...a.warnings.map((w) => `warning: ${w}`)].filter(Boolean).join('; '), kind: 'warning' as const }
          : a.message
            ? { text: a.message, kind: 'info' as const }
            : null;
      return { ...s, pending, status };
    }
    case 'status':
      return { ...s, status: { text: a.text, kind: a.kind } };
    case 'confirmRemove':
      return { ...s, overlay: { kind: 'confirm', action: 'remove', ids: [a.id], names: [a.name], force: a.force } };
    case 'confirmAction':
      return { ...s, overlay: { kind: 'confirm', action: a.action, ids: a.ids, names: a.names, force: a.force } };
    case 'clearMarks':
      return s.marked.length ? { ...s, marked: [] } : s;
    case 'uidResult':
      return { ...s, uid: { ...s.uid, result: a.text } };
    case 'audit': {
      const audit = { ...s.audit, ...a.views };
      for (const id of a.gone) delete audit[id];
      const next = { ...s, audit };
      // sorted by grade, the order is the audit's
      return s.sort.column === 'grade' ? withVisible(next) : next;
    }
  }
}
