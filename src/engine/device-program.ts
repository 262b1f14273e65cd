// Which device nodes a container on cgroup v2 may open, read from the
// kernel: v2 keeps no devices.list, it asks BPF_PROG_TYPE_CGROUP_DEVICE
// programs (the container's cgroup's and its ancestors', all of which must
// allow). `tsbox-helper device-programs` prints their instructions as the
// kernel holds them (native/devprogs.c); this module runs them, the way the
// kernel does, on the devices that matter: every device node the host has
// (/sys/dev/char, /sys/dev/block) and numbers no device has, which only a
// wildcard rule allows. The answer is in the v1 rules' terms, so the audit
// judges v1 and v2 alike.
//
// The interpreter is not a verifier: it runs programs the kernel has
// already verified (no loops, no pointers but the context), and it refuses,
// rather than guesses, any instruction outside the small set such programs
// use (ALU, jumps, loads from the context). The programs tsbox builds
// (native/devices.c), runc's, crun's and systemd's use only those.
import fs from 'node:fs';
import path from 'node:path';
import { childProcess } from './lazy.js';

/** One eBPF instruction, as struct bpf_insn. */
export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

/** The kernel's BPF_DEVCG_* values in the context. */
const DEV_TYPE = { b: 1, c: 2 } as const;
const ACCESS = { m: 1, r: 2, w: 4 } as const;

export type DeviceType = keyof typeof DEV_TYPE;

/** HEX (struct bpf_insn bytes, as the helper prints them) as instructions. */
export function decodeProgram(hex: string): Insn[] {
  if (!/^(?:[0-9a-f]{16})+$/.test(hex)) throw new Error('a device program is whole 8-byte instructions in hex');
  const b = Buffer.from(hex, 'hex');
  const out: Insn[] = [];
  for (let i = 0; i < b.length; i += 8) {
    out.push({ code: b[i], dst: b[i + 1] & 0x0f, src: b[i + 1] >> 4, off: b.readInt16LE(i + 2), imm: b.readInt32LE(i + 4) });
  }
  return out;
}

const MASK64 = (1n << 64n) - 1n;
const MASK32 = (1n << 32n) - 1n;
const signed64 = (v: bigint) => BigInt.asIntN(64, v);
const signed32 = (v: bigint) => BigInt.asIntN(32, v);

/** The ctx register's marker: the only pointer such programs have. */
const CTX = -1n;

/** Runs of a program longer than this are refused (the verifier allows no loops; tsbox's take ~8 per rule). */
const MAX_STEPS = 100_000;

/**
 * Run PROG on the context {access << 16 | type, major, minor}, as the
 * kernel does for a mknod or open of that device: its return value (nonzero
 * allows). Throws on an instruction it does not know.
 */
export function runProgram(prog: readonly Insn[], ctx: { type: number; access: number; major: number; minor: number }): bigint {
  const reg: bigint[] = new Array(11).fill(0n);
  reg[1] = CTX;
  const ctxWords = [((ctx.access << 16) | ctx.type) >>> 0, ctx.major >>> 0, ctx.minor >>> 0];
  let pc = 0;
  for (let steps = 0; steps < MAX_STEPS; steps++) {
    const i = prog[pc];
    if (!i) throw new Error(`the program ran past its end at ${pc}`);
    const cls = i.code & 0x07;
    const op = i.code & 0xf0;
    const fromReg = (i.code & 0x08) !== 0;
    if (i.dst > 10 || i.src > 10) throw new Error(`register out of range at ${pc}`);
    if (cls === 0x07 || cls === 0x04) {
      // ALU64 (7) and ALU (4, 32-bit)
      const wide = cls === 0x07;
      if (reg[i.dst] === CTX && op !== 0xb0) throw new Error(`arithmetic on the context pointer at ${pc}`);
      const a = reg[i.dst];
      const b = fromReg ? reg[i.src] : wide ? BigInt(i.imm) & MASK64 : BigInt(i.imm) & MASK32;
      if (b === CTX && fromReg) {
        if (op !== 0xb0 || !wide) throw new Error(`arithmetic on the context pointer at ${pc}`);
        reg[i.dst] = CTX;
        pc++;
        continue;
      }
      const mask = wide ? MASK64 : MASK32;
      const x = a & mask;
      const y = b & mask;
      const bits = wide ? 64n : 32n;
      let v: bigint;
      switch (op) {
        case 0x00: v = x + y; break; // add
        case 0x10: v = x - y; break; // sub
        case 0x20: v = x * y; break; // mul
        case 0x30: v = y === 0n ? 0n : x / y; break; // div (the kernel's: by zero gives 0)
        case 0x40: v = x | y; break; // or
        case 0x50: v = x & y; break; // and
        case 0x60: v = x << (y & (bits - 1n)); break; // lsh
        case 0x70: v = x >> (y & (bits - 1n)); break; // rsh
        case 0x80: v = -x; break; // neg
        case 0x90: v = y === 0n ? x : x % y; break; // mod (by zero keeps dst)
        case 0xa0: v = x ^ y; break; // xor
        case 0xb0: v = y; break; // mov
        case 0xc0: v = (wide ? signed64(x) : signed32(x)) >> (y & (bits - 1n)); break; // arsh
        default: throw new Error(`an ALU operation the interpreter does not know (0x${i.code.toString(16)}) at ${pc}`);
      }
      // 32-bit operations zero the upper half, as the kernel does
      reg[i.dst] = v & mask;
      pc++;
      continue;
    }
    if (cls === 0x01) {
      // LDX: only 32-bit loads from the context, at its three words
      if ((i.code & 0x18) !== 0x00 || (i.code & 0xe0) !== 0x60 || reg[i.src] !== CTX || i.off % 4 !== 0 || i.off < 0 || i.off > 8) {
        throw new Error(`a load the interpreter does not know (0x${i.code.toString(16)} off ${i.off}) at ${pc}`);
      }
      reg[i.dst] = BigInt(ctxWords[i.off / 4]);
      pc++;
      continue;
    }
    if (cls === 0x05 || cls === 0x06) {
      // JMP (5) and JMP32 (6)
      if (op === 0x90 && cls === 0x05) {
        if (reg[0] === CTX) throw new Error(`the program returns the context pointer at ${pc}`);
        return reg[0]; // exit
      }
      if (op === 0x00) {
        pc += 1 + (cls === 0x05 ? i.off : i.imm); // ja (JMP32's ja takes imm)
        continue;
      }
      const wide = cls === 0x05;
      if (reg[i.dst] === CTX || (fromReg && reg[i.src] === CTX)) throw new Error(`a comparison with the context pointer at ${pc}`);
      const mask = wide ? MASK64 : MASK32;
      const x = reg[i.dst] & mask;
      const y = (fromReg ? reg[i.src] : BigInt(i.imm)) & mask;
      const sx = wide ? signed64(x) : signed32(x);
      const sy = wide ? signed64(y) : signed32(y);
      let taken: boolean;
      switch (op) {
        case 0x10: taken = x === y; break; // jeq
        case 0x20: taken = x > y; break; // jgt
        case 0x30: taken = x >= y; break; // jge
        case 0x40: taken = (x & y) !== 0n; break; // jset
        case 0x50: taken = x !== y; break; // jne
        case 0x60: taken = sx > sy; break; // jsgt
        case 0x70: taken = sx >= sy; break; // jsge
        case 0xa0: taken = x < y; break; // jlt
        case 0xb0: taken = x <= y; break; // jle
        case 0xc0: taken = sx < sy; break; // jslt
        case 0xd0: taken = sx <= sy; break; // jsle
        default: throw new Error(`a jump or call the interpreter does not know (0x${i.code.toString(16)}) at ${pc}`);
      }
      pc += 1 + (taken ? i.off : 0);
      continue;
    }
    throw new Error(`an instruction the interpreter does not know (0x${i.code.toString(16)}) at ${pc}`);
  }
  throw new Error(`the program ran more than ${MAX_STEPS} steps`);
}

/** The accesses (of "rwm") that every program allows on the device; '' when none. */
export function programsAllow(programs: readonly Insn[][], type: DeviceType, major: number, minor: number): string {
  return (['r', 'w', 'm'] as const)
    .filter((a) => programs.every((p) => runProgram(p, { type: DEV_TYPE[type], access: ACCESS[a], major, minor }) !== 0n))
    .join('');
}

/** The accesses a v1-syntax rule list ("c 1:3 rwm", "b *:* m", "a *:* rwm") allows on the device. */
export function rulesAllow(rules: readonly string[], type: DeviceType, major: number, minor: number): string {
  const allowed = new Set<string>();
  for (const rule of rules) {
    const m = /^([abc]) (\d+|\*):(\d+|\*) ([rwm]+)$/.exec(rule);
    if (!m) continue;
    const matches = (m[1] === 'a' || m[1] === type) && (m[2] === '*' || Number(m[2]) === major) && (m[3] === '*' || Number(m[3]) === minor);
    if (matches) for (const a of m[4]) allowed.add(a);
  }
  return ['r', 'w', 'm'].filter((a) => allowed.has(a)).join('');
}

export interface HostDevice {
  type: DeviceType;
  major: number;
  minor: number;
  /** its name under /dev (uevent's DEVNAME), when it has one */
  name: string | null;
}

/** Every device node the host's kernel has: /sys/dev/char and /sys/dev/block, named by their uevent. */
export function hostDevices(sys = '/sys/dev'): HostDevice[] {
  const out: HostDevice[] = [];
  for (const [dir, type] of [['char', 'c'], ['block', 'b']] as const) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(path.join(sys, dir));
    } catch {
      continue;
    }
    for (const n of names) {
      const m = /^(\d+):(\d+)$/.exec(n);
      if (!m) continue;
      let name: string | null = null;
      try {
        name = /^DEVNAME=(.+)$/m.exec(fs.readFileSync(path.join(sys, dir, n, 'uevent'), 'utf8'))?.[1] ?? null;
      } catch {
        /* a device without a readable uevent keeps its number alone */
      }
      out.push({ type, major: Number(m[1]), minor: Number(m[2]), name });
    }
  }
  return out;
}

/** Numbers no device has (majors are 12 bits, minors 20): only a wildcard rule allows them. */
const NO_DEVICE = { major: 4094, minor: 1048574 };

/** What the programs allow beyond BASELINE (the default allowlist), in v1 rule terms. */
export interface ProgramVerdict {
  /** every device: a wildcard rule for both types with read and write */
  every: boolean;
  /** "c 10:237 r (/dev/loop-control)": host devices, and wildcards, allowed beyond the baseline */
  extra: string[];
}

/** Judge PROGRAMS against BASELINE over the host's devices and the wildcard probes. */
export function judgePrograms(programs: readonly Insn[][], baseline: readonly string[], devices: readonly HostDevice[]): ProgramVerdict {
  const beyond = (type: DeviceType, major: number, minor: number) => {
    const base = rulesAllow(baseline, type, major, minor);
    return [...programsAllow(programs, type, major, minor)].filter((a) => !base.includes(a)).join('');
  };
  const wild = { b: beyond('b', NO_DEVICE.major, NO_DEVICE.minor), c: beyond('c', NO_DEVICE.major, NO_DEVICE.minor) };
  const every = wild.b.includes('r') && wild.b.includes('w') && wild.c.includes('r') && wild.c.includes('w');
  const extra: string[] = [];
  const minus = (a: string, b: string) => [...a].filter((x) => !b.includes(x)).join('');
  for (const t of ['c', 'b'] as const) if (wild[t]) extra.push(`${t} *:* ${wild[t]}`);
  // a whole major (a minor no device has is allowed too) is one line, as its rule would be
  const majors = new Map<string, string>();
  for (const d of devices) {
    const key = `${d.type} ${d.major}`;
    if (!majors.has(key)) majors.set(key, minus(beyond(d.type, d.major, NO_DEVICE.minor), wild[d.type]));
  }
  for (const [key, more] of majors) if (more) extra.push(`${key}:* ${more}`);
  for (const d of devices) {
    const more = minus(minus(beyond(d.type, d.major, d.minor), wild[d.type]), majors.get(`${d.type} ${d.major}`) ?? '');
    if (more) extra.push(`${d.type} ${d.major}:${d.minor} ${more}${d.name ? ` (/dev/${d.name})` : ''}`);
  }
  return { every, extra };
}

/** The device programs in force at a cgroup v2 directory, or why they cannot be read. */
export type DevicePrograms = { programs: Insn[][] } | { unreadable: string };

/** Ask the helper for the programs at CGROUP_DIR (native/devprogs.c). */
export function readDevicePrograms(helper: string, cgroupDir: string): DevicePrograms {
  const r = childProcess().spawnSync(helper, ['device-programs', cgroupDir], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000, encoding: 'utf8' });
  if (r.error) return { unreadable: `tsbox-helper device-programs: ${r.error.message}` };
  if (r.status !== 0) return { unreadable: r.stderr.trim().replace(/^tsbox-helper: device-programs: /, '') || `tsbox-helper device-programs ended with ${r.status ?? r.signal}` };
  try {
    return { programs: r.stdout.split('\n').filter(Boolean).map((l) => decodeProgram(l.split(' ')[1] ?? '')) };
  } catch (e) {
    return { unreadable: (e as Error).message };
  }
}
