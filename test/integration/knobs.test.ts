// The security knobs (issue 13) in real containers, checked against the
// kernel: /proc/PID/status, limits, oom_score_adj and mountinfo of the
// container's processes from outside, the device cgroup's list, and what
// the container's own calls get (a static prober makes the syscalls). Each
// wrong value is refused with exit 125 before anything is created.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupRoot, inspect, makeRoot, tsbox, type CliResult } from '../lib/cli.js';
import { removeTree, tmpdir } from '../lib/busybox.js';
import { until } from '../lib/wait.js';
import { detectLayout } from '../../src/probe/cgroup-layout.js';
import { readDeviceAccess } from '../../src/probe/devices.js';
import { SYSCALLS, seccompArch } from '../../src/engine/seccomp-syscalls.js';
import { attempt, canRun, run as runProgram } from '../lib/programs.js';

const arch = seccompArch(process.arch);
const hasGcc = canRun('gcc');
const notRoot = process.getuid?.() !== 0 && 'needs root';
const needsGcc = notRoot || (!hasGcc && 'needs gcc') || (!arch && `no seccomp tables for ${process.arch}`) || false;

const root = makeRoot('tsbox-knobs-');
// a container with a user namespace (host uid 100000+) must pass through it
fs.chmodSync(root, 0o711);
const work = tmpdir('tsbox-knobs-work');
fs.chmodSync(work, 0o755);
after(() => {
  cleanupRoot(root);
  removeTree(work);
});
const PROBE = path.join(work, 'syscall-probe');
const EUID = path.join(work, 'euid');

before(() => {
  if (needsGcc) return;
  const fixture = (f: string) => new URL(`../../../test/${f}`, import.meta.url).pathname;
  runProgram('gcc', ['-O2', '-static', '-Wall', '-Werror', '-o', PROBE, fixture('fixtures/syscall-probe.c')]);
  runProgram('gcc', ['-O2', '-static', '-Wall', '-Werror', '-o', EUID, fixture('integration/knobs/euid.c')]);
  fs.chmodSync(EUID, 0o4755); // set-user-ID root
});

function ok(args: string[]): string {
  const r: CliResult = tsbox(root, args);
  assert.equal(r.code, 0, `tsbox ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A wrong value: exit 125, a message matching RE, no stack, and nothing made (no record, no container directory). */
function refused(args: string[], re: RegExp): void {
  const before = fs.readdirSync(path.join(root, 'data', 'containers'));
  const r = tsbox(root, args);
  assert.equal(r.code, 125, `tsbox ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, re);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  assert.deepEqual(fs.readdirSync(path.join(root, 'data', 'containers')), before, 'no container directory is left');
}

function status(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

const pidOf = (name: string): number => inspect(root, name).State.Pid as number;

/** syscall-probe's answer for each call: 'ret=R errno=E' */
function probe(flags: string[], calls: string[]): string[] {
  const out = ok(['run', '--rm', '-v', `${work}:/w:ro`, ...flags, 'host', '/w/syscall-probe', ...calls]);
  return out.trim().split('\n').map((l) => l.slice(l.indexOf(' ') + 1));
}

function nr(name: string): number {
  return SYSCALLS[arch!][name];
}

// ------------------------------------------------------------ seccomp=FILE

test('seccomp=FILE: a denied syscall returns the errno the profile gives, args and caps as written', { skip: needsGcc }, () => {
  const file = path.join(work, 'deny.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        // kill(pid, 0) refused, other signals not: an argument rule
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 42, args: [{ index: 1, value: 0, op: 'SCMP_CMP_EQ' }] },
        { names: ['getppid', 'no_such_syscall'], action: 'SCMP_ACT_ERRNO', errnoRet: 77 },
        // refused unless the container keeps CAP_NET_ADMIN
        { names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, excludes: { caps: ['CAP_NET_ADMIN'] } },
      ],
    }),
  );
  const calls = [`${nr('kill')},pid,0`, `${nr('kill')},pid,18`, `${nr('getppid')}`, `${nr('getpriority')},0,0`];
  const withFile = probe(['--security-opt', `seccomp=${file}`], calls);
  assert.deepEqual(withFile, ['ret=-1 errno=42', 'ret=0 errno=0', 'ret=-1 errno=77', 'ret=-1 errno=13']);
  // the precondition: the same calls succeed without that profile
  assert.deepEqual(probe([], calls).map((r) => r.startsWith('ret=-1')), [false, false, false, false]);
  // a capability lifts its rule
  assert.equal(probe(['--cap-add', 'NET_ADMIN', '--security-opt', `seccomp=${file}`], [`${nr('getpriority')},0,0`])[0].startsWith('ret=-1'), false);
});

test('seccomp=FILE: `tsbox seccomp default` edited (a syscall taken out) gets the default errno, ENOSYS', { skip: needsGcc }, () => {
  const def = JSON.parse(ok(['seccomp', 'default']));
  for (const r of def.syscalls) r.names = r.names.filter((n: string) => n !== 'getppid');
  const file = path.join(work, 'edited.json');
  fs.writeFileSync(file, JSON.stringify(def));
  const [getppid, getpid] = probe(['--security-opt', `seccomp=${file}`], [`${nr('getppid')}`, `${nr('getpid')}`]);
  assert.equal(getppid, 'ret=-1 errno=38');
  assert.match(getpid, /^ret=\d+ errno=0$/);
});

test('seccomp=FILE: skipped names are said with --log-level debug; inspect shows the profile in force; a later edit changes nothing', { skip: needsGcc }, async () => {
  const file = path.join(work, 'skip.json');
  const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid', 'chown32', 'no_such_syscall'], action: 'SCMP_ACT_ERRNO', errnoRet: 77 }] };
  fs.writeFileSync(file, JSON.stringify(profile));
  const quiet = tsbox(root, ['create', '--name', 'sc-quiet', '--security-opt', `seccomp=${file}`, 'host', 'true']);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '', 'nothing said without --log-level debug');
  const loud = tsbox(root, ['--log-level', 'debug', 'create', '--name', 'sc-file', '-v', `${work}:/w:ro`, '--security-opt', `seccomp=${file}`, 'host', '/w/syscall-probe', `${nr('getppid')}`]);
  assert.equal(loud.code, 0, loud.stderr);
  assert.match(loud.stderr, /^debug: seccomp profile .*skip\.json: 2 syscall name\(s\) .* skipped: chown32, no_such_syscall$/m);
  try {
    const info = inspect(root, 'sc-file');
    assert.equal(info.HostConfig.SeccompProfilePath, file);
    assert.ok(info.HostConfig.SecurityOpt.includes(`seccomp=${file}`));
    assert.deepEqual(info.OCIConfig.linux.seccomp.syscalls, [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 77 }]);
    assert.equal(info.OCIConfig.linux.seccomp.defaultAction, 'SCMP_ACT_ALLOW');
    // read at create: a profile that would allow everything now changes nothing
    fs.writeFileSync(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW' }));
    ok(['start', 'sc-file']);
    await until('sc-file exits', () => inspect(root, 'sc-file').State.Status === 'exited');
    assert.match(ok(['logs', 'sc-file']), /ret=-1 errno=77/);
  } finally {
    tsbox(root, ['rm', '-f', 'sc-quiet', 'sc-file']);
  }
});

test('seccomp=FILE: invalid JSON, an unknown action, a missing file: 125, nothing created', { skip: notRoot }, () => {
  const bad = path.join(work, 'bad.json');
  fs.writeFileSync(bad, '{"defaultAction": "SCMP_ACT_ALLOW",');
  refused(['run', '--rm', '--security-opt', `seccomp=${bad}`, 'host', 'true'], /seccomp profile .*bad\.json: not valid JSON/);
  fs.writeFileSync(bad, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_MAYBE' }] }));
  refused(['run', '--rm', '--security-opt', `seccomp=${bad}`, 'host', 'true'], /syscalls\[0\]\.action: unknown action "SCMP_ACT_MAYBE"/);
  refused(['create', '--security-opt', `seccomp=${work}/missing.json`, 'host', 'true'], /missing\.json: no such file/);
  // a profile that refuses what the helper calls after loading it: said at create, not as a failed start
  fs.writeFileSync(bad, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO' }] }));
  refused(['run', '--rm', '--security-opt', `seccomp=${bad}`, 'host', 'true'], /refuses getcwd, which tsbox-helper calls after it has loaded the filter/);
  if (!needsGcc) {
    // with no_new_privs the filter is loaded last: the same profile runs, and refuses CMD's getcwd
    assert.deepEqual(probe(['--security-opt', 'no-new-privileges', '--security-opt', `seccomp=${bad}`], [`${nr('getcwd')},buf,100`]), ['ret=-1 errno=1']);
  }
});

// ------------------------------------------------------------------ devices

test('--device: the node is made (not bound) and usable, with the access asked for; a node not added is refused by the device cgroup', { skip: notRoot }, () => {
  const layout = detectLayout();
  ok(['run', '-d', '--name', 'dev-add', '--cap-add', 'MKNOD', '--device', '/dev/net/tun', '--device', '/dev/loop-control:/dev/lc:r', 'host', 'sleep', '1000']);
  try {
    const pid = pidOf('dev-add');
    // the container's own node, of the host node's number, and no mount of the host's
    const st = fs.statSync(`/proc/${pid}/root/dev/net/tun`);
    assert.ok(st.isCharacterDevice());
    assert.equal(st.rdev, fs.statSync('/dev/net/tun').rdev);
    assert.doesNotMatch(fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8'), / \/dev\/net\/tun | \/dev\/lc /);
    // the device cgroup holds its rules
    const access = readDeviceAccess(inspect(root, 'dev-add').Cgroups);
    assert.equal(access?.kind, 'list');
    if (access?.kind === 'list') {
      assert.ok(access.rules.includes('c 10:200 rwm'), access.rules.join(','));
      assert.ok(access.rules.includes('c 10:237 r'), access.rules.join(','));
    }
    const sh = (script: string) => tsbox(root, ['exec', 'dev-add', 'sh', '-c', script]);
    assert.equal(sh('dd if=/dev/net/tun of=/dev/null count=0 2>/dev/null && echo open').stdout, 'open\n');
    assert.equal(sh('dd if=/dev/lc of=/dev/null count=0 2>/dev/null && echo read').stdout, 'read\n');
    // r only: opening it for writing is the cgroup's EPERM
    assert.match(sh(': > /dev/lc && echo written').stderr, /Operation not permitted/);
    // a node the container makes for a device it was not given: refused
    assert.match(sh('mknod /dev/kvm-x c 10 232 && dd if=/dev/kvm-x of=/dev/null count=0').stderr, /Operation not permitted/);
    if (layout.v1.devices) {
      const dir = (inspect(root, 'dev-add').Cgroups as string[]).find((p) => p.startsWith(`${layout.v1.devices}/`))!;
      assert.match(fs.readFileSync(path.join(dir, 'devices.list'), 'utf8'), /^c 10:200 rwm$/m);
    }
  } finally {
    tsbox(root, ['rm', '-f', 'dev-add']);
  }
  // with a rule of its own, the node the container makes opens
  const r = tsbox(root, ['run', '--rm', '--cap-add', 'MKNOD', '--device-cgroup-rule', 'c 10:200 rw', 'host', 'sh', '-c', 'mknod /dev/t c 10 200 && dd if=/dev/t of=/dev/null count=0 2>/dev/null && echo open']);
  assert.equal(r.stdout, 'open\n', r.stderr);
});

test('--device and --device-cgroup-rule: wrong values are refused before anything is created', { skip: notRoot }, () => {
  refused(['run', '--rm', '--device', '/dev/nonexistent', 'host', 'true'], /--device \/dev\/nonexistent: no such file/);
  refused(['run', '--rm', '--device', '/etc/passwd', 'host', 'true'], /is not a device node/);
  refused(['run', '--rm', '--device', '/dev/null:/dev/n:rwx', 'host', 'true'], /permissions 'rwx'/);
  refused(['create', '--device-cgroup-rule', 'c 10:200', 'host', 'true'], /invalid --device-cgroup-rule/);
});

// -------------------------------------------------------------------- tmpfs

test('--tmpfs: podman\'s options as the kernel shows them; noexec holds; bad options refused', { skip: notRoot }, () => {
  ok(['run', '-d', '--name', 'tmpfs-opts', '--tmpfs', '/scratch:size=1m,mode=700', '--tmpfs', '/bin2:exec,size=8m', 'host', 'sleep', '1000']);
  try {
    const pid = pidOf('tmpfs-opts');
    const mounts = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n');
    const scratch = mounts.find((l) => l.split(' ')[4] === '/scratch')!;
    assert.ok(scratch, 'a mount at /scratch');
    assert.match(scratch, / rw,nosuid,nodev,noexec,\S* - tmpfs tmpfs rw,size=1024k,mode=700/);
    const bin2 = mounts.find((l) => l.split(' ')[4] === '/bin2')!;
    assert.match(bin2, / rw,nosuid,nodev,\S* - tmpfs tmpfs rw,size=8192k/);
    assert.doesNotMatch(bin2.split(' ')[5], /noexec/);
    const run = (dir: string) => tsbox(root, ['exec', 'tmpfs-opts', 'sh', '-c', `cp /bin/true ${dir}/t && ${dir}/t && echo ran`]);
    assert.match(run('/scratch').stderr, /Permission denied/);
    assert.equal(run('/bin2').stdout, 'ran\n');
  } finally {
    tsbox(root, ['rm', '-f', 'tmpfs-opts']);
  }
  refused(['run', '--rm', '--tmpfs', '/x:context=system_u:object_r:foo', 'host', 'true'], /unknown option 'context'/);
  refused(['run', '--rm', '--tmpfs', '/x:size=big', 'host', 'true'], /size=big is not a size/);
  refused(['run', '--rm', '--tmpfs', '/x', '-v', `${work}:/x`, 'host', 'true'], /two mounts at \/x/);
});

// ------------------------------------------------------------------- sysctl

test('--sysctl: namespaced keys change the container\'s namespaces only; others are refused before anything is created', { skip: notRoot }, () => {
  const hostPort = fs.readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8');
  const hostShm = fs.readFileSync('/proc/sys/kernel/shmmni', 'utf8');
  const out = ok(['run', '--rm', '--sysctl', 'net.ipv4.ip_unprivileged_port_start=80', '--sysctl', 'kernel/shmmni=1234', 'host', 'cat', '/proc/sys/net/ipv4/ip_unprivileged_port_start', '/proc/sys/kernel/shmmni']);
  assert.equal(out, '80\n1234\n');
  assert.equal(fs.readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'), hostPort, "the host's value is untouched");
  assert.equal(fs.readFileSync('/proc/sys/kernel/shmmni', 'utf8'), hostShm);
  // a user namespace owns the container's network namespace: allowed there too
  assert.equal(ok(['run', '--rm', '--userns', 'auto', '--sysctl', 'net.ipv4.ping_group_range=0 0', 'host', 'cat', '/proc/sys/net/ipv4/ping_group_range']).replace(/\s+/g, ' '), '0 0 ');

  const swappiness = fs.readFileSync('/proc/sys/vm/swappiness', 'utf8');
  refused(['run', '--rm', '--sysctl', 'vm.swappiness=1', 'host', 'true'], /--sysctl vm\.swappiness is not namespaced: it would change the host/);
  refused(['run', '--rm', '--network', 'host', '--sysctl', 'net.ipv4.ip_unprivileged_port_start=0', 'host', 'true'], /shares the host's \(--network host\)/);
  refused(['run', '--rm', '--ipc', 'host', '--sysctl', 'kernel.shmmni=1', 'host', 'true'], /--ipc host/);
  refused(['run', '--rm', '--sysctl', 'net.ipv4.no_such_knob=1', 'host', 'true'], /no such sysctl/);
  assert.equal(fs.readFileSync('/proc/sys/vm/swappiness', 'utf8'), swappiness);
});

test('--sysctl: the helper itself refuses a key of the host\'s, and a namespaced key in the host\'s namespace', { skip: notRoot }, () => {
  const helper = new URL('../../../native/tsbox-helper', import.meta.url).pathname;
  const rootfs = tmpdir('tsbox-knobs-rootfs', work);
  const run = (...args: string[]) => attempt(helper, ['run', '--rootfs', rootfs, '--ns', 'pid', ...args, '--', '/bin/true']);
  const host = run('--sysctl', 'vm/swappiness=1');
  assert.equal(host.exitCode, 125);
  assert.match(host.stderr, /--sysctl vm\/swappiness: not a sysctl of a namespace .* it is the host's/);
  const shared = run('--sysctl', 'net.ipv4.ip_forward=1');
  assert.equal(shared.exitCode, 125);
  assert.match(shared.stderr, /--sysctl net\/ipv4\/ip_forward needs a net namespace of the container's own/);
});

// ------------------------------------------------------------ mask, unmask

test('mask= and unmask=: mountinfo shows the paths masked or left alone, and the container reads accordingly', { skip: notRoot }, () => {
  ok(['run', '-d', '--name', 'masks', '--security-opt', 'mask=/etc/hostname:/usr/share', '--security-opt', 'unmask=/proc/timer_list:/proc/sys', 'host', 'sleep', '1000']);
  ok(['run', '-d', '--name', 'masks-all', '--security-opt', 'unmask=ALL', 'host', 'sleep', '1000']);
  try {
    const mounted = (name: string) => new Set(fs.readFileSync(`/proc/${pidOf(name)}/mountinfo`, 'utf8').split('\n').map((l) => l.split(' ')[4]));
    const m = mounted('masks');
    assert.ok(m.has('/etc/hostname') && m.has('/usr/share'), 'the extra masks are mounts');
    assert.ok(!m.has('/proc/timer_list') && !m.has('/proc/sys'), 'the unmasked ones are not');
    for (const p of ['/proc/bus', '/proc/keys', '/proc/sysrq-trigger', '/sys/firmware']) assert.ok(m.has(p) || !fs.existsSync(p), `the other defaults stay: ${p}`);
    const sh = (script: string) => tsbox(root, ['exec', 'masks', 'sh', '-c', script]).stdout;
    assert.equal(sh('cat /etc/hostname; ls /usr/share | wc -l'), '0\n');
    assert.notEqual(sh('head -c 20 /proc/timer_list'), '', 'timer_list readable');
    assert.equal(tsbox(root, ['exec', 'masks-all', 'sh', '-c', 'ls /sys/firmware | wc -l']).stdout.trim() !== '0', fs.readdirSync('/sys/firmware').length > 0);
    const all = mounted('masks-all');
    for (const p of ['/proc/sys', '/proc/timer_list', '/sys/firmware', '/proc/keys', '/proc/bus']) assert.ok(!all.has(p), `unmask=ALL: ${p} is not covered`);
    assert.ok(!inspect(root, 'masks-all').OCIConfig.linux.maskedPaths.length);
  } finally {
    tsbox(root, ['rm', '-f', 'masks', 'masks-all']);
  }
  refused(['run', '--rm', '--security-opt', 'unmask=/etc/passwd', 'host', 'true'], /not a path tsbox masks or makes read-only/);
});

// ------------------------------------------------------- no-new-privileges

test('no-new-privileges: NoNewPrivs in the kernel, and a set-user-ID program gains nothing', { skip: needsGcc }, () => {
  const run = (flags: string[]) => ok(['run', '--rm', '-u', '1000:1000', '-v', `${work}:/w`, ...flags, 'host', '/w/euid']);
  // the precondition: the volume is not nosuid, so the bit works without the option
  assert.equal(run([]), 'uid=1000 euid=0\n');
  assert.equal(run(['--security-opt', 'no-new-privileges']), 'uid=1000 euid=1000\n');
  ok(['run', '-d', '--name', 'nnp', '--security-opt', 'no-new-privileges', 'host', 'sleep', '1000']);
  try {
    assert.equal(status(pidOf('nnp')).NoNewPrivs, '1');
    assert.match(ok(['exec', 'nnp', 'cat', '/proc/self/status']), /^NoNewPrivs:\s+1$/m);
  } finally {
    tsbox(root, ['rm', '-f', 'nnp']);
  }
});

// ---------------------------------------------------------- ulimit, oom

test('--ulimit and --oom-score-adj: the kernel\'s limits of the init and of exec; raising is refused clearly', { skip: notRoot }, () => {
  ok(['run', '-d', '--name', 'limits', '--ulimit', 'nofile=100:200', '--ulimit', 'core=0', '--ulimit', 'nproc=500', '--oom-score-adj', '600', 'host', 'sleep', '1000']);
  try {
    const pid = pidOf('limits');
    const limits = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
    assert.match(limits, /^Max open files\s+100\s+200\s+files/m);
    assert.match(limits, /^Max core file size\s+0\s+0\s+bytes/m);
    assert.match(limits, /^Max processes\s+500\s+500\s+processes/m);
    assert.equal(fs.readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8'), '600\n');
    // the monitor keeps its own
    const monitor = inspect(root, 'limits').State.ConmonPid as number;
    assert.equal(fs.readFileSync(`/proc/${monitor}/oom_score_adj`, 'utf8'), fs.readFileSync('/proc/self/oom_score_adj', 'utf8'));
    assert.doesNotMatch(fs.readFileSync(`/proc/${monitor}/limits`, 'utf8'), /^Max open files\s+100\s/m);
    // what exec runs has them too
    assert.equal(ok(['exec', 'limits', 'sh', '-c', 'ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj']), '100\n200\n600\n');
  } finally {
    tsbox(root, ['rm', '-f', 'limits']);
  }
  const hard = /^Max open files\s+\d+\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))![1];
  const sysResource = (BigInt(`0x${status(process.pid).CapEff}`) >> 24n) & 1n;
  if (!sysResource) {
    refused(['run', '--rm', '--ulimit', `nofile=10:${Number(hard) + 1}`, 'host', 'true'], new RegExp(`above tsbox's own \\(${hard}\\).*CAP_SYS_RESOURCE`));
    refused(['run', '--rm', '--oom-score-adj', '-100', 'host', 'true'], /lowering it needs CAP_SYS_RESOURCE/);
  }
  refused(['run', '--rm', '--ulimit', 'nofile=2:1', 'host', 'true'], /soft limit is above the hard one/);
  refused(['run', '--rm', '--ulimit', 'openfiles=2', 'host', 'true'], /unknown limit 'openfiles'/);
  refused(['run', '--rm', '--oom-score-adj', '1001', 'host', 'true'], /invalid --oom-score-adj/);
});

// -------------------------------------------------------------- group-add

test('--group-add: the supplementary groups the kernel holds, for the init and exec', { skip: notRoot }, () => {
  ok(['run', '-d', '--name', 'groups', '-u', '1000:1000', '--group-add', '10', '--group-add', 'audio', 'host', 'sleep', '1000']);
  try {
    const audio = /^audio:[^:]*:(\d+):/m.exec(fs.readFileSync('/etc/group', 'utf8'))![1];
    const want = ['10', audio].sort((a, b) => Number(a) - Number(b)).join(' ');
    assert.equal(status(pidOf('groups')).Groups, want);
    assert.match(ok(['exec', 'groups', 'cat', '/proc/self/status']), new RegExp(`^Groups:\\s+${want}\\s*$`, 'm'));
  } finally {
    tsbox(root, ['rm', '-f', 'groups']);
  }
  refused(['run', '--rm', '--group-add', 'no-such-group', 'host', 'true'], /unknown group 'no-such-group' in the host's \/etc\/group/);
});

// -------------------------------------------------------------------- init

function children(pid: number): number[] {
  return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

function state(pid: number): string {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3);
}

test('--init: pid 1 is the sealed helper, CMD its child; SIGTERM reaches a bare sleep; orphans are reaped', { skip: notRoot }, async () => {
  // an orphan that ends: reparented to pid 1, which must wait for it
  const script = '(sleep 0.2 &); exec sleep 1000';
  ok(['run', '-d', '--name', 'with-init', '--init', 'host', 'sh', '-c', script]);
  ok(['run', '-d', '--name', 'no-init', 'host', 'sh', '-c', script]);
  try {
    const init = pidOf('with-init');
    assert.equal(fs.readlinkSync(`/proc/${init}/exe`), '/memfd:tsbox-helper (deleted)');
    assert.equal(status(init).NSpid.split(/\s+/).pop(), '1');
    await until('the orphan has ended', () => children(pidOf('no-init')).some((c) => state(c) === 'Z'));
    // without an init the zombie stays; with one it is gone, and CMD is pid 2
    await new Promise((r) => setTimeout(r, 300));
    const kids = children(init);
    assert.equal(kids.length, 1, `only CMD is left under the init: ${kids}`);
    assert.equal(fs.readFileSync(`/proc/${kids[0]}/cmdline`, 'utf8'), 'sleep\x001000\x00');
    assert.equal(state(kids[0]), 'S');
    assert.ok(children(pidOf('no-init')).some((c) => state(c) === 'Z'), 'the zombie of the container without init is still there');
    // a bare sleep as pid 1 has no handler for SIGTERM: the kernel drops it
    ok(['kill', '-s', 'TERM', 'no-init']);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(inspect(root, 'no-init').State.Status, 'running');
    ok(['kill', '-s', 'TERM', 'with-init']);
    await until('the init container ends', () => inspect(root, 'with-init').State.Status === 'exited');
    assert.equal(inspect(root, 'with-init').State.ExitCode, 143);
  } finally {
    tsbox(root, ['rm', '-f', 'with-init', 'no-init']);
  }
  // CMD's exit code is the container's; CMD is pid 2; exec works beside the init
  assert.equal(tsbox(root, ['run', '--rm', '--init', 'host', 'sh', '-c', 'exit 7']).code, 7);
  assert.equal(ok(['run', '--rm', '--init', 'host', 'sh', '-c', 'echo $$']), '2\n');
  ok(['run', '-d', '--name', 'init-exec', '--init', 'host', 'sleep', '1000']);
  try {
    assert.equal(ok(['exec', 'init-exec', 'sh', '-c', 'cat /proc/1/comm']), 'tsbox-helper\n');
  } finally {
    tsbox(root, ['rm', '-f', 'init-exec']);
  }
});
