// Key hints, from the keymap table.
import { memo } from 'react';
import { Text } from 'ink';
import type { Hint } from '../src/ui/keymap.js';
import { toneStyle, type Theme } from './theme.js';

export const Footer = memo(function Footer({ hints, theme }: { hints: Hint[]; theme: Theme }) {
  return (
    <Text wrap="truncate-end">
      {hints.map((h) => (
        <Text key={h.keys + h.label}>
          <Text bold {...toneStyle(theme, 'accent')}>
            {h.keys}
          </Text>
          {` ${h.label}  `}
        </Text>
      ))}
    </Text>
  );
});
