// The one part of the screen tsbox paints by hand: the container table's
// rows, as terminal text with SGR codes. ContainerTable.tsx hands them to
// Ink behind a placeholder; everything else on the screen is Ink's Box and
// Text. Why these rows, and only they:
//  - They are the screen's hot path: every visible row changes every second
//    (uptime, CPU, memory), 15 to 40 of them. As <Text>, each would be a
//    node of four styled pieces for Ink to squash, tokenize for escape
//    codes, measure and lay out on every frame; painted, the whole window
//    is one node, and what Ink lays out is a block of spaces of the same
//    size, which its measure cache holds once per terminal size.
//  - The first frame: src/ui/main.tsx writes these lines before Ink and
//    React have loaded (~70 ms sooner), at the place Ink then writes them
//    again, byte for byte the same text (test/ui/first-frame.test.tsx).
// No other module writes escape codes itself. This file imports no Ink.
import type { Line, Tone } from '../src/ui/lines.js';
import type { Cells, RowView } from '../src/ui/view.js';
import { sanitize } from './sanitize.js';
import type { Theme } from './theme.js';

/**
 * The terminal line the first row is on: the screen's header line and the
 * table's heading are above it (Screen.tsx, ContainerTable.tsx).
 */
export const FIRST_ROW_LINE = 2;

const COLOR_CODES: Record<Tone, number> = { good: 32, bad: 31, warn: 33, accent: 36, muted: 90 };

function toneCodes(theme: Theme, tone: Tone | undefined): number[] {
  if (!tone) return [];
  if (theme.color) return [COLOR_CODES[tone]];
  // NO_COLOR: emphasis without color, as theme.ts's toneStyle does for Ink
  if (tone === 'bad') return [1];
  if (tone === 'muted') return [2];
  return [];
}

/** A line of segments as one string with SGR codes; `base` styles apply to every segment (a selected row). */
function paint(line: Line, theme: Theme, base: { inverse?: boolean; bold?: boolean }): string {
  let text = '';
  for (const s of line) {
    const t = sanitize(s.text);
    if (!t) continue;
    const codes = [...(base.bold || s.bold ? [1] : []), ...(base.inverse || s.inverse ? [7] : []), ...toneCodes(theme, s.tone)];
    text += codes.length ? `\x1b[${codes.join(';')}m${t}\x1b[0m` : t;
  }
  return text;
}

/** A heading's cells as one line, a space between every two, as the rows are laid out. */
export const cellsLine = (c: Cells) => Object.values(c).join(' ');

/** The table's visible rows, one painted line each; the selected one inverse with ›, marked ones with *; cells with a tone of their own (state, grade) in it. */
export function paintRows(rows: RowView[], theme: Theme): string[] {
  return rows.map((r) => {
    const segs: Line = [{ text: `${r.selected ? '›' : ' '}${r.marked ? '*' : ' '}` }];
    let plain = '';
    Object.entries(r.cells).forEach(([id, text], i) => {
      if (i > 0) plain += ' ';
      const tone = r.tones[id];
      if (!tone) {
        plain += text;
        return;
      }
      if (plain) segs.push({ text: plain });
      plain = '';
      segs.push({ text, tone });
    });
    if (plain) segs.push({ text: plain });
    return paint(segs, theme, r.selected ? { inverse: true, bold: true } : {});
  });
}
