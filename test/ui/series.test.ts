// The sparklines' sample series: appends keep the last `keep` values, and no
// append ever changes a series an earlier state holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendSample, EMPTY_SERIES, seriesValues, type Series } from '../../src/ui/series.js';

const build = (xs: (number | null)[], keep: number, from: Series = EMPTY_SERIES) => xs.reduce((s, x) => appendSample(s, x, keep), from);

test('keeps the last `keep` samples, oldest first, missing ones as null', () => {
  assert.deepEqual(seriesValues(EMPTY_SERIES), []);
  assert.deepEqual(seriesValues(build([1, null, 3], 5)), [1, null, 3]);
  // many times past the buffer's room: always the newest five
  const xs = Array.from({ length: 37 }, (_, i) => i);
  assert.deepEqual(seriesValues(build(xs, 5)), [32, 33, 34, 35, 36]);
  assert.deepEqual(seriesValues(build([0], 1)), [0]);
  assert.deepEqual(seriesValues(build([0, 1, 2], 1)), [2]);
});

test('earlier series keep their values: states are never changed', () => {
  const states: Series[] = [EMPTY_SERIES];
  for (let i = 0; i < 25; i++) states.push(appendSample(states[i], i * 10, 4));
  for (let i = 0; i <= 25; i++) {
    const expected = Array.from({ length: i }, (_, k) => k * 10).slice(-4);
    assert.deepEqual(seriesValues(states[i]), expected, `state ${i}`);
  }
});

test('two appends to the same series (a branch) do not see each other', () => {
  const base = build([1, 2], 10);
  const a = appendSample(base, 3, 10);
  const b = appendSample(base, 99, 10);
  assert.deepEqual(seriesValues(a), [1, 2, 3]);
  assert.deepEqual(seriesValues(b), [1, 2, 99]);
  assert.deepEqual(seriesValues(appendSample(a, 4, 10)), [1, 2, 3, 4]);
  assert.deepEqual(seriesValues(base), [1, 2]);
});
