// Runs first (the test command takes files in path order): records what
// already exists, for test/zz/leftovers.test.ts to compare with at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BASELINE_FILE, listLeftovers } from '../lib/leftovers.js';

test('record what exists before the tests run', () => {
  const now = listLeftovers();
  fs.writeFileSync(BASELINE_FILE, JSON.stringify(now));
  assert.deepEqual(JSON.parse(fs.readFileSync(BASELINE_FILE, 'utf8')), now);
});
