// The device-program interpreter (src/engine/device-program.ts) on programs
// assembled here, instruction by instruction: what the kernel's programs
// use (ALU and ALU32, JMP and JMP32, loads from the context, exit), what it
// refuses, and how the verdict reads in v1 rule terms. The same interpreter
// on the programs the kernel holds for real containers is in
// test/integration/audit-v2-devices.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProgram, judgePrograms, programsAllow, rulesAllow, runProgram, type HostDevice, type Insn } from '../../src/engine/device-program.js';

const I = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
const hex = (p: Insn[]) =>
  p
    .map((i) => {
      const b = Buffer.alloc(8);
      b[0] = i.code;
      b[1] = (i.src << 4) | i.dst;
      b.writeInt16LE(i.off, 2);
      b.writeInt32LE(i.imm, 4);
      return b.toString('hex');
    })
    .join('');

// opcodes: class | op | source
const LDXW = 0x61; // ldx mem word
const MOV64K = 0xb7, MOV64X = 0xbf, AND64K = 0x57, RSH64K = 0x77, MOV32K = 0xb4;
const JNEK = 0x55, JEQK = 0x15, JGTK = 0x25, JSGTK = 0x65, JA = 0x05, EXIT = 0x95;
const JNE32K = 0x56;
const allow = [I(MOV64K, 0, 0, 0, 1), I(EXIT, 0, 0, 0, 0)];
const deny = [I(MOV64K, 0, 0, 0, 0), I(EXIT, 0, 0, 0, 0)];

/** Allows char devices of MAJOR (any minor) for ACCESS bits only, as a rule `c MAJOR:* ACCESS` would. */
function charMajor(major: number, accessMask: number): Insn[] {
  return [
    I(LDXW, 2, 1, 0, 0), // r2 = access << 16 | type
    I(MOV64X, 3, 2, 0, 0),
    I(RSH64K, 3, 0, 0, 16), // r3 = access asked for
    I(AND64K, 2, 0, 0, 0xffff), // r2 = type
    I(LDXW, 4, 1, 4, 0), // r4 = major
    I(JNEK, 2, 0, 5, 2), // not char: deny
    I(JNEK, 4, 0, 4, major), // not MAJOR: deny
    I(AND64K, 3, 0, 0, ~accessMask & 7),
    I(JNEK, 3, 0, 2, 0), // asked for more: deny
    ...allow,
    ...deny,
  ];
}

test('decodeProgram reads struct bpf_insn bytes and refuses anything that is not whole instructions', () => {
  const p = charMajor(10, 2);
  assert.deepEqual(decodeProgram(hex(p)), p);
  assert.throws(() => decodeProgram('00'), /whole 8-byte instructions/);
  assert.throws(() => decodeProgram('zz'.repeat(8)), /whole 8-byte instructions/);
});

test('the context is {access << 16 | type, major, minor}, and a program allows by returning nonzero', () => {
  assert.equal(runProgram(allow, { type: 2, access: 2, major: 1, minor: 3 }), 1n);
  assert.equal(runProgram(deny, { type: 2, access: 2, major: 1, minor: 3 }), 0n);
  const p = charMajor(10, 2 | 4); // c 10:* rw
  assert.equal(programsAllow([p], 'c', 10, 237), 'rw');
  assert.equal(programsAllow([p], 'c', 11, 0), '');
  assert.equal(programsAllow([p], 'b', 10, 237), '');
  // every program in force must allow: the cgroup's own and its ancestors'
  assert.equal(programsAllow([p, allow], 'c', 10, 1), 'rw');
  assert.equal(programsAllow([p, deny], 'c', 10, 1), '');
  assert.equal(programsAllow([], 'b', 8, 0), 'rwm', 'no program: the kernel allows everything');
});

test('ALU32 zero-extends, JMP32 compares the low half, signed jumps are signed, ja jumps', () => {
  const ctx = { type: 2, access: 2, major: 0, minor: 0 };
  // w0 = -1: r0 is 0xffffffff, not -1, so (unsigned 64-bit) r0 > 0xfffffffe and r0 != -1
  const zext = [I(MOV32K, 0, 0, 0, -1), I(JEQK, 0, 0, 2, -1), I(JGTK, 0, 0, 0, 0x7ffffffe), I(EXIT, 0, 0, 0, 0), ...deny];
  assert.equal(runProgram(zext, ctx), 0xffffffffn);
  // r0 = -1 (64-bit): signed it is below 0, unsigned above everything
  const signed = [I(MOV64K, 0, 0, 0, -1), I(JSGTK, 0, 0, 2, 0), I(MOV64K, 0, 0, 0, 7), I(EXIT, 0, 0, 0, 0), ...deny];
  assert.equal(runProgram(signed, ctx), 7n);
  // JMP32 sees only the low 32 bits: r0 = 0x1_0000_0000 has a zero low half
  const low = [I(MOV64K, 0, 0, 0, 1), I(0x67, 0, 0, 0, 32), I(JNE32K, 0, 0, 2, 0), I(MOV64K, 0, 0, 0, 5), I(EXIT, 0, 0, 0, 0), ...deny];
  assert.equal(runProgram(low, ctx), 5n);
  const ja = [I(JA, 0, 0, 2, 0), ...deny, ...allow];
  assert.equal(runProgram(ja, ctx), 1n);
});

test('what a device program cannot hold is refused, not guessed', () => {
  const ctx = { type: 2, access: 2, major: 0, minor: 0 };
  assert.throws(() => runProgram([I(0x85, 0, 0, 0, 1), ...allow], ctx), /does not know \(0x85\)/); // call
  assert.throws(() => runProgram([I(0x63, 1, 0, 0, 0), ...allow], ctx), /does not know \(0x63\)/); // store
  assert.throws(() => runProgram([I(LDXW, 2, 3, 0, 0), ...allow], ctx), /a load the interpreter does not know/); // not from the context
  assert.throws(() => runProgram([I(LDXW, 2, 1, 12, 0), ...allow], ctx), /a load/); // past the context
  assert.throws(() => runProgram([I(0x07, 1, 0, 0, 4), ...allow], ctx), /context pointer/); // pointer arithmetic
  assert.throws(() => runProgram([I(MOV64K, 0, 0, 0, 1)], ctx), /past its end/);
  assert.throws(() => runProgram([I(JA, 0, 0, -1, 0)], ctx), /more than/);
});

test('rulesAllow reads v1 rules: a, wildcards, and the access letters', () => {
  const rules = ['c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 136:* rw'];
  assert.equal(rulesAllow(rules, 'c', 1, 3), 'rwm');
  assert.equal(rulesAllow(rules, 'c', 136, 9), 'rwm');
  assert.equal(rulesAllow(rules, 'b', 8, 0), 'm');
  assert.equal(rulesAllow(['a *:* rwm'], 'b', 8, 0), 'rwm');
  assert.equal(rulesAllow(['c 1:3 r'], 'c', 1, 4), '');
});

test('judgePrograms: what is allowed beyond the baseline, a major as one line, a device by its name, and "every"', () => {
  const devices: HostDevice[] = [
    { type: 'c', major: 10, minor: 237, name: 'loop-control' },
    { type: 'c', major: 10, minor: 200, name: 'net/tun' },
    { type: 'c', major: 1, minor: 3, name: 'null' },
    { type: 'b', major: 8, minor: 0, name: 'sda' },
  ];
  const baseline = ['c 1:3 rwm'];
  // c 10:* r, plus /dev/null through the baseline
  const v = judgePrograms([charMajor(10, 2)], baseline, devices);
  assert.deepEqual(v, { every: false, extra: ['c 10:* r'] });
  // one device of the major: named
  const one = [I(LDXW, 5, 1, 8, 0), I(JNEK, 5, 0, 2, 237), ...allow, ...deny];
  const both = judgePrograms([charMajor(10, 2 | 4), one], baseline, devices);
  assert.deepEqual(both, { every: false, extra: ['c 10:237 rw (/dev/loop-control)'] });
  assert.deepEqual(judgePrograms([], baseline, devices).every, true, 'no program: every device');
  assert.deepEqual(judgePrograms([deny], baseline, devices), { every: false, extra: [] });
});
