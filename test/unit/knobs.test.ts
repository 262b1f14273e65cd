// The parsers and checks of the security knobs (issue 13): seccomp profile
// files, --tmpfs, --device-cgroup-rule, --ulimit and --oom-score-adj
// against what the host lets tsbox give, --sysctl against the namespaces,
// --group-add, and how each reaches the helper's argv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/common/errors.js';
import { parseSeccompProfile, skippedSyscalls } from '../../src/engine/seccomp-file.js';
import { DEFAULT_PROFILE } from '../../src/engine/seccomp-profile.js';
import { compileFilter, resolveProfile } from '../../src/engine/seccomp.js';
import { parseTmpfs } from '../../src/cli/tmpfs-flags.js';
import { checkDeviceRule, deviceRules, DEFAULT_DEVICE_RULES, resolveDevice } from '../../src/engine/devices.js';
import { checkProcessLimits, ownHardLimits, parseUlimit } from '../../src/engine/process-limits.js';
import { checkSysctls, parseSysctl, sysctlNamespace } from '../../src/engine/sysctl.js';
import { resolveGroupAdd } from '../../src/cli/process-flags.js';
import { pathsInForce, DEFAULT_MASKED_PATHS } from '../../src/engine/masks.js';
import { runArgv, type RunPlan } from '../../src/engine/helper-argv.js';
import { NAMESPACE_TYPES, type ContainerSpec, type NamespaceMode, type NamespaceType } from '../../src/engine/types.js';
import { RET_ALLOW, RET_ERRNO, runFilter } from '../lib/seccomp-eval.js';
import { AUDIT_ARCH, SYSCALLS } from '../../src/engine/seccomp-syscalls.js';

const userError = (re: RegExp) => (e: unknown) => e instanceof UserError && re.test(e.message);

// ------------------------------------------------------------ seccomp files

test('a seccomp file: Docker\'s fields read, what the compiler needs kept', () => {
  const p = parseSeccompProfile(
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      defaultErrno: 'ENOSYS', // containers-common's string: ignored
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: [
        { name: 'read', action: 'SCMP_ACT_ALLOW', args: [] }, // Docker's old single name, empty args
        { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
        { names: ['chroot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['sys_chroot'], minKernel: '4.8' }, excludes: { arches: ['arm64'] }, comment: 'c' },
        { names: ['open'], action: 'SCMP_ACT_ALLOW', args: null, includes: {}, errnoRet: null },
      ],
    }),
    'p.json',
  );
  assert.deepEqual(p, {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 38,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
      { names: ['chroot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_CHROOT'], minKernel: '4.8' }, excludes: { arches: ['arm64'] }, comment: 'c' },
      { names: ['open'], action: 'SCMP_ACT_ALLOW' },
    ],
  });
});

test('a seccomp file: every wrong value is refused, naming the field', () => {
  const bad: Array<[unknown, RegExp]> = [
    ['{', /not valid JSON/],
    [[], /expected an object, got a list/],
    [{ syscalls: [] }, /defaultAction: unknown action undefined/],
    [{ defaultAction: 'SCMP_ACT_NOTIFY' }, /needs a seccomp agent/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/x.sock' }, /listenerPath/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG'] }, /filter flags/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: -1 }, /defaultErrnoRet: errnoRet -1/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_Z80'] }, /unknown architecture "SCMP_ARCH_Z80"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: {} }, /syscalls: expected a list/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ action: 'SCMP_ACT_ALLOW' }] }, /syscalls\[0\]: has no names/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [1], action: 'SCMP_ACT_ALLOW' }] }, /syscalls\[0\].names: expected a list of strings/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_DENY' }] }, /syscalls\[0\].action: unknown action "SCMP_ACT_DENY"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 4096 }] }, /errnoRet 4096/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] }, /args\[0\]: index 6/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_LIKE' }] }] }, /unknown op "SCMP_CMP_LIKE"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: -2, op: 'SCMP_CMP_EQ' }] }] }, /value -2 is not an unsigned integer/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['vax'] } }] }, /unknown architecture "vax"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['no such'] } }] }, /not a capability name/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: 'five' } }] }, /minKernel: expected "MAJOR.MINOR"/],
  ];
  for (const [json, re] of bad) {
    const text = typeof json === 'string' ? json : JSON.stringify(json);
    assert.throws(() => parseSeccompProfile(text, 'p.json'), (e: unknown) => e instanceof UserError && /^seccomp profile p\.json/.test(e.message) && re.test(e.message) && /seccomp default/.test(e.hint ?? ''), text);
  }
});

test('the default profile, written out by `tsbox seccomp default`, reads back to the same program', () => {
  const back = parseSeccompProfile(JSON.stringify(DEFAULT_PROFILE, null, 2), 'default.json');
  for (const arch of ['x86_64', 'aarch64'] as const) {
    assert.deepEqual(compileFilter(resolveProfile(back, arch, ['CAP_CHOWN'])), compileFilter(resolveProfile(DEFAULT_PROFILE, arch, ['CAP_CHOWN'])));
  }
  assert.deepEqual(skippedSyscalls(back, 'x86_64'), []);
  // aarch64 lacks the legacy calls: skipped there, as Docker skips them
  assert.ok(skippedSyscalls(back, 'aarch64').includes('open'));
});

test('a profile file: unknown names skipped, errnos and the default as given, minKernel by the kernel', () => {
  const p = parseSeccompProfile(
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['getppid', 'no_such_call', 'chown32'], action: 'SCMP_ACT_ERRNO', errnoRet: 42 },
        { names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 7, includes: { minKernel: '99.0' } },
        { names: ['gettid'], action: 'SCMP_ACT_ERRNO', errnoRet: 8, excludes: { minKernel: '99.0' } },
      ],
    }),
    'p.json',
  );
  assert.deepEqual(skippedSyscalls(p, 'x86_64'), ['no_such_call', 'chown32']);
  const prog = compileFilter(resolveProfile(p, 'x86_64', [], [6, 18]));
  const run = (name: string) => runFilter(prog, { nr: SYSCALLS.x86_64[name], arch: AUDIT_ARCH.x86_64 });
  assert.equal(run('getppid'), RET_ERRNO(42));
  assert.equal(run('getpid'), RET_ALLOW, 'minKernel 99.0 is not met by 6.18');
  assert.equal(run('gettid'), RET_ERRNO(8), 'excludes.minKernel 99.0: applies below it');
  assert.equal(run('read'), RET_ALLOW);
  assert.equal(runFilter(compileFilter(resolveProfile(p, 'x86_64', [], [99, 1])), { nr: SYSCALLS.x86_64.getpid, arch: AUDIT_ARCH.x86_64 }), RET_ERRNO(7));
});

// ------------------------------------------------------------------ tmpfs

test('--tmpfs: podman\'s defaults, options on top, each checked', () => {
  assert.deepEqual(parseTmpfs('/run').tmpfsOptions, ['rw', 'noexec', 'nosuid', 'nodev']);
  const t = parseTmpfs('/scratch/:size=64m,mode=700,exec,uid=1000,notmpcopyup');
  assert.equal(t.destination, '/scratch');
  assert.equal(t.type, 'tmpfs');
  assert.deepEqual(t.tmpfsOptions, ['rw', 'nosuid', 'nodev', 'exec', `size=${64 * 1024 * 1024}`, 'mode=700', 'uid=1000']);
  assert.deepEqual(parseTmpfs('/x:ro,size=10%').tmpfsOptions, ['noexec', 'nosuid', 'nodev', 'ro', 'size=10%']);
  assert.equal(parseTmpfs('/x:ro').readOnly, true);
  for (const [text, re] of [
    ['run', /not an absolute path/],
    ['/', /over the container's root/],
    ['/x:size=lots', /size=lots is not a size/],
    ['/x:mode=999', /not an octal mode/],
    ['/x:uid=-1', /not an id/],
    ['/x:context=foo', /unknown option 'context'/],
    ['/x:nosymfollow', /unknown option 'nosymfollow'/],
    ['/x:tmpcopyup', /tmpcopyup/],
  ] as const) assert.throws(() => parseTmpfs(text), userError(re), text);
});

// ---------------------------------------------------------------- devices

test('--device-cgroup-rule: the devices.allow syntax', () => {
  assert.equal(checkDeviceRule('c 1:11 rw'), 'c 1:11 rw');
  assert.equal(checkDeviceRule(' b  7:*   rwm '), 'b 7:* rwm');
  assert.equal(checkDeviceRule('a *:* m'), 'a *:* m');
  for (const r of ['c 1:11', 'x 1:1 r', 'c 1:1 rx', 'c 1:1 rr', 'c a:1 r', 'c 1:99999999999 r', '']) assert.throws(() => checkDeviceRule(r), userError(/invalid --device-cgroup-rule/), r);
  const devices = [{ hostPath: '/dev/net/tun', path: '/dev/net/tun', type: 'c' as const, major: 10, minor: 200, access: 'rw' }];
  assert.deepEqual(deviceRules({ privileged: false, rootless: false, devices, rules: ['b 7:* r'] }), [...DEFAULT_DEVICE_RULES, 'c 10:200 rw', 'b 7:* r']);
  assert.equal(deviceRules({ privileged: true, rootless: false, devices }), undefined);
  assert.equal(deviceRules({ privileged: false, rootless: false }), DEFAULT_DEVICE_RULES);
});

test('--device: host nodes by type and number, directories walked, bad ones refused', () => {
  assert.deepEqual(resolveDevice('/dev/null'), [{ hostPath: '/dev/null', path: '/dev/null', type: 'c', major: 1, minor: 3, access: 'rwm' }]);
  assert.deepEqual(resolveDevice('/dev/null:/dev/mynull:r'), [{ hostPath: '/dev/null', path: '/dev/mynull', type: 'c', major: 1, minor: 3, access: 'r' }]);
  assert.deepEqual(resolveDevice('/dev/zero:rw')[0].access, 'rw'); // HOST:PERMS, as podman reads it
  assert.ok(resolveDevice('/dev/net').some((d) => d.path === '/dev/net/tun' && d.major === 10 && d.minor === 200));
  for (const [text, re] of [
    ['/dev/nonexistent', /no such file/],
    ['/etc/passwd', /is not a device node/],
    ['dev/null', /invalid --device/],
    ['/dev/null:/dev/x:rwx', /permissions 'rwx'/],
    ['/dev/null:/', /the container path/],
    ['/dev/null:/a/../b', /the container path/],
    ['/dev/null:/a:r:w', /invalid --device/],
  ] as const) assert.throws(() => resolveDevice(text), userError(re), text);
});

// ------------------------------------------------------ ulimits and oom

test('--ulimit: podman\'s syntax; a raise without CAP_SYS_RESOURCE is refused before create', () => {
  assert.deepEqual(parseUlimit('nofile=1024:2048'), { name: 'nofile', soft: 1024, hard: 2048 });
  assert.deepEqual(parseUlimit('core=0'), { name: 'core', soft: 0, hard: 0 });
  assert.deepEqual(parseUlimit('memlock=-1:-1'), { name: 'memlock', soft: -1, hard: -1 });
  assert.deepEqual(parseUlimit('stack=8192:unlimited'), { name: 'stack', soft: 8192, hard: -1 });
  for (const [text, re] of [['nofile', /invalid --ulimit/], ['files=1', /unknown limit 'files'/], ['nofile=2:1', /soft limit is above/], ['nofile=-1:10', /soft limit is above/], ['nofile=x', /not a number/]] as const) {
    assert.throws(() => parseUlimit(text), userError(re), text);
  }
  const facts = { hard: { nofile: 20000, core: -1 }, oomScoreAdj: 0, sysResource: false };
  checkProcessLimits({ ulimits: [{ name: 'nofile', soft: 100, hard: 20000 }, { name: 'core', soft: -1, hard: -1 }] }, facts);
  assert.throws(() => checkProcessLimits({ ulimits: [{ name: 'nofile', soft: 100, hard: 20001 }] }, facts), userError(/above tsbox's own \(20000\).*CAP_SYS_RESOURCE/));
  assert.throws(() => checkProcessLimits({ ulimits: [{ name: 'nofile', soft: 1, hard: -1 }] }, facts), userError(/unlimited.*above/));
  assert.throws(() => checkProcessLimits({ ulimits: [{ name: 'core', soft: 1, hard: 1 }, { name: 'core', soft: 2, hard: 2 }] }, facts), userError(/given twice/));
  checkProcessLimits({ ulimits: [{ name: 'nofile', soft: 1, hard: -1 }] }, { ...facts, sysResource: true });
  checkProcessLimits({ oomScoreAdj: 1000 }, facts);
  assert.throws(() => checkProcessLimits({ oomScoreAdj: -1 }, facts), userError(/below tsbox's own \(0\)/));
  checkProcessLimits({ oomScoreAdj: -1000 }, { ...facts, sysResource: true });
  assert.throws(() => checkProcessLimits({ oomScoreAdj: 1001 }, facts), userError(/invalid --oom-score-adj/));
  const own = ownHardLimits('Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 20000                files\nMax core file size        0                    unlimited            bytes\n');
  assert.deepEqual(own, { core: -1, nofile: 20000 });
});

// --------------------------------------------------------------- sysctls

test('--sysctl: namespaced keys only, in a namespace of the container\'s own', () => {
  assert.deepEqual(parseSysctl('net/ipv4/ip_forward=1'), ['net.ipv4.ip_forward', '1']);
  assert.deepEqual(parseSysctl('net.ipv4.ip_local_port_range=1024 65000'), ['net.ipv4.ip_local_port_range', '1024 65000']);
  for (const t of ['=1', 'net', 'net..x=1', 'net.a;b=1']) assert.throws(() => parseSysctl(t), UserError, t);
  assert.equal(sysctlNamespace('net.core.somaxconn'), 'net');
  for (const k of ['kernel.shmmax', 'kernel.msgmnb', 'kernel.sem', 'fs.mqueue.msg_max', 'kernel.shm_rmid_forced']) assert.equal(sysctlNamespace(k), 'ipc', k);
  assert.equal(sysctlNamespace('kernel.domainname'), 'uts');
  for (const k of ['kernel.pid_max', 'vm.swappiness', 'fs.file-max', 'kernel.semx', 'kernel.core_pattern']) assert.equal(sysctlNamespace(k), undefined, k);
  const ns = (over: Partial<Record<NamespaceType, NamespaceMode>> = {}) =>
    ({ ...Object.fromEntries(NAMESPACE_TYPES.map((t) => [t, { kind: 'private' }])), ...over }) as Record<NamespaceType, NamespaceMode>;
  checkSysctls({ 'net.ipv4.ip_unprivileged_port_start': '0', 'kernel.shmmax': '1', 'kernel.domainname': 'x' }, ns(), '');
  checkSysctls({ 'net.ipv4.ip_unprivileged_port_start': '0' }, ns({ net: { kind: 'container', container: 'c' } }), '');
  assert.throws(() => checkSysctls({ 'vm.swappiness': '1' }, ns(), ''), userError(/not namespaced: it would change the host/));
  assert.throws(() => checkSysctls({ 'net.ipv4.ip_forward': '1' }, ns({ net: { kind: 'host' } }), ''), userError(/shares the host's \(--network host\)/));
  assert.throws(() => checkSysctls({ 'kernel.shmmax': '1' }, ns({ ipc: { kind: 'host' } }), ''), userError(/--ipc host/));
  assert.throws(() => checkSysctls({ 'kernel.hostname': 'x' }, ns(), 'web'), userError(/both set the hostname/));
  assert.throws(() => checkSysctls({ 'net.ipv4.no_such_knob': '1' }, ns(), ''), userError(/no such sysctl/));
});

test('--group-add: gids and names of the image\'s /etc/group', () => {
  const group = 'root:x:0:\naudio:x:29:\nvideo:x:44:\n';
  assert.deepEqual(resolveGroupAdd(['10', 'audio', 'video,10'], () => group, "the image's"), [10, 29, 44]);
  assert.throws(() => resolveGroupAdd(['nosuch'], () => group, "the image's"), userError(/unknown group 'nosuch' in the image's \/etc\/group/));
  assert.throws(() => resolveGroupAdd(['keep-groups'], () => group, ''), userError(/keep-groups/));
});

test('masks in force: defaults, less unmask, plus mask', () => {
  assert.deepEqual(pathsInForce().masked, [...DEFAULT_MASKED_PATHS]);
  const p = pathsInForce(['/etc/secret'], ['/proc/kcore', '/proc/sys']);
  assert.ok(!p.masked.includes('/proc/kcore') && p.masked.includes('/etc/secret'));
  assert.ok(!p.readonly.includes('/proc/sys') && p.readonly.includes('/proc/bus'));
  assert.deepEqual(pathsInForce([], ['ALL']), { masked: [], readonly: [] });
});

// ---------------------------------------------------------- helper argv

test('the knobs in the helper\'s argv, as native/PROTOCOL.md has them', () => {
  const spec = {
    image: 'img', command: ['sh'], env: [], workdir: '/', user: { uid: 0, gid: 0, groups: [29], spec: '' }, hostname: 'h', tty: false, interactive: false,
    autoRemove: false, namespaces: Object.fromEntries(NAMESPACE_TYPES.map((t) => [t, { kind: t === 'user' ? 'host' : 'private' }])), uidMap: [], gidMap: [],
    capabilities: [], privileged: false, noNewPrivileges: false, seccomp: 'unconfined', readOnlyRoot: false,
    volumes: [parseTmpfs('/run:size=1m')], resources: {}, labels: { disabled: true },
    devices: [{ hostPath: '/dev/net/tun', path: '/dev/net/tun', type: 'c', major: 10, minor: 200, access: 'rwm' }],
    sysctls: { 'net.core.somaxconn': '100' }, maskPaths: ['/etc/x'], unmaskPaths: ['/proc/kcore'],
    ulimits: [{ name: 'nofile', soft: 10, hard: -1 }], init: true, oomScoreAdj: 300,
  } as unknown as ContainerSpec;
  const plan: RunPlan = { spec, log: '/l', exitFile: '/e', attach: true, rootfs: { rootfs: '/r', binds: [] }, joined: {}, cgroupPaths: [], deviceRules: [], volumeFd: () => 99, deviceFds: [17] };
  const { args, fds } = runArgv(plan);
  const after = (opt: string) => args.filter((_, i) => args[i - 1] === opt);
  assert.deepEqual(after('--tmpfs'), [`/run:rw,noexec,nosuid,nodev,size=${1024 * 1024}`]);
  assert.deepEqual(after('--device-fd'), ['4:/dev/net/tun']);
  assert.deepEqual(fds, [17]);
  assert.deepEqual(after('--sysctl'), ['net.core.somaxconn=100']);
  assert.deepEqual(after('--mask'), ['/etc/x']);
  assert.deepEqual(after('--unmask'), ['/proc/kcore']);
  assert.deepEqual(after('--rlimit'), ['nofile=10:unlimited']);
  assert.deepEqual(after('--oom-score-adj'), ['300']);
  assert.deepEqual(after('--groups'), ['29']);
  assert.ok(args.includes('--init') && args.indexOf('--init') < args.indexOf('--'));
  assert.throws(() => runArgv({ ...plan, deviceFds: [] }), /no fd for the device/);
});
