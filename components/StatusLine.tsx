// What is being typed (with a cursor), or the last action's outcome or error.
import { memo } from 'react';
import { Box, Text } from 'ink';
import { fitWidth, textWidth } from '../src/ui/lines.js';
import type { StatusView } from '../src/ui/view.js';
import { sanitize } from './sanitize.js';
import { toneStyle, type Theme } from './theme.js';

export const StatusLine = memo(function StatusLine({ status, width, theme }: { status: StatusView; width: number; theme: Theme }) {
  const text = sanitize(status.text);
  const style = toneStyle(theme, status.tone);
  let line;
  if (status.input) {
    // typing shows its end, where the cursor is
    const room = width - 1;
    const shown = textWidth(text) > room ? fitWidth(text, room, { cut: 'start' }) : text;
    line = (
      <Text>
        <Text {...style}>{shown}</Text>
        <Text inverse> </Text>
      </Text>
    );
  } else {
    line = (
      <Text wrap="truncate-end" {...style}>
        {text || ' '}
      </Text>
    );
  }
  return (
    <Box width={width} height={1} flexShrink={0}>
      {line}
    </Box>
  );
});
