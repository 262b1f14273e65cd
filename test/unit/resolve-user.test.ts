// -u USER[:GROUP]: which files a lookup reads (the helper is spawned for
// each: without -u none is read, and /etc/group only when a group or the
// supplementary groups need it) and what it resolves to, as podman does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveUser, type UserDb } from '../../src/cli/run-flags.js';
import { UserError } from '../../src/common/errors.js';

const PASSWD = 'root:x:0:0::/root:/bin/sh\n# a comment\nweb:x:33:34::/srv/web:/bin/sh\n';
const GROUP = 'root:x:0:\nstaff:x:50:web\nwww:x:34:web\naudio:x:60:other,web\nwebby:x:70:webmaster\n';

function db(files: { passwd?: string; group?: string } = { passwd: PASSWD, group: GROUP }): UserDb & { reads: string[] } {
  const reads: string[] = [];
  return { whose: "the image's", reads, read: (f) => (reads.push(f), files[f]) };
}

test('no -u reads nothing: root, HOME=/root', () => {
  const d = db();
  assert.deepEqual(resolveUser(undefined, d), { uid: 0, gid: 0, groups: [], spec: '', home: '/root' });
  assert.deepEqual(d.reads, []);
});

test('numbers for both read passwd for HOME only (podman); a given group means no supplementary groups', () => {
  const d = db();
  assert.deepEqual(resolveUser('33:6', d), { uid: 33, gid: 6, groups: [], spec: '33:6', home: '/srv/web' });
  assert.deepEqual(d.reads, ['passwd']);
  assert.equal(resolveUser('5:6', db()).home, '/', 'no entry: HOME=/ as podman');
});

test('a uid alone takes its primary group and supplementary groups from the files (its own number when it has no entry)', () => {
  const d = db();
  assert.deepEqual(resolveUser('33', d), { uid: 33, gid: 34, groups: [50, 60], spec: '33', home: '/srv/web' });
  assert.deepEqual(d.reads, ['passwd', 'group']);
  const none = db();
  assert.deepEqual(resolveUser('77', none), { uid: 77, gid: 77, groups: [], spec: '77', home: '/' });
  assert.deepEqual(none.reads, ['passwd'], 'no entry, no name to look up in /etc/group');
});

test('names: the entry, and /etc/group for the group named or the supplementary ones', () => {
  let d = db();
  assert.deepEqual(resolveUser('web', d), { uid: 33, gid: 34, groups: [50, 60], spec: 'web', home: '/srv/web' });
  assert.deepEqual(d.reads, ['passwd', 'group']);
  d = db();
  assert.deepEqual(resolveUser('5:staff', d), { uid: 5, gid: 50, groups: [], spec: '5:staff', home: '/' });
  assert.deepEqual(d.reads, ['passwd', 'group']);
  d = db();
  assert.deepEqual(resolveUser('web:staff', d), { uid: 33, gid: 50, groups: [], spec: 'web:staff', home: '/srv/web' });
  assert.deepEqual(d.reads, ['passwd', 'group']);
  assert.deepEqual(resolveUser('root', db()).groups, [], 'a group that lists root is not root: only exact members');
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
