// The statistics the benchmark report is made of (bench/tools.ts): the rows
// pool the times of every round, so the report's figures come from here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ratio, stats } from '../../bench/tools.js';

test('stats: median (even and odd counts), mean, sample standard deviation, range', () => {
  assert.deepEqual(stats([3, 1, 2]), { medianMs: 2, meanMs: 2, stddevMs: 1, minMs: 1, maxMs: 3, runs: 3 });
  const s = stats([10, 40, 20, 30]);
  assert.equal(s.medianMs, 25);
  assert.equal(s.meanMs, 25);
  assert.equal(s.stddevMs.toFixed(4), Math.sqrt(500 / 3).toFixed(4));
  assert.deepEqual([s.minMs, s.maxMs, s.runs], [10, 40, 4]);
  assert.equal(stats([7]).stddevMs, 0);
});

test('ratio: of medians, and none when a row failed', () => {
  const row = (medianMs: number) => ({ name: 'x', ...stats([medianMs]) });
  assert.equal(ratio(row(40), row(160)), 0.25);
  assert.equal(ratio(row(40), { ...row(1), medianMs: NaN, failed: 'rc=1' }), null);
  assert.equal(ratio(undefined, row(1)), null);
});
