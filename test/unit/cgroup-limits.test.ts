// Which cgroup files each limit becomes on v1 and v2 (planLimitWrites), and
// which limits a host refuses (limitProblems with given host facts). Pure:
// no kernel involved; the kernel side is in test/integration/cgroups-*.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { planLimitWrites, sharesToWeight, weightToShares, type CgroupFiles, type Placement } from '../../src/engine/cgroups/limits.js';
import { bfqDevices, limitProblems, type HostFacts } from '../../src/engine/cgroups/validate.js';
import type { CgroupLayout } from '../../src/probe/cgroup-layout.js';
import { UserError } from '../../src/common/errors.js';
import { tempDir } from '../lib/suite-run.js';

const MiB = 1024 * 1024;
const V1: Placement = {
  memory: { dir: '/cg/memory/tsbox/c', version: 1 },
  cpu: { dir: '/cg/cpu/tsbox/c', version: 1 },
  cpuset: { dir: '/cg/cpuset/tsbox/c', version: 1 },
  pids: { dir: '/cg/pids/tsbox/c', version: 1 },
  blkio: { dir: '/cg/blkio/tsbox/c', version: 1 },
};
const V2: Placement = Object.fromEntries(['memory', 'cpu', 'cpuset', 'pids', 'blkio'].map((c) => [c, { dir: '/cg/tsbox/c', version: 2 }]));
/** a new cgroup with every optional file */
const everything: CgroupFiles = { has: () => true, current: () => undefined };
const pairs = (w: Array<{ file: string; value: string }>) => w.map((x) => `${x.file}=${x.value}`);

test('v1 memory: limit then memsw, default swap = memory (memsw = twice the memory)', () => {
  assert.deepEqual(pairs(planLimitWrites({ memory: 32 * MiB }, V1, everything)), [
    `/cg/memory/tsbox/c/memory.limit_in_bytes=${32 * MiB}`,
    `/cg/memory/tsbox/c/memory.memsw.limit_in_bytes=${64 * MiB}`,
  ]);
  assert.deepEqual(pairs(planLimitWrites({ memory: 32 * MiB, memorySwap: -1, memoryReservation: 16 * MiB }, V1, everything)), [
    `/cg/memory/tsbox/c/memory.limit_in_bytes=${32 * MiB}`,
    '/cg/memory/tsbox/c/memory.memsw.limit_in_bytes=-1',
    `/cg/memory/tsbox/c/memory.soft_limit_in_bytes=${16 * MiB}`,
  ]);
});

test('v1 memory update: raising the limit above the current memsw writes memsw first', () => {
  // v1 refuses a limit above memsw and a memsw below the limit, at every write
  const running = (memsw: number): CgroupFiles => ({ has: () => true, current: (_, f) => (f === 'memory.memsw.limit_in_bytes' ? `${memsw}\n` : undefined) });
  assert.deepEqual(pairs(planLimitWrites({ memory: 128 * MiB }, V1, running(64 * MiB))), [
    `/cg/memory/tsbox/c/memory.memsw.limit_in_bytes=${256 * MiB}`,
    `/cg/memory/tsbox/c/memory.limit_in_bytes=${128 * MiB}`,
  ]);
  assert.deepEqual(pairs(planLimitWrites({ memory: 32 * MiB }, V1, running(256 * MiB))), [
    `/cg/memory/tsbox/c/memory.limit_in_bytes=${32 * MiB}`,
    `/cg/memory/tsbox/c/memory.memsw.limit_in_bytes=${64 * MiB}`,
  ]);
});

test('v2 memory: memory.max, swap alone in memory.swap.max, reservation as memory.low', () => {
  assert.deepEqual(pairs(planLimitWrites({ memory: 32 * MiB, memorySwap: 48 * MiB, memoryReservation: 8 * MiB }, V2, everything)), [
    `/cg/tsbox/c/memory.max=${32 * MiB}`,
    `/cg/tsbox/c/memory.swap.max=${16 * MiB}`,
    `/cg/tsbox/c/memory.low=${8 * MiB}`,
  ]);
  assert.deepEqual(pairs(planLimitWrites({ memory: 32 * MiB, memorySwap: -1 }, V2, everything)), [`/cg/tsbox/c/memory.max=${32 * MiB}`, '/cg/tsbox/c/memory.swap.max=max']);
});

test('without swap accounting: the default swap is skipped, an explicit --memory-swap refused', () => {
  const noSwap: CgroupFiles = { has: (_, f) => !f.includes('swap') && !f.includes('memsw'), current: () => undefined };
  assert.deepEqual(pairs(planLimitWrites({ memory: 32 * MiB }, V2, noSwap)), [`/cg/tsbox/c/memory.max=${32 * MiB}`]);
  assert.throws(() => planLimitWrites({ memory: 32 * MiB, memorySwap: 64 * MiB }, V1, noSwap), /refused: --memory-swap because swap accounting is off/);
});

test('cpu: quota and period as cfs files on v1, cpu.max on v2; shares and weight convert', () => {
  assert.deepEqual(pairs(planLimitWrites({ cpuQuota: 150000, cpuPeriod: 100000, cpuShares: 512 }, V1, everything)), [
    '/cg/cpu/tsbox/c/cpu.cfs_period_us=100000',
    '/cg/cpu/tsbox/c/cpu.cfs_quota_us=150000',
    '/cg/cpu/tsbox/c/cpu.shares=512',
  ]);
  assert.deepEqual(pairs(planLimitWrites({ cpuQuota: 150000, cpuPeriod: 100000, cpuShares: 1024 }, V2, everything)), [
    '/cg/tsbox/c/cpu.max=150000 100000',
    `/cg/tsbox/c/cpu.weight=${sharesToWeight(1024)}`,
  ]);
  assert.deepEqual(pairs(planLimitWrites({ cpuQuota: -1, cpuPeriod: 100000 }, V2, everything)), ['/cg/tsbox/c/cpu.max=max 100000']);
  assert.deepEqual(pairs(planLimitWrites({ cpuWeight: 100 }, V1, everything)), [`/cg/cpu/tsbox/c/cpu.shares=${weightToShares(100)}`]);
});

test('shares <-> weight: the ends of both ranges meet, defaults land near each other', () => {
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(262144), 10000);
  assert.equal(weightToShares(1), 2);
  assert.equal(weightToShares(10000), 262144);
  assert.equal(sharesToWeight(1024), 39); // podman and crun give 1024 shares weight 39 as well
  // one weight step is 262142 / 9999 = 26.2 shares: a round trip lands within it
  for (const s of [2, 100, 1024, 5000, 262144]) assert.ok(Math.abs(weightToShares(sharesToWeight(s)) - s) <= 27, `round trip of ${s}`);
});

test('cpuset, pids (-1 = max), blkio weight (bfq file first)', () => {
  assert.deepEqual(pairs(planLimitWrites({ cpusetCpus: '0-1', pidsLimit: 10, blkioWeight: 300 }, V1, everything)), [
    '/cg/cpuset/tsbox/c/cpuset.cpus=0-1',
    '/cg/pids/tsbox/c/pids.max=10',
    '/cg/blkio/tsbox/c/blkio.bfq.weight=300',
  ]);
  assert.deepEqual(pairs(planLimitWrites({ pidsLimit: -1, blkioWeight: 300 }, V2, everything)), ['/cg/tsbox/c/pids.max=max', '/cg/tsbox/c/io.bfq.weight=300']);
  const noBfq: CgroupFiles = { has: (_, f) => f !== 'io.bfq.weight', current: () => undefined };
  assert.throws(() => planLimitWrites({ blkioWeight: 300 }, V2, noBfq), /refused: --blkio-weight because the kernel offers no I\/O weight file/);
});

test('a limit whose controller the container lacks is refused, not skipped', () => {
  assert.throws(
    () => planLimitWrites({ pidsLimit: 5 }, { memory: V1.memory }, everything),
    (e: unknown) => e instanceof UserError && /refused: --pids-limit because this container has no pids cgroup/.test(e.message),
  );
  assert.deepEqual(planLimitWrites({}, {}, everything), []);
});

const HOST: HostFacts = { usableCpus: 2, online: [0, 1], bfqDevices: [] };
const HYBRID: CgroupLayout = {
  kind: 'hybrid',
  v2Root: '/sys/fs/cgroup/unified',
  v1: Object.fromEntries(['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'freezer', 'devices'].map((c) => [c, `/sys/fs/cgroup/${c}`])),
  v2Controllers: ['hugetlb'],
};
const V2_NO_IO: CgroupLayout = { kind: 'v2', v2Root: '/sys/fs/cgroup', v1: {}, v2Controllers: ['cpuset', 'cpu', 'memory', 'pids'] };
const texts = (l: Parameters<typeof limitProblems>[0], layout: CgroupLayout, rootless = false, host = HOST) => limitProblems(l, layout, { rootless }, host).map((p) => p.text);

test('validation: enforceable limits pass', () => {
  assert.deepEqual(texts({ memory: 64 * MiB, cpuQuota: 50000, cpuPeriod: 100000, pidsLimit: 10, cpusetCpus: '0-1' }, HYBRID), []);
  assert.deepEqual(texts({ memory: 64 * MiB }, V2_NO_IO), []);
});

test('validation: a missing controller is named, per layout', () => {
  assert.deepEqual(texts({ blkioWeight: 500 }, V2_NO_IO), ['refused: --blkio-weight because the io controller is not available (not in /sys/fs/cgroup/cgroup.controllers)']);
  const noPids: CgroupLayout = { ...HYBRID, v1: { ...HYBRID.v1, pids: '' } };
  delete noPids.v1.pids;
  assert.match(texts({ pidsLimit: 5 }, noPids)[0], /refused: --pids-limit because the pids controller is neither mounted as cgroup v1 nor offered by the cgroup v2 hierarchy/);
  // lifting a limit needs no controller
  assert.deepEqual(texts({ pidsLimit: -1 }, noPids), []);
});

test('validation: rootless on a v1 or hybrid host refuses every limit, and says why', () => {
  const t = texts({ memory: 64 * MiB, pidsLimit: 5 }, HYBRID, true);
  assert.equal(t.length, 2);
  assert.match(t[0], /^refused: --memory because rootless containers cannot have cgroup limits on a cgroup v1 host \(this one is hybrid\)/);
  assert.match(t[1], /^refused: --pids-limit because/);
  // rootless v2: what our own cgroup was given decides
  assert.deepEqual(texts({ memory: 64 * MiB }, V2_NO_IO, true, { ...HOST, delegated: ['memory', 'pids'] }), []);
  assert.match(texts({ cpuQuota: 50000, cpuPeriod: 100000 }, V2_NO_IO, true, { ...HOST, delegated: ['memory', 'pids'] })[0], /the cpu controller is not delegated to this user/);
});

test('validation: more CPUs than the host has, CPUs that do not exist, weights nobody enforces', () => {
  assert.deepEqual(texts({ cpuQuota: 300000, cpuPeriod: 100000 }, HYBRID), ['refused: --cpus/--cpu-quota because it asks for 3 CPUs and only 2 are available']);
  assert.deepEqual(texts({ cpusetCpus: '0-3' }, HYBRID), ['refused: --cpuset-cpus because CPUs 2-3 do not exist here (online: 0-1)']);
  assert.match(texts({ blkioWeight: 500 }, HYBRID)[0], /refused: --blkio-weight because no block device uses the bfq I\/O scheduler/);
  assert.deepEqual(texts({ blkioWeight: 500 }, HYBRID, false, { ...HOST, bfqDevices: ['sda'] }), []);
});

test('validation reads only the host facts its limits need (every container has a pids limit to check)', () => {
  const asked: string[] = [];
  const host = new Proxy(HOST, {
    get(target, key: string) {
      asked.push(key);
      return target[key as keyof HostFacts];
    },
  });
  assert.deepEqual(texts({ pidsLimit: 2048, memory: 64 * MiB }, HYBRID, false, host), []);
  assert.deepEqual(asked, []);
  texts({ blkioWeight: 500 }, HYBRID, false, host);
  assert.deepEqual(asked, ['bfqDevices']);
});

test('bfqDevices reads the bracketed (active) scheduler of each block device', (t) => {
  const dir = tempDir('tsbox-sysblock-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dev = (name: string, sched: string) => {
    fs.mkdirSync(path.join(dir, name, 'queue'), { recursive: true });
    fs.writeFileSync(path.join(dir, name, 'queue/scheduler'), sched + '\n');
  };
  dev('vda', 'none [mq-deadline] kyber bfq'); // this machine's
  dev('sda', 'mq-deadline kyber [bfq] none');
  dev('nvme0n1', '[none] mq-deadline');
  assert.deepEqual(bfqDevices(dir), ['sda']);
  assert.deepEqual(bfqDevices(path.join(dir, 'missing')), []);
});
