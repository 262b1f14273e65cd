// The top line: name, counts, sort and filter.
import { Box, Text } from 'ink';
import { toneStyle, type Theme } from './theme.js';

export function Header({ text, width, theme }: { text: string; width: number; theme: Theme }) {
  return (
    <Box width={width} flexShrink={0}>
      <Text bold {...toneStyle(theme, 'accent')}>
        {'tsbox  '}
      </Text>
      <Text wrap="truncate-end">{text}</Text>
    </Box>
  );
}
