// tsbox ps --filter: podman's keys and how they combine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/common/errors.js';
import { matchesFilters, parseFilters } from '../../src/cli/commands/ps.js';
import { rec } from '../ui/fixtures.js';

const web = rec('web-1');
const db = rec('db', { state: 'exited', exitCode: 3 });
const job = rec('web-job', { state: 'created' });
const names = (...f: string[]) => [web, db, job].filter((r) => matchesFilters(r, parseFilters(f))).map((r) => r.name);

test('keys: name (a regex), id (a prefix), status, image, exited (a code)', () => {
  assert.deepEqual(names('name=^web'), ['web-1', 'web-job']);
  assert.deepEqual(names('name=1$'), ['web-1']);
  assert.deepEqual(names(`id=${db.id.slice(0, 4)}`), ['db']);
  assert.deepEqual(names('status=exited'), ['db']);
  assert.deepEqual(names('image=host'), ['web-1', 'db', 'web-job']);
  assert.deepEqual(names('image=alpine'), []);
  assert.deepEqual(names('exited=3'), ['db']);
  assert.deepEqual(names('exited=0'), []);
  assert.deepEqual(names(), ['web-1', 'db', 'web-job'], 'no filter: all');
});

test('one key twice: either; two keys: both', () => {
  assert.deepEqual(names('status=exited', 'status=created'), ['db', 'web-job']);
  assert.deepEqual(names('name=^web', 'status=created'), ['web-job']);
});

test('bad filters are refused with what to use', () => {
  for (const bad of ['name', '=x', 'color=red', 'status=sleeping', 'name=(']) {
    assert.throws(() => parseFilters([bad]), (e: unknown) => e instanceof UserError && e.code === 125, bad);
  }
});
