// The whole screen as plain props, derived from the state. The selector
// returns the previous object when the new one is equal in content, so a
// refresh that changes nothing visible causes no React render, no Ink frame
// and no terminal output: the dashboard redraws only when something changed.
import type { ScreenProps } from '../../components/Screen.js';
import { helpSections } from './keymap.js';
import type { Line } from './lines.js';
import { TABS, selectedRecord, type UiState } from './state.js';
import { tabLines } from './tabs.js';
import { emptyText, footer, headerCells, headerText, paneInfo, screenLayout, statusView, tableRows } from './view.js';

export type ScreenModel = Omit<ScreenProps, 'theme'>;

/** What the active tab's lines depend on, so they are rebuilt only when it changes. */
function bodyDeps(s: UiState): unknown[] {
  const r = selectedRecord(s);
  const base = [s.tab, s.cols, r];
  switch (s.tab) {
    case 'stats':
      return [...base, s.stats, r ? s.history[r.id] : null];
    case 'namespaces':
      return [...base, s.containers, s.namespaces, s.nsLegend];
    case 'users':
      return [...base, s.detail.users, s.uid];
    case 'security':
      return [...base, s.detail.security];
    case 'volumes':
      return [...base, s.detail.volumes];
    case 'logs':
      return [...base, s.logs, s.text.search, s.text.match];
    case 'config':
      return [...base, s.detail.config, s.text.search, s.text.match];
  }
}

export function screenModel(s: UiState, body: Line[]): ScreenModel {
  const lay = screenLayout(s);
  const selected = selectedRecord(s);
  let overlay: ScreenModel['overlay'] = null;
  if (s.overlay?.kind === 'help') {
    const notes = [s.nsLegend ?? '', 'q leaves the dashboard; containers keep running.'].filter(Boolean);
    overlay = { kind: 'help', sections: helpSections(), notes, scroll: s.overlay.scroll };
  } else if (s.overlay?.kind === 'confirm') {
    const force = s.overlay.force ? ' It is running: it will be killed and then removed.' : '';
    overlay = { kind: 'confirm', title: `Remove ${s.overlay.name}?`, message: `This deletes the container and its log.${force}` };
  }
  // only the window of the body that shows: the rest cannot change the frame
  const top = Math.max(0, Math.min(s.text.scroll, body.length - lay.detailRows));
  return {
    width: lay.width,
    height: lay.height,
    tableRows: lay.tableRows,
    detailRows: lay.detailRows,
    headerText: headerText(s),
    table: { header: headerCells(s), rows: tableRows(s), emptyText: emptyText(s) },
    tabBar: {
      tabs: TABS,
      active: TABS.findIndex((t) => t.id === s.tab),
      focused: s.focus === 'detail',
      title: selected?.name ?? '',
      info: paneInfo(s),
    },
    body: { lines: body.slice(top, top + lay.detailRows), more: Math.max(0, body.length - top - lay.detailRows) },
    overlay,
    status: statusView(s),
    hints: footer(s),
  };
}

/** Structural equality of plain data (what ScreenModel is made of). */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/** A selector for one app: the screen model, the same object while nothing visible changed. */
export function createScreenSelector(): (s: UiState) => ScreenModel {
  let deps: unknown[] = [];
  let body: Line[] = [];
  let last: ScreenModel | null = null;
  let lastState: UiState | null = null;
  return (s) => {
    if (s === lastState && last) return last;
    const d = bodyDeps(s);
    if (d.length !== deps.length || d.some((x, i) => x !== deps[i])) {
      body = tabLines(s, s.tab, screenLayout(s).width);
      deps = d;
    }
    const next = screenModel(s, body);
    lastState = s;
    if (last && sameData(last, next)) return last;
    last = next;
    return next;
  };
}
