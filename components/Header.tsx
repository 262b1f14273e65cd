// The top line: name, counts, sort and filter.
import { memo } from 'react';
import { clipLine } from '../src/ui/lines.js';
import { paint } from './ansi.js';
import { RawLine } from './RawLine.js';
import type { Theme } from './theme.js';

export const Header = memo(function Header({ text, width, theme }: { text: string; width: number; theme: Theme }) {
  return <RawLine {...paint(clipLine([{ text: 'tsbox  ', tone: 'accent', bold: true }, { text }], width), theme)} />;
});
