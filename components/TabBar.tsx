// The detail pane's tab bar: the container's name, numbered tabs with the
// active one highlighted (underlined while the pane has the keys), and the
// pane's own state on the right. Narrow terminals get the tab numbers with
// only the active label spelled out.
import { memo } from 'react';
import { Box, Text } from 'ink';
import { textWidth } from '../src/ui/lines.js';
import type { ScreenProps } from './Screen.js';
import { sanitize } from './sanitize.js';
import { toneStyle, type Theme } from './theme.js';

export const TabBar = memo(function TabBar({ bar, width, theme }: { bar: ScreenProps['tabBar']; width: number; theme: Theme }) {
  const info = bar.info ? ` ${sanitize(bar.info)}` : '';
  const full = bar.tabs.reduce((n, t) => n + t.label.length + 4, 0) + bar.title.length + info.length + 3 <= width;
  return (
    <Box width={width} height={1} flexShrink={0}>
      <Box flexGrow={1} flexShrink={1}>
        <Text wrap="truncate-end">
          {bar.title ? (
            <Text bold {...toneStyle(theme, 'accent')}>
              {`${bar.title} `}
            </Text>
          ) : null}
          {bar.tabs.map((t, i) => {
            const text = ` ${full || i === bar.active ? `${i + 1} ${t.label}` : `${i + 1}`} `;
            return i === bar.active ? (
              <Text key={i} inverse bold underline={bar.focused}>
                {text}
              </Text>
            ) : (
              text
            );
          })}
        </Text>
      </Box>
      {info ? (
        // the pane's state is never cut for the tabs; the tabs give way
        <Box flexShrink={0} width={Math.min(width, textWidth(info))}>
          <Text wrap="truncate-end" {...toneStyle(theme, 'muted')}>
            {info}
          </Text>
        </Box>
      ) : null}
    </Box>
  );
});
