// What each refresh reads: with hundreds of containers that is most of the
// dashboard's cost and most of its start-up. The first refresh reads the list
// alone (the first frame waits for nothing else), the second the rows on
// screen and the namespaces, the third all statistics; after that the rows
// on screen and the selected one, all of them every fifth time and while the
// table is sorted by a statistic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createController } from '../../src/ui/controller.js';
import type { Snapshot } from '../../src/ui/model.js';
import type { SnapshotScope } from '../../src/ui/source.js';
import { initialState, tableRowsOf } from '../../src/ui/state.js';
import { createDashboardStore } from '../../src/ui/store.js';
import { FakeSource, rec } from './fixtures.js';

class ScopeSource extends FakeSource {
  scopes: SnapshotScope[] = [];
  override snapshot(scope?: SnapshotScope): Snapshot {
    assert.ok(scope, 'the controller always says what to read');
    this.scopes.push(scope);
    return super.snapshot();
  }
}

function setup() {
  const src = new ScopeSource();
  src.containers = Array.from({ length: 60 }, (_, i) => rec(`c${String(i).padStart(2, '0')}`));
  const store = createDashboardStore(initialState(80, 24));
  const ctl = createController(store, src, { intervalMs: 60_000, onQuit: () => undefined, onExec: () => undefined });
  return { src, store, ctl };
}

const kind = (s: SnapshotScope) => `${s.stats === 'all' ? 'all' : s.current.size === 0 ? 'none' : 'some'}${s.namespaces ? '+ns' : ''}`;

test('the list first, then the rows on screen and the namespaces, then all statistics; all again every fifth time', () => {
  const { src, store, ctl } = setup();
  for (let i = 0; i < 9; i++) ctl.tick();
  assert.deepEqual(src.scopes.map(kind), ['none', 'some+ns', 'all+ns', 'some+ns', 'some+ns', 'some+ns', 'some+ns', 'all+ns', 'some+ns']);
  // the current containers are exactly the window of rows and the
  // selection, in a full read too (their limits are kept fresher)
  const s = store.getState();
  const onScreen = s.visibleIds.slice(s.scrollTop, s.scrollTop + tableRowsOf(s));
  assert.ok(onScreen.length > 0 && onScreen.length < src.containers.length);
  assert.deepEqual(src.scopes[1].current, new Set([...onScreen, s.selectedId!]));
  assert.deepEqual(src.scopes[2].current, new Set([...onScreen, s.selectedId!]));
});

test('start: the second refresh comes right after the first frame, then one every interval until stop', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { src, ctl } = setup();
  ctl.start();
  assert.deepEqual(src.scopes.map(kind), ['none']);
  t.mock.timers.tick(0);
  assert.deepEqual(src.scopes.map(kind), ['none', 'some+ns'], 'not an interval later');
  t.mock.timers.tick(59_999);
  assert.equal(src.scopes.length, 2);
  t.mock.timers.tick(1);
  assert.equal(src.scopes.length, 3, 'the interval (60 s here) after that');
  ctl.stop();
  t.mock.timers.tick(600_000);
  assert.equal(src.scopes.length, 3, 'none after stop');
});

test('scrolling moves what is read; sorting by a statistic reads all every time', () => {
  const { src, store, ctl } = setup();
  ctl.tick();
  ctl.tick();
  ctl.tick();
  ctl.handleKey('G', { shift: true });
  ctl.tick();
  const last = src.scopes.at(-1)!.current;
  const s = store.getState();
  assert.ok(last.has(s.selectedId!), 'the selected container (at the bottom) is read');
  assert.ok(!last.has(s.visibleIds[0]), 'the top row, scrolled away, is not');
  // sort by CPU: every row's figure matters for the order
  while (store.getState().sort.column !== 'cpu') ctl.handleKey('>', {});
  const before = src.scopes.length;
  for (let i = 0; i < 3; i++) ctl.tick();
  assert.deepEqual(src.scopes.slice(before).map(kind), ['all+ns', 'all+ns', 'all+ns']);
});
