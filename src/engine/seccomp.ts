// Seccomp profiles (Docker's JSON format, seccomp-profile.ts) compiled to
// classic BPF here, per container at create, for the capabilities it keeps;
// the helper only reads the program (--seccomp-fd, --seccomp-file) and
// loads it. Why our own compiler and not libseccomp: the helper, the
// privilege boundary, stays libc-only, and what is loaded is generated and
// tested in one place (docs/security.md).
//
// The program:
//
//     ld arch; jeq AUDIT_ARCH ? +1 : ret KILL_PROCESS     another ABI's numbers mean other syscalls
//     ld nr
//     [x86_64] jge 0x40000000 ? ret ERRNO(ENOSYS)         x32: the same kernel code under other numbers
//     a binary search over the syscall numbers (jge), whose leaves are the
//     verdict of a range of numbers (ret ...) or, for a syscall with
//     argument rules, a jump to its block:
//     sys_N: per rule, its comparisons (ld args[i] high/low, jeq/jgt/jge,
//            and for masks), failing to the next rule, then ret ACTION;
//            after the last rule ret DEFAULT
//
// Only loads of nr and arch decide the verdict of a syscall without
// argument rules, so the kernel (>= 5.11) computes it once per number and
// caches "allow" without running the filter for it again.
import { UserError } from '../common/errors.js';
import { DEFAULT_CAPS } from './capabilities.js';
import fs from 'node:fs';
import { AUDIT_ARCH, SYSCALLS, seccompArch, type SeccompArch } from './seccomp-syscalls.js';
import { DEFAULT_PROFILE, type SeccompArg, type SeccompProfile, type SeccompRule } from './seccomp-profile.js';
import {
  Assembler,
  BPF_JEQ_K,
  BPF_JGE_K,
  BPF_JGT_K,
  OFF_ARCH,
  OFF_NR,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG,
  SECCOMP_RET_TRAP,
  argHigh,
  argLow,
} from './seccomp-bpf.js';

export { disassemble } from './seccomp-bpf.js';

const EPERM = 1;
const ENOSYS = 38;
const X32_SYSCALL_BIT = 0x40000000;
const ERRNO_MAX = 4095;

/** Docker's names for the architectures in includes/excludes.arches */
const DOCKER_ARCH: Record<SeccompArch, string> = { x86_64: 'amd64', aarch64: 'arm64' };
const SCMP_ARCH: Record<SeccompArch, string> = { x86_64: 'SCMP_ARCH_X86_64', aarch64: 'SCMP_ARCH_AARCH64' };

/** One comparison of a 64-bit argument, its values cut into the 32-bit halves cBPF loads. */
interface Comparison {
  index: number;
  op: SeccompArg['op'];
  hi: number;
  lo: number;
  /** MASKED_EQ: the datum's halves (value is the mask) */
  twoHi: number;
  twoLo: number;
}

interface CompiledRule {
  ret: number;
  args: Comparison[];
}

/** A profile for one architecture and set of capabilities: by syscall number, its rules in order. */
export interface ResolvedFilter {
  arch: SeccompArch;
  defaultRet: number;
  /** index = syscall number; undefined: none of the rules names it */
  rules: Array<CompiledRule[] | undefined>;
}

function profileError(msg: string): UserError {
  return new UserError(`seccomp profile: ${msg}`, 125, 'Fix the profile (Docker\'s seccomp JSON format), or run with --security-opt seccomp=unconfined.');
}

/** For messages: which rule. */
function ruleName(i: number, r: SeccompRule): string {
  return `rule ${i} (${r.names.slice(0, 3).join(', ')}${r.names.length > 3 ? ', ...' : ''})`;
}

function actionRet(action: string, errnoRet: number | undefined, where: () => string): number {
  switch (action) {
    case 'SCMP_ACT_ALLOW':
      return SECCOMP_RET_ALLOW;
    case 'SCMP_ACT_ERRNO': {
      const e = errnoRet ?? EPERM;
      if (!Number.isInteger(e) || e < 0 || e > ERRNO_MAX) throw profileError(`${where()}: errnoRet ${e} is not an errno (0-${ERRNO_MAX})`);
      return (SECCOMP_RET_ERRNO | e) >>> 0;
    }
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return SECCOMP_RET_KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      return SECCOMP_RET_KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return SECCOMP_RET_TRAP;
    case 'SCMP_ACT_LOG':
      return SECCOMP_RET_LOG;
    default:
      throw profileError(`${where()}: action ${action} is not supported (ALLOW, ERRNO, KILL, KILL_THREAD, KILL_PROCESS, TRAP, LOG are)`);
  }
}

const OPS = new Set(['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']);

const TWO_32 = 2 ** 32;

function u64(v: number | undefined, where: () => string): number {
  if (v === undefined) return 0;
  if (!Number.isSafeInteger(v) || v < 0) throw profileError(`${where()}: ${v} is not an unsigned integer below 2^53`);
  return v;
}

function comparison(a: SeccompArg, where: () => string): Comparison {
  if (!Number.isInteger(a.index) || a.index < 0 || a.index > 5) throw profileError(`${where()}: argument index ${a.index} is not 0-5`);
  if (!OPS.has(a.op)) throw profileError(`${where()}: comparison ${a.op} is not one of ${[...OPS].join(', ')}`);
  const v = u64(a.value, where);
  const two = u64(a.valueTwo, where);
  return { index: a.index, op: a.op, hi: Math.floor(v / TWO_32), lo: v % TWO_32, twoHi: Math.floor(two / TWO_32), twoLo: two % TWO_32 };
}

/** A kernel release ("6.1.0-18-amd64") as [major, minor]; unreadable: [0, 0]. */
export function kernelVersion(release: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** Is KERNEL at least "MAJOR.MINOR"? */
function atLeast(kernel: readonly [number, number], min: string): boolean {
  const [major, minor] = kernelVersion(min);
  return kernel[0] > major || (kernel[0] === major && kernel[1] >= minor);
}

/** Where a profile is resolved: the architecture, the capabilities the container keeps, the kernel (for minKernel). */
export interface ResolveContext {
  arch: SeccompArch;
  caps: readonly string[];
  /** default: this machine's */
  kernel?: readonly [number, number];
}

function applies(r: SeccompRule, ctx: ResolveContext): boolean {
  const a = DOCKER_ARCH[ctx.arch];
  const caps = ctx.caps;
  if (r.includes?.caps && !r.includes.caps.every((c) => caps.includes(c))) return false;
  if (r.excludes?.caps?.some((c) => caps.includes(c))) return false;
  if (r.includes?.arches && !r.includes.arches.includes(a)) return false;
  if (r.excludes?.arches?.includes(a)) return false;
  // Docker's minKernel: from that kernel on (includes), or before it (excludes)
  const kernel = ctx.kernel ?? ownKernel();
  if (r.includes?.minKernel && !atLeast(kernel, r.includes.minKernel)) return false;
  if (r.excludes?.minKernel && atLeast(kernel, r.excludes.minKernel)) return false;
  return true;
}

let kernelOfHost: [number, number] | undefined;
function ownKernel(): [number, number] {
  // the file, not os.release(): run must not load node:os (cli-bundle test)
  kernelOfHost ??= kernelVersion(fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim());
  return kernelOfHost;
}

const tableSizes = new Map<SeccompArch, number>();

/** One more than the highest syscall number of ARCH. */
function tableSize(arch: SeccompArch): number {
  let n = tableSizes.get(arch);
  if (n === undefined) {
    n = 0;
    for (const name in SYSCALLS[arch]) n = Math.max(n, SYSCALLS[arch][name] + 1);
    tableSizes.set(arch, n);
  }
  return n;
}

/** The rules of PROFILE that apply on ARCH to a container keeping CAPS, by syscall number. */
export function resolveProfile(profile: SeccompProfile, arch: SeccompArch, caps: readonly string[], kernel?: readonly [number, number]): ResolvedFilter {
  const ctx: ResolveContext = { arch, caps, kernel };
  const table = SYSCALLS[arch];
  // dense from the start: filled in the profile's order, a growing array would go sparse
  const rules: Array<CompiledRule[] | undefined> = new Array<CompiledRule[] | undefined>(tableSize(arch)).fill(undefined);
  // a rule without args always matches: once one is in a list, the ones after it never decide
  const decided = new Uint8Array(rules.length);
  for (let i = 0; i < profile.syscalls.length; i++) {
    const r = profile.syscalls[i];
    const where = () => ruleName(i, r);
    const compiled: CompiledRule = { ret: actionRet(r.action, r.errnoRet, where), args: (r.args ?? []).map((a) => comparison(a, where)) };
    if (!applies(r, ctx)) continue;
    const final = compiled.args.length === 0;
    // a rule without args ends every list it is first in: those can share one array
    const alone = final ? [compiled] : undefined;
    for (let n = 0; n < r.names.length; n++) {
      const nr = table[r.names[n]];
      if (nr === undefined || decided[nr]) continue;
      const list = rules[nr];
      if (list) list.push(compiled);
      else rules[nr] = alone ?? [compiled];
      if (final) decided[nr] = 1;
    }
  }
  return { arch, defaultRet: actionRet(profile.defaultAction, profile.defaultErrnoRet, () => 'defaultAction'), rules };
}

// --- compiling ---

/**
 * The syscall numbers cut into ranges of one verdict: range i is
 * [lo[i], lo[i+1]) (the last one up to 2^32: the default's), and leaf[i] is
 * its return value (>= 0), or -(N+1) for syscall N's argument rules.
 */
function ranges(f: ResolvedFilter): { lo: number[]; leaf: number[] } {
  const lo: number[] = [];
  const leaf: number[] = [];
  for (let nr = 0; nr <= f.rules.length; nr++) {
    const rules = f.rules[nr];
    const v = !rules ? f.defaultRet : rules[0].args.length === 0 ? rules[0].ret : -(nr + 1);
    if (v >= 0 && leaf.length > 0 && leaf[leaf.length - 1] === v) continue;
    lo.push(nr);
    leaf.push(v);
  }
  return { lo, leaf };
}

/** A binary search over ranges i..j (A holds nr), as in emitSearch: its length. */
function searchSize(i: number, j: number): number {
  if (i === j) return 1;
  const m = (i + j + 1) >> 1;
  const left = searchSize(i, m - 1);
  // a conditional jump reaches 255 instructions: past a larger left half, through a ja
  return 1 + (left > 255 ? 1 : 0) + left + searchSize(m, j);
}

/** Emit the search over ranges i..j: jge on the first number of the right half; leaves return or jump to a block. */
function emitSearch(a: Assembler, rs: { lo: number[]; leaf: number[] }, blocks: number[], i: number, j: number): void {
  if (i === j) {
    const v = rs.leaf[i];
    if (v >= 0) a.ret(v);
    else a.ja(blocks[-v - 1]);
    return;
  }
  const m = (i + j + 1) >> 1;
  const left = searchSize(i, m - 1);
  if (left > 255) {
    a.jump(BPF_JGE_K, rs.lo[m], 0, 1);
    a.ja(left);
  } else {
    a.jump(BPF_JGE_K, rs.lo[m], left, 0);
  }
  emitSearch(a, rs, blocks, i, m - 1);
  emitSearch(a, rs, blocks, m, j);
}

/** A comparison of args[c.index] that falls through when it holds and jumps to FAIL when not. */
function emitComparison(a: Assembler, c: Comparison, fail: number): void {
  const hi = argHigh(c.index);
  const lo = argLow(c.index);
  const pass = a.label();
  switch (c.op) {
    case 'SCMP_CMP_EQ':
      a.ld(hi);
      a.jump(BPF_JEQ_K, c.hi, 0, fail);
      a.ld(lo);
      a.jump(BPF_JEQ_K, c.lo, 0, fail);
      break;
    case 'SCMP_CMP_NE':
      a.ld(hi);
      a.jump(BPF_JEQ_K, c.hi, 0, pass);
      a.ld(lo);
      a.jump(BPF_JEQ_K, c.lo, fail, 0);
      break;
    case 'SCMP_CMP_MASKED_EQ':
      // the mask's halves, then the datum's
      a.ld(hi);
      if (c.hi !== 0xffffffff) a.and(c.hi);
      a.jump(BPF_JEQ_K, c.twoHi, 0, fail);
      a.ld(lo);
      if (c.lo !== 0xffffffff) a.and(c.lo);
      a.jump(BPF_JEQ_K, c.twoLo, 0, fail);
      break;
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE':
      a.ld(hi);
      a.jump(BPF_JGT_K, c.hi, pass, 0);
      a.jump(BPF_JEQ_K, c.hi, 0, fail);
      a.ld(lo);
      a.jump(c.op === 'SCMP_CMP_GT' ? BPF_JGT_K : BPF_JGE_K, c.lo, 0, fail);
      break;
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE':
      a.ld(hi);
      a.jump(BPF_JGE_K, c.hi, 0, pass);
      a.jump(BPF_JEQ_K, c.hi, 0, fail);
      a.ld(lo);
      a.jump(c.op === 'SCMP_CMP_LT' ? BPF_JGE_K : BPF_JGT_K, c.lo, fail, 0);
      break;
  }
  a.bind(pass);
}

/** Compile a resolved profile to cBPF (struct sock_filter[], little-endian). */
export function compileFilter(f: ResolvedFilter): Buffer {
  const a = new Assembler();
  const errno = (e: number) => (SECCOMP_RET_ERRNO | e) >>> 0;

  a.ld(OFF_ARCH);
  a.jump(BPF_JEQ_K, AUDIT_ARCH[f.arch], 1, 0);
  a.ret(SECCOMP_RET_KILL_PROCESS);
  a.ld(OFF_NR);
  if (f.arch === 'x86_64') {
    a.jump(BPF_JGE_K, X32_SYSCALL_BIT, 0, 1);
    a.ret(errno(ENOSYS));
  }
  const rs = ranges(f);
  const blocks: number[] = []; // syscall number -> the label of its argument rules
  for (const v of rs.leaf) if (v < 0) blocks[-v - 1] = a.label();
  emitSearch(a, rs, blocks, 0, rs.lo.length - 1);

  for (const v of rs.leaf) {
    if (v >= 0) continue;
    const nr = -v - 1;
    a.bind(blocks[nr]);
    for (const rule of f.rules[nr]!) {
      const fail = a.label();
      for (const c of rule.args) emitComparison(a, c, fail);
      a.ret(rule.ret);
      a.bind(fail);
    }
    a.ret(f.defaultRet);
  }
  return a.assemble();
}

export function archOf(arch: NodeJS.Architecture): SeccompArch {
  const a = seccompArch(arch);
  if (!a) {
    throw new UserError(
      `tsbox's seccomp filters support x64 and arm64, not ${arch}`,
      125,
      'Run the container with --security-opt seccomp=unconfined.',
    );
  }
  return a;
}

/**
 * What tsbox-helper itself calls once the filter is loaded: without
 * no_new_privs the filter goes in while the helper still holds
 * CAP_SYS_ADMIN, before the credentials change (as in runc), so these must
 * pass it (native/process.c, caps.c, exec.c); with no_new_privs it goes in
 * last, and only execve follows. --init's pid 1 lives under it too.
 */
export const HELPER_SYSCALLS: readonly string[] = Object.freeze([
  'prctl', 'capset', 'setgroups', 'setresgid', 'setresuid', 'close', 'close_range', 'openat', 'openat2', 'fchdir', 'getcwd',
  'umask', 'write', 'read', 'poll', 'setsid', 'ioctl', 'rt_sigaction', 'rt_sigprocmask', 'getdents64', 'fstat', 'newfstatat',
  'execve', 'exit_group', 'exit', 'seccomp',
]);
export const INIT_SYSCALLS: readonly string[] = Object.freeze(['clone', 'rt_sigprocmask', 'rt_sigtimedwait', 'wait4', 'kill', 'setpgid', 'ioctl', 'close', 'exit_group']);

/**
 * A profile of one's own must let the helper finish (HELPER_SYSCALLS): the
 * names among those it refuses whatever the arguments, to say so at create
 * rather than with a failed start.
 */
export function refusedHelperSyscalls(f: ResolvedFilter, opts: { noNewPrivileges: boolean; init: boolean }): string[] {
  const table = SYSCALLS[f.arch];
  const needed = [...(opts.noNewPrivileges ? ['execve'] : HELPER_SYSCALLS), ...(opts.init ? INIT_SYSCALLS : [])];
  return [...new Set(needed)].filter((name) => {
    const nr = table[name];
    if (nr === undefined) return false;
    const rules = f.rules[nr];
    const ret = !rules ? f.defaultRet : rules[0].args.length === 0 ? rules[0].ret : SECCOMP_RET_ALLOW; // rules with args: not judged
    return ret !== SECCOMP_RET_ALLOW && ret !== SECCOMP_RET_LOG;
  });
}

/**
 * The default filter as a cBPF program for `arch` (default: this machine's),
 * for a container keeping `caps` (default: DEFAULT_CAPS; a kept capability
 * lifts the rules it makes legitimate, as in Docker's and podman's profiles).
 */
export function defaultSeccompProgram(arch: NodeJS.Architecture = process.arch, caps: readonly string[] = DEFAULT_CAPS): Buffer {
  return seccompProgram(DEFAULT_PROFILE, arch, caps);
}

/** PROFILE (the default, or one of --security-opt seccomp=FILE) as the cBPF program for a container keeping CAPS. */
export function seccompProgram(profile: SeccompProfile, arch: NodeJS.Architecture, caps: readonly string[]): Buffer {
  return compileFilter(resolveProfile(profile, archOf(arch), caps));
}

/** A profile file's program, refused with the reason when it would stop the helper itself (refusedHelperSyscalls). */
export function profileProgram(profile: SeccompProfile, source: string, arch: NodeJS.Architecture, opts: { caps: readonly string[]; noNewPrivileges: boolean; init: boolean }): Buffer {
  const f = resolveProfile(profile, archOf(arch), opts.caps);
  const refused = refusedHelperSyscalls(f, opts);
  if (refused.length) {
    throw new UserError(
      `seccomp profile ${source} refuses ${refused.join(', ')}, which tsbox-helper calls after it has loaded the filter${opts.init ? ' (or --init\'s pid 1 needs)' : ''}: the container could not start`,
      125,
      opts.noNewPrivileges
        ? 'Allow them in the profile.'
        : 'Allow them in the profile, or add --security-opt no-new-privileges (the filter is then loaded last, and only execve must pass it).',
    );
  }
  return compileFilter(f);
}

/**
 * A profile (default: tsbox's) as config.json records it (runtime-spec's
 * linux.seccomp), the one in force: the rules that apply on `arch` to a
 * container keeping `caps`, in order (tsbox's reading: see
 * seccomp-profile.ts), with the names that exist there.
 */
export function ociSeccompProfile(arch: NodeJS.Architecture = process.arch, caps: readonly string[] = DEFAULT_CAPS, p: SeccompProfile = DEFAULT_PROFILE): Record<string, unknown> {
  const a = archOf(arch);
  const table = SYSCALLS[a];
  const ctx: ResolveContext = { arch: a, caps };
  return {
    defaultAction: p.defaultAction,
    ...(p.defaultErrnoRet !== undefined ? { defaultErrnoRet: p.defaultErrnoRet } : {}),
    architectures: [SCMP_ARCH[a]],
    syscalls: p.syscalls
      .filter((r) => applies(r, ctx))
      .map((r) => ({
        names: r.names.filter((n) => n in table),
        action: r.action,
        ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
        ...(r.args ? { args: r.args } : {}),
      }))
      .filter((r) => r.names.length > 0),
  };
}
