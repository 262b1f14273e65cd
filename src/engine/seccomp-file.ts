// `--security-opt seccomp=FILE`: a profile in Docker's JSON format (the one
// docker, podman and containers-common ship, and `tsbox seccomp default`
// writes), read once at create and kept in the container's record, so that a
// later edit of the file changes no container behind its back (podman reads
// it at create too).
//
// What is read: defaultAction, defaultErrnoRet, architectures, archMap,
// syscalls[] with names (or Docker's older single `name`), action, errnoRet,
// args[] (index, value, valueTwo, op), includes/excludes by caps, arches and
// minKernel. containers-common's `errno`/`defaultErrno` strings and
// `comment` are ignored, as libseccomp's users ignore them. Refused, each
// with what to change: invalid JSON, an unknown action or comparison, a
// field of the wrong type, SCMP_ACT_NOTIFY and listenerPath (no agent
// listens), filter flags. A syscall name this architecture does not have is
// skipped, as Docker does (skippedSyscalls says which, for --log-level
// debug).
//
// The filter covers the native ABI only: whatever `architectures` lists, a
// process calling through another (i386's int 0x80, x32, 32-bit arm) is
// killed, since these rules are by name and tsbox has no tables for those
// ABIs (docs/security.md).
import { UserError } from '../common/errors.js';
import { SYSCALLS, type SeccompArch } from './seccomp-syscalls.js';
import type { SeccompAction, SeccompArg, SeccompFilterSet, SeccompOp, SeccompProfile, SeccompRule } from './seccomp-profile.js';

const ACTIONS: readonly SeccompAction[] = [
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_LOG',
];
const OPS: readonly SeccompOp[] = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];
/** libseccomp's architecture names that Docker's format may list */
const SCMP_ARCHES = [
  'SCMP_ARCH_NATIVE', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X',
  'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64',
];
/** Docker's names in includes/excludes.arches (Go's GOARCH) */
const DOCKER_ARCHES = ['amd64', 'arm64', '386', 'arm', 'mips', 'mipsle', 'mips64', 'mips64le', 'mips64n32', 'mips64len32', 'ppc', 'ppc64', 'ppc64le', 's390', 's390x', 'riscv64', 'x32'];

type Json = unknown;

class ProfileReader {
  constructor(private readonly source: string) {}

  error(where: string, msg: string): UserError {
    return new UserError(
      `seccomp profile ${this.source}: ${where}${where ? ': ' : ''}${msg}`,
      125,
      "Fix the profile (Docker's seccomp JSON format; `tsbox seccomp default` prints tsbox's own to start from), or run with --security-opt seccomp=unconfined.",
    );
  }

  object(v: Json, where: string): Record<string, Json> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.error(where, `expected an object, got ${describe(v)}`);
    return v as Record<string, Json>;
  }

  strings(v: Json, where: string): string[] {
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw this.error(where, `expected a list of strings, got ${describe(v)}`);
    return v as string[];
  }

  action(v: Json, where: string): SeccompAction {
    if (v === 'SCMP_ACT_NOTIFY') throw this.error(where, 'SCMP_ACT_NOTIFY needs a seccomp agent (listenerPath), which tsbox does not run');
    if (typeof v !== 'string' || !ACTIONS.includes(v as SeccompAction)) throw this.error(where, `unknown action ${JSON.stringify(v)} (one of ${ACTIONS.join(', ')})`);
    return v as SeccompAction;
  }

  errno(v: Json, where: string): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 4095) throw this.error(where, `errnoRet ${JSON.stringify(v)} is not an errno number (0-4095)`);
    return v;
  }

  u64(v: Json, where: string, what: string): number {
    if (v === undefined || v === null) return 0;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw this.error(where, `${what} ${JSON.stringify(v)} is not an unsigned integer below 2^53`);
    return v;
  }

  arg(v: Json, where: string): SeccompArg {
    const a = this.object(v, where);
    const index = a.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 5) throw this.error(where, `index ${JSON.stringify(index)} is not 0-5`);
    if (typeof a.op !== 'string' || !OPS.includes(a.op as SeccompOp)) throw this.error(where, `unknown op ${JSON.stringify(a.op)} (one of ${OPS.join(', ')})`);
    const arg: SeccompArg = { index, value: this.u64(a.value, where, 'value'), op: a.op as SeccompOp };
    if (a.valueTwo !== undefined) arg.valueTwo = this.u64(a.valueTwo, where, 'valueTwo');
    return arg;
  }

  filterSet(v: Json, where: string): SeccompFilterSet | undefined {
    if (v === undefined || v === null) return undefined;
    const o = this.object(v, where);
    const set: SeccompFilterSet = {};
    if (o.caps !== undefined && o.caps !== null) {
      set.caps = this.strings(o.caps, `${where}.caps`).map((c) => {
        const name = c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`;
        if (!/^CAP_[A-Z_]+$/.test(name)) throw this.error(`${where}.caps`, `${JSON.stringify(c)} is not a capability name`);
        return name;
      });
    }
    if (o.arches !== undefined && o.arches !== null) {
      set.arches = this.strings(o.arches, `${where}.arches`);
      const bad = set.arches.find((a) => !DOCKER_ARCHES.includes(a));
      if (bad) throw this.error(`${where}.arches`, `unknown architecture ${JSON.stringify(bad)} (Docker's names: amd64, arm64, ...)`);
    }
    if (o.minKernel !== undefined && o.minKernel !== null) {
      if (typeof o.minKernel !== 'string' || !/^\d+\.\d+$/.test(o.minKernel)) throw this.error(`${where}.minKernel`, `expected "MAJOR.MINOR", got ${describe(o.minKernel)}`);
      set.minKernel = o.minKernel;
    }
    return set;
  }

  rule(v: Json, i: number): SeccompRule {
    const where = `syscalls[${i}]`;
    const r = this.object(v, where);
    let names: string[];
    if (r.names !== undefined && r.names !== null) names = this.strings(r.names, `${where}.names`);
    else if (typeof r.name === 'string') names = [r.name];
    else throw this.error(where, 'has no names');
    const rule: SeccompRule = { names, action: this.action(r.action, `${where}.action`) };
    const errnoRet = this.errno(r.errnoRet, `${where}.errnoRet`);
    if (errnoRet !== undefined) rule.errnoRet = errnoRet;
    if (r.args !== undefined && r.args !== null) {
      if (!Array.isArray(r.args)) throw this.error(`${where}.args`, `expected a list, got ${describe(r.args)}`);
      if (r.args.length) rule.args = r.args.map((a, j) => this.arg(a, `${where}.args[${j}]`));
    }
    const includes = this.filterSet(r.includes, `${where}.includes`);
    const excludes = this.filterSet(r.excludes, `${where}.excludes`);
    if (includes && Object.keys(includes).length) rule.includes = includes;
    if (excludes && Object.keys(excludes).length) rule.excludes = excludes;
    if (typeof r.comment === 'string') rule.comment = r.comment;
    return rule;
  }
}

function describe(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** The text of a profile file to a profile, or a UserError naming the file, the field and what is wrong. */
export function parseSeccompProfile(text: string, source: string): SeccompProfile {
  const r = new ProfileReader(source);
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw r.error('', `not valid JSON (${(e as Error).message})`);
  }
  const o = r.object(json, '');
  if (o.listenerPath) throw r.error('listenerPath', 'a seccomp agent is not supported');
  if (o.flags !== undefined && o.flags !== null && !(Array.isArray(o.flags) && o.flags.length === 0)) {
    throw r.error('flags', 'filter flags (SECCOMP_FILTER_FLAG_*) are not supported; remove the field');
  }
  const profile: SeccompProfile = { defaultAction: r.action(o.defaultAction, 'defaultAction'), syscalls: [] };
  const defaultErrno = r.errno(o.defaultErrnoRet, 'defaultErrnoRet');
  if (defaultErrno !== undefined) profile.defaultErrnoRet = defaultErrno;
  if (o.architectures !== undefined && o.architectures !== null) {
    profile.architectures = r.strings(o.architectures, 'architectures');
    const bad = profile.architectures.find((a) => !SCMP_ARCHES.includes(a));
    if (bad) throw r.error('architectures', `unknown architecture ${JSON.stringify(bad)} (libseccomp's names: SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, ...)`);
  }
  if (o.archMap !== undefined && o.archMap !== null) {
    if (!Array.isArray(o.archMap)) throw r.error('archMap', `expected a list, got ${describe(o.archMap)}`);
    profile.archMap = o.archMap.map((m, i) => {
      const e = r.object(m, `archMap[${i}]`);
      if (typeof e.architecture !== 'string' || !SCMP_ARCHES.includes(e.architecture)) throw r.error(`archMap[${i}].architecture`, `unknown architecture ${JSON.stringify(e.architecture)}`);
      const sub = e.subArchitectures === undefined || e.subArchitectures === null ? [] : r.strings(e.subArchitectures, `archMap[${i}].subArchitectures`);
      return { architecture: e.architecture, subArchitectures: sub };
    });
  }
  if (o.syscalls !== undefined && o.syscalls !== null) {
    if (!Array.isArray(o.syscalls)) throw r.error('syscalls', `expected a list, got ${describe(o.syscalls)}`);
    profile.syscalls = o.syscalls.map((s, i) => r.rule(s, i));
  }
  return profile;
}

/** Names of PROFILE that ARCH has no syscall for: skipped there, as Docker skips them. In profile order, once each. */
export function skippedSyscalls(profile: SeccompProfile, arch: SeccompArch): string[] {
  const table = SYSCALLS[arch];
  const out = new Set<string>();
  for (const r of profile.syscalls) for (const n of r.names) if (!(n in table)) out.add(n);
  return [...out];
}
