// /etc/subuid and /etc/subgid parsing, user lookup and the fix we suggest.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { addRangeHint, identify, parseSubIdEntries, parseSubIds, readSubIds, suggestFreeRange, totalCount, userName } from '../../src/engine/subid.js';
import { tempDir } from '../lib/suite-run.js';

const dir = tempDir('tsbox-subid-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const SUBUID = [
  '# ranges for rootless containers',
  'alice:100000:65536',
  '',
  '1002:165536:65536',
  'alice:300000:10',
  'bob:not-a-number:5',
  'carol:400000',
  'dave:500000:0',
  'erin:4294967290:100',
  '  frank:600000:5  ',
].join('\n');

test('parseSubIdEntries keeps valid lines with their line numbers and skips what shadow skips', () => {
  assert.deepEqual(parseSubIdEntries(SUBUID), [
    { owner: 'alice', start: 100000, count: 65536, line: 2 },
    { owner: '1002', start: 165536, count: 65536, line: 4 },
    { owner: 'alice', start: 300000, count: 10, line: 5 },
    { owner: 'frank', start: 600000, count: 5, line: 10 },
  ]);
  assert.deepEqual(parseSubIdEntries(''), []);
});

test('parseSubIds finds a user by name or by uid, in file order', () => {
  assert.deepEqual(parseSubIds(SUBUID, 'alice', 1001), [
    { start: 100000, count: 65536 },
    { start: 300000, count: 10 },
  ]);
  assert.deepEqual(parseSubIds(SUBUID, 'bob', 1002), [{ start: 165536, count: 65536 }]);
  assert.deepEqual(parseSubIds(SUBUID, 'nobody', 65534), []);
  assert.equal(totalCount(parseSubIds(SUBUID, 'alice', 1001)), 65546);
});

test('identify and readSubIds resolve users through a passwd file', () => {
  const passwd = path.join(dir, 'passwd');
  fs.writeFileSync(passwd, 'root:x:0:0::/root:/bin/sh\nalice:x:1001:1001::/home/alice:/bin/sh\nbob:x:1002:1002::/home/bob:/bin/sh\n');
  assert.equal(userName(1001, passwd), 'alice');
  assert.equal(userName(4242, passwd), '4242');
  assert.deepEqual(identify('bob', passwd), { name: 'bob', uid: 1002 });
  assert.deepEqual(identify(1001, passwd), { name: 'alice', uid: 1001 });
  assert.deepEqual(identify('1002', passwd), { name: 'bob', uid: 1002 });
  assert.deepEqual(identify('ghost', passwd), { name: 'ghost', uid: -1 });

  const files = { uid: path.join(dir, 'subuid'), gid: path.join(dir, 'subgid') };
  fs.writeFileSync(files.uid, SUBUID);
  fs.writeFileSync(files.gid, 'bob:700000:1000\n');
  assert.deepEqual(readSubIds({ name: 'bob', uid: 1002 }, files), { uid: [{ start: 165536, count: 65536 }], gid: [{ start: 700000, count: 1000 }] });
  // a missing file means no ranges, not an error
  assert.deepEqual(readSubIds({ name: 'bob', uid: 1002 }, { uid: path.join(dir, 'none'), gid: path.join(dir, 'none') }), { uid: [], gid: [] });
});

test('suggestFreeRange finds the first free gap from 100000, as useradd does', () => {
  assert.deepEqual(suggestFreeRange([]), { start: 100000, count: 65536 });
  assert.deepEqual(suggestFreeRange([{ start: 100000, count: 65536 }]), { start: 165536, count: 65536 });
  // a gap large enough between two ranges is used
  assert.deepEqual(suggestFreeRange([{ start: 300000, count: 10 }, { start: 100000, count: 65536 }]), { start: 165536, count: 65536 });
  // a gap too small is skipped
  assert.deepEqual(suggestFreeRange([{ start: 100000, count: 65536 }, { start: 170000, count: 10 }]), { start: 170010, count: 65536 });
  // ranges below 100000 do not matter
  assert.deepEqual(suggestFreeRange([{ start: 5000, count: 10 }]), { start: 100000, count: 65536 });
});

test('addRangeHint gives a usermod command and the line to add, with a free range', () => {
  const hint = addRangeHint('alice', [{ start: 100000, count: 65536 }]);
  assert.match(hint, /usermod --add-subuids 165536-231071 --add-subgids 165536-231071 alice/);
  assert.match(hint, /alice:165536:65536 to both \/etc\/subuid and \/etc\/subgid/);
});
