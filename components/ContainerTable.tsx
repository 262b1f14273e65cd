// The container table: a header and the visible window of rows, each row one
// line of text (one layout node), so drawing cost follows the window, not the
// number of containers.
import { memo } from 'react';
import { Box, Text } from 'ink';
import type { Tone } from '../src/ui/lines.js';
import type { Cells, RowView } from '../src/ui/view.js';
import { toneStyle, type Theme } from './theme.js';

export interface ContainerTableProps {
  header: Cells;
  rows: RowView[];
  /** lines for rows (the header is extra) */
  height: number;
  emptyText: string;
  theme: Theme;
}

const before = (c: Cells) => `${c.name} ${c.image} `;
const after = (c: Cells) => ` ${c.uptime} ${c.cpu} ${c.mem} ${c.pids} ${c.ns}`;

const Row = memo(function Row(p: { selected: boolean; pre: string; state: string; post: string; tone: Tone; theme: Theme }) {
  const marker = p.selected ? '› ' : '  ';
  return (
    <Text wrap="truncate-end" inverse={p.selected} bold={p.selected}>
      {marker}
      {p.pre}
      <Text {...toneStyle(p.theme, p.tone)}>{p.state}</Text>
      {p.post}
    </Text>
  );
});

export function ContainerTable({ header, rows, height, emptyText, theme }: ContainerTableProps) {
  return (
    <Box flexDirection="column" height={height + 1} flexShrink={0}>
      <Text wrap="truncate-end" bold {...toneStyle(theme, 'muted')}>
        {'  '}
        {before(header)}
        {header.state}
        {after(header)}
      </Text>
      {rows.length === 0 ? (
        <Text wrap="truncate-end" {...toneStyle(theme, 'muted')}>
          {'  '}
          {emptyText}
        </Text>
      ) : (
        rows.map((r) => (
          <Row key={r.id} selected={r.selected} pre={before(r.cells)} state={r.cells.state} post={after(r.cells)} tone={r.stateTone} theme={theme} />
        ))
      )}
    </Box>
  );
}
