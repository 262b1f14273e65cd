// Tones to terminal styles. Under NO_COLOR (https://no-color.org) no color is
// used at all: bad becomes bold, muted becomes dim, the rest stays plain, and
// the selection is shown by inverse video and a marker.
import type { Tone } from '../src/ui/lines.js';

export interface Theme {
  color: boolean;
}

export const COLOR: Theme = { color: true };
export const NO_COLOR: Theme = { color: false };

/** NO_COLOR set to anything non-empty turns color off. */
export function themeFromEnv(env: NodeJS.ProcessEnv = process.env): Theme {
  return env.NO_COLOR ? NO_COLOR : COLOR;
}

const COLORS: Record<Tone, string> = { good: 'green', bad: 'red', warn: 'yellow', accent: 'cyan', muted: 'gray' };

export interface ToneStyle {
  color?: string;
  bold?: boolean;
  dimColor?: boolean;
}

export function toneStyle(theme: Theme, tone: Tone | undefined): ToneStyle {
  if (!tone) return {};
  if (theme.color) return { color: COLORS[tone] };
  if (tone === 'bad') return { bold: true };
  if (tone === 'muted') return { dimColor: true };
  return {};
}
