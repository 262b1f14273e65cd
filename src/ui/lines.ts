// Styled lines: what the detail pane shows, as plain data. Styles are
// meanings (bad, good...), mapped to colors by the theme, or to nothing under
// NO_COLOR.

export type Tone = 'good' | 'bad' | 'warn' | 'accent' | 'muted';

export interface Seg {
  text: string;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
}

export type Line = Seg[];

export const seg = (text: string, tone?: Tone, extra: Omit<Seg, 'text' | 'tone'> = {}): Seg => ({ text, tone, ...extra });
export const line = (...segs: (Seg | string)[]): Line => segs.map((s) => (typeof s === 'string' ? { text: s } : s));

export function lineText(l: Line): string {
  return l.map((s) => s.text).join('');
}

/** Cut a line to `width` columns, ending with an ellipsis when something was cut. */
export function clipLine(l: Line, width: number): Line {
  let room = width;
  const out: Line = [];
  const total = l.reduce((n, s) => n + s.text.length, 0);
  if (total <= width) return l;
  for (const s of l) {
    if (room <= 0) break;
    if (s.text.length < room) {
      out.push(s);
      room -= s.text.length;
    } else {
      out.push({ ...s, text: s.text.slice(0, room - 1) + '…' });
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
