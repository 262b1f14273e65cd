// The body of the detail pane: the visible window of the active tab's lines.
import { Box, Text } from 'ink';
import type { Line } from '../src/ui/lines.js';
import { LineText } from './LineText.js';
import { toneStyle, type Theme } from './theme.js';

export interface DetailPaneProps {
  /** at most `height` lines */
  lines: Line[];
  /** lines below the window */
  more: number;
  height: number;
  theme: Theme;
}

export function DetailPane({ lines, more, height, theme }: DetailPaneProps) {
  return (
    <Box flexDirection="column" height={height} flexShrink={0} overflow="hidden">
      {lines.map((l, i) =>
        // the last line says how much is below, when something is
        i === height - 1 && more > 0 ? (
          <Text key={i} wrap="truncate-end" {...toneStyle(theme, 'muted')}>
            {`  ↓ ${more + 1} more lines (enter, then j/k to scroll)`}
          </Text>
        ) : (
          <LineText key={i} line={l} theme={theme} />
        ),
      )}
    </Box>
  );
}
