// -u USER[:GROUP]: which files a lookup reads (the helper is spawned for
// each, so a numeric user and group must read none) and what it resolves to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveUser, type UserDb } from '../../src/cli/run-flags.js';
import { UserError } from '../../src/common/errors.js';

const PASSWD = 'root:x:0:0::/root:/bin/sh\n# a comment\nweb:x:33:34::/:/bin/sh\n';
const GROUP = 'root:x:0:\nstaff:x:50:\n';

function db(files: { passwd?: string; group?: string } = { passwd: PASSWD, group: GROUP }): UserDb & { reads: string[] } {
  const reads: string[] = [];
  return { whose: "the image's", reads, read: (f) => (reads.push(f), files[f]) };
}

test('numbers for both: no file is read', () => {
  const d = db();
  assert.deepEqual(resolveUser('5:6', d), { uid: 5, gid: 6, groups: [], spec: '5:6' });
  assert.deepEqual(d.reads, []);
  assert.deepEqual(resolveUser(undefined, d), { uid: 0, gid: 0, groups: [], spec: '' });
  assert.deepEqual(d.reads, []);
});

test('a uid alone takes its primary group from passwd (the uid when it has no entry)', () => {
  const d = db();
  assert.equal(resolveUser('33', d).gid, 34);
  assert.equal(resolveUser('77', d).gid, 77);
  assert.deepEqual(d.reads, ['passwd', 'passwd']);
});

test('names read only the file they are in', () => {
  let d = db();
  assert.deepEqual(resolveUser('web', d), { uid: 33, gid: 34, groups: [], spec: 'web' });
  assert.deepEqual(d.reads, ['passwd']);
  d = db();
  assert.deepEqual(resolveUser('5:staff', d), { uid: 5, gid: 50, groups: [], spec: '5:staff' });
  assert.deepEqual(d.reads, ['group']);
  d = db();
  assert.equal(resolveUser('web:staff', d).gid, 50);
  assert.deepEqual(d.reads, ['passwd', 'group']);
});

test('unknown names and a missing file are errors that say where they looked', () => {
  const err = (spec: string, d: UserDb, re: RegExp) =>
    assert.throws(() => resolveUser(spec, d), (e: unknown) => e instanceof UserError && e.code === 125 && re.test(e.message));
  err('nobody', db(), /^unknown user 'nobody' in the image's \/etc\/passwd$/);
  err('web:wheel', db(), /^unknown group 'wheel' in the image's \/etc\/group$/);
  err('root', db({}), /^unknown user 'root'/);
  err('web', db({ passwd: 'web:x:abc:1::/:/bin/sh\n' }), /^invalid user 'web'$/);
  err('4294967295', db(), /^invalid user/);
});
