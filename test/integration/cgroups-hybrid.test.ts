// Container cgroups on this machine's real hierarchies (hybrid: v1 cpu,
// cpuacct, cpuset, memory, pids, blkio, freezer, devices; cgroup2 at
// /sys/fs/cgroup/unified), as root. Processes are put into the cgroups by
// writing cgroup.procs (the helper's init joins by writing 0 to them or to
// v1 `tasks` itself: native/PROTOCOL.md), and checked from outside through
// the cgroup files and /proc. Everything lives under tsbox-test-<pid> and is
// removed at the end, also when a test fails.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createContainerCgroups } from '../../src/engine/cgroups/create.js';
import { detectLayout } from '../../src/probe/cgroup-layout.js';
import { isFrozen, killAll, setFrozen } from '../../src/engine/cgroups/processes.js';
import { oomKillCount } from '../../src/engine/cgroups/oom.js';
import { removeContainerCgroups } from '../../src/engine/cgroups/remove.js';
import { updateLimits } from '../../src/engine/cgroups/update.js';
import { validateLimits } from '../../src/engine/cgroups/validate.js';
import { bfqDevices } from '../../src/engine/cgroups/validate.js';
import { UserError } from '../../src/common/errors.js';
import { sweepStats } from '../../src/probe/stats.js';
import type { ResourceLimits } from '../../src/engine/types.js';
import { notePath, tempDir } from '../lib/suite-run.js';
import { attempt, run, start, type Started } from '../lib/programs.js';

const layout = detectLayout();
const V1_USED = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'freezer', 'devices'];
const skip =
  process.getuid?.() !== 0
    ? 'needs root to create cgroups'
    : layout.kind === 'v2' || !V1_USED.every((c) => layout.v1[c])
      ? 'needs the cgroup v1 controllers of a v1 or hybrid host'
      : false;

const PARENT = `tsbox-test-${process.pid}`;
const MiB = 1024 * 1024;
const mounts = () => [...new Set([...Object.values(layout.v1), ...(layout.v2Root ? [layout.v2Root] : [])])];
const created = new Map<string, string[]>();
const children: Started[] = [];
const scratch = tempDir('tsbox-cg-');
for (const m of mounts()) notePath(path.join(m, PARENT));

async function cleanup(): Promise<void> {
  sweepStats([]); // close the files stats keeps open
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const paths of created.values()) await removeContainerCgroups(paths);
  created.clear();
  for (const m of mounts()) {
    const dir = path.join(m, PARENT);
    if (fs.existsSync(dir)) fs.rmdirSync(dir);
  }
  fs.rmSync(scratch, { recursive: true, force: true });
}
after(cleanup);

function make(id: string, limits: ResourceLimits = {}): string[] {
  const paths = createContainerCgroups(id, limits, { parent: PARENT });
  created.set(id, paths);
  return paths;
}
const dirOf = (paths: string[], controller: string) => {
  const d = paths.find((p) => p.startsWith(layout.v1[controller] + '/'));
  assert.ok(d, `a ${controller} cgroup among ${paths.join(' ')}`);
  return d;
};
const read = (file: string) => fs.readFileSync(file, 'utf8').trim();
const procs = (dir: string) => read(path.join(dir, 'cgroup.procs')).split('\n').filter(Boolean).map(Number);

interface Run {
  child: Started;
  pid: number;
  out: () => string;
  err: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Run CMD inside the cgroups: a shell joins each one, then execs CMD (what the helper does with --cgroup). */
async function runIn(paths: string[], cmd: string[], opts: { cwd?: string } = {}): Promise<Run> {
  const child = start('sh', ['-c', 'for d in $TSBOX_CG; do echo $$ > "$d/cgroup.procs" || exit 99; done; exec "$@"', 'sh', ...cmd], {
    env: { ...process.env, TSBOX_CG: paths.join(' ') },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: opts.cwd,
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  // joined once our pid shows up in the last cgroup (or the shell is already gone)
  for (let i = 0; i < 500 && child.exitCode === null && !procs(paths[paths.length - 1]).includes(child.pid!); i++) await sleep(5);
  return { child, pid: child.pid!, out: () => out, err: () => err, exit };
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

test('create: a directory in each v1 hierarchy and in cgroup2, limits written, rmdir on remove', { skip }, async () => {
  const limits: ResourceLimits = { memory: 64 * MiB, memoryReservation: 16 * MiB, cpuQuota: 50000, cpuPeriod: 100000, cpuShares: 512, pidsLimit: 20, cpusetCpus: '0' };
  const paths = make('create', limits);
  const expected = [...new Set(V1_USED.map((c) => path.join(layout.v1[c], PARENT, 'create')))];
  if (layout.v2Root) expected.push(path.join(layout.v2Root, PARENT, 'create'));
  assert.deepEqual([...paths].sort(), expected.sort());
  for (const p of paths) assert.ok(fs.statSync(p).isDirectory(), p);

  const mem = dirOf(paths, 'memory');
  assert.equal(read(`${mem}/memory.limit_in_bytes`), String(64 * MiB));
  assert.equal(read(`${mem}/memory.soft_limit_in_bytes`), String(16 * MiB));
  if (fs.existsSync(`${mem}/memory.memsw.limit_in_bytes`)) assert.equal(read(`${mem}/memory.memsw.limit_in_bytes`), String(128 * MiB));
  const cpu = dirOf(paths, 'cpu');
  assert.equal(read(`${cpu}/cpu.cfs_quota_us`), '50000');
  assert.equal(read(`${cpu}/cpu.cfs_period_us`), '100000');
  assert.equal(read(`${cpu}/cpu.shares`), '512');
  assert.equal(read(`${dirOf(paths, 'pids')}/pids.max`), '20');
  const cpuset = dirOf(paths, 'cpuset');
  assert.equal(read(`${cpuset}/cpuset.cpus`), '0');
  assert.equal(read(`${cpuset}/cpuset.mems`), read(`${layout.v1.cpuset}/cpuset.mems`), 'memory nodes copied from the root');
  // block I/O accounting switched on for every disk by a no-op rule on the parent
  const rules = read(path.join(layout.v1.blkio, PARENT, 'blkio.throttle.write_bps_device'));
  for (const disk of fs.readdirSync('/sys/block')) assert.match(rules, new RegExp(`^${read(`/sys/block/${disk}/dev`)} 1000000000000$`, 'm'));

  await removeContainerCgroups(paths);
  for (const p of paths) assert.equal(fs.existsSync(p), false, `${p} removed`);
  await removeContainerCgroups(paths); // idempotent
});

test('v1 cpuset: the first container copies CPUs and memory nodes by hand, the kernel copies them for the next', { skip }, async () => {
  const parent = path.join(layout.v1.cpuset, PARENT);
  const rootBefore = read(path.join(layout.v1.cpuset, 'cgroup.clone_children'));
  const first = make('cpuset-first');
  assert.equal(read(path.join(parent, 'cgroup.clone_children')), '1', 'set on our parent once a copy was needed');
  // a new child of the parent now starts with its CPUs, as a container's would
  const probe = path.join(parent, 'cpuset-probe');
  fs.mkdirSync(probe);
  try {
    assert.equal(read(path.join(probe, 'cpuset.cpus')), read(path.join(parent, 'cpuset.cpus')));
    assert.equal(read(path.join(probe, 'cpuset.mems')), read(path.join(parent, 'cpuset.mems')));
  } finally {
    fs.rmdirSync(probe);
  }
  assert.equal(read(path.join(layout.v1.cpuset, 'cgroup.clone_children')), rootBefore, "the hierarchy's root is left as it was");
  const second = make('cpuset-second');
  assert.equal(read(`${dirOf(second, 'cpuset')}/cpuset.cpus`), read(path.join(parent, 'cpuset.cpus')));
  await removeContainerCgroups(first);
  await removeContainerCgroups(second);
});

test('a limit the host cannot enforce is refused before anything is created', { skip }, async (t) => {
  if (bfqDevices().length > 0) return t.skip('a disk uses bfq here, so --blkio-weight is enforceable');
  assert.throws(
    () => make('refused', { memory: 64 * MiB, blkioWeight: 500 }),
    (e: unknown) => e instanceof UserError && e.code === 125 && /^refused: --blkio-weight because no block device uses the bfq I\/O scheduler/.test(e.message),
  );
  for (const m of mounts()) assert.equal(fs.existsSync(path.join(m, PARENT, 'refused')), false);
  // rootless on a v1 / hybrid host: every limit refused with the reason
  assert.throws(() => validateLimits({ memory: 64 * MiB }, layout, { rootless: true }), /refused: --memory because rootless containers cannot have cgroup limits on a cgroup v1 host/);
});

test('a failure half way removes the cgroups made so far', { skip }, () => {
  // devices comes last: every other hierarchy has its directory by then
  const broken = { ...layout, v1: { ...layout.v1, devices: path.join(scratch, 'no-such-mount') } };
  assert.throws(() => createContainerCgroups('halfway', {}, { layout: broken, parent: PARENT }), (e: unknown) => e instanceof UserError && /cannot create cgroup/.test(e.message));
  for (const m of mounts()) assert.equal(fs.existsSync(path.join(m, PARENT, 'halfway')), false, `nothing left in ${m}`);
});

test('--memory 32m: a 200 MiB allocation is OOM-killed and counted; 512m lets it finish', { skip }, async () => {
  const hog = ['sh', '-c', 'head -c 200M /dev/zero | tail > /dev/null'];
  const small = make('oom', { memory: 32 * MiB });
  const r = await runIn(small, hog);
  const { code } = await r.exit;
  assert.equal(code, 137, `the pipeline ends with tail's SIGKILL (stderr: ${r.err()})`);
  assert.ok(oomKillCount(small) >= 1, 'memory.oom_control counts the kill');
  assert.match(read(`${dirOf(small, 'memory')}/memory.oom_control`), /^oom_kill [1-9]/m);
  assert.equal(sweepStats([{ id: 'oom', pid: 0, cgroupPaths: small }]).get('oom')?.oomKills, oomKillCount(small));

  const big = make('no-oom', { memory: 512 * MiB });
  const ok = await runIn(big, hog);
  assert.equal((await ok.exit).code, 0, ok.err());
  assert.equal(oomKillCount(big), 0);
});

test('--pids-limit 10: forks fail with EAGAIN at the limit, the host can still fork', { skip }, async () => {
  const paths = make('pids', { pidsLimit: 10 });
  const script = '$| = 1; my ($fail, $errno) = (0, 0); for (1..30) { my $p = fork; if (!defined $p) { $fail++; $errno = $!+0 } elsif ($p == 0) { sleep 60; exit 0 } } print "$fail $errno\\n"; sleep 60';
  const r = await runIn(paths, ['perl', '-e', script]);
  await until('the fork report', () => r.out().includes('\n'));
  const [failed, errno] = r.out().trim().split(' ').map(Number);
  const pidsDir = dirOf(paths, 'pids');
  assert.equal(errno, os.constants.errno.EAGAIN);
  assert.equal(Number(read(`${pidsDir}/pids.current`)), 10);
  assert.equal(failed, 30 - 9, 'perl itself plus 9 children fill the 10 pids');
  assert.match(read(`${pidsDir}/pids.events`), /^max [1-9]/m);
  const s = sweepStats([{ id: 'pids', pid: r.pid, cgroupPaths: paths }]).get('pids')!;
  assert.equal(s.pids, 10);
  assert.equal(s.pidsLimit, 10);

  assert.equal(attempt('true').exitCode, 0, 'the host forks fine');
  killAll(paths, 'SIGKILL');
  assert.equal((await r.exit).signal, 'SIGKILL');
  await until('every child gone', () => procs(pidsDir).length === 0);
});

test('--cpus 0.5 holds a busy loop near 50% of a core; stats agree', { skip }, async () => {
  const paths = make('cpu', { cpuQuota: 50000, cpuPeriod: 100000 });
  const r = await runIn(paths, ['sh', '-c', 'while :; do :; done']);
  const usage = () => Number(read(`${dirOf(paths, 'cpuacct')}/cpuacct.usage`));
  await sleep(300);
  const target = [{ id: 'cpu', pid: r.pid, cgroupPaths: paths }];
  const first = sweepStats(target);
  const u0 = usage();
  const t0 = process.hrtime.bigint();
  await sleep(3000);
  const second = sweepStats(target, first).get('cpu')!;
  const share = (usage() - u0) / Number(process.hrtime.bigint() - t0);
  assert.ok(share > 0.4 && share < 0.6, `cpuacct.usage says ${(share * 100).toFixed(1)}% of a core`);
  assert.ok(second.cpuPercent! > 40 && second.cpuPercent! < 60, `stats say ${second.cpuPercent}%`);
  assert.ok(second.cpuPercentOfLimit! > 80 && second.cpuPercentOfLimit! < 120, `of its limit: ${second.cpuPercentOfLimit}%`);
  killAll(paths, 'SIGKILL');
  await r.exit;
});

test('pause and unpause through the v1 freezer: a frozen busy loop uses no CPU', { skip }, async () => {
  const paths = make('freeze');
  const r = await runIn(paths, ['sh', '-c', 'while :; do :; done']);
  const usage = () => Number(read(`${dirOf(paths, 'cpuacct')}/cpuacct.usage`));
  await setFrozen(paths, true);
  assert.equal(read(`${dirOf(paths, 'freezer')}/freezer.state`), 'FROZEN');
  assert.equal(isFrozen(paths), true);
  assert.notEqual(fs.readFileSync(`/proc/${r.pid}/status`, 'utf8').match(/^State:\s+(\S)/m)?.[1], 'R', 'not running');
  const frozenAt = usage();
  await sleep(300);
  assert.equal(usage(), frozenAt, 'no CPU time while frozen');

  await setFrozen(paths, false);
  assert.equal(read(`${dirOf(paths, 'freezer')}/freezer.state`), 'THAWED');
  assert.equal(isFrozen(paths), false);
  await sleep(200);
  assert.ok(usage() > frozenAt, 'runs again after thaw');

  // SIGKILL reaches a frozen container: killAll thaws it so the processes can die
  await setFrozen(paths, true);
  killAll(paths, 'SIGKILL');
  assert.equal((await r.exit).signal, 'SIGKILL');
  assert.equal(isFrozen(paths), false);
});

test('killAll with SIGTERM signals every process in the cgroups', { skip }, async () => {
  const paths = make('term');
  const r = await runIn(paths, ['sh', '-c', 'sleep 60 & sleep 60 & wait']);
  await until('three processes', () => procs(dirOf(paths, 'pids')).length === 3);
  killAll(paths, 'SIGTERM');
  assert.equal((await r.exit).signal, 'SIGTERM');
  await until('the sleeps gone', () => procs(dirOf(paths, 'pids')).length === 0);
});

test('stats agree with the cgroup and /proc files', { skip }, async () => {
  const paths = make('stats', { memory: 64 * MiB, pidsLimit: 20 });
  const data = path.join(scratch, 'io');
  // 10 MiB of anonymous memory, 4 MiB written and read past the page cache, then idle
  const script = 'dd if=/dev/zero of=f bs=1M count=4 oflag=direct status=none && dd if=f of=/dev/null bs=1M iflag=direct status=none && exec perl -e \'$| = 1; $x = "a" x (10*1024*1024); print "ready\\n"; sleep 60\'';
  fs.mkdirSync(data);
  const r = await runIn(paths, ['sh', '-c', script], { cwd: data });
  await until('ready', () => r.out().includes('ready'));
  const mem = dirOf(paths, 'memory');
  const awk = (prog: string, file: string) => Number(run('awk', [prog, file]).trim());

  const cpuBefore = Number(read(`${dirOf(paths, 'cpuacct')}/cpuacct.usage`));
  const s = sweepStats([{ id: 'stats', pid: r.pid, cgroupPaths: paths }]).get('stats')!;
  const cpuAfter = Number(read(`${dirOf(paths, 'cpuacct')}/cpuacct.usage`));
  const memUsed = Number(read(`${mem}/memory.usage_in_bytes`)) - awk('$1 == "total_inactive_file" { print $2 }', `${mem}/memory.stat`);
  const blkio = `${dirOf(paths, 'blkio')}/blkio.throttle.io_service_bytes_recursive`;
  const netDev = `/proc/${r.pid}/net/dev`;

  assert.ok(s.cpuNs >= cpuBefore && s.cpuNs <= cpuAfter, 'cpuacct.usage');
  assert.ok(Math.abs(s.memUsed - memUsed) < MiB, `memory ${s.memUsed} vs ${memUsed}`);
  assert.ok(s.memUsed > 10 * MiB, 'the 10 MiB string is charged');
  assert.equal(s.memLimit, Number(read(`${mem}/memory.limit_in_bytes`)));
  assert.equal(s.memPercent, (s.memUsed / s.memLimit!) * 100);
  assert.equal(s.pids, Number(read(`${dirOf(paths, 'pids')}/pids.current`)));
  assert.equal(s.pidsLimit, 20);
  assert.equal(s.blkRead, awk('$2 == "Read" { n += $3 } END { print n + 0 }', blkio));
  assert.equal(s.blkWrite, awk('$2 == "Write" { n += $3 } END { print n + 0 }', blkio));
  assert.ok(s.blkWrite >= 4 * MiB && s.blkRead >= 4 * MiB, `block I/O counted: read ${s.blkRead}, written ${s.blkWrite}`);
  // the host's network namespace: its counters move, so allow for traffic between the two reads
  const rx = awk('NR > 2 && $1 != "lo:" { n += $2 } END { print n + 0 }', netDev);
  const tx = awk('NR > 2 && $1 != "lo:" { n += $10 } END { print n + 0 }', netDev);
  assert.ok(Math.abs(s.netRx - rx) < MiB && Math.abs(s.netTx - tx) < MiB, `net ${s.netRx}/${s.netTx} vs ${rx}/${tx}`);
  assert.equal(s.oomKills, 0);
  killAll(paths, 'SIGKILL');
  await r.exit;
});

test('stats: a process in its own network namespace has only lo, which is not counted', { skip }, async () => {
  const paths = make('netns');
  const udp = 'my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:9", Proto => "udp") or die "$!"; $s->send("x" x 1000) for 1..10';
  const r = await runIn(paths, ['unshare', '-n', 'sh', '-c', `ip link set lo up && perl -MIO::Socket::INET -e '${udp}' && echo done && sleep 60`]);
  await until('loopback traffic', () => r.out().includes('done'));
  const lo = /^\s*lo:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${r.pid}/net/dev`, 'utf8'));
  assert.ok(Number(lo?.[1]) > 0, 'lo carried the datagrams');
  const s = sweepStats([{ id: 'netns', pid: r.pid, cgroupPaths: paths }]).get('netns')!;
  assert.equal(s.netRx, 0);
  assert.equal(s.netTx, 0);
  killAll(paths, 'SIGKILL');
  await r.exit;
});

test('update changes limits of a running container, up and down', { skip }, async () => {
  const paths = make('update', { memory: 64 * MiB, pidsLimit: 20 });
  const r = await runIn(paths, ['sleep', '60']);
  const mem = dirOf(paths, 'memory');
  const memsw = fs.existsSync(`${mem}/memory.memsw.limit_in_bytes`);
  updateLimits(paths, { memory: 128 * MiB, pidsLimit: 30, cpuQuota: 25000, cpuPeriod: 100000 });
  assert.equal(read(`${mem}/memory.limit_in_bytes`), String(128 * MiB));
  if (memsw) assert.equal(read(`${mem}/memory.memsw.limit_in_bytes`), String(256 * MiB));
  assert.equal(read(`${dirOf(paths, 'pids')}/pids.max`), '30');
  assert.equal(read(`${dirOf(paths, 'cpu')}/cpu.cfs_quota_us`), '25000');
  // down again, below the old memsw: the order of the two writes matters in v1
  updateLimits(paths, { memory: 32 * MiB, pidsLimit: -1, cpuQuota: -1, cpuPeriod: 100000 });
  assert.equal(read(`${mem}/memory.limit_in_bytes`), String(32 * MiB));
  if (memsw) assert.equal(read(`${mem}/memory.memsw.limit_in_bytes`), String(64 * MiB));
  assert.equal(read(`${dirOf(paths, 'pids')}/pids.max`), 'max');
  assert.equal(read(`${dirOf(paths, 'cpu')}/cpu.cfs_quota_us`), '-1');
  assert.equal(procs(mem).length, 1, 'the process lives on');
  // a value the kernel rejects comes back as a UserError naming the flag
  assert.throws(
    () => updateLimits(paths, { cpuQuota: 500, cpuPeriod: 100000 }), // the kernel's minimum quota is 1 ms
    (e: unknown) => e instanceof UserError && /^cannot apply --cpus\/--cpu-quota: writing '500' to \S+cpu.cfs_quota_us failed: the kernel rejected the value \(EINVAL\)$/.test(e.message),
  );
  killAll(paths, 'SIGKILL');
  await r.exit;
});

test('remove kills what is left, thaws a paused container, removes nested cgroups', { skip }, async () => {
  const paths = make('remove');
  const r = await runIn(paths, ['sh', '-c', 'sleep 60 & wait']);
  fs.mkdirSync(path.join(dirOf(paths, 'memory'), 'nested'));
  await setFrozen(paths, true);
  await removeContainerCgroups(paths);
  assert.equal((await r.exit).signal, 'SIGKILL');
  for (const p of paths) assert.equal(fs.existsSync(p), false, `${p} removed`);
});

test('cleanup leaves no cgroup behind', { skip }, async () => {
  await cleanup();
  for (const m of mounts()) assert.equal(fs.existsSync(path.join(m, PARENT)), false, `${m}/${PARENT}`);
});
