// One line of already painted text (components/ansi.ts). Ink lays out a
// placeholder of the same width, made of spaces, and the transform swaps the
// real text in when the frame is written: layout then only ever sees
// strings of spaces, which its caches hold once per width.
import { memo } from 'react';
import { Text, Transform } from 'ink';
import type { Painted } from './ansi.js';

const placeholders: string[] = [];
const placeholder = (w: number) => (placeholders[w] ??= ' '.repeat(w));

export const RawLine = memo(function RawLine({ text, width }: Painted) {
  if (width <= 0) return <Text> </Text>;
  return <Transform transform={() => text}>{placeholder(width)}</Transform>;
});
