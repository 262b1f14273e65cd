// One styled line (src/ui/lines.ts) as Ink text: a <Text> of one <Text>
// per styled segment. Tones become colors through the theme (or emphasis
// under NO_COLOR). Ink cuts it with an ellipsis if it is still too wide.
import { memo } from 'react';
import { Text } from 'ink';
import type { Line, Seg } from '../src/ui/lines.js';
import { sanitize } from './sanitize.js';
import { toneStyle, type Theme, type ToneStyle } from './theme.js';

interface SegStyle extends ToneStyle {
  inverse?: boolean;
  underline?: boolean;
}

/** Ink's <Text> props for a segment. */
function segStyle(s: Omit<Seg, 'text'>, theme: Theme): SegStyle {
  const style: SegStyle = toneStyle(theme, s.tone);
  if (s.bold) style.bold = true;
  if (s.inverse) style.inverse = true;
  if (s.underline) style.underline = true;
  return style;
}

const plain = (s: Seg) => !s.tone && !s.bold && !s.inverse && !s.underline;

export const StyledLine = memo(function StyledLine({ line, theme }: { line: Line; theme: Theme }) {
  const segs = line.filter((s) => s.text !== '');
  // an empty <Text> would take no line at all
  if (segs.length === 0) return <Text> </Text>;
  return (
    <Text wrap="truncate-end">
      {segs.map((s, i) =>
        plain(s) ? (
          sanitize(s.text)
        ) : (
          <Text key={i} {...segStyle(s, theme)}>
            {sanitize(s.text)}
          </Text>
        ),
      )}
    </Text>
  );
});
