// How the dashboard's controller shows the engine's warnings (src/engine/
// events.ts): one about a container whose action is running is shown with the
// action's outcome, which would otherwise replace it at once; any other goes
// to the status line when it comes. The real engine's warning, end to end, is
// test/integration/dashboard-warnings.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineWarning } from '../../src/engine/events.js';
import { createController } from '../../src/ui/controller.js';
import type { ActionKind, ContainerRecord } from '../../src/ui/model.js';
import { initialState } from '../../src/ui/state.js';
import { createDashboardStore } from '../../src/ui/store.js';
import { statusView } from '../../src/ui/view.js';
import { FakeSource, rec } from '../ui/fixtures.js';

class WarningSource extends FakeSource {
  listeners: Array<(w: EngineWarning) => void> = [];
  /** warnings the engine gives while it starts a container */
  duringStart: string[] = [];
  onWarning(listener: (w: EngineWarning) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }
  emit(w: EngineWarning): void {
    for (const l of this.listeners) l(w);
  }
  override async act(kind: ActionKind, r: ContainerRecord): Promise<void> {
    if (kind === 'start') for (const message of this.duringStart) this.emit({ message, container: { id: r.id, name: r.name } });
    return super.act(kind, r);
  }
}

function setup() {
  const src = new WarningSource();
  src.containers = [rec('web', { state: 'exited', pid: 0 })];
  const store = createDashboardStore(initialState(200, 24));
  const ctl = createController(store, src, { intervalMs: 60_000, onQuit: () => undefined, onExec: () => undefined });
  ctl.tick();
  return { src, store, ctl };
}

test('warnings given while an action runs are shown with its outcome, in the warn tone', async () => {
  const { src, store, ctl } = setup();
  src.duringStart = ['did not chown /srv/data/mnt: another filesystem is mounted there', 'second one'];
  ctl.handleKey('s', {});
  await ctl.idle();
  assert.deepEqual(statusView(store.getState()), {
    text: 'web started; warning: did not chown /srv/data/mnt: another filesystem is mounted there; warning: second one',
    tone: 'warn',
    input: false,
  });
  // without warnings the outcome is the plain message it was
  ctl.handleKey('x', {}); // stop
  await ctl.idle();
  src.duringStart = [];
  ctl.handleKey('s', {});
  await ctl.idle();
  assert.deepEqual(statusView(store.getState()), { text: 'web started', tone: undefined, input: false });
});

test('a warning outside an action goes to the status line at once', () => {
  const { src, store } = setup();
  src.emit({ message: 'the device allowlist is not enforced', container: { id: 'elsewhere', name: 'other' } });
  assert.deepEqual(statusView(store.getState()), { text: 'warning: the device allowlist is not enforced', tone: 'warn', input: false });
});
