// The default seccomp filter in real containers, against the real kernel,
// for every syscall of this architecture: a static prober
// (test/fixtures/syscall-probe.c) calls each one inside a default container
// and inside one with --security-opt seccomp=unconfined. Where tsbox's
// profile refuses a call, the container gets exactly the profile's errno;
// where it allows it, the kernel's own answer, the same as unconfined. And
// what podman's profile (/usr/share/containers/seccomp.json) refuses is
// refused here, with the call made for real (io_uring_setup, kcmp, ...).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupRoot, makeRoot, tsbox } from '../lib/cli.js';
import { removeTree, tmpdir } from '../lib/busybox.js';
import { DEFAULT_PROFILE } from '../../src/engine/seccomp-profile.js';
import { SYSCALLS, seccompArch } from '../../src/engine/seccomp-syscalls.js';
import { DEFAULT_CAPS } from '../../src/engine/capabilities.js';
import { RET_ALLOW, profileVerdict, type Profile } from '../lib/seccomp-eval.js';
import { canRun, run } from '../lib/programs.js';

const arch = seccompArch(process.arch);
const hasGcc = canRun('gcc');
const PODMAN_PROFILE = '/usr/share/containers/seccomp.json';
const skip =
  (process.getuid?.() !== 0 && 'needs root') || (!arch && `no default filter for ${process.arch}`) || (!hasGcc && 'needs gcc') || false;

const root = makeRoot('tsbox-seccomp-ctr-');
const work = tmpdir('tsbox-seccomp-ctr-work');
fs.chmodSync(work, 0o755);
after(() => {
  cleanupRoot(root);
  removeTree(work);
});

before(() => {
  if (skip) return;
  const src = new URL('../../../test/fixtures/syscall-probe.c', import.meta.url).pathname;
  run('gcc', ['-O2', '-static', '-Wall', '-Werror', '-o', path.join(work, 'syscall-probe'), src]);
});

/** The calls: NAME and its arguments as the prober takes them. */
type Call = [string, string[]];

const ALL_ONES = (1n << 64n) - 1n;

function argValue(a: string): bigint {
  if (a === 'pid' || a === 'buf') return 1n; // no rule compares them
  return BigInt.asUintN(64, BigInt(a));
}

// Every syscall with all arguments -1: an invalid fd, pointer, flag set,
// signal, pid or size for each, so the call fails harmlessly whether or not
// the filter lets it through. Left out: those that wait (pause,
// rt_sigsuspend), sync, which writes out every filesystem of the host, and
// uretprobe, which the kernel lets past every seccomp filter (only its
// uprobe trampoline may call it; anyone else gets SIGILL, filter or not).
const SKIPPED = new Set(['pause', 'rt_sigsuspend', 'sync', 'uretprobe']);
// ... plus the argument rules' cases, and calls that do something when
// allowed: an io_uring, a comparison of our own fd tables.
const SPECIAL: Call[] = [
  ['io_uring_setup', ['1', 'buf']],
  ['kcmp', ['pid', 'pid', '0', '0', '0']], // KCMP_FILE of fd 0 with itself: 0 when allowed
  ['socket', ['16', '3', '9']], // AF_NETLINK, SOCK_RAW, NETLINK_AUDIT
  ['socket', ['0x100000010', '3', '0x100000009']], // the same, with garbage in the upper halves
  ['socket', ['40', '1', '0']], // AF_VSOCK
  ['socket', ['1', '1', '0']], // AF_UNIX
  ['socket', ['2', '2', '0']], // AF_INET, SOCK_DGRAM
  ['personality', ['0x40000']], // ADDR_NO_RANDOMIZE
  ['personality', ['0xffffffff']], // the query
  ['clone', ['0x04000011']], // CLONE_NEWUTS|SIGCHLD
  ['clone', ['0x10000011']], // CLONE_NEWUSER|SIGCHLD: no capability needed without the filter
  ['clone', ['17']], // a plain fork
  ['unshare', ['0x10000000']], // CLONE_NEWUSER
  ['setns', ['-1', '0']],
  ['keyctl', ['0', '-1']], // KEYCTL_GET_KEYRING_ID: EINVAL... when allowed
  ['userfaultfd', ['0']],
  ['open_by_handle_at', ['-1', '0', '0']],
];

function calls(): Call[] {
  const table = SYSCALLS[arch!];
  const all: Call[] = Object.keys(table)
    .filter((n) => !SKIPPED.has(n))
    .map((n) => [n, ['-1', '-1', '-1', '-1', '-1', '-1']]);
  return [...all, ...SPECIAL];
}

interface Result {
  ret?: number;
  errno?: number;
  signal?: number;
  exit?: number;
}

/** Run the calls in a container with FLAGS; one result per call, in order. */
function probe(flags: string[], list: Call[]): Result[] {
  const table = SYSCALLS[arch!];
  const specs = list.map(([n, args]) => [table[n], ...args].join(','));
  const r = tsbox(root, ['run', '--rm', ...flags, '-v', `${work}:/t:ro`, 'host', '/t/syscall-probe', ...specs], { timeout: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, list.length, `one line per call:\n${r.stdout}\n${r.stderr}`);
  return lines.map((l, i) => {
    const m = /^(\d+) (?:ret=(-?\d+) errno=(\d+)|signal=(\d+)|exit=(\d+))$/.exec(l);
    assert.ok(m && Number(m[1]) === table[list[i][0]], `prober line for ${list[i][0]}: ${l}`);
    return m[2] !== undefined ? { ret: Number(m[2]), errno: Number(m[3]) } : m[4] !== undefined ? { signal: Number(m[4]) } : { exit: Number(m[5]) };
  });
}

/** What a comparison may rely on: failure and its errno, success, or how the process ended. */
function outcome(r: Result): string {
  if (r.signal !== undefined) return `signal ${r.signal}`;
  if (r.exit !== undefined) return `exit ${r.exit}`;
  return r.ret! < 0 ? `errno ${r.errno}` : 'ok';
}

const CAP_VARIANTS: Array<[string, string[], readonly string[]]> = [
  ['default', [], DEFAULT_CAPS],
  ['--cap-add SYS_PTRACE', ['--cap-add', 'SYS_PTRACE'], [...DEFAULT_CAPS, 'CAP_SYS_PTRACE']],
  ['--cap-add SYS_ADMIN', ['--cap-add', 'SYS_ADMIN'], [...DEFAULT_CAPS, 'CAP_SYS_ADMIN']],
];

for (const [label, flags, caps] of CAP_VARIANTS) {
  test(`every syscall in a container (${label}): the profile's errno where it refuses, the kernel's answer where it allows`, { skip }, (t) => {
    const list = calls();
    const filtered = probe(flags, list);
    const bare = probe([...flags, '--security-opt', 'seccomp=unconfined'], list);
    let refused = 0;
    let conclusive = 0;
    list.forEach(([name, args], i) => {
      const call = `${name}(${args.join(', ')})`;
      const verdict = profileVerdict(DEFAULT_PROFILE as Profile, arch!, caps, name, args.map(argValue));
      if (verdict === RET_ALLOW) {
        assert.equal(outcome(filtered[i]), outcome(bare[i]), `${call} is allowed: the kernel answers as without the filter`);
        return;
      }
      refused++;
      const errno = verdict & 0xffff;
      assert.equal(outcome(filtered[i]), `errno ${errno}`, `${call} is refused with errno ${errno} (without the filter: ${outcome(bare[i])})`);
      if (outcome(bare[i]) !== `errno ${errno}`) conclusive++;
    });
    t.diagnostic(`${list.length} calls, ${refused} refused, ${conclusive} of them answered otherwise without the filter`);
    assert.ok(refused > 40 && conclusive > refused / 2, `${refused} refused, ${conclusive} conclusive`);
  });
}

test("podman's refusals, made for real: io_uring_setup, kcmp, audit sockets and the rest fail in a container", { skip: skip || (!fs.existsSync(PODMAN_PROFILE) && `${PODMAN_PROFILE} not installed`) }, () => {
  const podman = JSON.parse(fs.readFileSync(PODMAN_PROFILE, 'utf8')) as Profile;
  const list = calls();
  const filtered = probe([], list);
  const bare = probe(['--security-opt', 'seccomp=unconfined'], list);
  const byName = (name: string, args: string[]) => list.findIndex(([n, a]) => n === name && a.join() === args.join());
  let podmanRefuses = 0;
  list.forEach(([name, args], i) => {
    if (profileVerdict(podman, arch!, DEFAULT_CAPS, name, args.map(argValue)) === RET_ALLOW) return;
    podmanRefuses++;
    assert.ok(filtered[i].ret === -1, `${name}(${args.join(', ')}): podman refuses it, and so does tsbox (${outcome(filtered[i])})`);
  });
  assert.ok(podmanRefuses > 40, `${podmanRefuses} calls podman refuses`);
  // The preconditions: without the filter these work in a container.
  const uring = byName('io_uring_setup', ['1', 'buf']);
  assert.ok(bare[uring].ret! >= 0, `io_uring_setup works without the filter (${outcome(bare[uring])})`);
  assert.equal(outcome(filtered[uring]), 'errno 38', 'io_uring_setup: ENOSYS, as podman says');
  const kcmp = byName('kcmp', ['pid', 'pid', '0', '0', '0']);
  assert.equal(outcome(bare[kcmp]), 'ok', 'kcmp works without the filter');
  assert.equal(outcome(filtered[kcmp]), 'errno 1', 'kcmp: EPERM, as podman says');
  for (const args of [['16', '3', '9'], ['0x100000010', '3', '0x100000009']]) {
    const i = byName('socket', args);
    assert.equal(outcome(bare[i]), 'ok', `socket(${args}) opens an audit socket without the filter`);
    assert.equal(outcome(filtered[i]), 'errno 22', `socket(${args}): EINVAL`);
  }
  // podman's own rule compares all 64 bits: the second audit socket gets past it
  assert.equal(profileVerdict(podman, arch!, DEFAULT_CAPS, 'socket', [0x100000010n, 3n, 0x100000009n]), RET_ALLOW);
  const userns = byName('clone', ['0x10000011']);
  assert.match(outcome(bare[userns]), /^ok$/, 'a new user namespace needs no capability without the filter');
  assert.equal(outcome(filtered[userns]), 'errno 1');
  assert.equal(outcome(filtered[byName('clone', ['17'])]), 'ok', 'a plain fork works');
  assert.equal(ALL_ONES, argValue('-1'));
});

test("the helper's own steps after loading the filter pass it: users, groups, workdir, no_new_privs, exec", { skip }, () => {
  const check = 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; id -u; pwd';
  for (const flags of [[], ['-u', '1000:1000', '-w', '/tmp'], ['--security-opt', 'no-new-privileges', '-u', '1000']]) {
    const r = tsbox(root, ['run', '--rm', ...flags, 'host', 'sh', '-c', check]);
    assert.equal(r.code, 0, `run ${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /^Seccomp:\s+2$/m);
  }
  assert.equal(tsbox(root, ['run', '-d', '--name', 'sc-exec', 'host', 'sleep', '1000']).code, 0);
  try {
    for (const flags of [[], ['-u', '1000:1000', '-w', '/tmp'], ['-u', '0', '-e', 'X=1']]) {
      const r = tsbox(root, ['exec', ...flags, 'sc-exec', 'sh', '-c', check]);
      assert.equal(r.code, 0, `exec ${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /^Seccomp:\s+2$/m);
    }
  } finally {
    tsbox(root, ['rm', '-f', 'sc-exec']);
  }
});
