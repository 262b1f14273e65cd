// The status line: what is being typed, the last action's outcome or error.
import { memo } from 'react';
import type { StatusView } from '../src/ui/view.js';
import { clipLine } from '../src/ui/lines.js';
import { paint } from './ansi.js';
import { RawLine } from './RawLine.js';
import type { Theme } from './theme.js';

export const StatusLine = memo(function StatusLine({ status, width, theme }: { status: StatusView; width: number; theme: Theme }) {
  // typing shows its end (where the cursor is); messages show their start
  const room = width - (status.input ? 1 : 0);
  const text = status.input && status.text.length > room ? status.text.slice(status.text.length - room) : status.text;
  const line = clipLine([{ text, tone: status.tone }], room);
  if (status.input) line.push({ text: ' ', inverse: true });
  return <RawLine {...paint(line, theme)} />;
});
