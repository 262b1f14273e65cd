// Runs last (the test command takes files in path order): the suite must
// leave no container cgroups, mounts or helper processes behind. Containers of
// the machine's own tsbox store (not the tests') are not counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { removeEmptyCgroupParents } from '../lib/cli.js';

test('the tests left no container cgroups, mounts or helpers behind', () => {
  const own = new Set(Engine.open({}).list({ all: true }).map((r) => r.id));
  const leaked: string[] = [];
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    const parent = path.join('/sys/fs/cgroup', h, 'tsbox');
    let kids: fs.Dirent[] = [];
    try {
      kids = fs.readdirSync(parent, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const k of kids) if (k.isDirectory() && !own.has(k.name)) leaked.push(path.join(parent, k.name));
  }
  assert.deepEqual(leaked, [], 'container cgroups left behind');
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => /tsbox/.test(l));
  assert.deepEqual(mounts, [], 'mounts left behind');
  const helpers = fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0].endsWith('tsbox-helper');
      } catch {
        return false;
      }
    });
  if (own.size === 0) assert.deepEqual(helpers, [], 'tsbox-helper processes left running');
  if (own.size === 0) removeEmptyCgroupParents();
});
