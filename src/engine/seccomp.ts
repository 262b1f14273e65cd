// The default seccomp filter, compiled here to classic BPF because the helper
// has no libseccomp: it only reads the program from --seccomp-fd and loads it
// as the last step before exec.
//
// POLICY (a denylist modelled on the blocked part of docker's and podman's
// default profiles):
//   * The filter only accepts the native architecture (x86_64 or aarch64).
//     Anything else - an i386 `int 0x80` call on x86_64, or 32-bit arm on
//     aarch64 - kills the process: those ABIs have different syscall numbers,
//     so the rules below would not mean anything for them.
//   * x86_64 only: x32 syscalls (number | 0x40000000) fail with ENOSYS. They
//     reach the same kernel code under other numbers and would bypass the list.
//   * The syscalls in SECCOMP_POLICY fail with EPERM, group by group, unless the
//     container keeps a capability that makes the group legitimate (as docker
//     does: --cap-add SYS_ADMIN lifts the mount rules, SYS_TIME the clock ones).
//   * clone with any CLONE_NEW* flag fails with EPERM, and clone3 with ENOSYS
//     (so libc falls back to clone), unless CAP_SYS_ADMIN is kept.
//   * personality is allowed only for the values docker allows.
//   * Everything else is allowed. The kernel's own capability checks remain
//     the main line of defence; the filter removes kernel surface that those
//     checks do not cover well (user namespaces, keyrings, userfaultfd...).
//
// Only clone and personality look at arguments. Every other decision depends
// on the syscall number alone, so the kernel (>= 5.11) can cache "allow" per
// syscall and skip running the filter for them.
//
// Program layout (every jump is short and forward, far below the 255 limit of
// a cBPF conditional jump; the denylist is cut into chunks that each end in
// their own return, so it can grow without breaking that limit):
//
//     ld arch; jeq AUDIT_ARCH ? +1 : ret KILL_PROCESS
//     ld nr
//     [x86_64] jge 0x40000000 ? ret ENOSYS
//     [clone rule]        jeq clone ? (ld args[0]; jset NS_FLAGS ? ret EPERM : ret ALLOW)
//     [clone3 rule]       jeq clone3 ? ret ENOSYS
//     [personality rule]  jeq personality ? (ld args[0]; jeq v1|v2.. ? ret ALLOW : ret EPERM)
//     chunk: jeq n1 ? deny ... jeq nK ? deny; ja next; deny: ret EPERM; next:
//     ret ALLOW
import { UserError } from '../common/errors.js';
import { DEFAULT_CAPS } from './capabilities.js';
import { AUDIT_ARCH, SYSCALLS, seccompArch, type SeccompArch } from './seccomp-syscalls.js';

// --- cBPF encoding (linux/filter.h, linux/bpf_common.h, linux/seccomp.h) ---
const BPF_LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JA = 0x05; // BPF_JMP | BPF_JA
const BPF_JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_JGT_K = 0x25;
const BPF_JGE_K = 0x35;
const BPF_JSET_K = 0x45;
const BPF_RET_K = 0x06; // BPF_RET | BPF_K

const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const EPERM = 1;
const ENOSYS = 38;

// struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0_LOW = 16; // little-endian: the low 32 bits of args[0] come first

const X32_SYSCALL_BIT = 0x40000000;
/** The kernel refuses longer programs (BPF_MAXINSNS). */
const MAX_INSNS = 4096;
/** Compares per denylist chunk: keeps every jump to the chunk's return <= 255. */
const CHUNK = 200;

/** CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET.
 * (CLONE_NEWTIME, 0x80, cannot be passed to clone: those bits hold the exit signal there.) */
const CLONE_NS_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

/** personality values docker allows: PER_LINUX, PER_LINUX32, UNAME26, PER_LINUX32|UNAME26, and the query 0xffffffff. */
const PERSONALITY_ALLOWED = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

export interface SeccompGroup {
  title: string;
  /** why a container should not have these */
  why: string;
  syscalls: string[];
  /** keeping any of these capabilities lifts the rule (docker's "includes caps") */
  allowedWith?: string[];
}

/** The denylist, by group. Names missing from an architecture's table do not exist there. */
export const SECCOMP_POLICY: readonly SeccompGroup[] = [
  {
    title: 'kernel modules',
    why: 'loading code into the one kernel every container shares is a full escape',
    syscalls: ['init_module', 'finit_module', 'delete_module', 'create_module', 'get_kernel_syms', 'query_module'],
    allowedWith: ['CAP_SYS_MODULE'],
  },
  {
    title: 'reboot and kexec',
    why: 'kexec replaces the host kernel; reboot is at best a signal to the pid-namespace init',
    syscalls: ['reboot', 'kexec_load', 'kexec_file_load'],
    allowedWith: ['CAP_SYS_BOOT'],
  },
  {
    title: 'mounts',
    why:
      'the helper builds the mount table before the filter loads; changing it afterwards could uncover what was ' +
      'hidden or remount read-only paths, and inside a new user namespace the kernel would allow it. ' +
      'The new mount API (fsopen, fsconfig...) was the entry point of CVE-2022-0185',
    syscalls: ['mount', 'umount2', 'pivot_root', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'mount_setattr'],
    allowedWith: ['CAP_SYS_ADMIN'],
  },
  {
    title: 'new namespaces',
    why:
      'a new user namespace needs no capability and grants all of them over the namespaces it owns, which reopens ' +
      'kernel code (netfilter, mounts, cgroup release_agent) the dropped capabilities were meant to keep shut. ' +
      'clone is checked for CLONE_NEW* flags; clone3 keeps its flags in memory a filter cannot read, so it gets ' +
      'ENOSYS and libc falls back to clone',
    syscalls: ['unshare'],
    allowedWith: ['CAP_SYS_ADMIN'],
  },
  {
    title: 'swap',
    why: 'swap configuration is host-wide',
    syscalls: ['swapon', 'swapoff'],
    allowedWith: ['CAP_SYS_ADMIN'],
  },
  {
    title: 'BPF',
    why: 'eBPF is a large, frequently exploited kernel surface and can read kernel memory',
    syscalls: ['bpf'],
    allowedWith: ['CAP_SYS_ADMIN', 'CAP_BPF'],
  },
  {
    title: 'kernel tracing',
    why: 'perf events and dcookies observe the kernel and other processes, and have leaked kernel addresses',
    syscalls: ['perf_event_open', 'lookup_dcookie'],
    allowedWith: ['CAP_SYS_ADMIN', 'CAP_PERFMON'],
  },
  {
    title: 'file handles',
    why: 'open_by_handle_at opens any inode of a filesystem by number, walking out of a bind mount (the 2014 "shocker" escape)',
    syscalls: ['open_by_handle_at', 'name_to_handle_at'],
    allowedWith: ['CAP_DAC_READ_SEARCH'],
  },
  {
    title: 'kernel keyring',
    why: 'keyrings are not namespaced: the host and every container share one keyspace',
    syscalls: ['add_key', 'keyctl', 'request_key'],
  },
  {
    title: 'setting the clock',
    why: 'the realtime clock is host-wide (a time namespace only offsets the monotonic and boot clocks)',
    syscalls: ['settimeofday', 'clock_settime', 'clock_adjtime'],
    allowedWith: ['CAP_SYS_TIME'],
  },
  {
    title: 'process accounting',
    why: 'acct switches host-wide accounting to a file',
    syscalls: ['acct'],
    allowedWith: ['CAP_SYS_PACCT'],
  },
  {
    title: 'disk quotas',
    why: 'quotas are set per filesystem, for the host and every container on it',
    syscalls: ['quotactl', 'quotactl_fd'],
    allowedWith: ['CAP_SYS_ADMIN'],
  },
  {
    title: 'I/O ports',
    why: 'direct access to hardware ports',
    syscalls: ['iopl', 'ioperm'],
    allowedWith: ['CAP_SYS_RAWIO'],
  },
  {
    title: 'kernel log',
    why: 'the kernel log is host-wide and shows kernel addresses',
    syscalls: ['syslog'],
    allowedWith: ['CAP_SYSLOG'],
  },
  {
    title: 'obsolete interfaces',
    why: 'legacy calls no current program needs, backed by old and little-reviewed kernel code',
    syscalls: ['uselib', 'nfsservctl', 'sysfs', '_sysctl'],
  },
  {
    title: 'memory tricks',
    why:
      'userfaultfd lets a process stall the kernel on a page fault, the usual way to win races in kernel exploits; ' +
      'move_pages moves pages of other processes and has leaked kernel memory',
    syscalls: ['userfaultfd', 'move_pages'],
  },
];

/** This group also carries the clone and clone3 rules, which look at more than the number. */
const NAMESPACE_GROUP = 'new namespaces';

/** What to compile: syscall numbers for one architecture. */
export interface FilterSpec {
  arch: SeccompArch;
  /** -> ERRNO(EPERM) */
  deny: number[];
  /** -> ERRNO(ENOSYS) */
  enosys: number[];
  /** clone: EPERM when args[0] has any of these bits */
  cloneNr?: number;
  cloneDenyFlags?: number;
  /** personality: allowed only with one of these args[0] values, else EPERM */
  personalityNr?: number;
  personalityAllowed?: number[];
}

function activeGroups(caps: readonly string[]): SeccompGroup[] {
  return SECCOMP_POLICY.filter((g) => !g.allowedWith?.some((c) => caps.includes(c)));
}

function archOf(arch: NodeJS.Architecture): SeccompArch {
  const a = seccompArch(arch);
  if (!a) {
    throw new UserError(
      `the default seccomp filter supports x64 and arm64, not ${arch}`,
      125,
      'Run the container with --security-opt seccomp=unconfined.',
    );
  }
  return a;
}

/** The policy for `caps` (the capabilities the container keeps) as syscall numbers of `arch`. */
export function defaultFilterSpec(arch: SeccompArch, caps: readonly string[] = DEFAULT_CAPS): FilterSpec {
  const table = SYSCALLS[arch];
  const groups = activeGroups(caps);
  const deny = groups.flatMap((g) => g.syscalls.filter((s) => s in table).map((s) => table[s]));
  const namespacesBlocked = groups.some((g) => g.title === NAMESPACE_GROUP);
  return {
    arch,
    deny,
    enosys: namespacesBlocked ? [table.clone3] : [],
    ...(namespacesBlocked ? { cloneNr: table.clone, cloneDenyFlags: CLONE_NS_FLAGS } : {}),
    personalityNr: table.personality,
    personalityAllowed: PERSONALITY_ALLOWED,
  };
}

/**
 * The default filter as a cBPF program (struct sock_filter[], little-endian)
 * for `arch` (default: this machine's), for a container keeping `caps`
 * (default: DEFAULT_CAPS; a kept capability lifts the groups it legitimizes).
 */
export function defaultSeccompProgram(arch: NodeJS.Architecture = process.arch, caps: readonly string[] = DEFAULT_CAPS): Buffer {
  return compileFilter(defaultFilterSpec(archOf(arch), caps));
}

/** For inspect and the dashboard: what the default filter does, by syscall name. */
export function seccompProgramSummary(
  arch: NodeJS.Architecture = process.arch,
  caps: readonly string[] = DEFAULT_CAPS,
): { defaultAction: string; blocked: string[] } {
  const a = seccompArch(arch);
  const exists = (s: string) => (a ? s in SYSCALLS[a] : true);
  const groups = activeGroups(caps);
  const blocked = groups.flatMap((g) => g.syscalls.filter(exists));
  if (groups.some((g) => g.title === NAMESPACE_GROUP)) {
    blocked.push('clone (with CLONE_NEW* flags)', 'clone3 (ENOSYS, libc falls back to clone)');
  }
  blocked.push(`personality (except ${PERSONALITY_ALLOWED.map(hex).join(', ')})`);
  return { defaultAction: 'allow', blocked };
}

// --- a tiny assembler with forward labels ---

type Target = number | string; // relative skip, or a label defined later

interface Insn {
  code: number;
  jt: Target;
  jf: Target;
  k: number;
  /** ja: the label k points to */
  kLabel?: string;
}

class Assembler {
  private readonly insns: Insn[] = [];
  private readonly labels = new Map<string, number>();

  ld(offset: number) {
    this.insns.push({ code: BPF_LD_W_ABS, jt: 0, jf: 0, k: offset });
  }
  jump(code: number, k: number, jt: Target, jf: Target) {
    this.insns.push({ code, jt, jf, k: k >>> 0 });
  }
  /** unconditional: k is a 32-bit offset, so only conditional jumps are limited to 255 */
  ja(target: string) {
    this.insns.push({ code: BPF_JA, jt: 0, jf: 0, k: 0, kLabel: target });
  }
  ret(k: number) {
    this.insns.push({ code: BPF_RET_K, jt: 0, jf: 0, k: k >>> 0 });
  }
  label(name: string) {
    if (this.labels.has(name)) throw new Error(`seccomp assembler: label ${name} defined twice`);
    this.labels.set(name, this.insns.length);
  }

  assemble(): Buffer {
    if (this.insns.length > MAX_INSNS) throw new Error(`seccomp program too long: ${this.insns.length} > ${MAX_INSNS} instructions`);
    const buf = Buffer.alloc(this.insns.length * 8);
    this.insns.forEach((insn, i) => {
      const rel = (t: Target, max: number): number => {
        const off = typeof t === 'number' ? t : this.resolve(t) - (i + 1);
        if (off < 0 || off > max) throw new Error(`seccomp assembler: jump from ${i} to ${String(t)} is out of range (${off})`);
        return off;
      };
      const k = insn.kLabel !== undefined ? rel(insn.kLabel, 0xffffffff) : insn.k;
      buf.writeUInt16LE(insn.code, i * 8);
      buf.writeUInt8(rel(insn.jt, 255), i * 8 + 2);
      buf.writeUInt8(rel(insn.jf, 255), i * 8 + 3);
      buf.writeUInt32LE(k, i * 8 + 4);
    });
    return buf;
  }

  private resolve(label: string): number {
    const at = this.labels.get(label);
    if (at === undefined) throw new Error(`seccomp assembler: undefined label ${label}`);
    return at;
  }
}

/** Compile a FilterSpec to cBPF. Exported for tests (long lists, other arches). */
export function compileFilter(spec: FilterSpec): Buffer {
  const a = new Assembler();
  const errno = (e: number) => SECCOMP_RET_ERRNO | e;

  a.ld(OFF_ARCH);
  a.jump(BPF_JEQ_K, AUDIT_ARCH[spec.arch], 1, 0);
  a.ret(SECCOMP_RET_KILL_PROCESS);

  a.ld(OFF_NR);
  if (spec.arch === 'x86_64') {
    a.jump(BPF_JGE_K, X32_SYSCALL_BIT, 0, 1);
    a.ret(errno(ENOSYS));
  }

  if (spec.cloneNr !== undefined && spec.cloneDenyFlags !== undefined) {
    // Taken branch ends in a return, so A still holds nr when we fall through.
    a.jump(BPF_JEQ_K, spec.cloneNr, 0, 4);
    a.ld(OFF_ARG0_LOW);
    a.jump(BPF_JSET_K, spec.cloneDenyFlags, 0, 1);
    a.ret(errno(EPERM));
    a.ret(SECCOMP_RET_ALLOW);
  }

  for (const nr of spec.enosys) {
    a.jump(BPF_JEQ_K, nr, 0, 1);
    a.ret(errno(ENOSYS));
  }

  if (spec.personalityNr !== undefined && spec.personalityAllowed) {
    const values = spec.personalityAllowed;
    // jeq personality; ld arg0; one jeq per value; ret EPERM; ret ALLOW
    a.jump(BPF_JEQ_K, spec.personalityNr, 0, values.length + 3);
    a.ld(OFF_ARG0_LOW);
    values.forEach((v, i) => a.jump(BPF_JEQ_K, v, values.length - i, 0));
    a.ret(errno(EPERM));
    a.ret(SECCOMP_RET_ALLOW);
  }

  const deny = [...new Set(spec.deny)];
  for (let c = 0; c * CHUNK < deny.length; c++) {
    for (const nr of deny.slice(c * CHUNK, (c + 1) * CHUNK)) a.jump(BPF_JEQ_K, nr, `deny${c}`, 0);
    a.ja(`next${c}`);
    a.label(`deny${c}`);
    a.ret(errno(EPERM));
    a.label(`next${c}`);
  }
  a.ret(SECCOMP_RET_ALLOW);
  return a.assemble();
}

// --- disassembler, for tests and debugging ---

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function retText(k: number): string {
  if (k === SECCOMP_RET_ALLOW) return 'ALLOW';
  if (k === SECCOMP_RET_KILL_PROCESS) return 'KILL_PROCESS';
  if ((k & 0xffff0000) >>> 0 === SECCOMP_RET_ERRNO) return `ERRNO(${k & 0xffff})`;
  return hex(k);
}

const LD_NAMES: Record<number, string> = { [OFF_NR]: 'nr', [OFF_ARCH]: 'arch', [OFF_ARG0_LOW]: 'args[0] low' };

/** One line per instruction, jump targets as absolute instruction numbers. */
export function disassemble(prog: Buffer): string[] {
  if (prog.length % 8 !== 0) throw new Error(`not a cBPF program: ${prog.length} bytes is not a multiple of 8`);
  const lines: string[] = [];
  const width = String(prog.length / 8).length;
  for (let i = 0; i < prog.length / 8; i++) {
    const code = prog.readUInt16LE(i * 8);
    const jt = prog.readUInt8(i * 8 + 2);
    const jf = prog.readUInt8(i * 8 + 3);
    const k = prog.readUInt32LE(i * 8 + 4);
    const at = (off: number) => String(i + 1 + off).padStart(width, '0');
    let text: string;
    switch (code) {
      case BPF_LD_W_ABS:
        text = `ld [${k}]${LD_NAMES[k] ? `  ; ${LD_NAMES[k]}` : ''}`;
        break;
      case BPF_JA:
        text = `ja ${at(k)}`;
        break;
      case BPF_JEQ_K:
      case BPF_JGT_K:
      case BPF_JGE_K:
      case BPF_JSET_K: {
        const op = { [BPF_JEQ_K]: 'jeq', [BPF_JGT_K]: 'jgt', [BPF_JGE_K]: 'jge', [BPF_JSET_K]: 'jset' }[code];
        text = `${op} #${hex(k)} jt ${at(jt)} jf ${at(jf)}`;
        break;
      }
      case BPF_RET_K:
        text = `ret ${retText(k)}`;
        break;
      default:
        text = `.insn code=${hex(code)} jt=${jt} jf=${jf} k=${hex(k)}`;
    }
    lines.push(`${String(i).padStart(width, '0')}: ${text}`);
  }
  return lines;
}
