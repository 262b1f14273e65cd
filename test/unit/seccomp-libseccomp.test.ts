// tsbox compiles seccomp profiles itself (src/engine/seccomp.ts); docker,
// podman, runc and crun hand them to libseccomp. This test builds the same
// profiles with libseccomp (test/fixtures/libseccomp-export.c, which adds
// each applicable rule for each name, as containers/common does) and runs
// both programs through the cBPF interpreter for every syscall number of
// this architecture and, for syscalls with argument rules, every argument
// vector that takes a branch of them: the default profile and hand-written
// ones mean the same to both, syscall by syscall.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CAPS } from '../../src/engine/capabilities.js';
import { CAPABILITIES } from '../../src/common/capabilities.js';
import { compileFilter, resolveProfile } from '../../src/engine/seccomp.js';
import { DEFAULT_PROFILE, type SeccompProfile, type SeccompRule } from '../../src/engine/seccomp-profile.js';
import { SYSCALLS, seccompArch, type SeccompArch } from '../../src/engine/seccomp-syscalls.js';
import { filterVerdict, interestingArgs, type Profile } from '../lib/seccomp-eval.js';
import { attempt, canRun, howItEnded, run } from '../lib/programs.js';

const arch = seccompArch(process.arch);
const header = ['/usr/include/seccomp.h', '/usr/local/include/seccomp.h'].some((h) => fs.existsSync(h));
const hasGcc = canRun('gcc');
const skip = (!arch && `no seccomp tables for ${process.arch}`) || (!hasGcc && 'needs gcc') || (!header && 'needs libseccomp headers (libseccomp-dev)') || false;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbox-libseccomp-'));
const TOOL = path.join(dir, 'libseccomp-export');
before(() => {
  if (skip) return;
  const src = new URL('../../../test/fixtures/libseccomp-export.c', import.meta.url).pathname;
  run('gcc', ['-O2', '-Wall', '-Werror', '-o', TOOL, src, '-lseccomp']);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const OP: Record<string, number> = { SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6, SCMP_CMP_MASKED_EQ: 7 };

function action(a: string, errno: number | undefined): number {
  switch (a) {
    case 'SCMP_ACT_ALLOW':
      return 0x7fff0000;
    case 'SCMP_ACT_ERRNO':
      return (0x00050000 | (errno ?? 1)) >>> 0;
    case 'SCMP_ACT_KILL_PROCESS':
      return 0x80000000;
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return 0;
    case 'SCMP_ACT_TRAP':
      return 0x00030000;
    case 'SCMP_ACT_LOG':
      return 0x7ffc0000;
  }
  throw new Error(a);
}

const DOCKER: Record<SeccompArch, string> = { x86_64: 'amd64', aarch64: 'arm64' };

/** Docker's and podman's reading of includes/excludes (their code, not ours: no shared helper). */
function applies(r: SeccompRule, a: SeccompArch, caps: readonly string[]): boolean {
  if (r.includes?.caps && !r.includes.caps.every((c) => caps.includes(c))) return false;
  if (r.excludes?.caps?.some((c) => caps.includes(c))) return false;
  if (r.includes?.arches && !r.includes.arches.includes(DOCKER[a])) return false;
  if (r.excludes?.arches?.includes(DOCKER[a])) return false;
  return true;
}

/** The profile through libseccomp: its program, and the rules it refused. */
function libseccomp(p: SeccompProfile, a: SeccompArch, caps: readonly string[]): { prog: Buffer; refused: string } {
  const lines = [`default ${action(p.defaultAction, p.defaultErrnoRet)}`];
  for (const r of p.syscalls) {
    if (!applies(r, a, caps)) continue;
    for (const name of r.names) {
      const nr = SYSCALLS[a][name];
      if (nr === undefined) continue;
      const args = (r.args ?? []).map((x) => `${x.index} ${OP[x.op]} ${x.value} ${x.valueTwo ?? 0}`);
      lines.push(`rule ${action(r.action, r.errnoRet)} ${nr} ${args.length} ${args.join(' ')}`);
    }
  }
  // latin1: the program's bytes, one char each, and back
  const out = attempt(TOOL, [], { input: lines.join('\n') + '\n', encoding: 'latin1' });
  assert.equal(out.exitCode, 0, howItEnded(out));
  return { prog: Buffer.from(out.stdout, 'latin1'), refused: out.stderr };
}

/** Every (syscall, args) where the two programs answer differently. */
function differences(p: SeccompProfile, a: SeccompArch, caps: readonly string[]): string[] {
  const ours = compileFilter(resolveProfile(p, a, caps));
  const theirs = libseccomp(p, a, caps).prog;
  const names = new Map(Object.entries(SYSCALLS[a]).map(([n, nr]) => [nr, n]));
  const diffs: string[] = [];
  for (let nr = 0; nr < 1024; nr++) {
    const name = names.get(nr);
    const vectors = name ? interestingArgs([p as unknown as Profile], name) : [[]];
    for (const args of vectors) {
      const x = filterVerdict(ours, a, nr, args);
      const y = filterVerdict(theirs, a, nr, args);
      if (x !== y) diffs.push(`${name ?? nr}(${args.map((v) => `0x${v.toString(16)}`).join(',')}): tsbox 0x${x.toString(16)}, libseccomp 0x${y.toString(16)}`);
    }
  }
  return diffs;
}

const CAP_SETS: Array<[string, readonly string[]]> = [
  ['default caps', DEFAULT_CAPS],
  ['no caps', []],
  ['+SYS_ADMIN', [...DEFAULT_CAPS, 'CAP_SYS_ADMIN']],
  ['+AUDIT_WRITE', [...DEFAULT_CAPS, 'CAP_AUDIT_WRITE']],
  ['+SYSLOG', [...DEFAULT_CAPS, 'CAP_SYSLOG']],
  ['+SYS_NICE', [...DEFAULT_CAPS, 'CAP_SYS_NICE']],
  ['+SYS_PTRACE', [...DEFAULT_CAPS, 'CAP_SYS_PTRACE']],
  ['all caps', CAPABILITIES],
];

test('the default profile: libseccomp and tsbox give the same verdict for every syscall and argument, for every capability set', { skip }, () => {
  for (const [label, caps] of CAP_SETS) {
    const d = differences(DEFAULT_PROFILE, arch!, caps);
    assert.deepEqual(d.slice(0, 20), [], `${label}: ${d.length} differences`);
  }
});

test('hand-written profiles: the same verdicts from libseccomp and tsbox', { skip }, () => {
  const profiles: SeccompProfile[] = [
    // a denylist with errnos, kill and trap
    {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['getppid', 'getpgrp'], action: 'SCMP_ACT_ERRNO', errnoRet: 42 },
        { names: ['ptrace'], action: 'SCMP_ACT_KILL_PROCESS' },
        { names: ['acct'], action: 'SCMP_ACT_TRAP' },
        { names: ['uname'], action: 'SCMP_ACT_LOG' },
      ],
    },
    // an allowlist with every comparison
    {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      syscalls: [
        { names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' },
        { names: ['kill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 15, op: 'SCMP_CMP_EQ' }] },
        { names: ['dup2'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 10, op: 'SCMP_CMP_LT' }] },
        { names: ['dup3'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 10, op: 'SCMP_CMP_LE' }] },
        { names: ['lseek'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 1, op: 'SCMP_CMP_GE' }] },
        { names: ['close'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2, op: 'SCMP_CMP_GT' }] },
        { names: ['fcntl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 4, op: 'SCMP_CMP_NE' }] },
        { names: ['mmap'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 4, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0x5401, op: 'SCMP_CMP_EQ' }, { index: 0, value: 3, op: 'SCMP_CMP_LT' }] },
        { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2 ** 40 + 8, op: 'SCMP_CMP_EQ' }] },
        { names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, includes: { caps: ['CAP_SYS_NICE'] } },
        { names: ['setpriority'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_SYS_NICE'] } },
        { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
      ],
    },
    // podman's own, as containers-common ships it (its rules with and without args never overlap)
    ...(fs.existsSync('/usr/share/containers/seccomp.json') ? [JSON.parse(fs.readFileSync('/usr/share/containers/seccomp.json', 'utf8')) as SeccompProfile] : []),
  ];
  for (const p of profiles) {
    for (const [label, caps] of [['default caps', DEFAULT_CAPS], ['+SYS_NICE', [...DEFAULT_CAPS, 'CAP_SYS_NICE']]] as const) {
      const d = differences(p, arch!, caps);
      assert.deepEqual(d.slice(0, 20), [], `${label}: ${d.length} differences`);
    }
  }
});
