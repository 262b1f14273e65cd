// The whole screen, from plain props: header, container table, tab bar,
// detail pane (or a dialog in its place, or the help over the middle),
// status line and footer. Every part has a fixed height, so the frame is
// exactly `height` lines at any terminal size. All of it is Ink's Box and
// Text, but for the container rows (painted-rows.ts says why).
import { Box } from 'ink';
import type { Body } from '../src/ui/body.js';
import type { HelpRow, Hint } from '../src/ui/keymap.js';
import { tooSmall } from '../src/ui/layout.js';
import type { Cells, RowView, StatusView } from '../src/ui/view.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ContainerTable } from './ContainerTable.js';
import { DetailPane } from './DetailPane.js';
import { Footer } from './Footer.js';
import { HeaderLine } from './HeaderLine.js';
import { HelpOverlay } from './HelpOverlay.js';
import { StatusLine } from './StatusLine.js';
import { TabBar } from './TabBar.js';
import type { Theme } from './theme.js';
import { TooSmall } from './TooSmall.js';

export type ScreenOverlay =
  | null
  | { kind: 'help'; sections: Array<{ title: string; rows: HelpRow[] }>; notes: string[]; scroll: number }
  | { kind: 'confirm'; title: string; message: string };

export interface ScreenProps {
  width: number;
  height: number;
  /** container rows the table shows (not counting its heading) */
  tableRows: number;
  /** lines of the detail pane's body (not counting the tab bar) */
  detailRows: number;
  headerText: string;
  table: { header: Cells; rows: RowView[]; emptyText: string };
  tabBar: { tabs: readonly { label: string }[]; active: number; focused: boolean; title: string; info: string };
  /** the window of the active tab that shows, and how many lines are below it */
  body: { blocks: Body; more: number };
  overlay: ScreenOverlay;
  status: StatusView;
  hints: Hint[];
  theme: Theme;
}

export function Screen(p: ScreenProps) {
  const { width, height, theme } = p;
  if (tooSmall(width, height)) return <TooSmall width={width} height={height} theme={theme} />;
  const middle = p.tableRows + 1 + 1 + p.detailRows;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <HeaderLine text={p.headerText} width={width} theme={theme} />
      {p.overlay?.kind === 'help' ? (
        <HelpOverlay sections={p.overlay.sections} notes={p.overlay.notes} width={width} height={middle} scroll={p.overlay.scroll} theme={theme} />
      ) : (
        <>
          <ContainerTable table={p.table} rows={p.tableRows} width={width} theme={theme} />
          <TabBar bar={p.tabBar} width={width} theme={theme} />
          {p.overlay?.kind === 'confirm' ? (
            <ConfirmDialog title={p.overlay.title} message={p.overlay.message} width={width} height={p.detailRows} theme={theme} />
          ) : (
            <DetailPane body={p.body.blocks} more={p.body.more} height={p.detailRows} width={width} theme={theme} />
          )}
        </>
      )}
      <StatusLine status={p.status} width={width} theme={theme} />
      <Footer hints={p.hints} width={width} theme={theme} />
    </Box>
  );
}
