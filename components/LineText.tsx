// One styled line (see src/ui/lines.ts).
import { memo } from 'react';
import { Text } from 'ink';
import type { Line } from '../src/ui/lines.js';
import { toneStyle, type Theme } from './theme.js';

export const LineText = memo(function LineText({ line, theme }: { line: Line; theme: Theme }) {
  return (
    <Text wrap="truncate-end">
      {line.map((s, i) => (
        <Text key={i} {...toneStyle(theme, s.tone)} bold={s.bold || toneStyle(theme, s.tone).bold} inverse={s.inverse}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
});
