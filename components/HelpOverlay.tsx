// Every key binding, grouped (keymap.ts's helpSections): each group a title
// and a small table of keys and what they do. Two columns on a wide
// terminal when one would not fit; j/k scroll what still does not.
import { Box, Text } from 'ink';
import { bodyHeight, linesBlock, table, windowOf, type Body as BodyData } from '../src/ui/body.js';
import type { HelpRow } from '../src/ui/keymap.js';
import { seg, textWidth } from '../src/ui/lines.js';
import { Body } from './Body.js';
import { toneStyle, type Theme } from './theme.js';

export interface HelpOverlayProps {
  sections: Array<{ title: string; rows: HelpRow[] }>;
  notes: string[];
  width: number;
  height: number;
  scroll: number;
  theme: Theme;
}

/** The help as bodies, one per column: whole groups in each, the notes at the end of the last. */
function helpColumns(sections: HelpOverlayProps['sections'], notes: string[], twoColumns: boolean): BodyData[] {
  // one key column width for every group, so that they line up
  const keyWidth = Math.max(...sections.flatMap((s) => s.rows.map((r) => textWidth(r.keys))));
  const groups = sections.map((s): BodyData => [
    linesBlock([[seg(s.title, 'accent', { bold: true })]]),
    table([{ key: 'keys', min: keyWidth, bold: true }, { key: 'help' }], s.rows.map((r) => ({ keys: r.keys, help: r.help })), false),
  ]);
  const tail = linesBlock(notes.map((n) => [seg(n, 'muted')]));
  if (!twoColumns) return [[...groups.flat(), tail]];
  const half = Math.ceil((groups.reduce((n, g) => n + bodyHeight(g), 0) + bodyHeight([tail])) / 2);
  const first: BodyData = [];
  let i = 0;
  for (; i < groups.length - 1 && (first.length === 0 || bodyHeight(first) + bodyHeight(groups[i]) <= half); i++) first.push(...groups[i]);
  return [first, [...groups.slice(i).flat(), tail]];
}

export function HelpOverlay({ sections, notes, width, height, scroll, theme }: HelpOverlayProps) {
  const body = height - 1;
  const oneColumn = helpColumns(sections, notes, false);
  const twoColumns = width >= 110 && bodyHeight(oneColumn[0]) > body;
  const columns = twoColumns ? helpColumns(sections, notes, true) : oneColumn;
  const colWidth = twoColumns ? Math.floor(width / 2) - 1 : width;
  const max = Math.max(0, Math.max(...columns.map(bodyHeight)) - body);
  const top = Math.min(scroll, max);
  return (
    <Box flexDirection="column" height={height} width={width} flexShrink={0}>
      <Text bold wrap="truncate-end">
        {'Keys'}
        <Text {...toneStyle(theme, 'muted')}>{max > 0 ? '   (j/k scroll, ? or Esc closes)' : '   (? or Esc closes)'}</Text>
      </Text>
      <Box flexDirection="row">
        {columns.map((col, ci) => (
          <Box key={ci} flexDirection="column" width={colWidth} marginRight={ci === 0 && twoColumns ? 2 : 0}>
            <Body blocks={windowOf(col, top, body)} width={colWidth} theme={theme} />
          </Box>
        ))}
      </Box>
    </Box>
  );
}
