// The connected root: reads the store, derives the screen's props and sends
// keys to the controller. All drawing is in components/, all I/O in the
// controller and the source.
import { useMemo } from 'react';
import { useInput } from 'ink';
import { Screen, type ScreenOverlay } from '../../components/Screen.js';
import type { Theme } from '../../components/theme.js';
import { useDashboard } from './context.js';
import type { Controller } from './controller.js';
import { helpSections } from './keymap.js';
import { TABS, selectedRecord, type UiState } from './state.js';
import { tabLines } from './tabs.js';
import { emptyText, footer, headerCells, headerText, paneInfo, screenLayout, statusView, tableRows } from './view.js';

/** What the active tab's lines depend on, so they are rebuilt only when it changes (always 4 entries). */
function bodyDeps(s: UiState): unknown[] {
  const r = selectedRecord(s);
  switch (s.tab) {
    case 'stats':
      return [r, s.stats, r ? s.history[r.id] : null, null];
    case 'namespaces':
      return [r, s.containers, s.namespaces, s.nsLegend];
    case 'users':
      return [r, s.detail.users, s.uid, null];
    case 'security':
      return [r, s.detail.security, null, null];
    case 'volumes':
      return [r, s.detail.volumes, null, null];
    case 'logs':
      return [r, s.logs, s.text.search, s.text.match];
    case 'config':
      return [r, s.detail.config, s.text.search, s.text.match];
  }
}

export function Dashboard({ controller, theme }: { controller: Controller; theme: Theme }) {
  const s = useDashboard((x) => x);
  useInput((input, key) => controller.handleKey(input, key));

  const lay = screenLayout(s);
  const header = useMemo(() => headerCells(s), [s.sort, s.cols, s.containers]);
  const rows = useMemo(
    () => tableRows(s),
    [s.visibleIds, s.containers, s.stats, s.nsColumn, s.scrollTop, s.selectedId, s.pending, s.now, s.cols, s.rows],
  );
  const lines = useMemo(() => tabLines(s, s.tab, lay.width), [s.tab, lay.width, ...bodyDeps(s)]);
  const help = useMemo(() => helpSections(), []);

  const selected = selectedRecord(s);
  let overlay: ScreenOverlay = null;
  if (s.overlay?.kind === 'help') {
    const notes = [s.nsLegend ?? '', 'q leaves the dashboard; containers keep running.'].filter(Boolean);
    overlay = { kind: 'help', sections: help, notes, scroll: s.overlay.scroll };
  } else if (s.overlay?.kind === 'confirm') {
    const force = s.overlay.force ? ' It is running: it will be killed and then removed.' : '';
    overlay = { kind: 'confirm', title: `Remove ${s.overlay.name}?`, message: `This deletes the container and its log.${force}` };
  }

  return (
    <Screen
      width={lay.width}
      height={lay.height}
      tableRows={lay.tableRows}
      detailRows={lay.detailRows}
      headerText={headerText(s)}
      table={{ header, rows, emptyText: emptyText(s) }}
      tabBar={{
        tabs: TABS,
        active: TABS.findIndex((t) => t.id === s.tab),
        focused: s.focus === 'detail',
        title: selected?.name ?? '',
        info: paneInfo(s),
      }}
      body={{ lines, scroll: s.text.scroll }}
      overlay={overlay}
      status={statusView(s)}
      hints={footer(s)}
      theme={theme}
    />
  );
}
