// Runs last (the test command takes files in path order): the suite must
// leave no container cgroups, mounts or helper processes behind. What existed
// before it started (test/aa/baseline.test.ts) is not counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { removeEmptyCgroupParents } from '../lib/cli.js';
import { BASELINE_FILE, listLeftovers, type Leftovers } from '../lib/leftovers.js';

test('the tests left no container cgroups, mounts or helpers behind', () => {
  let before: Leftovers = { cgroups: [], mounts: [], helpers: [] };
  try {
    before = JSON.parse(fs.readFileSync(BASELINE_FILE, 'utf8')) as Leftovers;
    fs.rmSync(BASELINE_FILE);
  } catch {
    /* run alone: everything counts */
  }
  const now = listLeftovers();
  const added = (k: keyof Leftovers) => now[k].filter((x) => !before[k].includes(x));
  assert.deepEqual(added('cgroups'), [], 'container cgroups left behind');
  assert.deepEqual(added('mounts'), [], 'mounts left behind');
  assert.deepEqual(added('helpers'), [], 'tsbox-helper processes left running');
  removeEmptyCgroupParents();
});
