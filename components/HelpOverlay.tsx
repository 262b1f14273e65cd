// The `?` help: every binding of the keymap table, grouped, in one or two
// columns, scrolled by j/k when the terminal is too short for it.
import { Box, Text } from 'ink';
import type { HelpRow } from '../src/ui/keymap.js';
import { toneStyle, type Theme } from './theme.js';

export interface HelpOverlayProps {
  sections: Array<{ title: string; rows: HelpRow[] }>;
  /** extra lines after the bindings (the namespace legend) */
  notes: string[];
  width: number;
  height: number;
  scroll: number;
  theme: Theme;
}

type Item = { kind: 'title'; text: string } | { kind: 'row'; keys: string; help: string } | { kind: 'note'; text: string };

export function HelpOverlay({ sections, notes, width, height, scroll, theme }: HelpOverlayProps) {
  const items: Item[] = [];
  for (const s of sections) {
    items.push({ kind: 'title', text: s.title });
    for (const r of s.rows) items.push({ kind: 'row', keys: r.keys, help: r.help });
  }
  const body = height - 1;
  const twoColumns = width >= 110 && items.length > body;
  const colWidth = twoColumns ? Math.floor(width / 2) - 1 : width;
  const perColumn = twoColumns ? Math.ceil(items.length / 2) : items.length;
  const columns = twoColumns ? [items.slice(0, perColumn), items.slice(perColumn)] : [items];
  const notesShown = notes.map((n) => ({ kind: 'note', text: n }) as Item);
  columns[columns.length - 1] = [...columns[columns.length - 1], ...notesShown];
  const max = Math.max(0, Math.max(...columns.map((c) => c.length)) - body);
  const top = Math.min(scroll, max);
  const keyWidth = 12;
  const draw = (it: Item, i: number) =>
    it.kind === 'title' ? (
      <Text key={i} bold {...toneStyle(theme, 'accent')}>
        {it.text}
      </Text>
    ) : it.kind === 'note' ? (
      <Text key={i} wrap="truncate-end" {...toneStyle(theme, 'muted')}>
        {it.text}
      </Text>
    ) : (
      <Text key={i} wrap="truncate-end">
        <Text bold>{`  ${it.keys}`.padEnd(keyWidth)}</Text>
        {it.help}
      </Text>
    );
  return (
    <Box flexDirection="column" height={height} width={width} flexShrink={0}>
      <Text bold wrap="truncate-end">
        {'Keys'}
        <Text {...toneStyle(theme, 'muted')}>{max > 0 ? '   (j/k scroll, ? or Esc closes)' : '   (? or Esc closes)'}</Text>
      </Text>
      <Box flexDirection="row">
        {columns.map((col, ci) => (
          <Box key={ci} flexDirection="column" width={colWidth} marginRight={ci === 0 && twoColumns ? 2 : 0}>
            {col.slice(top, top + body).map(draw)}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
