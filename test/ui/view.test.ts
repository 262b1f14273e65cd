import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLUMN_DEFS } from '../../src/ui/columns.js';
import { columnWidths, layout, MARKER_WIDTH } from '../../src/ui/layout.js';
import { na } from '../../src/ui/model.js';
import { initialState, reduce } from '../../src/ui/state.js';
import { emptyText, headerCells, headerText, statusView, tableRows } from '../../src/ui/view.js';
import { rec, snapshot, T0 } from './fixtures.js';

test('layout: every line accounted for, at 80x24 and 160x50', () => {
  for (const [c, r, n] of [[80, 24, 3], [80, 24, 500], [160, 50, 500], [120, 40, 0]]) {
    const l = layout(c, r, n);
    assert.equal(l.height, r - 1);
    assert.equal(5 + l.tableRows + l.detailRows, l.height);
    assert.ok(l.detailRows >= 8, `${c}x${r}: the detail pane keeps room (${l.detailRows})`);
  }
  assert.equal(layout(80, 24, 2).tableRows, 2, 'a short list takes only its rows');
});

test('columns fill the width exactly', () => {
  for (const w of [80, 100, 160]) {
    const c = columnWidths(w);
    const total = MARKER_WIDTH + COLUMN_DEFS.length - 1 + Object.values(c).reduce((a, b) => a + b, 0);
    assert.ok(total <= w, `${w}: ${total}`);
  }
  assert.equal(MARKER_WIDTH + COLUMN_DEFS.length - 1 + Object.values(columnWidths(80)).reduce((a, b) => a + b, 0), 80);
});

test('rows: state with its exit code, OOMKilled, paused; units; only the window', () => {
  const list = [
    rec('web'),
    rec('oom', { state: 'exited', exitCode: 137, oomKilled: true }),
    rec('done', { state: 'exited', exitCode: 3 }),
    rec('frozen', { state: 'paused' }),
    ...Array.from({ length: 100 }, (_, i) => rec(`x${String(i).padStart(3, '0')}`)),
  ];
  let s = reduce(initialState(80, 24), { type: 'snapshot', snap: snapshot(list, { at: T0 }) });
  const rows = tableRows(s);
  assert.ok(rows.length < 20 && rows.length > 3, 'a window, not 104 rows');
  const byName = (n: string) => rows.find((r) => r.cells.name.trim() === n)!;
  s = reduce(s, { type: 'command', command: 'filter' });
  for (const t of ['oom', 'done', 'frozen', 'web']) {
    s = reduce(s, { type: 'type', text: t });
    const r = tableRows(s).find((x) => x.cells.name.trim() === t)!;
    if (t === 'oom') assert.equal(r.cells.state.trim(), 'OOMKilled');
    if (t === 'done') assert.equal(r.cells.state.trim(), 'exited(3)');
    if (t === 'frozen') assert.equal(r.cells.state.trim(), 'paused');
    if (t === 'web') {
      assert.equal(r.cells.cpu.trim(), '12.5%');
      assert.equal(r.cells.mem.trim(), '12Mi/64Mi');
      assert.equal(r.cells.pids.trim(), '3');
      assert.equal(r.cells.uptime.trim(), '2m');
      assert.equal(r.cells.ns, 'PPPPPPHP');
    }
    for (let i = 0; i < t.length; i++) s = reduce(s, { type: 'command', command: 'inputBackspace' });
  }
  assert.ok(byName('done') === undefined || byName('done').cells.cpu.trim() === '-');
  assert.match(headerText(s), /104 containers, 101 running/);
  assert.ok(headerCells(s).name.startsWith('NAME▲'));
});

test('pending shows in the row and the status line; errors in the status line', () => {
  const web = rec('web');
  let s = reduce(initialState(80, 24), { type: 'snapshot', snap: snapshot([web]) });
  s = reduce(s, { type: 'pending', id: web.id, label: 'stopping web' });
  assert.equal(tableRows(s)[0].cells.state.trim(), 'stopping…');
  assert.equal(tableRows(s)[0].tones.state, 'warn');
  assert.match(statusView(s).text, /stopping web/);
  s = reduce(s, { type: 'done', id: web.id, error: 'stop web: no such process' });
  assert.deepEqual(statusView(s), { text: 'stop web: no such process', tone: 'bad', input: false });
});

test('the empty table says why', () => {
  assert.equal(emptyText(initialState()), 'reading containers…');
  const none = reduce(initialState(), { type: 'snapshot', snap: snapshot([]) });
  assert.match(emptyText(none), /no containers: try `tsbox demo`/);
  const broken = reduce(initialState(), { type: 'snapshot', snap: { ...snapshot([]), containers: na('permission denied') } });
  assert.match(emptyText(broken), /cannot list containers: permission denied/);
});
