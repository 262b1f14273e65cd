// Key hints from the keymap table, already cut to the width (keymap.ts).
import { Fragment, memo } from 'react';
import { Box, Text } from 'ink';
import type { Hint } from '../src/ui/keymap.js';
import { toneStyle, type Theme } from './theme.js';

export const Footer = memo(function Footer({ hints, width, theme }: { hints: Hint[]; width: number; theme: Theme }) {
  return (
    <Box width={width} height={1} flexShrink={0}>
      <Text wrap="truncate-end">
        {hints.map((h, i) => (
          <Fragment key={i}>
            <Text bold {...toneStyle(theme, 'accent')}>
              {h.keys}
            </Text>
            {` ${h.label}  `}
          </Fragment>
        ))}
      </Text>
    </Box>
  );
});
