// SELinux policy decisions: setting, state, category pairs, label= options.
// The kernel of the test machine has no SELinux, so the enforcing and
// permissive states are read from fixture files standing in for
// /sys/fs/selinux/enforce (selinuxState takes the file's path for that).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../src/common/errors.js';
import {
  allocateLevel,
  containerLabels,
  ENFORCE_FILE,
  levelCategories,
  levelOf,
  parseLabelOpts,
  selinuxSetting,
  selinuxState,
  typeOf,
} from '../../src/engine/selinux.js';
import { tempDir } from '../lib/suite-run.js';

function withEnv(value: string | undefined, fn: () => void): void {
  const saved = process.env.TSBOX_SELINUX;
  if (value === undefined) delete process.env.TSBOX_SELINUX;
  else process.env.TSBOX_SELINUX = value;
  try {
    fn();
  } finally {
    if (saved === undefined) delete process.env.TSBOX_SELINUX;
    else process.env.TSBOX_SELINUX = saved;
  }
}

test('selinuxSetting: flag, then TSBOX_SELINUX, then auto', () => {
  withEnv(undefined, () => assert.equal(selinuxSetting(), 'auto'));
  withEnv('on', () => {
    assert.equal(selinuxSetting(), 'on');
    assert.equal(selinuxSetting('off'), 'off', 'the flag wins over the environment');
  });
  withEnv('', () => assert.equal(selinuxSetting(), 'auto'));
});

test('selinuxSetting: a bad value names where it came from', () => {
  assert.throws(() => selinuxSetting('yes'), (e: unknown) => e instanceof UserError && e.code === 125 && /--selinux/.test(e.message) && /auto/.test(e.hint ?? ''));
  withEnv('enforcing', () => assert.throws(() => selinuxSetting(), (e: unknown) => e instanceof UserError && /TSBOX_SELINUX/.test(e.message)));
});

test('selinuxState on this kernel (no /sys/fs/selinux): auto is off, on labels but says nothing enforces', () => {
  // This machine's kernel has no SELinux; the real enforce file is absent.
  assert.equal(fs.existsSync(ENFORCE_FILE), false, 'test assumes a kernel without SELinux');
  assert.deepEqual(selinuxState('auto'), { labeling: false, enforcing: false, note: null });
  assert.deepEqual(selinuxState('off'), { labeling: false, enforcing: false, note: null });
  assert.deepEqual(selinuxState('on'), { labeling: true, enforcing: false, note: 'labels are written but not enforced: this kernel has no SELinux' });
});

test('selinuxState with an enforcing or permissive kernel (fixture enforce files)', (t) => {
  const dir = tempDir('tsbox-enforce-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const enforcing = path.join(dir, 'enforcing');
  const permissive = path.join(dir, 'permissive');
  fs.writeFileSync(enforcing, '1');
  fs.writeFileSync(permissive, '0');
  assert.deepEqual(selinuxState('auto', enforcing), { labeling: true, enforcing: true, note: null });
  assert.deepEqual(selinuxState('on', enforcing), { labeling: true, enforcing: true, note: null });
  assert.deepEqual(selinuxState('off', enforcing), { labeling: false, enforcing: false, note: null });
  assert.deepEqual(selinuxState('auto', permissive), { labeling: false, enforcing: false, note: null });
  const on = selinuxState('on', permissive);
  assert.equal(on.labeling, true);
  assert.equal(on.enforcing, false);
  assert.match(on.note ?? '', /not enforced: SELinux is in permissive mode/);
});

test('allocateLevel: s0:cX,cY with X<Y in 0..1023', () => {
  for (let i = 0; i < 500; i++) {
    const level = allocateLevel([]);
    const m = /^s0:c(\d+),c(\d+)$/.exec(level);
    assert.ok(m, level);
    const [x, y] = [Number(m[1]), Number(m[2])];
    assert.ok(x < y && x >= 0 && y <= 1023, level);
  }
});

test('allocateLevel: never a pair a live container has, however the random source repeats', () => {
  // a "random" source that keeps giving 511 then 512 proposes the taken pair (511,512) every time
  let n = 0;
  const stuck = () => ((n++ % 2 === 0 ? 511 : 512) + 0.5) / 1024;
  const taken = ['s0:c511,c512'];
  const level = allocateLevel(taken, stuck);
  assert.notEqual(level, 's0:c511,c512');
  assert.match(level, /^s0:c\d+,c\d+$/);
  // written in any order or with the category range syntax, a pair is still recognised
  n = 0;
  assert.notEqual(allocateLevel(['s0:c511.c512'], stuck), 's0:c511,c512');
});

test('allocateLevel: many containers get distinct pairs', () => {
  const inUse: string[] = [];
  for (let i = 0; i < 2000; i++) inUse.push(allocateLevel(inUse));
  assert.equal(new Set(inUse).size, inUse.length);
});

test('allocateLevel: the scan finds the last free pair, and a full space is a UserError', () => {
  const all: string[] = [];
  for (let x = 0; x < 1024; x++) for (let y = x + 1; y < 1024; y++) all.push(`s0:c${x},c${y}`);
  const free = all.splice(123456, 1)[0];
  assert.equal(allocateLevel(all), free);
  all.push(free);
  assert.throws(() => allocateLevel(all), (e: unknown) => e instanceof UserError && e.code === 125 && /no free SELinux category pair/.test(e.message));
});

test('parseLabelOpts: disable, level, and other security options left alone', () => {
  assert.deepEqual(parseLabelOpts([]), { disabled: false });
  assert.deepEqual(parseLabelOpts(['label=disable']), { disabled: true });
  assert.deepEqual(parseLabelOpts(['seccomp=unconfined', 'label=level:s0:c1,c2']), { disabled: false, level: 's0:c1,c2' });
  assert.deepEqual(parseLabelOpts(['label=level:s0']), { disabled: false, level: 's0' });
  assert.deepEqual(parseLabelOpts(['label=level:s0:c7']), { disabled: false, level: 's0:c7' });
  // the values after label=, as the --security-opt parser hands them over
  assert.deepEqual(parseLabelOpts(['disable']), { disabled: true });
  assert.deepEqual(parseLabelOpts(['level:s0:c1,c2', 'type:spc_t', 'user:unconfined_u', 'role:unconfined_r', 'filetype:container_ro_file_t']), {
    disabled: false,
    level: 's0:c1,c2',
    type: 'spc_t',
    user: 'unconfined_u',
    role: 'unconfined_r',
    filetype: 'container_ro_file_t',
  });
});

test('parseLabelOpts: bad levels and options are UserErrors that say what is accepted', () => {
  const bad = (opts: string[], re: RegExp) =>
    assert.throws(() => parseLabelOpts(opts), (e: unknown) => e instanceof UserError && e.code === 125 && re.test(e.message), opts.join(' '));
  bad(['label=level:s0:c2,c1'], /c2 must come before c1/);
  bad(['label=level:s0:c3,c3'], /c3 must come before c3/);
  bad(['label=level:s0:c1,c1024'], /c0 to c1023/);
  bad(['label=level:s1:c1,c2'], /invalid SELinux level/);
  bad(['label=level:s0:c1,c2,c3'], /invalid SELinux level/);
  bad(['label=level:'], /invalid SELinux level/);
  bad(['label=level:s0:c1,c2;rm'], /invalid SELinux level/);
  bad(['label=nested'], /unsupported --security-opt label=nested/);
  bad(['label=colour:red'], /unsupported --security-opt label=colour:red/);
  bad(['type:spc_t:s0'], /invalid SELinux type 'spc_t:s0'/);
  bad(['type:a', 'type:b'], /two SELinux types/);
  bad(['label=disable', 'label=level:s0:c1,c2'], /contradicts/);
  bad(['disable', 'type:spc_t'], /contradicts/);
  bad(['label=level:s0:c1,c2', 'label=level:s0:c3,c4'], /two SELinux levels/);
});

test('containerLabels: process and mount label share the level; label= parts replace the defaults', () => {
  assert.deepEqual(containerLabels('s0:c4,c9'), {
    process: 'system_u:system_r:container_t:s0:c4,c9',
    mount: 'system_u:object_r:container_file_t:s0:c4,c9',
  });
  assert.deepEqual(containerLabels('s0', { type: 'spc_t', filetype: 'container_share_t', user: 'unconfined_u' }), {
    process: 'unconfined_u:system_r:spc_t:s0',
    mount: 'unconfined_u:object_r:container_share_t:s0',
  });
});

test('levelCategories / levelOf / typeOf parse contexts as the kernel prints them', () => {
  assert.deepEqual([...(levelCategories('s0') ?? [])], []);
  assert.deepEqual([...(levelCategories('s0:c1,c5') ?? [])], [1, 5]);
  assert.deepEqual([...(levelCategories('s0:c2.c4,c9') ?? [])], [2, 3, 4, 9]);
  assert.equal(levelCategories('s0-s0:c0.c1023')?.size, 1024);
  assert.equal(levelCategories('s0:c5.c2'), null);
  assert.equal(levelCategories('garbage'), null);
  assert.equal(levelOf('system_u:object_r:container_file_t:s0:c1,c2\0'), 's0:c1,c2');
  assert.equal(levelOf('unlabeled'), null);
  assert.equal(typeOf('system_u:object_r:etc_t:s0'), 'etc_t');
});
