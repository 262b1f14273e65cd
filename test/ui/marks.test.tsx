// Marks (space) and actions on the marked set with one confirmation, and
// the NS column's legend on the status line, at 80x24 and 200x60 with
// stock Ink and with the bundle that ships.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_COLOR } from '../../components/theme.js';
import { createController } from '../../src/ui/controller.js';
import { initialState } from '../../src/ui/state.js';
import { createDashboardStore } from '../../src/ui/store.js';
import { NS_COLUMN_LEGEND } from '../../src/ui/view.js';
import { FakeSource, rec } from './fixtures.js';
import { KEYS, RENDERERS, settle, type Renderer } from './harness.js';
import { fits } from './fits.js';

function world(renderer: Renderer, cols: number, rows: number) {
  const src = new FakeSource();
  src.containers = [rec('a-web'), rec('b-db'), rec('c-cache'), rec('d-done', { state: 'exited', exitCode: 0, pid: 0 })];
  const store = createDashboardStore(initialState(cols, rows));
  const ctl = createController(store, src, { intervalMs: 60_000, onQuit: () => {}, onExec: () => {} });
  ctl.tick();
  const app = renderer.mount(store, ctl, NO_COLOR, cols, rows);
  return { src, store, ctl, app };
}

test('the legend names every position of the NS column and fits 80 columns', () => {
  assert.equal(NS_COLUMN_LEGEND, "NS cgroup ipc mnt net pid time user uts: P private H host's S shared - unknown");
  assert.ok(NS_COLUMN_LEGEND.length <= 80);
});

for (const renderer of RENDERERS) {
  const rtest = (name: string, fn: () => Promise<void>) => test(`${renderer.name}: ${name}`, fn);

  for (const [cols, rows] of [[80, 24], [200, 60]] as const) {
    rtest(`space marks and moves on; x stops the marked set after one question naming how many (${cols}x${rows})`, async () => {
      const { app, src, ctl } = world(renderer, cols, rows);
      await settle();
      assert.ok(app.frame().includes(NS_COLUMN_LEGEND), 'the legend on the status line while it has nothing else');
      await app.press(' ', ' ');
      let f = app.frame();
      assert.match(f, /^ \*a-web /m);
      assert.match(f, /^ \*b-db /m);
      assert.match(f, /^› c-cache /m, 'the selection moved past the marked rows');
      assert.ok(f.includes('2 marked (Esc clears)'));
      await app.press('x');
      f = app.frame();
      assert.ok(f.includes('Stop 2 marked containers?'), f);
      assert.ok(f.includes('a-web, b-db. Each gets SIGTERM'));
      assert.deepEqual(src.actions, [], 'nothing before the answer');
      await app.press('y');
      await ctl.idle();
      await settle();
      assert.deepEqual(src.actions, [{ kind: 'stop', name: 'a-web' }, { kind: 'stop', name: 'b-db' }]);
      f = app.frame();
      assert.ok(!f.includes('marked'), 'the marks are gone after the action');
      assert.match(f, /a-web\s+host\s+exited\(0\)/);
      assert.match(f, /c-cache\s+host\s+running/, 'the unmarked container is untouched');
      fits(app.lines(), cols, rows);
      app.unmount();
    });
  }

  rtest('n cancels the bulk question and keeps the marks; Esc clears them; space again unmarks', async () => {
    const { app, src } = world(renderer, 80, 24);
    await settle();
    await app.press(' ', ' ', 'K');
    assert.ok(app.frame().includes('Kill 2 marked containers?'));
    await app.press('n');
    assert.deepEqual(src.actions, []);
    assert.ok(app.frame().includes('2 marked'));
    await app.press('k', ' ');
    assert.ok(app.frame().includes('1 marked'), 'space on a marked row unmarks it');
    await app.press(KEYS.escape);
    assert.ok(!app.frame().includes('marked'));
    await app.press('x');
    assert.ok(!app.frame().includes('marked containers?'), 'no marks: x acts on the selected one, no question');
    app.unmount();
  });

  rtest('d on a marked set: one question, running ones killed first; p skips what cannot be paused', async () => {
    const { app, src, ctl } = world(renderer, 200, 60);
    await settle();
    await app.press(' ', 'G', ' ');
    await app.press('d');
    let f = app.frame();
    assert.ok(f.includes('Remove 2 marked containers?'));
    assert.ok(f.includes('a-web, d-done. This deletes the containers and their logs.'), f);
    assert.ok(f.includes('Running ones are killed first.'), 'the dialog wraps it');
    await app.press('y');
    await ctl.idle();
    await settle();
    assert.deepEqual(src.actions.map((a) => `${a.kind} ${a.name}`), ['remove a-web', 'remove d-done']);
    f = app.frame();
    assert.doesNotMatch(f, /^[› ][ *](a-web|d-done) /m, 'both rows are gone');
    assert.match(f, /^[› ][ *]b-db /m);
    src.actions = [];
    await app.press('g', ' ', 'G', ' ', 'p');
    assert.ok(app.frame().includes('Pause or unpause 2 marked containers?'));
    await app.press('y');
    await ctl.idle();
    await settle();
    assert.deepEqual(src.actions.map((a) => `${a.kind} ${a.name}`), ['pause b-db', 'pause c-cache']);
    app.unmount();
  });
}
