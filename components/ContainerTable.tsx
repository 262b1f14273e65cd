// The container table: a header and the visible window of rows, painted as
// one block of lines (one layout node), so drawing cost follows the window,
// not the number of containers.
import { memo } from 'react';
import { Box } from 'ink';
import { clipLine } from '../src/ui/lines.js';
import type { Cells, RowView } from '../src/ui/view.js';
import { paint, type Painted } from './ansi.js';
import { RawBlock } from './RawLine.js';
import type { Theme } from './theme.js';

export interface ContainerTableProps {
  header: Cells;
  rows: RowView[];
  /** lines for rows (the header is extra) */
  height: number;
  /** columns the table may use */
  width: number;
  emptyText: string;
  theme: Theme;
}

const before = (c: Cells) => `${c.name} ${c.image} `;
const after = (c: Cells) => ` ${c.uptime} ${c.cpu} ${c.mem} ${c.pids} ${c.ns}`;

function row(r: RowView, theme: Theme): Painted {
  const line = [{ text: r.selected ? '› ' : '  ' }, { text: before(r.cells) }, { text: r.cells.state, tone: r.stateTone }, { text: after(r.cells) }];
  return paint(line, theme, r.selected ? { inverse: true, bold: true } : {});
}

export const ContainerTable = memo(function ContainerTable({ header, rows, height, width, emptyText, theme }: ContainerTableProps) {
  const lines = [paint([{ text: `  ${before(header)}${header.state}${after(header)}`, tone: 'muted', bold: true }], theme)];
  if (rows.length === 0) lines.push(paint(clipLine([{ text: `  ${emptyText}`, tone: 'muted' }], width), theme));
  else for (const r of rows) lines.push(row(r, theme));
  return (
    <Box flexDirection="column" height={height + 1} flexShrink={0}>
      <RawBlock lines={lines} width={width} />
    </Box>
  );
});
