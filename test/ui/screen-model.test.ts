import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyHeight, bodyText } from '../../src/ui/body.js';
import { ok } from '../../src/ui/model.js';
import { createScreenSelector, sameData } from '../../src/ui/screen-model.js';
import { initialState, reduce } from '../../src/ui/state.js';
import { rec, snapshot, stats, T0 } from './fixtures.js';

test('sameData compares plain data by content', () => {
  assert.ok(sameData({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] }));
  assert.ok(!sameData({ a: [1, 2] }, { a: [1, 2, 3] }));
  assert.ok(!sameData({ a: 1 }, { a: 1, b: undefined }));
  assert.ok(!sameData(null, {}));
});

test('a refresh that changes nothing visible gives the same screen object', () => {
  const web = rec('web', { startedAt: new Date(T0 - 3_600_000).toISOString() });
  const select = createScreenSelector();
  let s = reduce(initialState(80, 24), { type: 'snapshot', snap: snapshot([web], { at: T0 }) });
  // history fills the sparkline; keep it full so new samples do not change its span
  for (let i = 1; i <= 300; i++) s = reduce(s, { type: 'snapshot', snap: snapshot([web], { at: T0 + i * 1000 }) });
  const first = select(s);
  assert.equal(select(s), first, 'same state, same object');
  // one more second: uptime still "1h00m", same numbers, a full history of the same values
  const s2 = reduce(s, { type: 'snapshot', snap: snapshot([{ ...web }], { at: T0 + 301_000 }) });
  assert.notEqual(s2, s, 'the state did change (time, history)');
  assert.equal(select(s2), first, 'but nothing on screen did');
  // a visible change: CPU
  const busy = snapshot([web], { at: T0 + 302_000, stats: ok({ [web.id]: stats(web.id, { cpuPercent: 75 }) }) });
  const third = select(reduce(s2, { type: 'snapshot', snap: busy }));
  assert.notEqual(third, first);
  assert.ok(third.table.rows[0].cells.cpu.includes('75.0%'));
});

test('only the visible window of a long tab is in the model', () => {
  const web = rec('web');
  const select = createScreenSelector();
  let s = reduce(initialState(80, 24), { type: 'snapshot', snap: snapshot([web]) });
  s = reduce(s, { type: 'command', command: 'logs' });
  const lines = Array.from({ length: 1000 }, (_, i) => ({ time: new Date(T0 + i).toISOString(), stream: 'stdout' as const, text: `line ${i}` }));
  s = reduce(s, { type: 'logs', id: web.id, lines, reset: true });
  const m = select(s);
  assert.equal(bodyHeight(m.body.blocks), m.detailRows);
  assert.equal(m.body.more, 0, 'following: at the end');
  assert.ok(bodyText(m.body.blocks).at(-1)!.endsWith('line 999'));
  // scrolled to the top: the window, one line short for the line that says how much is below
  const top = select(reduce(reduce(s, { type: 'command', command: 'focusDetail' }), { type: 'command', command: 'top' }));
  assert.equal(bodyHeight(top.body.blocks), top.detailRows - 1);
  assert.equal(top.body.more, 1000 - top.detailRows);
  assert.ok(bodyText(top.body.blocks)[0].endsWith('line 0'));
});
