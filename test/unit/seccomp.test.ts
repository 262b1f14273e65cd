// The generated cBPF, checked three ways: the constants and syscall numbers
// against this machine's kernel headers, the instruction encoding, and the
// behaviour of the program run through a small cBPF interpreter for every
// syscall number on both supported architectures (aarch64 cannot be run for
// real here; test/integration/seccomp.test.ts loads the x86_64 one into the kernel).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SECCOMP_POLICY,
  compileFilter,
  defaultFilterSpec,
  defaultSeccompProgram,
  disassemble,
  seccompProgramSummary,
} from '../../src/engine/seccomp.js';
import { AUDIT_ARCH, SYSCALLS, type SeccompArch } from '../../src/engine/seccomp-syscalls.js';
import { DEFAULT_CAPS } from '../../src/engine/capabilities.js';
import { UserError } from '../../src/common/errors.js';
import { tempDir } from '../lib/suite-run.js';

const ALLOW = 0x7fff0000;
const KILL_PROCESS = 0x80000000;
const ERRNO = (e: number) => (0x00050000 | e) >>> 0;
const EPERM = ERRNO(1);
const ENOSYS = ERRNO(38);

interface SeccompData {
  nr: number;
  arch: number;
  args?: bigint[];
}

/** A cBPF interpreter for the instructions a seccomp filter may use; throws on anything unexpected. */
function run(prog: Buffer, data: SeccompData): number {
  const mem = Buffer.alloc(64);
  mem.writeInt32LE(data.nr, 0);
  mem.writeUInt32LE(data.arch, 4);
  (data.args ?? []).forEach((a, i) => mem.writeBigUInt64LE(a, 16 + 8 * i));
  const n = prog.length / 8;
  let A = 0;
  for (let pc = 0, steps = 0; pc < n; pc++, steps++) {
    assert.ok(steps <= n, 'cBPF only jumps forward, so it runs at most n steps');
    const code = prog.readUInt16LE(pc * 8);
    const jt = prog.readUInt8(pc * 8 + 2);
    const jf = prog.readUInt8(pc * 8 + 3);
    const k = prog.readUInt32LE(pc * 8 + 4);
    const cond = (c: boolean) => {
      pc += c ? jt : jf;
    };
    switch (code) {
      case 0x20: // ld w abs
        assert.ok(k % 4 === 0 && k + 4 <= 64, `aligned load inside seccomp_data, got ${k}`);
        A = mem.readUInt32LE(k);
        break;
      case 0x05:
        pc += k;
        break;
      case 0x15:
        cond(A === k);
        break;
      case 0x25:
        cond(A > k);
        break;
      case 0x35:
        cond(A >= k);
        break;
      case 0x45:
        cond((A & k) !== 0);
        break;
      case 0x06:
        return k;
      default:
        assert.fail(`unexpected opcode 0x${code.toString(16)} at ${pc}`);
    }
    assert.ok(pc + 1 <= n, `jump at ${pc} lands outside the program`);
  }
  return assert.fail('fell off the end of the program without a return');
}

const ARCHES: Array<[NodeJS.Architecture, SeccompArch]> = [
  ['x64', 'x86_64'],
  ['arm64', 'aarch64'],
];

function policyNumbers(arch: SeccompArch, caps: readonly string[] = DEFAULT_CAPS): Set<number> {
  const table = SYSCALLS[arch];
  return new Set(
    SECCOMP_POLICY.filter((g) => !g.allowedWith?.some((c) => caps.includes(c)))
      .flatMap((g) => g.syscalls)
      .filter((s) => s in table)
      .map((s) => table[s]),
  );
}

// --- the numbers, against the headers of this machine ---

function cDefines(source: string): Map<string, number> | undefined {
  const cc = spawnSync('cc', ['--version']);
  if (cc.error) return undefined;
  const dir = tempDir('tsbox-seccomp-');
  try {
    writeFileSync(join(dir, 'p.c'), source);
    const b = spawnSync('cc', ['-o', join(dir, 'p'), join(dir, 'p.c')], { encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
    const r = spawnSync(join(dir, 'p'), { encoding: 'utf8' });
    return new Map(r.stdout.trim().split('\n').map((l) => [l.split(' ')[0], Number(l.split(' ')[1])]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('AUDIT_ARCH values and flag constants match linux/audit.h, sched.h, seccomp.h', { skip: spawnSync('cc', ['--version']).error && 'no C compiler' }, () => {
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
  assert.equal(ALLOW, defs.get('allow'));
  assert.equal(ERRNO(0), defs.get('errno'));
  assert.equal(KILL_PROCESS, defs.get('kill'));
  const spec = defaultFilterSpec('x86_64');
  assert.equal(spec.cloneDenyFlags, defs.get('ns'));
});

const X86_HEADER = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
test('x86_64 syscall numbers match asm/unistd_64.h', { skip: !existsSync(X86_HEADER) && `${X86_HEADER} not installed` }, () => {
  const text = readFileSync(X86_HEADER, 'utf8');
  for (const [name, nr] of Object.entries(SYSCALLS.x86_64)) {
    const m = new RegExp(`^#define __NR_${name}\\s+(\\d+)$`, 'm').exec(text);
    assert.ok(m, `${name} is defined in the header`);
    assert.equal(nr, Number(m[1]), name);
  }
});

test('aarch64 syscall numbers match asm-generic/unistd.h', { skip: (spawnSync('cpp', ['--version']).error || !existsSync('/usr/include/asm-generic/unistd.h')) && 'no cpp or no asm-generic headers' }, () => {
  // aarch64 builds the generic table with clone3 wanted.
  const r = spawnSync('cpp', ['-dM', '-'], { input: '#define __ARCH_WANT_SYS_CLONE3\n#include <asm-generic/unistd.h>\n', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const [name, nr] of Object.entries(SYSCALLS.aarch64)) {
    const m = new RegExp(`^#define __NR_${name} (\\d+)$`, 'm').exec(r.stdout);
    assert.ok(m, `${name} is defined in the generic table`);
    assert.equal(nr, Number(m[1]), name);
  }
  // and the legacy calls really do not exist there
  for (const name of ['iopl', 'ioperm', '_sysctl', 'uselib', 'create_module', 'sysfs']) {
    assert.doesNotMatch(r.stdout, new RegExp(`^#define __NR_${name} `, 'm'));
    assert.ok(!(name in SYSCALLS.aarch64));
  }
});

test('every policy syscall is known on x86_64 or is i386-only', () => {
  for (const g of SECCOMP_POLICY) {
    assert.ok(g.why.length > 20, `group ${g.title} says why`);
    for (const s of g.syscalls) assert.ok(s in SYSCALLS.x86_64 || s in SYSCALLS.aarch64, `${s} has a number`);
  }
});

// --- encoding ---

test('encoding: 8-byte sock_filter, arch check first, ALLOW last, jumps in range', () => {
  for (const [node] of ARCHES) {
    const prog = defaultSeccompProgram(node);
    assert.equal(prog.length % 8, 0);
    assert.ok(prog.length / 8 < 4096);
    assert.equal(prog.readUInt16LE(0), 0x20); // ld
    assert.equal(prog.readUInt32LE(4), 4); // [4] = arch
    assert.equal(prog.readUInt16LE(prog.length - 8), 0x06); // ret
    assert.equal(prog.readUInt32LE(prog.length - 4), ALLOW);
    const n = prog.length / 8;
    for (let i = 0; i < n; i++) {
      const code = prog.readUInt16LE(i * 8);
      if ((code & 0x07) !== 0x05) continue; // BPF_JMP class
      const targets = code === 0x05 ? [prog.readUInt32LE(i * 8 + 4)] : [prog.readUInt8(i * 8 + 2), prog.readUInt8(i * 8 + 3)];
      for (const t of targets) assert.ok(i + 1 + t < n, `jump at ${i} stays inside the program`);
    }
  }
});

test('a denylist longer than one conditional jump can reach is split into chunks', () => {
  const deny = Array.from({ length: 900 }, (_, i) => 1000 + i * 3);
  const prog = compileFilter({ arch: 'x86_64', deny, enosys: [] });
  const arch = AUDIT_ARCH.x86_64;
  for (const nr of deny) assert.equal(run(prog, { nr, arch }), EPERM, `nr ${nr}`);
  for (const nr of [0, 999, 1001, 1002, 3698, 3700, 5000]) assert.equal(run(prog, { nr, arch }), ALLOW, `nr ${nr}`);
  assert.ok(disassemble(prog).filter((l) => l.includes('ret ERRNO(1)')).length >= Math.ceil(900 / 255));
  // the kernel's limit is enforced here, not discovered at load time
  assert.throws(() => compileFilter({ arch: 'x86_64', deny: Array.from({ length: 5000 }, (_, i) => i), enosys: [] }), /too long/);
});

// --- behaviour ---

for (const [node, arch] of ARCHES) {
  test(`${arch}: policy syscalls get EPERM, every other number is allowed`, () => {
    const prog = defaultSeccompProgram(node);
    const table = SYSCALLS[arch];
    const denied = policyNumbers(arch);
    const special = new Set([table.clone, table.clone3, table.personality]);
    for (let nr = 0; nr < 1024; nr++) {
      const want = denied.has(nr) ? EPERM : nr === table.clone3 ? ENOSYS : ALLOW;
      if (special.has(nr) && nr !== table.clone3) continue;
      assert.equal(run(prog, { nr, arch: AUDIT_ARCH[arch] }), want, `syscall ${nr}`);
    }
    for (const name of ['mount', 'umount2', 'pivot_root', 'unshare', 'reboot', 'kexec_load', 'bpf', 'keyctl', 'fsopen', 'open_by_handle_at', 'userfaultfd']) {
      assert.equal(run(prog, { nr: table[name], arch: AUDIT_ARCH[arch] }), EPERM, name);
    }
  });

  test(`${arch}: another architecture is killed`, () => {
    const prog = defaultSeccompProgram(node);
    const other = arch === 'x86_64' ? AUDIT_ARCH.aarch64 : AUDIT_ARCH.x86_64;
    for (const a of [other, 0x40000003 /* AUDIT_ARCH_I386 */, 0x40000028 /* AUDIT_ARCH_ARM */, 0]) {
      assert.equal(run(prog, { nr: 1, arch: a }), KILL_PROCESS);
    }
  });

  test(`${arch}: clone with CLONE_NEW* flags is refused, plain clone and threads are not`, () => {
    const prog = defaultSeccompProgram(node);
    const clone = (flags: bigint) => run(prog, { nr: SYSCALLS[arch].clone, arch: AUDIT_ARCH[arch], args: [flags] });
    const SIGCHLD = 17n;
    const THREAD = 0x3d0f00n; // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID (glibc pthread_create)
    assert.equal(clone(SIGCHLD), ALLOW);
    assert.equal(clone(THREAD), ALLOW);
    assert.equal(clone(0x4111n), ALLOW); // vfork: CLONE_VM|CLONE_VFORK|SIGCHLD
    for (const ns of [0x20000n, 0x2000000n, 0x4000000n, 0x8000000n, 0x10000000n, 0x20000000n, 0x40000000n]) {
      assert.equal(clone(ns | SIGCHLD), EPERM, `flag 0x${ns.toString(16)}`);
    }
    // the upper half of the register does not hide a flag, nor forge one
    assert.equal(clone((1n << 40n) | SIGCHLD), ALLOW);
    assert.equal(clone((1n << 40n) | 0x10000000n), EPERM);
    assert.equal(run(prog, { nr: SYSCALLS[arch].clone3, arch: AUDIT_ARCH[arch] }), ENOSYS);
  });

  test(`${arch}: personality only with the values docker allows`, () => {
    const prog = defaultSeccompProgram(node);
    const p = (v: bigint) => run(prog, { nr: SYSCALLS[arch].personality, arch: AUDIT_ARCH[arch], args: [v] });
    for (const v of [0n, 8n, 0x20000n, 0x20008n, 0xffffffffn]) assert.equal(p(v), ALLOW, `0x${v.toString(16)}`);
    for (const v of [0x0040000n /* ADDR_NO_RANDOMIZE */, 0x0400000n /* READ_IMPLIES_EXEC */, 1n, 0x20001n]) {
      assert.equal(p(v), EPERM, `0x${v.toString(16)}`);
    }
  });

  test(`${arch}: kept capabilities lift their groups, as in docker's profile`, () => {
    const table = SYSCALLS[arch];
    const a = AUDIT_ARCH[arch];
    const admin = defaultSeccompProgram(node, [...DEFAULT_CAPS, 'CAP_SYS_ADMIN']);
    for (const name of ['mount', 'umount2', 'pivot_root', 'unshare', 'fsopen', 'bpf', 'perf_event_open', 'swapon', 'quotactl']) {
      assert.equal(run(admin, { nr: table[name], arch: a }), ALLOW, name);
    }
    assert.equal(run(admin, { nr: table.clone, arch: a, args: [0x10000011n] }), ALLOW);
    assert.equal(run(admin, { nr: table.clone3, arch: a }), ALLOW);
    // other groups stay
    for (const name of ['reboot', 'init_module', 'keyctl', 'clock_settime', 'syslog', 'userfaultfd']) {
      assert.equal(run(admin, { nr: table[name], arch: a }), EPERM, name);
    }
    const time = defaultSeccompProgram(node, [...DEFAULT_CAPS, 'CAP_SYS_TIME']);
    assert.equal(run(time, { nr: table.clock_settime, arch: a }), ALLOW);
    assert.equal(run(time, { nr: table.mount, arch: a }), EPERM);
    // ... and the interpreter sees exactly the numbers the policy names
    assert.deepEqual(
      [...policyNumbers(arch, [...DEFAULT_CAPS, 'CAP_SYS_ADMIN'])].filter((nr) => run(admin, { nr, arch: a }) !== EPERM),
      [],
    );
  });
}

test('x86_64: x32 syscalls get ENOSYS; aarch64 has no such bit', () => {
  const x86 = defaultSeccompProgram('x64');
  for (const nr of [0x40000000, 0x40000000 + 39, 0x40000000 + 165, -1]) {
    assert.equal(run(x86, { nr, arch: AUDIT_ARCH.x86_64 }), ENOSYS, `nr ${nr}`);
  }
  assert.ok(!disassemble(defaultSeccompProgram('arm64')).some((l) => l.includes('0x40000000')));
});

test('an architecture without a filter is a UserError pointing at seccomp=unconfined', () => {
  assert.throws(
    () => defaultSeccompProgram('ia32'),
    (e: unknown) => e instanceof UserError && /ia32/.test(e.message) && /seccomp=unconfined/.test(e.hint ?? ''),
  );
});

test('disassemble names loads and returns and resolves jump targets', () => {
  const lines = disassemble(defaultSeccompProgram('x64'));
  assert.match(lines[0], /^00: ld \[4\]  ; arch$/);
  assert.match(lines[1], /^01: jeq #0xc000003e jt 03 jf 02$/);
  assert.equal(lines[2], '02: ret KILL_PROCESS');
  assert.ok(lines.some((l) => l.endsWith('jge #0x40000000 jt 05 jf 06')));
  assert.ok(lines.some((l) => /jset #0x7e020000/.test(l)));
  assert.ok(lines.some((l) => l.endsWith('ret ERRNO(38)')));
  assert.ok(lines.at(-1)!.endsWith('ret ALLOW'));
  assert.throws(() => disassemble(Buffer.alloc(7)), /multiple of 8/);
});

test('summary lists what the filter blocks on this arch', () => {
  const s = seccompProgramSummary('x64');
  assert.equal(s.defaultAction, 'allow');
  for (const name of ['mount', 'reboot', 'keyctl', 'unshare', 'iopl']) assert.ok(s.blocked.includes(name), name);
  assert.ok(s.blocked.some((b) => b.startsWith('clone (')));
  assert.ok(s.blocked.some((b) => b.startsWith('personality (')));
  assert.ok(!seccompProgramSummary('arm64').blocked.includes('iopl'), 'no iopl on aarch64');
  const admin = seccompProgramSummary('x64', [...DEFAULT_CAPS, 'CAP_SYS_ADMIN']);
  assert.ok(!admin.blocked.includes('mount') && !admin.blocked.some((b) => b.startsWith('clone (')));
});
