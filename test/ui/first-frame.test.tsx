// The first frame is written by src/ui/first-frame.ts before Ink has
// loaded: the container rows, painted. Ink's first frame of the same state
// is then written over it from the top left. Every cell the painted frame
// drew must be one Ink draws the same (character and style), or the screen
// would show something Ink did not draw; checked with both renderers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIRST_ROW_LINE } from '../../components/painted-rows.js';
import { COLOR, NO_COLOR } from '../../components/theme.js';
import { createController } from '../../src/ui/controller.js';
import { paintedFirstFrame } from '../../src/ui/first-frame.js';
import { initialState } from '../../src/ui/state.js';
import { createDashboardStore } from '../../src/ui/store.js';
import { cells } from './cells.js';
import { FakeSource, rec } from './fixtures.js';
import { RENDERERS, settle, stripAnsi } from './harness.js';

/** The lines the painted frame writes, by terminal line (0-based), from its cursor moves. */
function paintedLines(frame: string): Map<number, string> {
  assert.ok(frame.endsWith('\x1b[H'), 'it leaves the cursor at the top left, where Ink starts');
  const out = new Map<number, string>();
  for (const m of frame.slice(0, -3).matchAll(/\x1b\[(\d+);1H((?:(?!\x1b\[\d+;1H).)*)/g)) out.set(Number(m[1]) - 1, m[2]);
  return out;
}

for (const renderer of RENDERERS) {
  for (const [cols, rows] of [[80, 24], [120, 40]] as const) {
    for (const theme of [COLOR, NO_COLOR]) {
      test(`${renderer.name}: the painted first frame is Ink's first frame, cell for cell, at ${cols}x${rows}${theme.color ? '' : ', NO_COLOR'}`, async () => {
        const src = new FakeSource();
        src.containers = Array.from({ length: 30 }, (_, i) => rec(`c${i}`, i % 7 === 3 ? { state: 'exited', exitCode: 1 } : {}));
        const store = createDashboardStore(initialState(cols, rows));
        const ctl = createController(store, src, { intervalMs: 60_000, onQuit: () => undefined, onExec: () => undefined });
        ctl.tick(); // the first refresh: what main.tsx paints
        const painted = paintedLines(paintedFirstFrame(store.getState(), theme));
        assert.ok(painted.size > 5, 'the rows that fit');
        assert.ok(stripAnsi([...painted.values()][0]).startsWith('› c0 '), 'the selected first row');
        const app = renderer.mount(store, ctl, theme, cols, rows);
        await settle();
        const ink = cells(app.raw());
        for (const [y, text] of painted) {
          assert.ok(y >= FIRST_ROW_LINE, `line ${y} is a row's`);
          assert.deepEqual(cells(text)[0], ink[y], `line ${y}`);
        }
        app.unmount();
      });
    }
  }
}

test('a terminal too small for the table gets no painted frame (Ink says what size it needs)', () => {
  const store = createDashboardStore(initialState(50, 12));
  assert.equal(paintedFirstFrame(store.getState(), COLOR), '');
});
