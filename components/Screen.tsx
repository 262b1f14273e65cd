// The whole screen, from plain props: header, table, tab bar, detail pane (or
// a dialog in its place), status line and footer. Every part has a fixed
// height, so the frame is exactly `height` lines at any terminal size.
import { Box } from 'ink';
import type { Hint, HelpRow } from '../src/ui/keymap.js';
import type { Line } from '../src/ui/lines.js';
import type { Cells, RowView, StatusView } from '../src/ui/view.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ContainerTable } from './ContainerTable.js';
import { DetailPane } from './DetailPane.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { StatusLine } from './StatusLine.js';
import { TabBar } from './TabBar.js';
import type { Theme } from './theme.js';

export type ScreenOverlay =
  | null
  | { kind: 'help'; sections: Array<{ title: string; rows: HelpRow[] }>; notes: string[]; scroll: number }
  | { kind: 'confirm'; title: string; message: string };

export interface ScreenProps {
  width: number;
  height: number;
  tableRows: number;
  detailRows: number;
  headerText: string;
  table: { header: Cells; rows: RowView[]; emptyText: string };
  tabBar: { tabs: readonly { label: string }[]; active: number; focused: boolean; title: string; info: string };
  /** the visible window of the detail pane's lines, and how many are below it */
  body: { lines: Line[]; more: number };
  overlay: ScreenOverlay;
  status: StatusView;
  hints: Hint[];
  theme: Theme;
}

export function Screen(p: ScreenProps) {
  const { width, height, theme } = p;
  const middle = p.tableRows + 1 + 1 + p.detailRows;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Header text={p.headerText} width={width} theme={theme} />
      {p.overlay?.kind === 'help' ? (
        <HelpOverlay sections={p.overlay.sections} notes={p.overlay.notes} width={width} height={middle} scroll={p.overlay.scroll} theme={theme} />
      ) : (
        <>
          <ContainerTable header={p.table.header} rows={p.table.rows} height={p.tableRows} width={width} emptyText={p.table.emptyText} theme={theme} />
          <TabBar {...p.tabBar} width={width} theme={theme} />
          {p.overlay?.kind === 'confirm' ? (
            <ConfirmDialog title={p.overlay.title} message={p.overlay.message} width={width} height={p.detailRows} theme={theme} />
          ) : (
            <DetailPane lines={p.body.lines} more={p.body.more} height={p.detailRows} width={width} theme={theme} />
          )}
        </>
      )}
      <StatusLine status={p.status} width={width} theme={theme} />
      <Footer hints={p.hints} theme={theme} />
    </Box>
  );
}
