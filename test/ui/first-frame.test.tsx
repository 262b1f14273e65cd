// The first frame is written by src/ui/main.tsx from screenLines() before
// Ink has loaded; Ink's first frame of the same state is then written over
// it. They must show the same text, line for line, or what Ink does not
// cover would be left on the screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenLines } from '../../components/screen-lines.js';
import { COLOR, NO_COLOR } from '../../components/theme.js';
import { dashboardElement } from '../../src/ui/app.js';
import { createController } from '../../src/ui/controller.js';
import { createScreenSelector } from '../../src/ui/screen-model.js';
import { initialState } from '../../src/ui/state.js';
import { createDashboardStore } from '../../src/ui/store.js';
import { FakeSource, rec } from './fixtures.js';
import { renderAt, settle, stripAnsi } from './harness.js';

for (const [cols, rows] of [[80, 24], [120, 40]] as const) {
  for (const theme of [COLOR, NO_COLOR]) {
    test(`painted first frame = Ink's first frame at ${cols}x${rows}${theme.color ? '' : ', NO_COLOR'}`, async () => {
      const src = new FakeSource();
      src.containers = Array.from({ length: 30 }, (_, i) => rec(`c${i}`, i % 7 === 3 ? { state: 'exited', exitCode: 1 } : {}));
      const store = createDashboardStore(initialState(cols, rows));
      const ctl = createController(store, src, { intervalMs: 60_000, onQuit: () => undefined, onExec: () => undefined });
      ctl.tick(); // the first refresh: what main.tsx paints
      const painted = screenLines(createScreenSelector()(store.getState()), theme).map((l) => stripAnsi(l.text).trimEnd());
      assert.equal(painted.length, rows - 1);
      assert.ok(painted.some((l) => l.includes('› c0')), 'the table is in it');
      const app = renderAt(dashboardElement(store, ctl, theme), cols);
      await settle();
      assert.deepEqual(app.lines().map((l) => l.trimEnd()), painted);
      app.unmount();
    });
  }
}
