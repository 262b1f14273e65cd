// The body of the detail pane: a window of the active tab's lines.
import { Box, Text } from 'ink';
import type { Line } from '../src/ui/lines.js';
import { LineText } from './LineText.js';
import { toneStyle, type Theme } from './theme.js';

export interface DetailPaneProps {
  lines: Line[];
  scroll: number;
  height: number;
  theme: Theme;
}

export function DetailPane({ lines, scroll, height, theme }: DetailPaneProps) {
  const top = Math.max(0, Math.min(scroll, lines.length - height));
  const shown = lines.slice(top, top + height);
  const more = lines.length - (top + shown.length);
  return (
    <Box flexDirection="column" height={height} flexShrink={0} overflow="hidden">
      {shown.map((l, i) =>
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
