import { test } from 'node:test';
import assert from 'node:assert/strict';
import { na } from '../../src/ui/model.js';
import { computeVisible, findMatch, initialState, modeOf, reduce, scrollWindow, tableRowsOf, type Action, type UiState } from '../../src/ui/state.js';
import { rec, snapshot, stats, T0 } from './fixtures.js';

const run = (s: UiState, ...actions: Action[]) => actions.reduce(reduce, s);
const cmd = (command: Action & { type: 'command' } extends infer A ? (A extends { command: infer C } ? C : never) : never, arg?: string): Action => ({ type: 'command', command, arg });
const names = (s: UiState) => s.visibleIds.map((id) => s.containers.find((c) => c.id === id)!.name);
const selectedName = (s: UiState) => s.containers.find((c) => c.id === s.selectedId)?.name;

const web = rec('web');
const db = rec('db');
const cache = rec('cache', { state: 'exited', exitCode: 137 });

function loaded(list = [web, db, cache], size: [number, number] = [80, 24]): UiState {
  return reduce(initialState(...size), { type: 'snapshot', snap: snapshot(list) });
}

test('first snapshot: sorted by name, first row selected', () => {
  const s = loaded();
  assert.equal(s.loaded, true);
  assert.deepEqual(names(s), ['cache', 'db', 'web']);
  assert.equal(selectedName(s), 'cache');
  assert.equal(modeOf(s), 'table');
});

test('sort by any column, and invert', () => {
  let s = loaded([web, db, cache]);
  const cpu = { ...snapshot([web, db, cache]) };
  cpu.stats = { ok: true, value: { [web.id]: stats(web.id, { cpuPercent: 80 }), [db.id]: stats(db.id, { cpuPercent: 5 }) } };
  s = reduce(s, { type: 'snapshot', snap: cpu });
  const order: Record<string, string[]> = {};
  // > walks the columns: name image state uptime cpu mem pids ns grade
  for (const col of ['image', 'state', 'uptime', 'cpu', 'mem', 'pids', 'ns', 'grade', 'name']) {
    s = reduce(s, cmd('sortNext'));
    assert.equal(s.sort.column, col);
    order[col] = names(s);
  }
  // numbers sort biggest first; a stopped container (no sample) goes last
  assert.deepEqual(order.cpu, ['web', 'db', 'cache']);
  assert.deepEqual(order.state, ['db', 'web', 'cache']);
  s = reduce(s, cmd('sortInvert'));
  assert.deepEqual(names(s), ['web', 'db', 'cache']);
  s = reduce(s, cmd('sortPrev'));
  assert.equal(s.sort.column, 'grade');
});

test('/ filters while typing; Esc in the input clears it', () => {
  let s = loaded();
  s = run(s, cmd('filter'));
  assert.equal(modeOf(s), 'input');
  s = run(s, { type: 'type', text: 'w' }, { type: 'type', text: 'e' });
  assert.deepEqual(names(s), ['web']);
  assert.equal(selectedName(s), 'web');
  s = run(s, cmd('inputBackspace'), cmd('inputBackspace'));
  assert.equal(s.visibleIds.length, 3);
  s = run(s, { type: 'type', text: 'exited' }, cmd('inputSubmit'));
  assert.deepEqual(names(s), ['cache'], 'the state is searchable');
  assert.equal(modeOf(s), 'table');
  assert.equal(s.filter, 'exited', 'enter keeps the filter');
  s = run(s, cmd('escape'));
  assert.equal(s.filter, '', 'Esc in the table clears a kept filter');
  s = run(s, cmd('filter'), { type: 'type', text: 'db' }, cmd('inputCancel'));
  assert.equal(s.filter, '');
  assert.equal(s.visibleIds.length, 3);
});

test('the selection sticks to its container by id across refreshes', () => {
  let s = loaded();
  s = run(s, cmd('down'), cmd('down'));
  assert.equal(selectedName(s), 'web');
  // a new container sorts in before it: the index moves, the selection does not
  const api = rec('api');
  s = reduce(s, { type: 'snapshot', snap: snapshot([web, db, cache, api]) });
  assert.deepEqual(names(s), ['api', 'cache', 'db', 'web']);
  assert.equal(selectedName(s), 'web');
  assert.equal(s.selectedIndex, 3);
  // its record changes (stopped): still selected
  s = reduce(s, { type: 'snapshot', snap: snapshot([{ ...web, state: 'exited', pid: 0, exitCode: 0 }, db, cache, api]) });
  assert.equal(selectedName(s), 'web');
  // it goes away: the selection stays at the same place
  s = run(s, cmd('up'));
  assert.equal(selectedName(s), 'db');
  s = reduce(s, { type: 'snapshot', snap: snapshot([web, cache, api]) });
  assert.equal(selectedName(s), 'web', 'the row that took its place');
  // everything goes away
  s = reduce(s, { type: 'snapshot', snap: snapshot([]) });
  assert.equal(s.selectedId, null);
});

test('a refresh with nothing new keeps the same objects', () => {
  const s = loaded();
  const t = reduce(s, { type: 'snapshot', snap: snapshot([{ ...web }, { ...db }, { ...cache }]) });
  assert.equal(t.containers[0], s.containers[0], 'unchanged records are reused');
  assert.equal(reduce(t, { type: 'resize', cols: 80, rows: 24 }), t);
  assert.equal(reduce(t, { type: 'detail', id: 'someone-else', key: 'security', value: na('x') }), t);
});

test('scrolling window: only a window of rows, the selection always in it', () => {
  assert.equal(scrollWindow(0, 0, 5, 100), 0);
  assert.equal(scrollWindow(7, 0, 5, 100), 3);
  assert.equal(scrollWindow(2, 3, 5, 100), 2);
  assert.equal(scrollWindow(99, 0, 5, 100), 95);
  // no empty space at the end after the list shrank
  assert.equal(scrollWindow(9, 8, 5, 10), 5);
  assert.equal(scrollWindow(0, 0, 5, 3), 0);

  const many = Array.from({ length: 200 }, (_, i) => rec(`c${String(i).padStart(3, '0')}`));
  let s = loaded(many);
  const n = tableRowsOf(s);
  assert.ok(n >= 3 && n < 20, `80x24 shows a window (${n})`);
  s = run(s, cmd('pageDown'), cmd('pageDown'));
  assert.equal(s.selectedIndex, 2 * n);
  assert.ok(s.selectedIndex >= s.scrollTop && s.selectedIndex < s.scrollTop + n);
  s = run(s, cmd('bottom'));
  assert.equal(s.selectedIndex, 199);
  assert.equal(s.scrollTop, 200 - n);
  s = run(s, cmd('top'));
  assert.equal(s.scrollTop, 0);
  // a bigger terminal shows more rows; resizing keeps the selection visible
  s = run(s, cmd('bottom'), { type: 'resize', cols: 160, rows: 50 });
  assert.ok(tableRowsOf(s) > n);
  assert.ok(s.selectedIndex >= s.scrollTop && s.selectedIndex < s.scrollTop + tableRowsOf(s));
});

test('tabs: tab, shift-tab and 1-9, 0; l focuses the logs', () => {
  let s = loaded();
  assert.equal(s.tab, 'stats');
  s = run(s, cmd('nextTab'));
  assert.equal(s.tab, 'namespaces');
  s = run(s, cmd('prevTab'), cmd('prevTab'));
  assert.equal(s.tab, 'mounts');
  s = run(s, cmd('selectTab', '4'));
  assert.equal(s.tab, 'security');
  s = run(s, cmd('selectTab', '8'));
  assert.equal(s.tab, 'processes');
  s = run(s, cmd('selectTab', '0'));
  assert.equal(s.tab, 'mounts');
  s = run(s, cmd('logs'));
  assert.equal(s.tab, 'logs');
  assert.equal(modeOf(s), 'detail');
  s = run(s, cmd('escape'));
  assert.equal(modeOf(s), 'table');
});

test('logs: follow keeps the end in view; scrolling up stops it; search with n/N', () => {
  let s = loaded();
  s = run(s, cmd('logs'));
  const lines = Array.from({ length: 100 }, (_, i) => ({ time: new Date(T0 + i * 1000).toISOString(), stream: 'stdout' as const, text: i % 10 === 0 ? `tick ${i} ERROR` : `line ${i}` }));
  s = reduce(s, { type: 'logs', id: s.selectedId!, lines, reset: true });
  const end = s.text.scroll;
  assert.ok(end > 0, 'followed to the end');
  s = reduce(s, { type: 'logs', id: s.selectedId!, lines: [{ time: new Date(T0).toISOString(), stream: 'stderr', text: 'late' }], reset: false });
  assert.equal(s.text.scroll, end + 1, 'still following');
  s = run(s, cmd('up'));
  assert.equal(s.logs.follow, false);
  s = reduce(s, { type: 'logs', id: s.selectedId!, lines: [{ time: new Date(T0).toISOString(), stream: 'stdout', text: 'later' }], reset: false });
  assert.equal(s.text.scroll, end, 'not following: the view stays');
  // search: the newest match first, then n goes down (wrapping), N up
  s = run(s, cmd('search'), { type: 'type', text: 'error' }, cmd('inputSubmit'));
  assert.equal(s.text.match, 90);
  s = run(s, cmd('nextMatch'));
  assert.equal(s.text.match, 0, 'wraps around');
  s = run(s, cmd('prevMatch'));
  assert.equal(s.text.match, 90);
  s = run(s, cmd('prevMatch'));
  assert.equal(s.text.match, 80);
  assert.ok(s.text.scroll <= 80 && 80 < s.text.scroll + 10);
  s = run(s, cmd('search'), { type: 'type', text: 'zzz' }, cmd('inputSubmit'));
  assert.match(s.status?.text ?? '', /not found/);
  s = run(s, cmd('follow'));
  assert.equal(s.logs.follow, true);
});

test('findMatch wraps both ways and is case-insensitive', () => {
  const l = ['a', 'B', 'c', 'b'];
  assert.equal(findMatch(l, 'b', 0, 1), 1);
  assert.equal(findMatch(l, 'b', 1, 1), 3);
  assert.equal(findMatch(l, 'b', 3, 1), 1);
  assert.equal(findMatch(l, 'b', 1, -1), 3);
  assert.equal(findMatch(l, 'x', 0, 1), null);
  assert.equal(findMatch(l, '', 0, 1), null);
});

test('pending actions, their outcome in the status line, and the remove dialog', () => {
  let s = loaded();
  s = reduce(s, { type: 'pending', id: web.id, label: 'stopping web' });
  assert.equal(s.pending[web.id], 'stopping web');
  s = reduce(s, { type: 'done', id: web.id, error: 'stop web: permission denied' });
  assert.equal(s.pending[web.id], undefined);
  assert.deepEqual(s.status, { text: 'stop web: permission denied', kind: 'error' });
  s = reduce(s, { type: 'confirmRemove', id: web.id, name: 'web', force: true });
  assert.equal(modeOf(s), 'confirm');
  s = run(s, cmd('cancel'));
  assert.equal(modeOf(s), 'table');
  s = run(s, cmd('help'));
  assert.equal(modeOf(s), 'help');
  s = run(s, cmd('down'));
  assert.deepEqual(s.overlay, { kind: 'help', scroll: 1 });
  s = run(s, cmd('escape'));
  assert.equal(s.overlay, null);
});

test('a new selection drops the old container\'s detail data', () => {
  let s = loaded();
  s = reduce(s, { type: 'detail', id: s.selectedId!, key: 'config', value: { ok: true, value: ['{'] } });
  assert.ok(s.detail.data.config);
  s = run(s, cmd('down'));
  assert.equal(s.detail.data.config, undefined);
  assert.equal(s.detail.id, s.selectedId);
});

test('computeVisible matches on name, image, id prefix and state', () => {
  const s = loaded();
  assert.deepEqual(computeVisible({ ...s, filter: web.id.slice(0, 4) }), [web.id]);
  assert.deepEqual(computeVisible({ ...s, filter: 'HOST' }).length, 3);
  assert.deepEqual(computeVisible({ ...s, filter: '137' }), [cache.id]);
});
