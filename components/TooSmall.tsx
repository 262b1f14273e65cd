// What shows instead of the screen in a terminal too small for the table
// (layout.ts's MIN_COLS x MIN_ROWS); the keys still work.
import { Box, Text } from 'ink';
import { MIN_COLS, MIN_ROWS } from '../src/ui/layout.js';
import { toneStyle, type Theme } from './theme.js';

export function TooSmall({ width, height, theme }: { width: number; height: number; theme: Theme }) {
  const lines = [
    <Text key={0} wrap="truncate-end">
      <Text bold {...toneStyle(theme, 'accent')}>
        {'tsbox '}
      </Text>
      {`needs a terminal of at least ${MIN_COLS}x${MIN_ROWS};`}
    </Text>,
    <Text key={1} wrap="truncate-end">{`this one is ${width}x${height + 1}.`}</Text>,
    <Text key={2} wrap="truncate-end" {...toneStyle(theme, 'muted')}>
      Make it larger, or press q to quit.
    </Text>,
  ];
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.slice(0, height)}
    </Box>
  );
}
