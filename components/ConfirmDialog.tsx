// A yes/no question, drawn in place of the detail pane so the table above
// still shows which container it is about.
import { Box, Text } from 'ink';
import { toneStyle, type Theme } from './theme.js';

export interface ConfirmDialogProps {
  title: string;
  message: string;
  width: number;
  height: number;
  theme: Theme;
}

export function ConfirmDialog({ title, message, width, height, theme }: ConfirmDialogProps) {
  return (
    <Box height={height} width={width} flexShrink={0} justifyContent="center" alignItems="center">
      <Box borderStyle="round" flexDirection="column" paddingX={2} width={Math.min(width, 64)} {...(theme.color ? { borderColor: 'red' } : {})}>
        <Text bold {...toneStyle(theme, 'bad')}>
          {title}
        </Text>
        <Text wrap="wrap">{message}</Text>
        <Text>
          <Text bold>y</Text>/enter yes{'   '}
          <Text bold>n</Text>/Esc no
        </Text>
      </Box>
    </Box>
  );
}
