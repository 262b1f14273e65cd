// The container table: its heading and its visible rows, or what shows
// when there are none. The rows are the screen's only hand-painted text
// (painted-rows.ts says why); Ink lays out a placeholder of spaces of the
// same size, one node for the whole window, and the transform swaps the
// painted lines in as the frame is written.
import { memo } from 'react';
import { Box, Text, Transform } from 'ink';
import type { RowView } from '../src/ui/view.js';
import type { ScreenProps } from './Screen.js';
import { cellsLine, paintRows } from './painted-rows.js';
import { sanitize } from './sanitize.js';
import { toneStyle, type Theme } from './theme.js';

/** Blocks of spaces by size: one string per terminal size, for Ink's caches as much as for ours. */
const placeholders = new Map<string, string>();
function placeholder(width: number, lines: number): string {
  const key = `${width}x${lines}`;
  let p = placeholders.get(key);
  if (p === undefined) {
    p = Array.from({ length: lines }, () => ' '.repeat(width)).join('\n');
    placeholders.set(key, p);
  }
  return p;
}

const PaintedRows = memo(function PaintedRows({ rows, width, theme }: { rows: RowView[]; width: number; theme: Theme }) {
  const lines = paintRows(rows, theme);
  return <Transform transform={(_line, i) => lines[i] ?? ''}>{placeholder(width, lines.length)}</Transform>;
});

export const ContainerTable = memo(function ContainerTable({ table, rows, width, theme }: { table: ScreenProps['table']; rows: number; width: number; theme: Theme }) {
  const h = table.header;
  const muted = toneStyle(theme, 'muted');
  return (
    <Box flexDirection="column" width={width} height={rows + 1} flexShrink={0}>
      <Text wrap="truncate-end" bold {...muted}>{`  ${cellsLine(h)}`}</Text>
      {table.rows.length === 0 ? (
        <Text wrap="truncate-end" {...muted}>{`  ${sanitize(table.emptyText)}`}</Text>
      ) : (
        <PaintedRows rows={table.rows} width={width} theme={theme} />
      )}
    </Box>
  );
});
