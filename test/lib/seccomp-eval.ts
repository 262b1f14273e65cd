// Two independent ways to tell what a seccomp filter does with a syscall,
// for the tests: a cBPF interpreter that runs the program the helper loads,
// and a direct reading of a Docker-format profile (tsbox's, or podman's
// /usr/share/containers/seccomp.json). Neither shares code with the compiler
// in src/engine/seccomp*.ts.
import assert from 'node:assert/strict';
import { AUDIT_ARCH, SYSCALLS, type SeccompArch } from '../../src/engine/seccomp-syscalls.js';

export const RET_ALLOW = 0x7fff0000;
export const RET_KILL_PROCESS = 0x80000000;
export const RET_ERRNO = (e: number) => (0x00050000 | e) >>> 0;

export interface SeccompData {
  nr: number;
  arch: number;
  args?: bigint[];
}

/** Run a cBPF program the way the kernel runs a seccomp filter; throws on anything a filter may not do. */
export function runFilter(prog: Buffer, data: SeccompData): number {
  const mem = Buffer.alloc(64);
  mem.writeInt32LE(data.nr, 0);
  mem.writeUInt32LE(data.arch, 4);
  (data.args ?? []).forEach((a, i) => mem.writeBigUInt64LE(BigInt.asUintN(64, a), 16 + 8 * i));
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
      case 0x54: // alu and k
        A = (A & k) >>> 0;
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

/** What runFilter returns for a syscall of ARCH. */
export function filterVerdict(prog: Buffer, arch: SeccompArch, nr: number, args: bigint[] = []): number {
  return runFilter(prog, { nr, arch: AUDIT_ARCH[arch], args });
}

// --- reading a profile ---

interface ProfileArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}
interface ProfileRule {
  names?: string[];
  name?: string;
  action: string;
  errnoRet?: number;
  args?: ProfileArg[] | null;
  includes?: Record<string, unknown>;
  excludes?: Record<string, unknown>;
}
export interface Profile {
  defaultAction: string;
  defaultErrnoRet?: number;
  syscalls: ProfileRule[];
}

const DOCKER_ARCH: Record<SeccompArch, string> = { x86_64: 'amd64', aarch64: 'arm64' };

function ruleApplies(r: ProfileRule, arch: SeccompArch, caps: readonly string[]): boolean {
  for (const set of [r.includes ?? {}, r.excludes ?? {}]) {
    for (const key of Object.keys(set)) assert.ok(key === 'caps' || key === 'arches', `a profile filter this reading does not know: ${key}`);
  }
  const inc = (r.includes ?? {}) as { caps?: string[]; arches?: string[] };
  const exc = (r.excludes ?? {}) as { caps?: string[]; arches?: string[] };
  if (inc.caps && !inc.caps.every((c) => caps.includes(c))) return false;
  if (exc.caps && exc.caps.some((c) => caps.includes(c))) return false;
  if (inc.arches && !inc.arches.includes(DOCKER_ARCH[arch])) return false;
  if (exc.arches && exc.arches.includes(DOCKER_ARCH[arch])) return false;
  return true;
}

function argHolds(a: ProfileArg, args: bigint[]): boolean {
  const x = BigInt.asUintN(64, args[a.index] ?? 0n);
  const v = BigInt(a.value);
  switch (a.op) {
    case 'SCMP_CMP_EQ':
      return x === v;
    case 'SCMP_CMP_NE':
      return x !== v;
    case 'SCMP_CMP_LT':
      return x < v;
    case 'SCMP_CMP_LE':
      return x <= v;
    case 'SCMP_CMP_GT':
      return x > v;
    case 'SCMP_CMP_GE':
      return x >= v;
    case 'SCMP_CMP_MASKED_EQ':
      return (x & v) === BigInt(a.valueTwo ?? 0);
    default:
      return assert.fail(`unknown comparison ${a.op}`);
  }
}

function actionValue(action: string, errnoRet: number | undefined): number {
  switch (action) {
    case 'SCMP_ACT_ALLOW':
      return RET_ALLOW;
    case 'SCMP_ACT_ERRNO':
      return RET_ERRNO(errnoRet ?? 1);
    case 'SCMP_ACT_KILL_PROCESS':
      return RET_KILL_PROCESS;
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return 0;
    default:
      return assert.fail(`an action this reading does not know: ${action}`);
  }
}

/**
 * The verdict of PROFILE for syscall NAME of ARCH with ARGS, for a container
 * keeping CAPS: the first applicable rule naming it whose args all hold, else
 * the default. (For podman's profile this is also what libseccomp makes of
 * it: its rules with and without args for one syscall never overlap.)
 */
export function profileVerdict(profile: Profile, arch: SeccompArch, caps: readonly string[], name: string, args: bigint[] = []): number {
  assert.ok(name in SYSCALLS[arch], `${name} is a syscall of ${arch}`);
  for (const r of profile.syscalls) {
    const names = r.names ?? (r.name ? [r.name] : []);
    if (!names.includes(name) || !ruleApplies(r, arch, caps)) continue;
    if ((r.args ?? []).every((a) => argHolds(a, args))) return actionValue(r.action, r.errnoRet);
  }
  return actionValue(profile.defaultAction, profile.defaultErrnoRet);
}

/**
 * Argument vectors that take every branch of the rules PROFILES have for
 * NAME: each value they compare with, its neighbours, and the same with
 * garbage in the upper 32 bits, for each argument they look at.
 */
export function interestingArgs(profiles: Profile[], name: string): bigint[][] {
  const perIndex = new Map<number, Set<bigint>>();
  for (const p of profiles) {
    for (const r of p.syscalls) {
      if (!(r.names ?? [r.name]).includes(name)) continue;
      for (const a of r.args ?? []) {
        const s = perIndex.get(a.index) ?? new Set<bigint>([0n, 0xffffffffn, (1n << 64n) - 1n]);
        for (const v of [BigInt(a.value), BigInt(a.valueTwo ?? 0)]) {
          for (const w of [v, v + 1n, v > 0n ? v - 1n : 0n]) {
            s.add(BigInt.asUintN(64, w));
            s.add(BigInt.asUintN(64, w | (1n << 32n)));
            s.add(BigInt.asUintN(64, w | (0xdeadn << 40n)));
          }
        }
        perIndex.set(a.index, s);
      }
    }
  }
  let vectors: bigint[][] = [[0n, 0n, 0n, 0n, 0n, 0n]];
  for (const [i, values] of perIndex) {
    vectors = vectors.flatMap((v) => [...values].map((x) => v.map((y, j) => (j === i ? x : y))));
  }
  return vectors;
}
