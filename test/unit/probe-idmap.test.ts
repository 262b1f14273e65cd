import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIdMap, toContainer, toHost } from '../../src/probe/idmap.js';
import { UserError } from '../../src/common/errors.js';

test('parseIdMap reads the kernel’s column format', () => {
  // exactly as /proc/PID/uid_map prints it (right-aligned columns)
  assert.deepEqual(parseIdMap('         0          0 4294967295\n'), [{ container: 0, host: 0, size: 4294967295 }]);
  assert.deepEqual(parseIdMap('         0     100000      65536\n     65536       1000          1\n'), [
    { container: 0, host: 100000, size: 65536 },
    { container: 65536, host: 1000, size: 1 },
  ]);
  // a user namespace whose map has not been written yet
  assert.deepEqual(parseIdMap(''), []);
});

test('parseIdMap refuses malformed lines with the line number', () => {
  for (const bad of ['0 0', '0 0 x', '0 0 0', '-1 0 1', '4294967295 0 2', '0 4294967295 2']) {
    assert.throws(
      () => parseIdMap(`0 0 1\n${bad}\n`),
      (e: unknown) => e instanceof UserError && /line 2/.test(e.message),
      bad,
    );
  }
});

test('toHost / toContainer translate through every range and reject unmapped ids', () => {
  const map = parseIdMap('0 100000 65536\n65536 1000 1\n');
  assert.equal(toHost(map, 0), 100000);
  assert.equal(toHost(map, 65535), 165535);
  assert.equal(toHost(map, 65536), 1000);
  assert.equal(toHost(map, 65537), null);
  assert.equal(toContainer(map, 100000), 0);
  assert.equal(toContainer(map, 165535), 65535);
  assert.equal(toContainer(map, 1000), 65536);
  assert.equal(toContainer(map, 0), null);
  assert.equal(toContainer(map, 99999), null);
  for (const bad of [-1, 1.5, NaN, 4294967295]) {
    assert.equal(toHost(map, bad), null);
    assert.equal(toContainer(map, bad), null);
  }
  const identity = parseIdMap('0 0 4294967295');
  assert.equal(toHost(identity, 4294967294), 4294967294);
  assert.equal(toContainer([], 0), null);
});
