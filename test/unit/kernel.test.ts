// The kernel floor as the engine reads a release string (tsbox info); the
// helper's own refusal is tested on the real kernel, made to report 2.6, in
// test/integration/escapes-volumes.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KERNEL_FLOOR, meetsKernelFloor } from '../../src/engine/kernel.js';

test('meetsKernelFloor: 5.12 and later, read from the start of uname -r', () => {
  assert.deepEqual(KERNEL_FLOOR, { major: 5, minor: 12 });
  for (const ok of ['5.12.0', '5.12', '5.15.0-91-generic', '6.1.0-18-amd64', '6.18.44-fc-v1272', '10.0.1']) assert.equal(meetsKernelFloor(ok), true, ok);
  for (const old of ['5.11.22', '5.4.0-150-generic', '4.19.0', '3.10.0-1160.el7.x86_64', '2.6.78-fc-v1272', '5.1.0']) assert.equal(meetsKernelFloor(old), false, old);
  for (const odd of ['', 'linux', '5', 'x5.12']) assert.equal(meetsKernelFloor(odd), false, `unreadable: '${odd}'`);
});
