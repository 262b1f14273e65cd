// A frame as the terminal shows it, for comparing frames drawn in different
// ways (Ink's Output against ours, the painted first frame against Ink's):
// per row, the cells (character and visible style), read with the SGR
// reader of test/tmux/ansi-html.ts.
import stringWidth from 'string-width';
import { applySgr } from '../tmux/ansi-html.js';

type Style = ReturnType<typeof applySgr>;
const PLAIN: Style = applySgr({} as Style, [0]);

/** A frame as the terminal shows it: per row, the cells (character + style), without trailing blanks nobody can see. */
export function cells(frame: string): string[][] {
  return frame.split('\n').map((row) => {
    const out: string[] = [];
    let style = PLAIN;
    for (let i = 0; i < row.length; ) {
      const sgr = /^\x1b\[([\d;]*)m/.exec(row.slice(i));
      if (sgr) {
        style = applySgr(style, sgr[1] === '' ? [] : sgr[1].split(';').map(Number));
        i += sgr[0].length;
        continue;
      }
      const ch = String.fromCodePoint(row.codePointAt(i)!);
      i += ch.length;
      out.push(`${ch}${JSON.stringify(style)}`);
      for (let k = 1; k < stringWidth(ch); k++) out.push(`${JSON.stringify(style)}`);
    }
    // a space shows only through its background, inverse or underline
    while (out.length) {
      const last = out[out.length - 1];
      if (!last.startsWith(' ')) break;
      const s = JSON.parse(last.slice(1)) as Style;
      if (s.bg || s.inverse || s.underline) break;
      out.pop();
    }
    return out;
  });
}
