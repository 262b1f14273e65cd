import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockTime, fit, formatBytes, formatBytesShort, formatDuration, formatMemPair, formatPercent, truncate } from '../../src/ui/format.js';
import { bucket, sparkline } from '../../src/ui/sparkline.js';

test('bytes carry IEC units', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(64 * 1024 * 1024), '64.0 MiB');
  assert.equal(formatBytes(300 * 1024 * 1024), '300 MiB');
  assert.equal(formatBytes(2 * 1024 ** 3), '2.0 GiB');
  assert.equal(formatBytes(-1), '-');
});

test('short bytes fit the table and keep the unit', () => {
  assert.equal(formatBytesShort(512), '512B');
  assert.equal(formatBytesShort(10035), '9.8Ki');
  assert.equal(formatBytesShort(123 * 1024 * 1024), '123Mi');
  assert.equal(formatBytesShort(1024 ** 3), '1.0Gi');
  // just under the next unit must not print 1024
  assert.equal(formatBytesShort(1024 * 1024 - 1), '1023Ki');
  for (const v of [1, 999, 1023, 1e5, 1e7, 1e9, 1e12]) assert.ok(formatBytesShort(v).length <= 6, `${v}`);
  assert.equal(formatMemPair(12 * 1024 * 1024, 64 * 1024 * 1024), '12Mi/64Mi');
  assert.equal(formatMemPair(2048, null), '2.0Ki/-');
});

test('durations use the two largest units', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(45_000), '45s');
  assert.equal(formatDuration(12 * 60_000 + 5_000), '12m');
  assert.equal(formatDuration(3 * 3600_000 + 4 * 60_000), '3h04m');
  assert.equal(formatDuration(2 * 86400_000 + 3 * 3600_000), '2d03h');
  assert.equal(formatDuration(-5), '-');
});

test('percent has one decimal; unknown is a dash', () => {
  assert.equal(formatPercent(12.345), '12.3%');
  assert.equal(formatPercent(0), '0.0%');
  assert.equal(formatPercent(null), '-');
  assert.equal(formatPercent(undefined), '-');
  assert.equal(formatPercent(Number.NaN), '-');
});

test('truncate and fit', () => {
  assert.equal(truncate('container', 5), 'cont…');
  assert.equal(truncate('web', 5), 'web');
  assert.equal(truncate('web', 0), '');
  assert.equal(fit('web', 6), 'web   ');
  assert.equal(fit('42', 5, true), '   42');
  assert.equal(fit('a-long-name', 6).length, 6);
  assert.equal(clockTime('2024-05-01T12:03:04.123456789Z'), '12:03:04');
});

test('sparkline: one bar per sample, newest right, scaled to max', () => {
  assert.equal(sparkline([0, 50, 100], 3, 100), '▁▅█');
  assert.equal(sparkline([100], 4, 100), '█   ');
  // only the last `width` samples
  assert.equal(sparkline([100, 100, 0, 0], 2, 100), '▁▁');
  // a missing sample is a gap
  assert.equal(sparkline([100, null, 100], 3, 100), '█ █');
  // default scale: the largest shown, and an idle series stays flat
  assert.equal(sparkline([1, 2, 4], 3), '▃▅█');
  assert.equal(sparkline([0, 0], 2), '▁▁');
  assert.equal(sparkline([5], 0), '');
});

test('bucket: the whole history in at most `width` values, keeping peaks', () => {
  assert.deepEqual(bucket([1, 2, 3], 5), { values: [1, 2, 3], per: 1 });
  // newest group is full; older samples group from the end
  assert.deepEqual(bucket([9, 1, 2, 3, 4], 2), { values: [9, 4], per: 3 });
  assert.deepEqual(bucket([null, null, 5, null], 2), { values: [null, 5], per: 2 });
  assert.equal(bucket(Array.from({ length: 300 }, (_, i) => i), 60).values.length, 60);
  assert.equal(bucket(Array.from({ length: 300 }, (_, i) => i), 60).values.at(-1), 299);
});
