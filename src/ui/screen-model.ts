// The whole screen as plain props, derived from the state. The selector
// returns the previous object when the new one is equal in content, so a
// refresh that changes nothing visible causes no React render, no Ink frame
// and no terminal output: the dashboard redraws only when something changed.
import type { ScreenProps } from '../../components/Screen.js';
import { bodyHeight, windowOf, type Body } from './body.js';
import { helpSections } from './keymap.js';
import { TABS, selectedRecord, type UiState } from './state.js';
import { tabBody } from './tabs.js';
import { emptyText, footer, headerCells, headerText, paneInfo, screenLayout, statusView, tableRows } from './view.js';

export type ScreenModel = Omit<ScreenProps, 'theme'>;

/** What the active tab's body depends on, so it is rebuilt only when that changes. */
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

export function screenModel(s: UiState, body: Body): ScreenModel {
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
  const height = bodyHeight(body);
  const top = Math.max(0, Math.min(s.text.scroll, height - lay.detailRows));
  const more = Math.max(0, height - top - lay.detailRows);
  // when more is below, the pane's last line says so instead
  const blocks = windowOf(body, top, more > 0 ? lay.detailRows - 1 : lay.detailRows);
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
    body: { blocks, more },
    overlay,
    status: statusView(s),
    hints: footer(s),
  };
}

/** Structural equality of plain data (what ScreenModel is made of). */
export function sameData(a: unknown, b: unknown): boolean {
  return share(a, b) === a;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/**
 * `next`, with every part equal in content to the same part of `prev`
 * replaced by that part of `prev`; `prev` itself when all of it is equal.
 * Parts that did not change keep their identity, so the memoized components
 * that draw them skip their work.
 */
export function share<T>(prev: T, next: T): T {
  if (prev === next) return prev;
  if (!isObject(prev) || !isObject(next) || Array.isArray(prev) !== Array.isArray(next)) return next;
  if (Array.isArray(prev) && Array.isArray(next)) {
    let same = prev.length === next.length;
    const out = next.map((x, i) => {
      const y = i < prev.length ? share(prev[i], x) : x;
      if (y !== prev[i]) same = false;
      return y;
    });
    return (same ? prev : out) as T;
  }
  const keys = Object.keys(next);
  let same = keys.length === Object.keys(prev).length;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const y = k in prev ? share(prev[k], next[k]) : next[k];
    if (!(k in prev) || y !== prev[k]) same = false;
    out[k] = y;
  }
  return (same ? prev : out) as T;
}

/**
 * A selector for one app: the screen model, the same object while nothing
 * visible changed, and otherwise sharing every unchanged part with the last.
 */
export function createScreenSelector(): (s: UiState) => ScreenModel {
  let deps: unknown[] = [];
  let body: Body = [];
  let last: ScreenModel | null = null;
  let lastState: UiState | null = null;
  return (s) => {
    if (s === lastState && last) return last;
    const d = bodyDeps(s);
    if (d.length !== deps.length || d.some((x, i) => x !== deps[i])) {
      body = tabBody(s, s.tab, screenLayout(s).width);
      deps = d;
    }
    const next = screenModel(s, body);
    lastState = s;
    last = last ? share(last, next) : next;
    return last;
  };
}
