// The default seccomp program loaded into the real kernel. test/fixtures/seccomp-loader.c
// (compiled here with cc) plays the helper's last step: no_new_privs, load the
// program from an fd, exec. Each refused syscall is called with arguments that
// are harmless even if the filter were broken (missing paths, bad magic, bad
// fds), and first without the filter, to prove the kernel alone would not have
// given the filter's answer: so that answer is the filter's doing.
// (seccomp-container.test.ts does the same in containers, for the whole table.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultSeccompProgram } from '../../src/engine/seccomp.js';
import { DEFAULT_PROFILE } from '../../src/engine/seccomp-profile.js';
import { RET_ALLOW, profileVerdict, type Profile } from '../lib/seccomp-eval.js';
import { SYSCALLS, seccompArch } from '../../src/engine/seccomp-syscalls.js';
import { DEFAULT_CAPS } from '../../src/engine/capabilities.js';
import { readProcessSecurity } from '../../src/probe/process.js';
import { tempDir } from '../lib/suite-run.js';
import { attempt, canRun, run, start, type Ran, type Started } from '../lib/programs.js';

const { EPERM, ENOSYS } = constants.errno;
const arch = seccompArch(process.arch);
const hasCc = canRun('cc');
const skip =
  (process.getuid?.() !== 0 && 'needs root (the probes must be able to succeed without the filter)') ||
  (!arch && `no default filter for ${process.arch}`) ||
  (!hasCc && 'no C compiler for the loader fixture') ||
  false;

let dir = '';
let loader = '';
let defaultProg = '';
let adminProg = '';
const started: Started[] = [];

before(() => {
  if (skip) return;
  dir = tempDir('tsbox-seccomp-');
  loader = join(dir, 'seccomp-loader');
  const src = new URL('../../../test/fixtures/seccomp-loader.c', import.meta.url).pathname;
  run('cc', ['-Wall', '-Wextra', '-Werror', '-O2', '-o', loader, src]);
  defaultProg = join(dir, 'default.bpf');
  writeFileSync(defaultProg, defaultSeccompProgram());
  adminProg = join(dir, 'admin.bpf');
  writeFileSync(adminProg, defaultSeccompProgram(process.arch, [...DEFAULT_CAPS, 'CAP_SYS_ADMIN']));
});

after(async () => {
  for (const c of started) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Run CMD under the filter in `prog` (fd 3 of the loader). */
function filtered(prog: string, cmd: string[]) {
  const fd = openSync(prog, 'r');
  try {
    return attempt(loader, ['3', ...cmd], { stdio: ['ignore', 'pipe', 'pipe', fd], timeout: 10_000 });
  } finally {
    closeSync(fd);
  }
}

interface SysResult {
  ret: number;
  errno: number;
}

function parseSys(r: Ran): SysResult {
  const m = /ret=(-?\d+) errno=(\d+)/.exec(r.stdout);
  assert.ok(m, `loader output: ${r.stdout} ${r.stderr} status ${r.exitCode} signal ${r.signal}`);
  return { ret: Number(m[1]), errno: Number(m[2]) };
}

function sys(underFilter: string | null, nr: number, args: string[]): SysResult {
  const cmd = [loader, '--syscall', String(nr), ...args];
  return parseSys(underFilter ? filtered(underFilter, cmd) : attempt(cmd[0], cmd.slice(1), { timeout: 10_000 }));
}

const MISSING = 's:/nonexistent-tsbox-seccomp-test/x';
// name, arguments (harmless whether or not the call goes through)
const PROBES: Array<[string, string[]]> = [
  ['reboot', ['0', '0', '0', '0']], // bad magic: EINVAL when allowed
  ['mount', ['s:none', MISSING, 's:tmpfs', '0', '0']],
  ['umount2', [MISSING, '0']],
  ['pivot_root', [MISSING, MISSING]],
  ['fsopen', ['s:tsbox-no-such-fs', '0']],
  ['open_tree', ['-100', MISSING, '0']],
  ['swapon', [MISSING, '0']],
  ['init_module', ['0', '0', 's:']],
  ['finit_module', ['-1', 's:', '0']],
  ['kexec_file_load', ['-1', '-1', '0', 's:', '0']],
  ['bpf', ['9999', '0', '0']],
  ['perf_event_open', ['0', '0', '-1', '-1', '0']],
  ['keyctl', ['9999']],
  ['add_key', ['0', '0', '0', '0', '0']],
  ['open_by_handle_at', ['-1', '0', '0']],
  ['clock_settime', ['99', '0']],
  ['settimeofday', ['0', '0']], // both NULL: a no-op when allowed
  ['acct', [MISSING]],
  ['syslog', ['10', '0', '0']], // SYSLOG_ACTION_SIZE_BUFFER: read-only
  ['userfaultfd', ['0xffffffff']],
  ['unshare', ['0x40000000']], // CLONE_NEWNET, in a process that exits at once
  ['personality', ['0x0040000']], // ADDR_NO_RANDOMIZE
  ['clone', ['0x04000011']], // CLONE_NEWUTS|SIGCHLD; the child _exits
  ['quotactl', ['0', '0', '0', '0']],
  ['io_uring_setup', ['1', 's:']], // a zeroed io_uring_params (the string's bytes)
  ['kcmp', ['0', '0', '99', '0', '0']], // bad type: EINVAL when allowed
  ['setns', ['-1', '0']],
  ['socket', ['16', '3', '9']], // AF_NETLINK, SOCK_RAW, NETLINK_AUDIT
  ['socket', ['0x100000010', '3', '9']], // the same with garbage in the upper half of domain
  ['socket', ['40', '1', '0']], // AF_VSOCK
];

test('refused syscalls fail with the profile\'s errno under the filter, and only because of it', { skip }, (t) => {
  const table = SYSCALLS[arch!];
  let conclusive = 0;
  for (const [name, args] of PROBES) {
    const nr = table[name];
    const verdict = profileVerdict(DEFAULT_PROFILE as Profile, arch!, DEFAULT_CAPS, name, args.map((a) => (a.startsWith('s:') ? 1n : BigInt(a))));
    assert.notEqual(verdict, RET_ALLOW, `${name} is refused by the profile`);
    const errno = verdict & 0xffff;
    const bare = sys(null, nr, args);
    if (bare.ret < 0 && bare.errno === errno) {
      // e.g. kexec disabled by sysctl: the kernel says EPERM by itself, this probe proves nothing
      t.diagnostic(`${name}: errno ${errno} even without the filter, inconclusive here`);
      continue;
    }
    const f = sys(defaultProg, nr, args);
    assert.equal(f.ret, -1, `${name} fails under the filter`);
    assert.equal(f.errno, errno, `${name}: errno ${errno} under the filter (without it: ret ${bare.ret} errno ${bare.errno})`);
    conclusive++;
  }
  assert.ok(conclusive >= PROBES.length - 3, `${conclusive} of ${PROBES.length} probes were conclusive`);
});

test('what stays allowed: fork via clone, personality query, normal commands', { skip }, () => {
  const table = SYSCALLS[arch!];
  assert.ok(sys(defaultProg, table.clone, ['17']).ret > 0, 'clone(SIGCHLD) forks');
  const persona = sys(defaultProg, table.personality, ['0xffffffff']);
  assert.ok(persona.ret >= 0, 'personality query is allowed');
  const r = filtered(defaultProg, ['busybox', 'sh', '-c', 'echo hi && ls / >/dev/null && grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^hi$/m);
  assert.match(r.stdout, /^Seccomp:\s+2$/m);
  assert.match(r.stdout, /^NoNewPrivs:\s+1$/m);
});

test('clone3 fails with ENOSYS so libc falls back to clone', { skip }, () => {
  const nr = SYSCALLS[arch!].clone3;
  const bare = sys(null, nr, ['0', '0']);
  assert.notEqual(bare.errno, ENOSYS, 'this kernel has clone3');
  assert.equal(sys(defaultProg, nr, ['0', '0']).errno, ENOSYS);
});

test('unshare(1) in a container is refused; with CAP_SYS_ADMIN kept it is not', { skip }, () => {
  const denied = filtered(defaultProg, ['busybox', 'unshare', '-n', 'true']);
  assert.notEqual(denied.exitCode, 0);
  assert.match(denied.stderr, /Operation not permitted/);
  const allowed = filtered(adminProg, ['busybox', 'unshare', '-n', 'true']);
  assert.equal(allowed.exitCode, 0, allowed.stderr);
  // and mount is let through to the kernel, which answers for itself
  assert.notEqual(sys(adminProg, SYSCALLS[arch!].mount, ['s:none', MISSING, 's:tmpfs', '0', '0']).errno, EPERM);
});

test('x86_64: x32 syscalls get ENOSYS, i386 syscalls kill the process', { skip: skip || (arch !== 'x86_64' && 'x86_64 only') }, (t) => {
  const x32getpid = 0x40000000 + 39;
  const bareX32 = sys(null, x32getpid, []);
  t.diagnostic(`x32 getpid without the filter: ret ${bareX32.ret} errno ${bareX32.errno} (ENOSYS = kernel has no x32)`);
  assert.equal(sys(defaultProg, x32getpid, []).errno, ENOSYS);

  const bare = attempt(loader, ['--int80', '20']); // i386 getpid
  if (!/ret=[1-9]\d*/.test(bare.stdout)) {
    t.skip(`this kernel does not run i386 syscalls (int 0x80 gave ${bare.stdout.trim() || bare.signal})`);
    return;
  }
  const r = filtered(defaultProg, [loader, '--int80', '20']);
  assert.equal(r.signal, 'SIGSYS', `killed by the filter, got status ${r.exitCode} ${r.stdout}`);
});

test('the kernel reports the loaded filter in /proc/PID/status', { skip }, async () => {
  const fd = openSync(defaultProg, 'r');
  const c = start(loader, ['3', 'sleep', '30'], { stdio: ['ignore', 'ignore', 'ignore', fd] });
  started.push(c);
  closeSync(fd);
  for (let i = 0; i < 500 && readComm(c.pid!) !== 'sleep'; i++) await sleep(10);
  const s = readProcessSecurity(c.pid!)!;
  assert.equal(s.seccomp, 'filter');
  assert.equal(s.seccompFilters, 1);
  assert.equal(s.noNewPrivs, true);
});

function readComm(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}
