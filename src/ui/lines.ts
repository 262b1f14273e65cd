// Styled lines: what the detail pane shows, as plain data. Styles are
// meanings (bad, good...), mapped to colors by the theme, or to nothing under
// NO_COLOR.

export type Tone = 'good' | 'bad' | 'warn' | 'accent' | 'muted';

export interface Seg {
  text: string;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
  underline?: boolean;
}

export type Line = Seg[];

export const seg = (text: string, tone?: Tone, extra: Omit<Seg, 'text' | 'tone'> = {}): Seg => ({ text, tone, ...extra });
export const line = (...segs: (Seg | string)[]): Line => segs.map((s) => (typeof s === 'string' ? { text: s } : s));

export function lineText(l: Line): string {
  return l.map((s) => s.text).join('');
}

/**
 * Columns a character takes: 2 for East Asian wide and emoji, 0 for
 * combining marks, else 1. A small table, not all of Unicode: what matters is
 * never to under-count, or a line would spill past the terminal's edge.
 */
function charWidth(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f000 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Columns a string takes on a terminal. */
export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/** The longest start of `s` that fits in `width` columns. */
function sliceToWidth(s: string, width: number): string {
  let w = 0;
  let out = '';
  for (const ch of s) {
    const cw = charWidth(ch.codePointAt(0)!);
    if (w + cw > width) break;
    out += ch;
    w += cw;
  }
  return out;
}

/** The longest end of `s` that fits in `width` columns. */
function sliceEndToWidth(s: string, width: number): string {
  const chars = [...s];
  let w = 0;
  let i = chars.length;
  while (i > 0) {
    const cw = charWidth(chars[i - 1].codePointAt(0)!);
    if (w + cw > width) break;
    w += cw;
    i--;
  }
  return chars.slice(i).join('');
}

/**
 * Exactly `width` columns of `s`: cut with an ellipsis where it is too long
 * (at its end, or at its start when the end is what tells values apart),
 * then padded (on the left when `right`).
 */
export function fitWidth(s: string, width: number, opts: { right?: boolean; cut?: 'end' | 'start' } = {}): string {
  if (width <= 0) return '';
  let t = s;
  if (textWidth(t) > width) t = opts.cut === 'start' ? '…' + sliceEndToWidth(t, width - 1) : sliceToWidth(t, width - 1) + '…';
  const pad = ' '.repeat(Math.max(0, width - textWidth(t)));
  return opts.right ? pad + t : t + pad;
}

/** Cut a line to `width` columns, ending with an ellipsis when something was cut. */
export function clipLine(l: Line, width: number): Line {
  let room = width;
  const out: Line = [];
  const total = l.reduce((n, s) => n + textWidth(s.text), 0);
  if (total <= width) return l;
  for (const s of l) {
    if (room <= 0) break;
    const w = textWidth(s.text);
    if (w < room) {
      out.push(s);
      room -= w;
    } else {
      out.push({ ...s, text: sliceToWidth(s.text, room - 1) + '…' });
      room = 0;
    }
  }
  return out;
}

/** Words laid out in lines of at most `width` columns, each line starting with `indent`. */
export function wrapWords(words: string[], width: number, indent = ''): string[] {
  const out: string[] = [];
  let cur = indent;
  for (const w of words) {
    if (cur.length > indent.length && cur.length + 1 + w.length > width) {
      out.push(cur);
      cur = indent;
    }
    cur += (cur.length > indent.length ? ' ' : '') + w;
  }
  if (cur.length > indent.length) out.push(cur);
  return out;
}
