// Styled segments to terminal text, for RawLine. Ink measures every distinct
// string it lays out and keeps the result in a module-level cache that is
// never emptied; a live dashboard draws new strings every second (uptimes,
// CPU, sparklines, log lines), so its lines are painted here and handed to
// Ink behind a constant-width placeholder (see RawLine.tsx).
import { textWidth, type Line, type Tone } from '../src/ui/lines.js';
import type { Theme } from './theme.js';

const COLOR_CODES: Record<Tone, number> = { good: 32, bad: 31, warn: 33, accent: 36, muted: 90 };

function toneCodes(theme: Theme, tone: Tone | undefined): number[] {
  if (!tone) return [];
  if (theme.color) return [COLOR_CODES[tone]];
  // NO_COLOR: emphasis without color
  if (tone === 'bad') return [1];
  if (tone === 'muted') return [2];
  return [];
}

/** Control characters (ESC among them) from container output must not reach the terminal. */
export function sanitize(s: string): string {
  return s.replace(/\t/g, ' ').replace(/[\x00-\x1f\x7f-\x9f]/g, '\ufffd');
}

export interface Painted {
  text: string;
  /** columns it takes on screen */
  width: number;
}

/** A line of segments as one string with SGR codes; `base` styles apply to every segment (a selected row). */
export function paint(line: Line, theme: Theme, base: { inverse?: boolean; bold?: boolean } = {}): Painted {
  let text = '';
  let width = 0;
  for (const s of line) {
    const t = sanitize(s.text);
    if (!t) continue;
    width += textWidth(t);
    const codes = [
      ...(base.bold || s.bold ? [1] : []),
      ...(s.underline ? [4] : []),
      ...(base.inverse || s.inverse ? [7] : []),
      ...toneCodes(theme, s.tone),
    ];
    text += codes.length ? `\x1b[${codes.join(';')}m${t}\x1b[0m` : t;
  }
  return { text, width };
}
