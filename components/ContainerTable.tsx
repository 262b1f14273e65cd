// The container table: a header and the visible window of rows, each row one
// painted line (one layout node), so drawing cost follows the window, not the
// number of containers.
import { memo } from 'react';
import { Box } from 'ink';
import type { Tone } from '../src/ui/lines.js';
import type { Cells, RowView } from '../src/ui/view.js';
import { paint } from './ansi.js';
import { RawLine } from './RawLine.js';
import type { Theme } from './theme.js';

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
  const line = [{ text: p.selected ? '› ' : '  ' }, { text: p.pre }, { text: p.state, tone: p.tone }, { text: p.post }];
  return <RawLine {...paint(line, p.theme, p.selected ? { inverse: true, bold: true } : {})} />;
});

export const ContainerTable = memo(function ContainerTable({ header, rows, height, emptyText, theme }: ContainerTableProps) {
  return (
    <Box flexDirection="column" height={height + 1} flexShrink={0}>
      <RawLine {...paint([{ text: `  ${before(header)}${header.state}${after(header)}`, tone: 'muted', bold: true }], theme)} />
      {rows.length === 0 ? (
        <RawLine {...paint([{ text: `  ${emptyText}`, tone: 'muted' }], theme)} />
      ) : (
        rows.map((r) => (
          <Row key={r.id} selected={r.selected} pre={before(r.cells)} state={r.cells.state} post={after(r.cells)} tone={r.stateTone} theme={theme} />
        ))
      )}
    </Box>
  );
});
