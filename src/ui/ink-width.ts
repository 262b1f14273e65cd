// The width of a text Ink lays out, fast for what the dashboard draws:
// patched into ink/build/measure-text.js by scripts/bundle.mjs.
//
// Why: Ink measures with string-width, which handles anything beyond ASCII
// by splitting the text into graphemes (Intl.Segmenter) and testing each
// against an emoji pattern: 70-180 us for a line with a middle dot or a
// sparkline, against well under 1 us for ASCII. The Stats tab draws two new
// sparklines every second, and the measure cache cannot help with text that
// is new.
//
// What: a line whose characters are all printable ASCII or one of the few
// others the dashboard itself draws (all one column wide, none combining,
// none an emoji) is as wide as it has characters, once its SGR codes are
// taken out; any other line goes to string-width. test/ui/ink-width.test.ts
// holds the set to string-width's answers.

/** The characters beyond ASCII the dashboard draws: marks, arrows, sparkline blocks, dialog borders. */
export const NARROW_CHARS = '·…›←↑↓⌫▲▼▁▂▃▄▅▆▇█─│╭╮╰╯';

const SGR = /\x1b\[[\d;]*m/g;
const NARROW_LINE = new RegExp(`^[\\x20-\\x7e${NARROW_CHARS}]*$`);

/** Columns of the widest line of `text`, with `stringWidth` for what the fast path does not know. */
export function widestLine(text: string, stringWidth: (s: string) => number): number {
  let widest = 0;
  for (const line of text.split('\n')) {
    const plain = line.includes('\x1b') ? line.replace(SGR, '') : line;
    // a line with other escapes than SGR (or other characters) is string-width's
    const w = NARROW_LINE.test(plain) ? plain.length : stringWidth(line);
    if (w > widest) widest = w;
  }
  return widest;
}
