// Classic BPF for seccomp: the encoding (linux/filter.h, linux/bpf_common.h),
// a small assembler with forward labels, and a disassembler for tests and
// debugging. The helper loads what this produces as it is.

export const BPF_LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
export const BPF_ALU_AND_K = 0x54; // BPF_ALU | BPF_AND | BPF_K
export const BPF_JA = 0x05; // BPF_JMP | BPF_JA
export const BPF_JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
export const BPF_JGT_K = 0x25;
export const BPF_JGE_K = 0x35;
export const BPF_JSET_K = 0x45;
export const BPF_RET_K = 0x06; // BPF_RET | BPF_K

// linux/seccomp.h
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;

// struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
export const OFF_NR = 0;
export const OFF_ARCH = 4;
/** both supported architectures are little-endian: the low 32 bits of args[i] come first */
export const argLow = (i: number) => 16 + 8 * i;
export const argHigh = (i: number) => 20 + 8 * i;

/** The kernel refuses longer programs (BPF_MAXINSNS). */
export const MAX_INSNS = 4096;

/**
 * Instructions kept as numbers, not objects: the engine assembles a program
 * at every container create, and what it allocates there is what makes the
 * next scavenge come sooner. A jump target is a relative skip (>= 0) or a
 * label (from label(), negative), bound later with bind() and resolved,
 * forward only, by assemble().
 */
export class Assembler {
  private words: number[] = new Array<number>(1024).fill(0); // code, jt, jf, k per instruction
  private n = 0; // instructions so far
  private readonly bound: number[] = []; // label -> instruction index, -1 until bound

  get length(): number {
    return this.n;
  }
  label(): number {
    this.bound.push(-1);
    return -this.bound.length;
  }
  bind(label: number) {
    const i = -label - 1;
    if (this.bound[i] !== -1) throw new Error(`seccomp assembler: label ${label} bound twice`);
    this.bound[i] = this.length;
  }
  ld(offset: number) {
    this.emit(BPF_LD_W_ABS, 0, 0, offset);
  }
  and(k: number) {
    this.emit(BPF_ALU_AND_K, 0, 0, k >>> 0);
  }
  jump(code: number, k: number, jt: number, jf: number) {
    this.emit(code, jt, jf, k >>> 0);
  }
  /** unconditional: k is a 32-bit offset, so only conditional jumps are limited to 255 */
  ja(target: number) {
    this.emit(BPF_JA, 0, 0, target);
  }
  ret(k: number) {
    this.emit(BPF_RET_K, 0, 0, k >>> 0);
  }

  private emit(code: number, jt: number, jf: number, k: number) {
    if (4 * this.n === this.words.length) this.words = this.words.concat(new Array<number>(this.words.length).fill(0));
    const w = this.words;
    w[4 * this.n] = code;
    w[4 * this.n + 1] = jt;
    w[4 * this.n + 2] = jf;
    w[4 * this.n + 3] = k;
    this.n++;
  }

  assemble(): Buffer {
    const n = this.length;
    if (n > MAX_INSNS) throw new Error(`seccomp program too long: ${n} > ${MAX_INSNS} instructions`);
    const buf = Buffer.allocUnsafe(n * 8);
    const w = this.words;
    for (let i = 0; i < n; i++) {
      const code = w[4 * i];
      const jt = this.offset(i, w[4 * i + 1], 255);
      const jf = this.offset(i, w[4 * i + 2], 255);
      const k = code === BPF_JA ? this.offset(i, w[4 * i + 3], 0xffffffff) : w[4 * i + 3];
      const o = i * 8;
      buf[o] = code & 0xff;
      buf[o + 1] = code >>> 8;
      buf[o + 2] = jt;
      buf[o + 3] = jf;
      buf[o + 4] = k & 0xff;
      buf[o + 5] = (k >>> 8) & 0xff;
      buf[o + 6] = (k >>> 16) & 0xff;
      buf[o + 7] = k >>> 24;
    }
    return buf;
  }

  private offset(i: number, target: number, max: number): number {
    let off = target;
    if (target < 0) {
      const at = this.bound[-target - 1];
      if (at === undefined || at < 0) throw new Error(`seccomp assembler: label ${target} is not bound`);
      off = at - (i + 1);
    }
    if (off < 0 || off > max) throw new Error(`seccomp assembler: jump from ${i} is out of range (${off})`);
    return off;
  }
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function retText(k: number): string {
  if (k === SECCOMP_RET_ALLOW) return 'ALLOW';
  if (k === SECCOMP_RET_KILL_PROCESS) return 'KILL_PROCESS';
  if (k === SECCOMP_RET_KILL_THREAD) return 'KILL_THREAD';
  if (k === SECCOMP_RET_LOG) return 'LOG';
  if ((k & 0xffff0000) >>> 0 === SECCOMP_RET_ERRNO) return `ERRNO(${k & 0xffff})`;
  if ((k & 0xffff0000) >>> 0 === SECCOMP_RET_TRAP) return `TRAP(${k & 0xffff})`;
  return hex(k);
}

function loadName(k: number): string | undefined {
  if (k === OFF_NR) return 'nr';
  if (k === OFF_ARCH) return 'arch';
  if (k >= 16 && k < 64) return `args[${(k - 16) >> 3}] ${k % 8 === 0 ? 'low' : 'high'}`;
  return undefined;
}

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
      case BPF_LD_W_ABS: {
        const name = loadName(k);
        text = `ld [${k}]${name ? `  ; ${name}` : ''}`;
        break;
      }
      case BPF_ALU_AND_K:
        text = `and #${hex(k)}`;
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
