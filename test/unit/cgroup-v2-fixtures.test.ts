// cgroup v2 controller files, which this hybrid machine cannot produce (its
// cgroup2 hierarchy has only hugetlb): creating, updating and reading a
// container's cgroup against a copy of the fixture tree in
// test/fixtures/cgroupv2 (see its README). The core v2 files are tested for
// real in test/integration/cgroups-ns.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContainerCgroups } from '../../src/engine/cgroups/create.js';
import { isFrozen } from '../../src/engine/cgroups/processes.js';
import { oomKillCount } from '../../src/engine/cgroups/oom.js';
import { updateLimits } from '../../src/engine/cgroups/update.js';
import type { CgroupLayout } from '../../src/probe/cgroup-layout.js';
import { sweepStats } from '../../src/probe/stats.js';
import { tempDir } from '../lib/suite-run.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/cgroupv2/root', import.meta.url));
const RUNNING = '9f2c4e7a1b3d5c6e8f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e';
const MiB = 1024 * 1024;

/** A private copy of the fixture tree and a v2 layout rooted at it. */
function copyTree(t: { after: (fn: () => void) => void }): { root: string; layout: CgroupLayout } {
  const root = tempDir('tsbox-cgv2-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.cpSync(FIXTURE, root, { recursive: true });
  const v2Controllers = fs.readFileSync(path.join(root, 'cgroup.controllers'), 'utf8').trim().split(' ');
  return { root, layout: { kind: 'v2', v2Root: root, v1: {}, v2Controllers } };
}
const read = (file: string) => fs.readFileSync(file, 'utf8').trim();

test('create on v2 (fixture): one directory, controllers enabled down the tree, limits in v2 files', (t) => {
  const { root, layout } = copyTree(t);
  const paths = createContainerCgroups('c1', { memory: 32 * MiB, memoryReservation: 8 * MiB, cpuQuota: 50000, cpuPeriod: 100000, cpuWeight: 200, pidsLimit: 10, cpusetCpus: '0' }, { layout, parent: 'tsbox' });
  const dir = path.join(root, 'tsbox', 'c1');
  assert.deepEqual(paths, [dir]);
  // root and parent enabled cpu io memory pids already (fixture); cpuset was missing in both
  assert.equal(read(path.join(root, 'cgroup.subtree_control')), '+cpuset');
  assert.equal(read(path.join(root, 'tsbox', 'cgroup.subtree_control')), '+cpuset');
  assert.equal(read(path.join(dir, 'memory.max')), String(32 * MiB));
  assert.equal(read(path.join(dir, 'memory.swap.max')), String(32 * MiB), 'default: as much swap as memory');
  assert.equal(read(path.join(dir, 'memory.low')), String(8 * MiB));
  assert.equal(read(path.join(dir, 'cpu.max')), '50000 100000');
  assert.equal(read(path.join(dir, 'cpu.weight')), '200');
  assert.equal(read(path.join(dir, 'pids.max')), '10');
  assert.equal(read(path.join(dir, 'cpuset.cpus')), '0');
  // v1-only files are never written on v2
  assert.ok(!fs.readdirSync(dir).some((f) => f.includes('limit_in_bytes') || f.startsWith('cpu.cfs')));
});

test('create on v2 (fixture): a parent that enables everything already is left alone', (t) => {
  const { root, layout } = copyTree(t);
  fs.writeFileSync(path.join(root, 'cgroup.subtree_control'), 'cpuset cpu io memory pids\n');
  fs.writeFileSync(path.join(root, 'tsbox', 'cgroup.subtree_control'), 'cpuset cpu io memory pids\n');
  createContainerCgroups('c2', {}, { layout, parent: 'tsbox' });
  assert.equal(read(path.join(root, 'cgroup.subtree_control')), 'cpuset cpu io memory pids');
  assert.equal(read(path.join(root, 'tsbox', 'cgroup.subtree_control')), 'cpuset cpu io memory pids');
  assert.ok(fs.statSync(path.join(root, 'tsbox', 'c2')).isDirectory());
});

test('update on v2 (fixture): memory, swap, cpu.max, pids.max of a running container change', (t) => {
  const { root } = copyTree(t);
  const dir = path.join(root, 'tsbox', RUNNING);
  updateLimits([dir], { memory: 128 * MiB, cpuQuota: 150000, cpuPeriod: 100000, pidsLimit: 50 });
  assert.equal(read(path.join(dir, 'memory.max')), String(128 * MiB));
  assert.equal(read(path.join(dir, 'memory.swap.max')), String(128 * MiB));
  assert.equal(read(path.join(dir, 'cpu.max')), '150000 100000');
  assert.equal(read(path.join(dir, 'pids.max')), '50');
  // a controller the cgroup does not have is refused
  assert.throws(() => updateLimits([dir], { cpusetCpus: '0' }), /refused: --cpuset-cpus because this container has no cpuset cgroup/);
});

test('stats on v2 (fixture): every field from the v2 files', (t) => {
  const { root } = copyTree(t);
  const dir = path.join(root, 'tsbox', RUNNING);
  t.after(() => sweepStats([]));
  const first = sweepStats([{ id: 'x', pid: 0, cgroupPaths: [dir] }]).get('x');
  assert.ok(first);
  const { at, ...rest } = first;
  assert.ok(Math.abs(at - Date.now()) < 1000);
  assert.deepEqual(rest, {
    id: 'x',
    cpuNs: 8412375 * 1000, // cpu.stat usage_usec
    cpuPercent: null, // no previous sample
    cpuPercentOfLimit: null,
    memUsed: 55083008 - 18874368, // memory.current - inactive_file
    memLimit: 268435456,
    memPercent: ((55083008 - 18874368) / 268435456) * 100,
    pids: 5,
    pidsLimit: 100,
    blkRead: 1449984 + 4096, // two devices in io.stat
    blkWrite: 184320,
    netRx: 0, // no pid: no network namespace to read
    netTx: 0,
    oomKills: 1,
  });
  // half a second of CPU in one second: 50% of a core, 100% of the 0.5-CPU limit
  const previous = new Map([['x', { ...first, cpuNs: first.cpuNs - 500e6, at: first.at - 1000 }]]);
  const second = sweepStats([{ id: 'x', pid: 0, cgroupPaths: [dir] }], previous).get('x')!;
  assert.ok(second.cpuPercent! > 49 && second.cpuPercent! <= 50, `cpuPercent ${second.cpuPercent}`);
  assert.ok(second.cpuPercentOfLimit! > 98 && second.cpuPercentOfLimit! <= 100, `cpuPercentOfLimit ${second.cpuPercentOfLimit}`);
});

test('OOM kills and the frozen state from memory.events and cgroup.events (fixture)', (t) => {
  const { root } = copyTree(t);
  const dir = path.join(root, 'tsbox', RUNNING);
  assert.equal(oomKillCount([dir]), 1);
  assert.equal(isFrozen([dir]), false);
  fs.writeFileSync(path.join(dir, 'cgroup.events'), 'populated 1\nfrozen 1\n');
  assert.equal(isFrozen([dir]), true);
});
