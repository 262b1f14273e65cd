// Cgroup layout detection on mountinfo samples: pure v2, pure v1 (with
// co-mounted controllers), hybrid (this machine's own lines), and mounts
// hidden under later ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { detectLayout, layoutFromMountinfo } from '../../src/probe/cgroup-layout.js';
import { UserError } from '../../src/common/errors.js';
import { tempDir } from '../lib/suite-run.js';

const BASE = [
  '21 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '23 21 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw',
];

// Debian 12 / Fedora with systemd's default unified hierarchy
const V2 = [...BASE, '29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot'];

// CentOS 7 style: cpu,cpuacct and net_cls,net_prio co-mounted, a read-only tmpfs holding them
const V1 = [
  ...BASE,
  '24 23 0:20 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:6 - tmpfs tmpfs ro,mode=755',
  '25 24 0:21 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:7 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd',
  '27 24 0:23 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:8 - cgroup cgroup rw,memory',
  '28 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct',
  '29 24 0:25 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,net_cls,net_prio',
  '30 24 0:26 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,pids',
  '31 24 0:27 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,freezer',
];

// this machine's lines, as in /proc/self/mountinfo
const HYBRID = [
  ...BASE,
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
  '34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices',
  '37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer',
  '38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio',
  '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
];

const controllers = (root: string) => (root === '/sys/fs/cgroup' ? ['cpuset', 'cpu', 'io', 'memory', 'pids'] : ['hugetlb']);
const layout = (lines: string[]) => layoutFromMountinfo(lines.join('\n') + '\n', controllers);

test('pure v2', () => {
  assert.deepEqual(layout(V2), { kind: 'v2', v2Root: '/sys/fs/cgroup', v1: {}, v2Controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids'] });
});

test('pure v1: co-mounted controllers share a mount point; name=systemd is not a controller', () => {
  const l = layout(V1);
  assert.equal(l.kind, 'v1');
  assert.equal(l.v2Root, undefined);
  assert.deepEqual(l.v2Controllers, []);
  assert.deepEqual(l.v1, {
    memory: '/sys/fs/cgroup/memory',
    cpu: '/sys/fs/cgroup/cpu,cpuacct',
    cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
    net_cls: '/sys/fs/cgroup/net_cls,net_prio',
    net_prio: '/sys/fs/cgroup/net_cls,net_prio',
    pids: '/sys/fs/cgroup/pids',
    freezer: '/sys/fs/cgroup/freezer',
  });
});

test('hybrid: v1 controllers plus the unified cgroup2 mount (this machine)', () => {
  const l = layout(HYBRID);
  assert.equal(l.kind, 'hybrid');
  assert.equal(l.v2Root, '/sys/fs/cgroup/unified');
  assert.deepEqual(l.v2Controllers, ['hugetlb']);
  for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids']) assert.equal(l.v1[c], `/sys/fs/cgroup/${c}`);
  assert.equal(Object.keys(l.v1).length, 8);
});

test('a tmpfs over /sys/fs/cgroup/unified hides the cgroup2 mount: v1', () => {
  const l = layout([...HYBRID, '99 41 0:60 / /sys/fs/cgroup/unified rw,relatime - tmpfs none rw']);
  assert.equal(l.kind, 'v1');
  assert.equal(l.v2Root, undefined);
  assert.equal(l.v1.memory, '/sys/fs/cgroup/memory');
});

test('a cgroup2 mount over the whole v1 tree hides it: v2', () => {
  // what "mount -t cgroup2 none /sys/fs/cgroup" on top of a hybrid host's tree gives
  const l = layout([...HYBRID, '99 31 0:38 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw']);
  assert.equal(l.kind, 'v2');
  assert.equal(l.v2Root, '/sys/fs/cgroup');
  assert.deepEqual(l.v1, {});
});

test('a mount on an ancestor directory, made later, covers the v1 mounts under it', () => {
  assert.throws(() => layout([...HYBRID, '99 23 0:61 / /sys/fs rw,relatime - tmpfs none rw']), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /no cgroup filesystem is mounted/);
    return true;
  });
});

test('a mount of the hierarchy root is preferred to a mount of a sub-cgroup', () => {
  const l = layout([
    ...BASE,
    '50 23 0:26 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw',
    '51 21 0:26 / /mnt/cgroup2 rw - cgroup2 cgroup2 rw',
  ]);
  assert.equal(l.v2Root, '/mnt/cgroup2');
});

test('detectLayout reads a mountinfo file and caches per path', (t) => {
  const dir = tempDir('tsbox-layout-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'mountinfo');
  fs.writeFileSync(file, V1.join('\n') + '\n');
  const first = detectLayout(file);
  assert.equal(first.kind, 'v1');
  fs.writeFileSync(file, V2.join('\n') + '\n');
  assert.equal(detectLayout(file), first, 'the second call is served from the cache');
});

test("this process's own layout is a consistent one", () => {
  const l = detectLayout();
  assert.ok(['v1', 'v2', 'hybrid'].includes(l.kind));
  assert.equal(l.kind !== 'v1', l.v2Root !== undefined);
  assert.equal(l.kind !== 'v2', Object.keys(l.v1).length > 0);
});
