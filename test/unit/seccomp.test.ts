// The default seccomp profile and its compiler, checked without the kernel:
// the syscall tables against this machine's headers; the generated cBPF run
// through an interpreter for every syscall number, both architectures and
// every capability the profile looks at, against a direct reading of the
// profile (test/lib/seccomp-eval.ts); and, syscall by syscall, against
// podman's profile, which tsbox must be at least as strict as.
// test/integration/seccomp*.test.ts load the x86_64 program into the kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELPER_SYSCALLS, INIT_SYSCALLS, compileFilter, defaultSeccompProgram, disassemble, ociSeccompProfile, refusedHelperSyscalls, resolveProfile } from '../../src/engine/seccomp.js';
import { CLONE_NEW_FLAGS, DEFAULT_PROFILE, type SeccompProfile, type SeccompRule } from '../../src/engine/seccomp-profile.js';
import { AUDIT_ARCH, SYSCALLS, type SeccompArch } from '../../src/engine/seccomp-syscalls.js';
import { DEFAULT_CAPS } from '../../src/engine/capabilities.js';
import { CAPABILITIES } from '../../src/common/capabilities.js';
import { UserError } from '../../src/common/errors.js';
import { RET_ALLOW, RET_ERRNO, RET_KILL_PROCESS, filterVerdict, interestingArgs, profileVerdict, runFilter, type Profile } from '../lib/seccomp-eval.js';
import { tempDir } from '../lib/suite-run.js';
import { canRun, run } from '../lib/programs.js';

const EPERM = RET_ERRNO(1);
const EINVAL = RET_ERRNO(22);
const ENOSYS = RET_ERRNO(38);
const ARCHES: Array<[NodeJS.Architecture, SeccompArch]> = [
  ['x64', 'x86_64'],
  ['arm64', 'aarch64'],
];

/** The capability sets compared: the default, the default plus each capability, and all of them. */
const CAP_SETS: Array<[string, readonly string[]]> = [
  ['default', DEFAULT_CAPS],
  ...CAPABILITIES.filter((c) => !DEFAULT_CAPS.includes(c)).map((c): [string, readonly string[]] => [`+${c}`, [...DEFAULT_CAPS, c]]),
  ['all', CAPABILITIES],
];

// --- the tables, against the headers of this machine ---

function cDefines(source: string): Map<string, number> | undefined {
  if (!canRun('cc')) return undefined;
  const dir = tempDir('tsbox-seccomp-');
  try {
    writeFileSync(join(dir, 'p.c'), source);
    run('cc', ['-o', join(dir, 'p'), join(dir, 'p.c')]);
    return new Map(run(join(dir, 'p')).trim().split('\n').map((l) => [l.split(' ')[0], Number(l.split(' ')[1])]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('AUDIT_ARCH values and flag constants match linux/audit.h, sched.h, seccomp.h', { skip: !canRun('cc') && 'no C compiler' }, () => {
  const defs = cDefines(`
#define _GNU_SOURCE
#include <stdio.h>
#include <sched.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
int main(void) {
  printf("x86_64 %u\\n", (unsigned)AUDIT_ARCH_X86_64);
  printf("aarch64 %u\\n", (unsigned)AUDIT_ARCH_AARCH64);
  printf("ns %u\\n", (unsigned)(CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET));
  printf("allow %u\\n", (unsigned)SECCOMP_RET_ALLOW);
  printf("errno %u\\n", (unsigned)SECCOMP_RET_ERRNO);
  printf("kill %u\\n", (unsigned)SECCOMP_RET_KILL_PROCESS);
  return 0;
}`)!;
  assert.equal(AUDIT_ARCH.x86_64, defs.get('x86_64'));
  assert.equal(AUDIT_ARCH.aarch64, defs.get('aarch64'));
  assert.equal(RET_ALLOW, defs.get('allow'));
  assert.equal(RET_ERRNO(0), defs.get('errno'));
  assert.equal(RET_KILL_PROCESS, defs.get('kill'));
  assert.equal(CLONE_NEW_FLAGS, defs.get('ns'));
});

// Linux 6.5-6.17, newer than Debian 12's headers: one number on every architecture since 424
const NEWER = ['cachestat', 'fchmodat2', 'map_shadow_stack', 'futex_wake', 'futex_wait', 'futex_requeue', 'statmount', 'listmount',
  'lsm_get_self_attr', 'lsm_set_self_attr', 'lsm_list_modules', 'mseal', 'setxattrat', 'getxattrat', 'listxattrat', 'removexattrat',
  'open_tree_attr', 'file_getattr', 'file_setattr'];

/** The header's table, and ours without what is newer than it. */
function compareTable(ours: Readonly<Record<string, number>>, header: Map<string, number>, arch: string) {
  for (const [name, nr] of header) assert.equal(ours[name], nr, `${arch}: ${name} is ${nr}`);
  NEWER.forEach((name, i) => assert.equal(ours[name], 451 + i, `${arch}: ${name}`));
  for (const name of Object.keys(ours)) {
    assert.ok(header.has(name) || NEWER.includes(name) || (name === 'uretprobe' && arch === 'x86_64'), `${arch}: ${name} is in the headers`);
  }
  const numbers = Object.values(ours);
  assert.equal(new Set(numbers).size, numbers.length, `${arch}: no number twice`);
}

const X86_HEADER = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
test('the x86_64 table is asm/unistd_64.h, whole', { skip: !existsSync(X86_HEADER) && `${X86_HEADER} not installed` }, () => {
  const text = readFileSync(X86_HEADER, 'utf8');
  const header = new Map([...text.matchAll(/^#define __NR_(\w+)\s+(\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
  assert.ok(header.size > 350);
  compareTable(SYSCALLS.x86_64, header, 'x86_64');
});

test('the aarch64 table is the generic one as arm64 builds it, whole', { skip: (!canRun('cpp') || !existsSync('/usr/include/asm-generic/unistd.h')) && 'no cpp or no asm-generic headers' }, () => {
  // arch/arm64/include/uapi/asm/unistd.h: what it wants from the generic table
  const wants = ['RENAMEAT', 'NEW_STAT', 'SET_GET_RLIMIT', 'TIME32_SYSCALLS', 'SYS_CLONE3', 'MEMFD_SECRET'];
  const input = `${wants.map((w) => `#define __ARCH_WANT_${w}\n`).join('')}#include <asm-generic/unistd.h>\n`;
  const defs = new Map([...run('cpp', ['-dM', '-'], { input }).matchAll(/^#define (__NR(?:3264)?_\w+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
  const header = new Map<string, number>();
  for (const [k, v] of defs) {
    if (!k.startsWith('__NR_') || k === '__NR_syscalls' || k === '__NR_arch_specific_syscall') continue;
    let value = v;
    while (defs.has(value)) value = defs.get(value)!;
    if (/^\d+$/.test(value)) header.set(k.slice(5), Number(value));
  }
  compareTable(SYSCALLS.aarch64, header, 'aarch64');
  for (const name of ['iopl', 'ioperm', '_sysctl', 'uselib', 'open', 'fork']) assert.ok(!(name in SYSCALLS.aarch64), name);
});

test('every name the default profile uses is a syscall of x86_64 or aarch64, and every rule says why or follows one that does', () => {
  for (const r of DEFAULT_PROFILE.syscalls) {
    for (const n of r.names) assert.ok(n in SYSCALLS.x86_64 || n in SYSCALLS.aarch64, `${n} has a number`);
  }
  assert.ok(DEFAULT_PROFILE.syscalls[0].comment!.length > 20);
  // the syscalls the helper makes after loading the filter without NNP (native/process.c, caps.c, exec.c)
  const p = defaultSeccompProgram('x64');
  for (const n of [...HELPER_SYSCALLS, ...INIT_SYSCALLS]) {
    if (n === 'clone') continue; // below, with its flags
    assert.equal(filterVerdict(p, 'x86_64', SYSCALLS.x86_64[n]), RET_ALLOW, n);
  }
  assert.deepEqual(refusedHelperSyscalls(resolveProfile(DEFAULT_PROFILE, 'x86_64', DEFAULT_CAPS), { noNewPrivileges: false, init: true }), []);
  // a profile that refuses getcwd stops the helper, unless the filter comes last (no_new_privs)
  const noCwd = resolveProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd', 'wait4'], action: 'SCMP_ACT_ERRNO' }] }, 'x86_64', []);
  assert.deepEqual(refusedHelperSyscalls(noCwd, { noNewPrivileges: false, init: false }), ['getcwd']);
  assert.deepEqual(refusedHelperSyscalls(noCwd, { noNewPrivileges: true, init: false }), []);
  assert.deepEqual(refusedHelperSyscalls(noCwd, { noNewPrivileges: true, init: true }), ['wait4']);
  // exec's clone of CMD's process: CLONE_PARENT|SIGCHLD
  assert.equal(filterVerdict(p, 'x86_64', SYSCALLS.x86_64.clone, [0x8000n | 17n]), RET_ALLOW);
});

// --- the compiler against the profile ---

/** Every syscall number 0..1023 (and the interesting args of those with argument rules) gives what the profile says. */
function checkAgainstProfile(profile: SeccompProfile, prog: Buffer, arch: SeccompArch, caps: readonly string[], label: string) {
  const byNumber = new Map(Object.entries(SYSCALLS[arch]).map(([n, nr]) => [nr, n]));
  const def = profileVerdict({ ...profile, syscalls: [] }, arch, caps, 'read');
  for (let nr = 0; nr < 1024; nr++) {
    const name = byNumber.get(nr);
    if (!name) {
      assert.equal(filterVerdict(prog, arch, nr), def, `${label}: unknown number ${nr} gets the default`);
      continue;
    }
    for (const args of interestingArgs([profile as Profile], name)) {
      assert.equal(
        filterVerdict(prog, arch, nr, args),
        profileVerdict(profile as Profile, arch, caps, name, args),
        `${label}: ${name}(${args.map((a) => `0x${a.toString(16)}`).join(', ')})`,
      );
    }
  }
}

for (const [node, arch] of ARCHES) {
  test(`${arch}: the program does what the default profile says, for every syscall and capability set`, () => {
    for (const [label, caps] of CAP_SETS) checkAgainstProfile(DEFAULT_PROFILE, defaultSeccompProgram(node, caps), arch, caps, `${arch} ${label}`);
  });

  test(`${arch}: another architecture is killed`, () => {
    const prog = defaultSeccompProgram(node);
    const other = arch === 'x86_64' ? AUDIT_ARCH.aarch64 : AUDIT_ARCH.x86_64;
    for (const a of [other, 0x40000003 /* AUDIT_ARCH_I386 */, 0x40000028 /* AUDIT_ARCH_ARM */, 0]) {
      assert.equal(runFilter(prog, { nr: 1, arch: a }), RET_KILL_PROCESS);
    }
  });

  test(`${arch}: clone with CLONE_NEW* flags is refused, plain clone and threads are not; clone3 is ENOSYS`, () => {
    const prog = defaultSeccompProgram(node);
    const clone = (flags: bigint) => filterVerdict(prog, arch, SYSCALLS[arch].clone, [flags]);
    const SIGCHLD = 17n;
    const THREAD = 0x3d0f00n; // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID (glibc pthread_create)
    assert.equal(clone(SIGCHLD), RET_ALLOW);
    assert.equal(clone(THREAD), RET_ALLOW);
    assert.equal(clone(0x4111n), RET_ALLOW); // vfork: CLONE_VM|CLONE_VFORK|SIGCHLD
    for (const ns of [0x20000n, 0x2000000n, 0x4000000n, 0x8000000n, 0x10000000n, 0x20000000n, 0x40000000n]) {
      assert.equal(clone(ns | SIGCHLD), EPERM, `flag 0x${ns.toString(16)}`);
    }
    // the upper half of the register does not hide a flag, nor forge one
    assert.equal(clone((1n << 40n) | SIGCHLD), RET_ALLOW);
    assert.equal(clone((1n << 40n) | 0x10000000n), EPERM);
    assert.equal(filterVerdict(prog, arch, SYSCALLS[arch].clone3), ENOSYS);
    const admin = defaultSeccompProgram(node, [...DEFAULT_CAPS, 'CAP_SYS_ADMIN']);
    assert.equal(filterVerdict(admin, arch, SYSCALLS[arch].clone, [0x10000011n]), RET_ALLOW);
    assert.equal(filterVerdict(admin, arch, SYSCALLS[arch].clone3), RET_ALLOW);
  });

  test(`${arch}: socket refuses audit (EINVAL) and vsock (EPERM), whatever the upper 32 bits say`, () => {
    const prog = defaultSeccompProgram(node);
    const socket = (...a: bigint[]) => filterVerdict(prog, arch, SYSCALLS[arch].socket, a);
    const garbage = 0xdead00000000n;
    assert.equal(socket(16n, 3n, 9n), EINVAL);
    assert.equal(socket(16n | garbage, 3n, 9n | garbage), EINVAL);
    assert.equal(socket(40n, 1n, 0n), EPERM);
    assert.equal(socket(40n | garbage, 1n, 0n), EPERM);
    for (const ok of [[1n, 1n, 0n], [2n, 2n, 17n], [10n, 1n, 6n], [16n, 3n, 0n], [16n, 3n, 15n]]) assert.equal(socket(...ok), RET_ALLOW, String(ok));
    const audit = defaultSeccompProgram(node, [...DEFAULT_CAPS, 'CAP_AUDIT_WRITE']);
    assert.equal(filterVerdict(audit, arch, SYSCALLS[arch].socket, [16n, 3n, 9n]), RET_ALLOW);
  });

  test(`${arch}: personality only with the values podman and Docker allow`, () => {
    const prog = defaultSeccompProgram(node);
    const p = (v: bigint) => filterVerdict(prog, arch, SYSCALLS[arch].personality, [v]);
    for (const v of [0n, 8n, 0x20000n, 0x20008n, 0xffffffffn]) assert.equal(p(v), RET_ALLOW, `0x${v.toString(16)}`);
    for (const v of [0x0040000n /* ADDR_NO_RANDOMIZE */, 0x0400000n /* READ_IMPLIES_EXEC */, 1n, 0x20001n, 1n << 32n]) {
      assert.equal(p(v), ENOSYS, `0x${v.toString(16)}`);
    }
  });
}

test('x86_64: x32 syscalls get ENOSYS; aarch64 has no such bit', () => {
  const x86 = defaultSeccompProgram('x64');
  for (const nr of [0x40000000, 0x40000000 + 39, 0x40000000 + 165, -1]) {
    assert.equal(runFilter(x86, { nr, arch: AUDIT_ARCH.x86_64 }), ENOSYS, `nr ${nr}`);
  }
  // (CLONE_NEWNET is the same bit: an `and` in clone's rules)
  assert.ok(!disassemble(defaultSeccompProgram('arm64')).some((l) => l.includes('jge #0x40000000')));
});

/** A tiny deterministic PRNG, so that a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s;
  };
}

test('every comparison, over 64 bits, on random profiles: the program agrees with the profile', () => {
  const ops = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'] as const;
  const rand = prng(13);
  const pick = <T>(xs: readonly T[]) => xs[rand() % xs.length];
  const values = [0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x100000001, 0x1ffffffff, 2 ** 52 + 7];
  const names = Object.keys(SYSCALLS.x86_64).slice(0, 60);
  for (let round = 0; round < 30; round++) {
    const syscalls: SeccompRule[] = [];
    for (let i = 0; i < 30; i++) {
      const nargs = rand() % 3;
      syscalls.push({
        names: [pick(names), pick(names)],
        action: pick(['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL_PROCESS'] as const),
        errnoRet: 1 + (rand() % 100),
        args: Array.from({ length: nargs }, () => ({ index: rand() % 6, op: pick(ops), value: pick(values), valueTwo: pick(values) })),
      });
    }
    const profile: SeccompProfile = { defaultAction: pick(['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO'] as const), defaultErrnoRet: 38, syscalls };
    const prog = compileFilter(resolveProfile(profile, 'x86_64', DEFAULT_CAPS));
    const near = values.flatMap((v) => [v, v + 1, v - 1]).filter((v) => v >= 0).map((v) => BigInt(v));
    for (const name of new Set(syscalls.flatMap((r) => r.names))) {
      for (let n = 0; n < 300; n++) {
        const args = Array.from({ length: 6 }, () => pick(near) | (rand() % 4 === 0 ? BigInt(rand()) << 32n : 0n));
        assert.equal(
          filterVerdict(prog, 'x86_64', SYSCALLS.x86_64[name], args),
          profileVerdict(profile as Profile, 'x86_64', DEFAULT_CAPS, name, args),
          `round ${round}: ${name}(${args.map((a) => `0x${a.toString(16)}`).join(', ')})`,
        );
      }
    }
  }
});

test('a search over more numbers than a conditional jump can pass takes long jumps, and stays right', () => {
  // every other syscall allowed: hundreds of ranges, so the root's left half is larger than 255 instructions
  const names = Object.entries(SYSCALLS.x86_64)
    .filter(([, nr]) => nr % 2 === 0)
    .map(([n]) => n);
  const profile: SeccompProfile = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, syscalls: [{ names, action: 'SCMP_ACT_ALLOW' }] };
  const prog = compileFilter(resolveProfile(profile, 'x86_64', DEFAULT_CAPS));
  assert.ok(prog.length / 8 > 600);
  assert.ok(disassemble(prog).some((l) => /: ja \d+$/.test(l)), 'a long jump');
  checkAgainstProfile(profile, prog, 'x86_64', DEFAULT_CAPS, 'alternating');
});

test('the kernel limit and bad profiles are errors before anything is loaded', () => {
  const many: SeccompRule[] = Array.from({ length: 900 }, () => ({
    names: ['read'],
    action: 'SCMP_ACT_ALLOW',
    args: [{ index: 0, op: 'SCMP_CMP_EQ', value: 1 }],
  }));
  assert.throws(() => compileFilter(resolveProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: many }, 'x86_64', [])), /too long/);
  const bad = (r: Partial<SeccompRule>, re: RegExp) =>
    assert.throws(
      () => resolveProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', ...r } as SeccompRule] }, 'x86_64', []),
      (e: unknown) => e instanceof UserError && re.test(e.message),
    );
  bad({ action: 'SCMP_ACT_NOTIFY' as SeccompRule['action'] }, /SCMP_ACT_NOTIFY is not supported/);
  bad({ args: [{ index: 6, op: 'SCMP_CMP_EQ', value: 1 }] }, /index 6/);
  bad({ args: [{ index: 0, op: 'SCMP_CMP_LIKE' as 'SCMP_CMP_EQ', value: 1 }] }, /SCMP_CMP_LIKE/);
  bad({ args: [{ index: 0, op: 'SCMP_CMP_EQ', value: -1 }] }, /unsigned/);
  bad({ action: 'SCMP_ACT_ERRNO', errnoRet: 5000 }, /errnoRet 5000/);
});

test('an architecture without a filter is a UserError pointing at seccomp=unconfined', () => {
  assert.throws(
    () => defaultSeccompProgram('ia32'),
    (e: unknown) => e instanceof UserError && /ia32/.test(e.message) && /seccomp=unconfined/.test(e.hint ?? ''),
  );
});

test('disassemble names loads and returns and resolves jump targets', () => {
  const lines = disassemble(defaultSeccompProgram('x64'));
  assert.match(lines[0], /^000: ld \[4\]  ; arch$/);
  assert.match(lines[1], /^001: jeq #0xc000003e jt 003 jf 002$/);
  assert.equal(lines[2], '002: ret KILL_PROCESS');
  assert.ok(lines.some((l) => l.endsWith('jge #0x40000000 jt 005 jf 006')));
  assert.ok(lines.some((l) => /and #0x7e020000/.test(l)));
  assert.ok(lines.some((l) => /args\[2\] low/.test(l)));
  assert.ok(lines.at(-1)!.endsWith('ret ERRNO(38)'));
  assert.throws(() => disassemble(Buffer.alloc(7)), /multiple of 8/);
});

test('config.json records the profile so that it reads back to the same program', () => {
  for (const [node, arch] of ARCHES) {
    for (const [label, caps] of CAP_SETS) {
      const oci = ociSeccompProfile(node, caps) as unknown as SeccompProfile & { architectures: string[] };
      assert.deepEqual(oci.architectures, [arch === 'x86_64' ? 'SCMP_ARCH_X86_64' : 'SCMP_ARCH_AARCH64']);
      for (const r of oci.syscalls) {
        assert.ok(!r.includes && !r.excludes, 'resolved for these capabilities');
        for (const n of r.names) assert.ok(n in SYSCALLS[arch], `${n} exists on ${arch}`);
      }
      const back = JSON.parse(JSON.stringify(oci)) as SeccompProfile;
      assert.deepEqual(compileFilter(resolveProfile(back, arch, caps)), defaultSeccompProgram(node, caps), `${arch} ${label}`);
    }
  }
});

// --- podman's profile, syscall by syscall ---

const PODMAN_PROFILE = '/usr/share/containers/seccomp.json';

/**
 * What tsbox refuses that podman allows, for the default capabilities
 * (docs/security.md says why, item by item): these calls always, and for
 * these the arguments named.
 */
const STRICTER_THAN_PODMAN = [
  'clone', // with CLONE_NEW* flags
  'clone3',
  'keyctl',
  'mount',
  'mount_setattr',
  'move_mount',
  'open_tree',
  'fsconfig',
  'fsmount',
  'fsopen',
  'fspick',
  'pivot_root',
  'umount2',
  'unshare',
  'setns',
  'reboot',
  'syslog',
  'pidfd_getfd',
  'get_mempolicy',
  'mbind',
  'set_mempolicy',
  'name_to_handle_at',
  'socket', // AF_VSOCK; and audit sockets with garbage in the upper 32 bits of domain or protocol
].sort();

test("podman's profile: whatever it refuses, tsbox refuses, for every syscall, argument rule and capability set", { skip: !existsSync(PODMAN_PROFILE) && `${PODMAN_PROFILE} not installed (containers-common)` }, () => {
  const podman = JSON.parse(readFileSync(PODMAN_PROFILE, 'utf8')) as Profile;
  assert.equal(podman.defaultAction, 'SCMP_ACT_ERRNO', 'podman has an allowlist');
  for (const [node, arch] of ARCHES) {
    for (const [label, caps] of CAP_SETS) {
      const prog = defaultSeccompProgram(node, caps);
      const stricter = new Set<string>();
      let compared = 0;
      for (const [name, nr] of Object.entries(SYSCALLS[arch])) {
        for (const args of interestingArgs([podman, DEFAULT_PROFILE as Profile], name)) {
          const theirs = profileVerdict(podman, arch, caps, name, args);
          const ours = filterVerdict(prog, arch, nr, args);
          const call = `${arch} ${label}: ${name}(${args.map((a) => `0x${a.toString(16)}`).join(', ')})`;
          compared++;
          if (theirs !== RET_ALLOW) {
            assert.notEqual(ours, RET_ALLOW, `${call}: podman refuses it, tsbox must too`);
            // the same answer, except where tsbox refuses more than the call podman refuses
            if (name !== 'socket' && name !== 'clone') assert.equal(ours, theirs, `${call}: the same errno as podman`);
          } else if (ours !== RET_ALLOW) {
            stricter.add(name);
          }
        }
      }
      assert.ok(compared > 300, `${compared} calls compared`);
      if (label === 'default') {
        assert.deepEqual([...stricter].sort(), STRICTER_THAN_PODMAN.filter((n) => n in SYSCALLS[arch]), `${arch}: what tsbox refuses beyond podman`);
      }
    }
  }
});

test('docs/security.md names every syscall tsbox refuses beyond podman', () => {
  const doc = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8');
  for (const name of STRICTER_THAN_PODMAN) assert.match(doc, new RegExp(`\\b${name}\\b`), name);
});
