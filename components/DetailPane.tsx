// The detail pane's body: the window of the active tab that shows, and,
// when more is below, a last line that says how much.
import { memo } from 'react';
import { Box, Text } from 'ink';
import type { Body as BodyData } from '../src/ui/body.js';
import { Body } from './Body.js';
import { toneStyle, type Theme } from './theme.js';

export const DetailPane = memo(function DetailPane({ body, more, height, width, theme }: { body: BodyData; more: number; height: number; width: number; theme: Theme }) {
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Body blocks={body} width={width} theme={theme} />
      {more > 0 ? <Text wrap="truncate-end" {...toneStyle(theme, 'muted')}>{`  ↓ ${more + 1} more lines (enter, then j/k to scroll)`}</Text> : null}
    </Box>
  );
});
