// The dashboard bundle draws frames with src/ui/ink-output.ts in place of
// Ink's Output (scripts/bundle.mjs). The terminal must show the same: each
// case here writes the same operations to both and compares the frames cell
// by cell (character and visible style), with an SGR reader of our own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import stringWidth from 'string-width';
import { fastOutputClass, type Clip, type InkOutput, type InkOutputClass, type Transformer } from '../../src/ui/ink-output.js';
import { cells } from './cells.js';

// Ink's Output is not in its package exports: load the file Ink's renderer loads.
const inkBuild = path.dirname(createRequire(import.meta.url).resolve('ink'));
const InkOutputOriginal = ((await import(pathToFileURL(path.join(inkBuild, 'output.js')).href)) as { default: InkOutputClass }).default;
const Fast = fastOutputClass(InkOutputOriginal, stringWidth);

type Op = { write: [number, number, string, Transformer[]?] } | { clip: Clip } | 'unclip';

function draw(Output: InkOutputClass, width: number, height: number, ops: Op[]): { output: string; height: number } {
  const o: InkOutput = new Output({ width, height });
  for (const op of ops) {
    if (op === 'unclip') o.unclip();
    else if ('clip' in op) o.clip(op.clip);
    else o.write(op.write[0], op.write[1], op.write[2], { transformers: op.write[3] ?? [] });
  }
  return o.get();
}

function same(width: number, height: number, ops: Op[]): string {
  const ink = draw(InkOutputOriginal, width, height, ops);
  const fast = draw(Fast, width, height, ops);
  assert.equal(fast.height, ink.height);
  assert.deepEqual(cells(fast.output), cells(ink.output));
  return fast.output;
}

// what components/ContainerTable.tsx hands Ink: spaces, swapped for painted rows
const painted = (text: string): Transformer[] => [() => text];

test('painted lines, one per row, as the dashboard draws them', () => {
  const out = same(40, 4, [
    { write: [0, 0, ' '.repeat(12), painted('\x1b[1;36mtsbox  \x1b[0m3 up')] },
    { write: [0, 1, ' '.repeat(20), painted('\x1b[1;7m› web  \x1b[0m\x1b[1;7;32mrunning\x1b[0m\x1b[1;7m  5m\x1b[0m')] },
    { write: [0, 2, ' '.repeat(10), painted('  db   \x1b[31mexited(1)\x1b[0m')] },
  ]);
  assert.ok(out.includes('› web'));
});

test('several pieces in a row, as a tab bar draws them', () => {
  same(60, 2, [
    { write: [0, 0, '\x1b[1m\x1b[36mweb \x1b[39m\x1b[22m\x1b[7m 1 Stats \x1b[27m 2 Namespaces ', []] },
    { write: [45, 0, '\x1b[90m following\x1b[39m', []] },
    { write: [0, 1, 'j/k move  ? help', []] },
  ]);
  // a piece that leaves a style open: in Ink's grid it stops at the piece's end
  same(20, 1, [{ write: [0, 0, '\x1b[7mopen', []] }, { write: [8, 0, 'next', []] }]);
});

test('wide characters, ellipses and sparklines', () => {
  same(30, 3, [
    { write: [0, 0, '名前 ▁▂▃█ …', []] },
    { write: [2, 1, '\x1b[32m✔ ok 🙂 done\x1b[39m', []] },
    { write: [0, 2, '↓ 3 more lines', []] },
  ]);
});

test('multi-line writes: transformers get the line index, lines past the bottom are dropped', () => {
  const numbered: Transformer = (line, i) => `${i}:${line}`;
  same(20, 3, [{ write: [1, 1, 'a\nb\nc\nd', [numbered]] }]);
  // a write that starts above the frame draws nothing, as in Ink
  same(20, 3, [{ write: [0, -1, 'x\ny\nz', []] }]);
});

test('pieces that overlap: the row is Ink-drawn (a background, then text over it)', () => {
  same(20, 2, [
    { write: [0, 0, '\x1b[44m' + ' '.repeat(20) + '\x1b[49m', []] },
    { write: [2, 0, '\x1b[1mtitle\x1b[22m', []] },
    { write: [0, 1, 'abcdef', []] },
    { write: [3, 1, 'XY', []] },
  ]);
});

test('text wider than the frame, or left of it', () => {
  same(10, 2, [
    { write: [4, 0, 'abcdefghij', []] },
    { write: [-2, 1, 'abcdef', []] },
  ]);
});

test('borders: a box around a message', () => {
  same(20, 5, [
    { write: [0, 0, '╭──────────────────╮', []] },
    { write: [0, 1, '│\n│\n│', []] },
    { write: [19, 1, '│\n│\n│', []] },
    { write: [0, 4, '╰──────────────────╯', []] },
    { write: [2, 1, '\x1b[1m\x1b[31mRemove web?\x1b[39m\x1b[22m', []] },
    { write: [2, 2, 'y/enter yes', []] },
  ]);
});

test('clips: lines outside a vertical clip are dropped; text a clip cuts is drawn by Ink', () => {
  // overflow="hidden" over rows 1-2
  same(20, 4, [{ clip: { x1: 0, x2: 20, y1: 1, y2: 3 } }, { write: [0, 0, 'a\nb\nc\nd', []] }, 'unclip', { write: [0, 3, 'after', []] }]);
  // wholly outside: skipped
  same(20, 3, [{ clip: { x1: 0, x2: 5, y1: 0, y2: 1 } }, { write: [8, 0, 'far', []] }, { write: [0, 2, 'below', []] }, 'unclip']);
  // cut horizontally: the whole frame falls back to Ink's drawing
  same(20, 2, [{ clip: { x1: 2, x2: 6 } }, { write: [0, 0, '\x1b[32mabcdefgh\x1b[39m', []] }, 'unclip', { write: [0, 1, 'x', []] }]);
});

test('empty writes and empty transformed lines draw nothing', () => {
  same(10, 2, [{ write: [0, 0, '', []] }, { write: [0, 1, '    ', [() => '']] }]);
});
