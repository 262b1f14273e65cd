// A pane's body (src/ui/body.ts): its lines and small tables, top to
// bottom, in a column the caller sizes.
import { StyledLine } from './StyledLine.js';
import { SmallTable } from './SmallTable.js';
import type { Body as BodyData } from '../src/ui/body.js';
import type { Theme } from './theme.js';

export function Body({ blocks, width, theme }: { blocks: BodyData; width: number; theme: Theme }) {
  return (
    <>
      {blocks.map((b, i) =>
        b.kind === 'table' ? <SmallTable key={i} table={b} width={width} theme={theme} /> : b.lines.map((l, j) => <StyledLine key={`${i}.${j}`} line={l} theme={theme} />),
      )}
    </>
  );
}
