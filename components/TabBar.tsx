// The detail pane's tab bar: numbered tabs, the active one highlighted, and
// the pane's own state (following, search) on the right.
import { memo } from 'react';
import { Box, Text } from 'ink';
import { toneStyle, type Theme } from './theme.js';

export interface TabBarProps {
  tabs: readonly { label: string }[];
  active: number;
  /** the pane has the keys */
  focused: boolean;
  /** container name the pane is about */
  title: string;
  info: string;
  width: number;
  theme: Theme;
}

export const TabBar = memo(function TabBar({ tabs, active, focused, title, info, width, theme }: TabBarProps) {
  // Narrow terminals get the tab numbers with only the active label spelled out.
  const full = tabs.reduce((n, t) => n + t.label.length + 4, 0) + title.length + info.length + 4 <= width;
  return (
    <Box width={width} flexShrink={0}>
      <Box flexGrow={1}>
        <Text wrap="truncate-end">
          <Text bold {...toneStyle(theme, 'accent')}>
            {title ? `${title} ` : ''}
          </Text>
          {tabs.map((t, i) => {
            const text = full || i === active ? `${i + 1} ${t.label}` : `${i + 1}`;
            return (
              <Text key={t.label} inverse={i === active} bold={i === active} underline={i === active && focused}>
                {` ${text} `}
              </Text>
            );
          })}
        </Text>
      </Box>
      {info ? (
        <Text wrap="truncate-end" {...toneStyle(theme, 'muted')}>
          {` ${info}`}
        </Text>
      ) : null}
    </Box>
  );
});
