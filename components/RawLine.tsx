// Already painted text (components/ansi.ts), one line or a block of lines.
// Ink lays out a placeholder of the same size made of spaces, and the
// transform swaps the real text in when the frame is written: layout then
// only ever sees strings of spaces, which its caches hold once per size.
import { memo } from 'react';
import { Text, Transform } from 'ink';
import type { Painted } from './ansi.js';

const placeholders = new Map<string, string>();
function placeholder(width: number, lines = 1): string {
  const key = `${width}x${lines}`;
  let p = placeholders.get(key);
  if (p === undefined) {
    p = Array.from({ length: lines }, () => ' '.repeat(width)).join('\n');
    placeholders.set(key, p);
  }
  return p;
}

export const RawLine = memo(function RawLine({ text, width }: Painted) {
  if (width <= 0) return <Text> </Text>;
  return <Transform transform={() => text}>{placeholder(width)}</Transform>;
});

/**
 * Lines of painted text as one layout node (a table, a pane): one node
 * instead of one per line is less for Ink to create, lay out and walk on
 * every frame. `width` is the block's room (the placeholder's width, so
 * that there is one placeholder per size); no line may be wider.
 */
export const RawBlock = memo(function RawBlock({ lines, width }: { lines: Painted[]; width: number }) {
  if (lines.length === 0 || width <= 0) return null;
  return <Transform transform={(_line, i) => lines[i]?.text ?? ''}>{placeholder(width, lines.length)}</Transform>;
});
