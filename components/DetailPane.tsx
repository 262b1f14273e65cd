// The body of the detail pane: the visible window of the active tab's lines.
import { memo } from 'react';
import { Box } from 'ink';
import type { Line } from '../src/ui/lines.js';
import { paint } from './ansi.js';
import { RawBlock } from './RawLine.js';
import type { Theme } from './theme.js';

export interface DetailPaneProps {
  /** at most `height` lines */
  lines: Line[];
  /** lines below the window */
  more: number;
  height: number;
  width: number;
  theme: Theme;
}

export const DetailPane = memo(function DetailPane({ lines, more, height, width, theme }: DetailPaneProps) {
  // the last line says how much is below, when something is
  const shown = lines.map((l, i) => paint(i === height - 1 && more > 0 ? [{ text: `  ↓ ${more + 1} more lines (enter, then j/k to scroll)`, tone: 'muted' }] : l, theme));
  return (
    <Box flexDirection="column" height={height} flexShrink={0} overflow="hidden">
      <RawBlock lines={shown} width={width} />
    </Box>
  );
});
