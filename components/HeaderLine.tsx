// The top line: tsbox, the counts, the sort and the filter.
import { memo } from 'react';
import { Box, Text } from 'ink';
import { sanitize } from './sanitize.js';
import { toneStyle, type Theme } from './theme.js';

export const HeaderLine = memo(function HeaderLine({ text, width, theme }: { text: string; width: number; theme: Theme }) {
  return (
    <Box width={width} height={1} flexShrink={0}>
      <Text wrap="truncate-end">
        <Text bold {...toneStyle(theme, 'accent')}>
          {'tsbox  '}
        </Text>
        {sanitize(text)}
      </Text>
    </Box>
  );
});
