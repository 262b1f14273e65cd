// Which devices-cgroup answer the dashboard shows (src/probe/devices.ts),
// over a hand-made layout: a v1 devices hierarchy is read (here a scratch
// directory stands in for it; the real one is read in
// test/integration/devices.test.ts), a v2 cgroup alone means a BPF program.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { CgroupLayout } from '../../src/probe/cgroup-layout.js';
import { describeDeviceRules, readDeviceAccess } from '../../src/probe/devices.js';
import { tempDir } from '../lib/suite-run.js';

test('v1 list, v2 program, neither, and a devices cgroup that is gone', (t) => {
  const dir = tempDir('tsbox-devprobe-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const devices = path.join(dir, 'devices');
  fs.mkdirSync(path.join(devices, 'tsbox', 'c1'), { recursive: true });
  fs.writeFileSync(path.join(devices, 'tsbox', 'c1', 'devices.list'), 'c 1:3 rwm\nc *:* m\n');
  const hybrid: CgroupLayout = { kind: 'hybrid', v1: { devices, memory: path.join(dir, 'memory') }, v2Root: path.join(dir, 'unified'), v2Controllers: [] };
  const paths = [path.join(dir, 'memory', 'tsbox', 'c1'), path.join(devices, 'tsbox', 'c1'), path.join(dir, 'unified', 'tsbox', 'c1')];
  assert.deepEqual(readDeviceAccess(paths, hybrid), { kind: 'list', rules: ['c 1:3 rwm', 'c *:* m'] });
  const v2: CgroupLayout = { kind: 'v2', v1: {}, v2Root: path.join(dir, 'unified'), v2Controllers: [] };
  assert.deepEqual(readDeviceAccess([path.join(dir, 'unified', 'tsbox', 'c1')], v2), { kind: 'bpf', cgroup: path.join(dir, 'unified', 'tsbox', 'c1') });
  assert.deepEqual(readDeviceAccess([], v2), { kind: 'none' });
  assert.equal(readDeviceAccess([path.join(devices, 'tsbox', 'gone')], hybrid), undefined, 'not made up when unreadable');
});

test('rules in words', () => {
  assert.deepEqual(describeDeviceRules(['c *:* m', 'c 1:3 rwm', 'c 136:* rwm', 'c 10:200 rwm']), { every: false, text: 'null pts, c 10:200 rwm, mknod of any node' });
  assert.deepEqual(describeDeviceRules(['a *:* rwm']), { every: true, text: 'every device (a *:* rwm)' });
  assert.deepEqual(describeDeviceRules([]), { every: false, text: 'no device' });
});
