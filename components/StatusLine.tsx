// The status line: what is being typed, the last action's outcome or error.
import { Text } from 'ink';
import type { StatusView } from '../src/ui/view.js';
import { toneStyle, type Theme } from './theme.js';

export function StatusLine({ status, theme }: { status: StatusView; theme: Theme }) {
  return (
    <Text wrap="truncate-start" {...toneStyle(theme, status.tone)}>
      {status.text || ' '}
      {status.input ? <Text inverse> </Text> : null}
    </Text>
  );
}
