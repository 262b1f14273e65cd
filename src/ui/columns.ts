// The container table's columns, one entry each: the table is what the
// heading, the painted rows, the widths, the sort keys (> < I) and the
// columns a user may show (UiState.columns) all come from. Adding a column is
// an entry here, and a field of the state when it shows something new
// (test/ui/columns.test.ts adds one and sees it drawn and sorted).
//
// Nothing here reads the disk: a cell is made of what the state holds. The
// grade is the audit cache's (audit-cache.ts), which fills in after the
// first frame: until then the column shows '…'.
import { fit, formatDuration, formatMemPair, formatPercent } from './format.js';
import type { Tone } from './lines.js';
import type { ContainerRecord, ContainerStats } from './model.js';
import { imageName, isLive, stateLabel, uptimeMs } from './records.js';
import type { UiState } from './state.js';

export interface ColumnDef {
  id: string;
  header: string;
  /**
   * A fixed width, or a share of what the fixed columns leave: the first
   * flex column takes the rest, the others at most `share` of it; each takes
   * no more than its longest value needs (`need`), up to `max`.
   */
  width: number | { share: number; max: number; need(r: ContainerRecord): number };
  right?: boolean;
  /** sorted biggest (or worst) first when the sort reaches it */
  desc?: boolean;
  /** its order changes with every refresh: the table re-sorts at each one while sorted by it */
  live?: boolean;
  /** the sort refreshes read every container's statistics for */
  stats?: boolean;
  sortKey(s: UiState, r: ContainerRecord): string | number;
  /** the cell's text before it is fitted to the width */
  cell(s: UiState, r: ContainerRecord, st: ContainerStats | undefined): string;
  /** the cell's own tone; a selected row is inverse as a whole */
  tone?(s: UiState, r: ContainerRecord): Tone | undefined;
}

const STATE_ORDER: Record<string, number> = { running: 0, paused: 1, created: 2, exited: 3, removing: 4 };

function stateTone(s: UiState, r: ContainerRecord): Tone {
  if (s.pending[r.id]) return 'warn';
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

/**
 * A through F, as `tsbox audit` grades (audit-rules.ts GRADES): the letters'
 * own order is best to worst, so the sort needs no table of them (and the
 * CLI bundle, which holds this file, no audit code).
 */
const gradeRank = (g: string) => (/^[A-F]$/.test(g) ? g.charCodeAt(0) : 0);
const GRADE_TONE: Record<string, Tone> = { A: 'good', B: 'good', C: 'warn', D: 'bad', F: 'bad' };

/** The grade cell: the cached audit's, '…' while it is being worked out, '-' for a container with no process to audit. */
export function gradeText(s: UiState, r: ContainerRecord): string {
  if (!isLive(r) || r.pid <= 0) return '-';
  const a = s.audit[r.id];
  return a && a.pid === r.pid ? a.grade : '…';
}

const stats = (s: UiState, r: ContainerRecord) => (s.stats.ok ? s.stats.value[r.id] : undefined);

export const COLUMN_DEFS: readonly ColumnDef[] = [
  { id: 'name', header: 'NAME', width: { share: 1, max: 40, need: (r) => r.name.length }, sortKey: (_s, r) => r.name, cell: (_s, r) => r.name },
  { id: 'image', header: 'IMAGE', width: { share: 0.4, max: 30, need: (r) => imageName(r).length }, sortKey: (_s, r) => imageName(r), cell: (_s, r) => imageName(r) },
  {
    id: 'state',
    header: 'STATE',
    width: 11,
    sortKey: (_s, r) => (STATE_ORDER[r.state] ?? 9) * 1000 + (r.oomKilled ? 1 : 0),
    // a running action shows in place of the state: "stopping..." (with an ellipsis)
    cell: (s, r) => (s.pending[r.id] ? `${s.pending[r.id].split(' ')[0]}…` : stateLabel(r)),
    tone: stateTone,
  },
  {
    id: 'uptime',
    header: 'UP',
    width: 6,
    right: true,
    desc: true,
    sortKey: (s, r) => uptimeMs(r, s.now) ?? -1,
    cell: (s, r) => {
      const up = uptimeMs(r, s.now);
      return up === null ? '-' : formatDuration(up);
    },
  },
  { id: 'cpu', header: 'CPU%', width: 6, right: true, desc: true, live: true, stats: true, sortKey: (s, r) => stats(s, r)?.cpuPercent ?? -1, cell: (_s, _r, st) => (st ? formatPercent(st.cpuPercent) : '-') },
  { id: 'mem', header: 'MEM/LIMIT', width: 13, right: true, desc: true, live: true, stats: true, sortKey: (s, r) => stats(s, r)?.memUsed ?? -1, cell: (_s, _r, st) => (st ? formatMemPair(st.memUsed, st.memLimit) : '-') },
  { id: 'pids', header: 'PIDS', width: 5, right: true, desc: true, live: true, stats: true, sortKey: (s, r) => stats(s, r)?.pids ?? -1, cell: (_s, _r, st) => (st ? String(st.pids) : '-') },
  { id: 'ns', header: 'NS', width: 8, live: true, sortKey: (s, r) => s.nsColumn[r.id] ?? '', cell: (s, r) => s.nsColumn[r.id] ?? '-' },
  {
    id: 'grade',
    header: 'GRADE',
    // GRADE and its sort arrow
    width: 6,
    desc: true,
    sortKey: (s, r) => gradeRank(gradeText(s, r)),
    cell: gradeText,
    tone: (s, r) => GRADE_TONE[gradeText(s, r)],
  },
];

/** Every column's id, in the table's order: what shows unless the config says otherwise. */
export const ALL_COLUMNS: readonly string[] = COLUMN_DEFS.map((c) => c.id);

export function columnDef(id: string): ColumnDef | undefined {
  return COLUMN_DEFS.find((c) => c.id === id);
}

/** The definitions of the columns shown, in the table's order (unknown ids are the config's to refuse: config.ts). */
export function shownColumns(ids: readonly string[]): ColumnDef[] {
  return COLUMN_DEFS.filter((c) => ids.includes(c.id));
}

/** A row's cells, fitted to their widths. */
export function cellsOf(s: UiState, r: ContainerRecord, cols: readonly ColumnDef[], widths: Record<string, number>): Record<string, string> {
  const st = s.stats.ok && isLive(r) ? s.stats.value[r.id] : undefined;
  const out: Record<string, string> = {};
  for (const c of cols) out[c.id] = fit(c.cell(s, r, st), widths[c.id], c.right);
  return out;
}
