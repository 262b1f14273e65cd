// A small ANSI (SGR) to HTML converter for screenshots of tmux panes
// (`capture-pane -e -p`): colors (16, 256 and 24-bit), bold, dim, italic,
// underline and inverse. Cursor movement never appears in a captured pane,
// so only SGR is handled; any other escape is dropped.

interface Style {
  fg: string | null;
  bg: string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

/** xterm's default 16 colors, dark-theme friendly */
const BASIC = ['#1e1e1e', '#e0524d', '#5fb85f', '#d7b95c', '#5a8fd8', '#b776d1', '#4fb8c4', '#d0d0d0'];
const BRIGHT = ['#7f7f7f', '#ff6f6a', '#7ee07e', '#ffd866', '#7fb1ff', '#d99cf0', '#6fe0ec', '#ffffff'];
export const DEFAULT_FG = '#d0d0d0';
export const DEFAULT_BG = '#161616';

function color256(n: number): string {
  if (n < 8) return BASIC[n];
  if (n < 16) return BRIGHT[n - 8];
  if (n < 232) {
    const c = n - 16;
    const v = (x: number) => (x === 0 ? 0 : 55 + x * 40);
    return `rgb(${v(Math.floor(c / 36))},${v(Math.floor(c / 6) % 6)},${v(c % 6)})`;
  }
  const g = 8 + (n - 232) * 10;
  return `rgb(${g},${g},${g})`;
}

const fresh = (): Style => ({ fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false });

/** Apply one SGR parameter list to a style. */
export function applySgr(style: Style, params: number[]): Style {
  const s = { ...style };
  const p = params.length ? params : [0];
  for (let i = 0; i < p.length; i++) {
    const n = p[i];
    if (n === 0) Object.assign(s, fresh());
    else if (n === 1) s.bold = true;
    else if (n === 2) s.dim = true;
    else if (n === 3) s.italic = true;
    else if (n === 4) s.underline = true;
    else if (n === 7) s.inverse = true;
    else if (n === 22) s.bold = s.dim = false;
    else if (n === 23) s.italic = false;
    else if (n === 24) s.underline = false;
    else if (n === 27) s.inverse = false;
    else if (n >= 30 && n <= 37) s.fg = BASIC[n - 30];
    else if (n === 39) s.fg = null;
    else if (n >= 40 && n <= 47) s.bg = BASIC[n - 40];
    else if (n === 49) s.bg = null;
    else if (n >= 90 && n <= 97) s.fg = BRIGHT[n - 90];
    else if (n >= 100 && n <= 107) s.bg = BRIGHT[n - 100];
    else if (n === 38 || n === 48) {
      let c: string | null = null;
      if (p[i + 1] === 5) {
        c = color256(p[i + 2] ?? 0);
        i += 2;
      } else if (p[i + 1] === 2) {
        c = `rgb(${p[i + 2] ?? 0},${p[i + 3] ?? 0},${p[i + 4] ?? 0})`;
        i += 4;
      }
      if (n === 38) s.fg = c;
      else s.bg = c;
    }
  }
  return s;
}

const escapeHtml = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function css(s: Style): string {
  let fg = s.fg ?? DEFAULT_FG;
  let bg = s.bg;
  if (s.inverse) {
    [fg, bg] = [bg ?? DEFAULT_BG, fg];
  }
  const out: string[] = [];
  if (fg !== DEFAULT_FG) out.push(`color:${fg}`);
  if (bg) out.push(`background:${bg}`);
  if (s.bold) out.push('font-weight:bold');
  if (s.dim) out.push('opacity:0.6');
  if (s.italic) out.push('font-style:italic');
  if (s.underline) out.push('text-decoration:underline');
  return out.join(';');
}

/** The lines of a captured pane as HTML: one <div> per line, styled <span>s inside. */
export function ansiToHtmlLines(text: string): string[] {
  let style = fresh();
  return text.replace(/\n$/, '').split('\n').map((lineText) => {
    let html = '';
    let buf = '';
    const flush = () => {
      if (!buf) return;
      const c = css(style);
      html += c ? `<span style="${c}">${escapeHtml(buf)}</span>` : escapeHtml(buf);
      buf = '';
    };
    const re = /\x1b\[([0-9;:]*)([A-Za-z])|\x1b[()][A-Za-z0-9]|\x1b./g;
    let last = 0;
    for (let m = re.exec(lineText); m; m = re.exec(lineText)) {
      buf += lineText.slice(last, m.index);
      last = m.index + m[0].length;
      if (m[2] === 'm') {
        flush();
        style = applySgr(style, m[1] === '' ? [] : m[1].split(/[;:]/).map((x) => Number(x) || 0));
      }
    }
    buf += lineText.slice(last);
    flush();
    return `<div>${html || ' '}</div>`;
  });
}

/** A whole page: the pane at its size, in a monospace font, nothing else. */
export function paneToHtmlPage(text: string, opts: { title: string; cols: number; fontPx: number; linePx: number }): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(opts.title)}</title>
<style>
html, body { margin: 0; background: ${DEFAULT_BG}; }
pre { margin: 0; padding: 12px 14px; color: ${DEFAULT_FG}; font: ${opts.fontPx}px/${opts.linePx}px 'DejaVu Sans Mono', monospace; }
pre div { height: ${opts.linePx}px; white-space: pre; width: ${opts.cols}ch; overflow: hidden; }
</style></head>
<body><pre>${ansiToHtmlLines(text).join('')}</pre></body></html>
`;
}
