// A faster stand-in for Ink's frame buffer (ink/build/output.js), swapped in
// by scripts/bundle.mjs when the dashboard is bundled.
//
// Why: Ink turns every frame into a grid of one object per terminal cell
// (4,680 at 120x40): it tokenizes each written line into styled characters,
// copies them into the grid and turns the grid back into escape codes. With
// lines the dashboard had painted itself (the whole screen, then) that was about
// 10 ms per frame, half of the dashboard's CPU at 200 containers.
//
// What: the same interface (write, clip, unclip, get). A row whose pieces sit
// side by side, none over another and none cut by a clip, is the pieces
// joined with spaces between them: no tokenizing. A row whose pieces overlap
// is drawn by Ink's own Output, one row high, from the same pieces; a frame
// with anything this file does not model (a clip that cuts text
// horizontally, a transform that returns a line break) is drawn entirely by
// Ink's Output. The terminal shows the same either way; test/ui/ink-output
// compares the two.

export interface Clip {
  x1?: number;
  x2?: number;
  y1?: number;
  y2?: number;
}
export type Transformer = (line: string, index: number) => string;

/** What ink/build/renderer.js needs of its Output. */
export interface InkOutput {
  write(x: number, y: number, text: string, options: { transformers: Transformer[] }): void;
  clip(clip: Clip): void;
  unclip(): void;
  get(): { output: string; height: number };
}
export type InkOutputClass = new (size: { width: number; height: number }) => InkOutput;

type Op = { type: 'write'; x: number; y: number; text: string; transformers: Transformer[] } | { type: 'clip'; clip: Clip } | { type: 'unclip' };

/** One transformed line and where it starts. */
interface Piece {
  x: number;
  line: string;
}

const RESET = '\x1b[0m';

/**
 * The Output class to give Ink: `Original` is Ink's own (for what the fast
 * path leaves to it), `stringWidth` the function Ink measures text with, so
 * that both agree on where a piece ends.
 */
export function fastOutputClass(Original: InkOutputClass, stringWidth: (s: string) => number): InkOutputClass {
  // Widths of the last frame's lines: most lines of a frame are the last
  // frame's, and measuring is the fast path's main cost. Kept for one frame,
  // so the map never outgrows a screen.
  let lastWidths = new Map<string, number>();
  let widths = new Map<string, number>();
  const measure = (line: string): number => {
    let w = widths.get(line);
    if (w === undefined) {
      w = lastWidths.get(line) ?? stringWidth(line);
      widths.set(line, w);
    }
    return w;
  };

  return class FastOutput implements InkOutput {
    private readonly width: number;
    private readonly height: number;
    private readonly ops: Op[] = [];

    constructor({ width, height }: { width: number; height: number }) {
      this.width = width;
      this.height = height;
    }

    write(x: number, y: number, text: string, { transformers }: { transformers: Transformer[] }): void {
      if (!text) return;
      this.ops.push({ type: 'write', x, y, text, transformers });
    }

    clip(clip: Clip): void {
      this.ops.push({ type: 'clip', clip });
    }

    unclip(): void {
      this.ops.push({ type: 'unclip' });
    }

    get(): { output: string; height: number } {
      widths = new Map();
      const rows = this.pieces();
      if (!rows) return this.replay();
      const out: string[] = [];
      for (const pieces of rows) out.push(this.row(pieces));
      lastWidths = widths;
      return { output: out.join('\n'), height: this.height };
    }

    /** Ink's whole frame from the recorded operations. */
    private replay(): { output: string; height: number } {
      const o = new Original({ width: this.width, height: this.height });
      for (const op of this.ops) {
        if (op.type === 'write') o.write(op.x, op.y, op.text, { transformers: op.transformers });
        else if (op.type === 'clip') o.clip(op.clip);
        else o.unclip();
      }
      return o.get();
    }

    /**
     * The transformed lines of each row, in the order Ink would draw them;
     * null when the frame needs Ink's own drawing. Mirrors Ink's Output.get:
     * a write wholly outside its clip is skipped, a vertical clip drops lines,
     * a write that starts above the frame draws nothing, lines below it are
     * dropped.
     */
    private pieces(): Piece[][] | null {
      const rows: Piece[][] = [];
      for (let i = 0; i < this.height; i++) rows.push([]);
      const clips: Clip[] = [];
      for (const op of this.ops) {
        if (op.type === 'clip') {
          clips.push(op.clip);
          continue;
        }
        if (op.type === 'unclip') {
          clips.pop();
          continue;
        }
        let { x, y } = op;
        let lines = op.text.split('\n');
        const clip = clips.at(-1);
        if (clip) {
          if (typeof clip.x1 === 'number' && typeof clip.x2 === 'number') {
            const widest = Math.max(...lines.map(measure));
            if (x + widest < clip.x1 || x > clip.x2) continue;
            // Ink would cut the text: leave the frame to it.
            if (x < clip.x1 || x + widest > clip.x2) return null;
          }
          if (typeof clip.y1 === 'number' && typeof clip.y2 === 'number') {
            const h = lines.length;
            if (y + h < clip.y1 || y > clip.y2) continue;
            const from = y < clip.y1 ? clip.y1 - y : 0;
            const to = y + h > clip.y2 ? clip.y2 - y : h;
            lines = lines.slice(from, to);
            if (y < clip.y1) y = clip.y1;
          }
        }
        if (y < 0) continue;
        for (let index = 0; index < lines.length && y + index < this.height; index++) {
          let line = lines[index];
          for (const t of op.transformers) line = t(line, index);
          if (line.includes('\n')) return null;
          rows[y + index].push({ x, line });
        }
      }
      return rows;
    }

    /** One row's text: the pieces side by side, or Ink's drawing of them when they overlap. */
    private row(pieces: Piece[]): string {
      let text = '';
      let end = 0;
      for (let i = 0; i < pieces.length; i++) {
        const { x, line } = pieces[i];
        if (line === '') continue;
        if (x < end) return this.inkRow(pieces);
        text += ' '.repeat(x - end) + line;
        // a piece's styles stop where it ends, as in Ink's grid
        if (line.includes('\x1b') && !line.endsWith(RESET)) text += RESET;
        // Only a piece after this one needs to know where it ends. (Text past
        // the frame's width is drawn all the same, as Ink's grid does.)
        if (i < pieces.length - 1) end = x + measure(line);
      }
      return text.trimEnd();
    }

    private inkRow(pieces: Piece[]): string {
      const o = new Original({ width: this.width, height: 1 });
      for (const { x, line } of pieces) o.write(x, 0, line, { transformers: [] });
      return o.get().output;
    }
  };
}
