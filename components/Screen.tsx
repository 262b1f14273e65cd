// The whole screen, from plain props: header, table, tab bar, detail pane (or
// a dialog in its place), status line and footer. Every part has a fixed
// height, so the frame is exactly `height` lines at any terminal size.
//
// Without an overlay the screen is one block of painted lines
// (screen-lines.ts): a single node for Ink to lay out and write. The help and
// the confirmation dialog are drawn by Ink's boxes.
import { Box } from 'ink';
import type { HelpRow } from '../src/ui/keymap.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { HelpOverlay } from './HelpOverlay.js';
import { RawBlock, RawLine } from './RawLine.js';
import { footerLine, headerLine, screenLines, statusLine, tabBarLine, tableLines, tooSmall, type ScreenParts } from './screen-lines.js';
import type { Theme } from './theme.js';

export type ScreenOverlay =
  | null
  | { kind: 'help'; sections: Array<{ title: string; rows: HelpRow[] }>; notes: string[]; scroll: number }
  | { kind: 'confirm'; title: string; message: string };

export interface ScreenProps extends ScreenParts {
  overlay: ScreenOverlay;
  theme: Theme;
}

export function Screen(p: ScreenProps) {
  const { width, height, theme } = p;
  if (!p.overlay || tooSmall(p)) {
    return (
      <Box flexDirection="column" width={width} height={height}>
        <RawBlock lines={screenLines(p, theme)} width={width} />
      </Box>
    );
  }
  const middle = p.tableRows + 1 + 1 + p.detailRows;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <RawLine {...headerLine(p.headerText, width, theme)} />
      {p.overlay.kind === 'help' ? (
        <HelpOverlay sections={p.overlay.sections} notes={p.overlay.notes} width={width} height={middle} scroll={p.overlay.scroll} theme={theme} />
      ) : (
        <>
          <Box flexDirection="column" height={p.tableRows + 1} flexShrink={0}>
            <RawBlock lines={tableLines(p.table, width, theme)} width={width} />
          </Box>
          <RawLine {...tabBarLine(p.tabBar, width, theme)} />
          <ConfirmDialog title={p.overlay.title} message={p.overlay.message} width={width} height={p.detailRows} theme={theme} />
        </>
      )}
      <RawLine {...statusLine(p.status, width, theme)} />
      <RawLine {...footerLine(p.hints, width, theme)} />
    </Box>
  );
}
