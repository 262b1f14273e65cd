// The pure v2 and pure v1 code paths on this hybrid machine, for real, each
// in a private mount namespace so the host's mounts are untouched:
//
// - pure v2: the v1 tree under /sys/fs/cgroup is unmounted and the host's
//   cgroup2 hierarchy mounted there instead. The core v2 files are real
//   (cgroup.procs, cgroup.freeze, cgroup.events, cgroup.kill, cpu.stat); the
//   controllers are not (this hierarchy offers only hugetlb), so limits are
//   refused here and their files are tested on fixtures in
//   test/unit/cgroup-v2-fixtures.test.ts.
// - pure v1: an empty tmpfs over /sys/fs/cgroup/unified hides cgroup2.
//
// This file runs itself inside `unshare -m` with TSBOX_CGROUP_NS_ROLE set;
// that copy reports what it saw as JSON and the test here checks it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createContainerCgroups } from '../../src/engine/cgroups/create.js';
import { detectLayout } from '../../src/probe/cgroup-layout.js';
import { isFrozen, killAll, setFrozen } from '../../src/engine/cgroups/processes.js';
import { removeContainerCgroups } from '../../src/engine/cgroups/remove.js';
import { validateLimits } from '../../src/engine/cgroups/validate.js';
import { sweepStats } from '../../src/probe/stats.js';
import { errorText } from '../../src/common/errors.js';
import { attempt, canRun, howItEnded, start, type Started } from '../lib/programs.js';

const SELF = fileURLToPath(import.meta.url);
const ROLE = process.env.TSBOX_CGROUP_NS_ROLE;
const PARENT = process.env.TSBOX_CGROUP_NS_PARENT ?? `tsbox-test-ns-${process.pid}`;

// ------------------------------------------------ inside the mount namespace

function startIn(dirs: string[], cmd: string[]): { child: Started; exit: Promise<NodeJS.Signals | number | null> } {
  const child = start(cmd[0], cmd.slice(1), { stdio: 'ignore' });
  for (const d of dirs) fs.writeFileSync(path.join(d, 'cgroup.procs'), String(child.pid));
  const exit = new Promise<NodeJS.Signals | number | null>((r) => child.on('exit', (code, signal) => r(signal ?? code)));
  return { child, exit };
}

const readText = (f: string) => fs.readFileSync(f, 'utf8').trim();

async function insideV2(): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};
  const layout = detectLayout();
  seen.layout = layout;
  try {
    validateLimits({ memory: 64 << 20 }, layout, { rootless: false });
  } catch (e) {
    seen.memoryRefusal = errorText(e);
  }
  const paths = createContainerCgroups('ns-v2', {}, { parent: PARENT });
  seen.paths = paths;
  const [dir] = paths;
  const busy = startIn(paths, ['sh', '-c', 'while :; do :; done']);
  const idle = startIn(paths, ['sleep', '60']);
  seen.procs = readText(path.join(dir, 'cgroup.procs')).split('\n').map(Number).sort();
  seen.started = [busy.child.pid, idle.child.pid].sort();

  const target = [{ id: 'ns-v2', pid: busy.child.pid!, cgroupPaths: paths }];
  const first = sweepStats(target);
  await sleep(1000);
  const usageBefore = Number(/usage_usec (\d+)/.exec(readText(path.join(dir, 'cpu.stat')))![1]) * 1000;
  const second = sweepStats(target, first).get('ns-v2')!;
  const usageAfter = Number(/usage_usec (\d+)/.exec(readText(path.join(dir, 'cpu.stat')))![1]) * 1000;
  seen.stats = { cpuNs: second.cpuNs, usageBefore, usageAfter, cpuPercent: second.cpuPercent, memLimit: second.memLimit, pidsLimit: second.pidsLimit };

  await setFrozen(paths, true);
  seen.frozenEvents = readText(path.join(dir, 'cgroup.events'));
  seen.frozenFreeze = readText(path.join(dir, 'cgroup.freeze'));
  seen.isFrozen = isFrozen(paths);
  const frozenAt = readText(path.join(dir, 'cpu.stat'));
  await sleep(300);
  seen.usageStill = readText(path.join(dir, 'cpu.stat')).split('\n')[0] === frozenAt.split('\n')[0];
  await setFrozen(paths, false);
  seen.thawedEvents = readText(path.join(dir, 'cgroup.events'));
  seen.isFrozenAfter = isFrozen(paths);

  // SIGTERM goes pid by pid through cgroup.procs; the busy shell ignores nothing, so both die
  killAll(paths, 'SIGTERM');
  seen.termExits = await Promise.all([busy.exit, idle.exit]);

  const again = startIn(paths, ['sleep', '60']);
  killAll(paths, 'SIGKILL'); // cgroup.kill
  seen.killExit = await again.exit;
  await removeContainerCgroups(paths);
  seen.removed = !fs.existsSync(dir);
  fs.rmdirSync(path.dirname(dir));
  sweepStats([]);
  return seen;
}

async function insideV1(): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};
  const layout = detectLayout();
  seen.layout = layout;
  const paths = createContainerCgroups('ns-v1', { pidsLimit: 5 }, { parent: PARENT });
  seen.paths = paths;
  const run = startIn(paths, ['sleep', '60']);
  await setFrozen(paths, true);
  seen.freezerState = readText(path.join(layout.v1.freezer, PARENT, 'ns-v1', 'freezer.state'));
  killAll(paths, 'SIGKILL'); // no cgroup.kill in v1: freeze, signal each pid, thaw
  seen.killExit = await run.exit;
  await removeContainerCgroups(paths);
  seen.removed = paths.filter((p) => fs.existsSync(p));
  for (const m of new Set(Object.values(layout.v1))) if (fs.existsSync(path.join(m, PARENT))) fs.rmdirSync(path.join(m, PARENT));
  return seen;
}

if (ROLE) {
  const seen = ROLE === 'v2' ? await insideV2() : await insideV1();
  process.stdout.write(JSON.stringify(seen));
}

// ------------------------------------------------ the tests, on the host

const hostLayout = ROLE ? undefined : detectLayout();
const skip =
  ROLE !== undefined
    ? 'running inside the namespace'
    : process.getuid?.() !== 0
      ? 'needs root for mount namespaces and cgroups'
      : hostLayout?.kind !== 'hybrid'
        ? 'builds the pure v1 and v2 views out of a hybrid host'
        : !canRun('unshare')
          ? 'needs unshare(1)'
          : false;

/** Run this file in a private mount namespace prepared by `setup` (shell). */
function inNamespace(role: 'v1' | 'v2', setup: string): Record<string, any> {
  const r = attempt('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `${setup} && exec "$0" "$1"`, process.execPath, SELF], {
    env: { ...process.env, TSBOX_CGROUP_NS_ROLE: role, TSBOX_CGROUP_NS_PARENT: PARENT },
    timeout: 60000,
  });
  assert.equal(r.exitCode, 0, `the namespace run failed: ${howItEnded(r)}`);
  return JSON.parse(r.stdout);
}

if (!ROLE) {
  after(async () => {
    if (!hostLayout || skip) return;
    // what a failed namespace run may have left, seen from the host
    for (const m of new Set([...Object.values(hostLayout.v1), hostLayout.v2Root!])) {
      const parent = path.join(m, PARENT);
      if (!fs.existsSync(parent)) continue;
      for (const id of ['ns-v1', 'ns-v2']) await removeContainerCgroups([path.join(parent, id)]);
      fs.rmdirSync(parent);
    }
  });

  test('pure v2 view (cgroup2 mounted at /sys/fs/cgroup): real core files', { skip }, () => {
    const seen = inNamespace('v2', 'umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup');
    const controllers = fs.readFileSync(path.join(hostLayout!.v2Root!, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
    assert.deepEqual(seen.layout, { kind: 'v2', v2Root: '/sys/fs/cgroup', v1: {}, v2Controllers: controllers });
    // the v2 hierarchy here has no memory controller: a memory limit is refused, with the reason
    assert.equal(seen.memoryRefusal, 'refused: --memory because the memory controller is not available (not in /sys/fs/cgroup/cgroup.controllers)');
    assert.deepEqual(seen.paths, [`/sys/fs/cgroup/${PARENT}/ns-v2`]);
    assert.deepEqual(seen.procs, seen.started);
    // stats from the core cpu.stat: the sweep's reading lies between two direct reads
    assert.ok(seen.stats.cpuNs >= seen.stats.usageBefore && seen.stats.cpuNs <= seen.stats.usageAfter, JSON.stringify(seen.stats));
    // one busy loop: at most one core, and far above idle even on a loaded 2-core machine
    assert.ok(seen.stats.cpuPercent > 20 && seen.stats.cpuPercent <= 105, `busy loop at ${seen.stats.cpuPercent}%`);
    assert.equal(seen.stats.memLimit, null);
    assert.equal(seen.stats.pidsLimit, null);
    // cgroup.freeze and cgroup.events
    assert.match(seen.frozenEvents, /^frozen 1$/m);
    assert.equal(seen.frozenFreeze, '1');
    assert.equal(seen.isFrozen, true);
    assert.equal(seen.usageStill, true, 'no CPU time while frozen');
    assert.match(seen.thawedEvents, /^frozen 0$/m);
    assert.equal(seen.isFrozenAfter, false);
    assert.deepEqual(seen.termExits, ['SIGTERM', 'SIGTERM']);
    assert.equal(seen.killExit, 'SIGKILL');
    assert.equal(seen.removed, true);
    assert.equal(fs.existsSync(path.join(hostLayout!.v2Root!, PARENT)), false, 'gone on the host too: the same hierarchy');
  });

  test('pure v1 view (tmpfs over /sys/fs/cgroup/unified): v1 directories only, freezer-based kill', { skip }, () => {
    const seen = inNamespace('v1', 'mount -t tmpfs none /sys/fs/cgroup/unified');
    assert.equal(seen.layout.kind, 'v1');
    assert.equal(seen.layout.v2Root, undefined);
    assert.deepEqual(seen.layout.v1, hostLayout!.v1);
    const v1Mounts = new Set(['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'freezer', 'devices'].map((c) => hostLayout!.v1[c]));
    assert.deepEqual([...seen.paths].sort(), [...v1Mounts].map((m) => path.join(m, PARENT, 'ns-v1')).sort());
    assert.ok(!seen.paths.some((p: string) => p.startsWith('/sys/fs/cgroup/unified')), 'nothing in the hidden cgroup2 hierarchy');
    assert.equal(seen.freezerState, 'FROZEN');
    assert.equal(seen.killExit, 'SIGKILL');
    assert.deepEqual(seen.removed, []);
    assert.equal(fs.existsSync(path.join(hostLayout!.v1.memory, PARENT)), false);
  });
}
