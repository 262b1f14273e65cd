// Ways out of a container through the working directory, exec's stdio and
// ptrace before execve (issue 18, items 1-3), and openat2's EAGAIN on a busy
// host. Each attack is performed for real, as root, against the real CLI and
// helper; where it is cheap, the precondition it relies on is shown too.
//
// The attackers are small static C programs (test/integration/escapes-exec/)
// compiled here with gcc into a busybox image.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, REPO, cleanupRoot, inspect, makeRoot, tsbox, type CliResult } from '../lib/cli.js';
import { makeBusyboxRootfs, removeTree, tmpdir } from '../lib/busybox.js';
import { attempt, canRun, howItEnded, run as runProgram, start } from '../lib/programs.js';

// TSBOX_HELPER=(a helper built before these fixes) shows the attacks succeed
const HELPER = process.env.TSBOX_HELPER || path.join(REPO, 'native', 'tsbox-helper');
const SRC = path.join(REPO, 'test', 'integration', 'escapes-exec');
const hasGcc = canRun('gcc');
const skip = process.getuid?.() !== 0 ? 'needs root' : !hasGcc ? 'needs gcc' : false;
const noStrace = !canRun('strace', ['-V']) && 'needs strace';
const noScript = !canRun('script') && 'needs script (util-linux)';

const root = makeRoot('tsbox-escx-');
// a container with a user namespace (host uid 100000+) must pass through it
fs.chmodSync(root, 0o711);
const work = tmpdir('tsbox-escx-work');
const IMAGE = 'escbb';
after(() => {
  cleanupRoot(root);
  removeTree(work);
});

function compile(name: string): string {
  const out = path.join(work, name);
  runProgram('gcc', ['-O2', '-static', '-Wall', '-Werror', '-o', out, path.join(SRC, `${name}.c`)]);
  return out;
}

before(() => {
  if (skip) return;
  const rootfs = path.join(work, 'rootfs');
  fs.mkdirSync(rootfs);
  makeBusyboxRootfs(rootfs);
  fs.mkdirSync(path.join(rootfs, 'work'));
  fs.copyFileSync(compile('ptrace-scan'), path.join(rootfs, 'bin', 'ptrace-scan'));
  fs.chmodSync(path.join(rootfs, 'bin', 'ptrace-scan'), 0o755);
  compile('openat2-race');
  const r = tsbox(root, ['image', 'import', rootfs, '--name', IMAGE]);
  assert.equal(r.code, 0, r.stderr);
});

function run(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  return tsbox(root, args, opts);
}

function ok(args: string[], opts: { input?: string } = {}): string {
  const r = run(args, opts);
  assert.equal(r.code, 0, `tsbox ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function procStatus(pid: number | string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

/** Every file below DIR named NAME (no symlinks followed). */
function findNamed(dir: string, name: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.name === name) hits.push(p);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return hits;
}

// ------------------------------------------------------------ item 1: cwd

test('-w /proc/self/fd/N is refused by run and exec at every N: no host directory is reached', { skip }, () => {
  ok(['run', '-d', '--name', 'wd', '-w', '/work', IMAGE, 'sleep', '1000']);
  try {
    // The precondition: the kernel follows such a magic link for chdir, so a
    // directory fd of the host still open at the chdir would be entered.
    assert.equal(ok(['exec', 'wd', 'sh', '-c', 'exec 7</etc; cd /proc/self/fd/7 && pwd -P']), '/etc\n');
    // What went wrong before: the helper held host /proc, the rootfs, bind
    // sources and the v2 cgroup directory at fds 3 and up when it chdir'd.
    for (let n = 3; n <= 12; n++) {
      for (const cmd of [['run', '--rm', '-w', `/proc/self/fd/${n}`, IMAGE], ['exec', '-w', `/proc/self/fd/${n}`, 'wd']]) {
        const r = run([...cmd, 'sh', '-c', 'pwd; cd .. && touch escaped-cwd; cd / && touch /escaped-cwd']);
        assert.equal(r.code, 125, `${cmd.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.equal(r.stdout, '', 'CMD never ran');
        assert.match(r.stderr, /^Error: workdir `\/proc\/self\/fd\/\d+` (leads through a magic link|does not exist in the container).*\[cwd\]/);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      }
    }
    assert.deepEqual(findNamed(root, 'escaped-cwd'), [], 'nothing created next to the container on the host');
    assert.ok(!fs.existsSync('/escaped-cwd'), 'nor at the host root');
    // What stays allowed: `..` and symlinks resolve inside the container's root.
    assert.equal(ok(['exec', '-w', '/../../../..', 'wd', 'pwd']), '/\n');
    ok(['exec', 'wd', 'sh', '-c', 'ln -s ../../../../../.. /up && ln -s /etc /abs']);
    assert.equal(ok(['exec', '-w', '/up', 'wd', 'pwd']), '/\n');
    assert.equal(ok(['exec', '-w', '/abs', 'wd', 'pwd']), '/etc\n');
    const missing = run(['exec', '-w', '/nonexistent', 'wd', 'pwd']);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /^Error: workdir `\/nonexistent` does not exist in the container \[cwd\] \(errno 2\)\n.*-w/);
    const notDir = run(['exec', '-w', '/etc/passwd', 'wd', 'pwd']);
    assert.equal(notDir.code, 125);
    assert.match(notDir.stderr, /workdir `\/etc\/passwd` is not a directory \[cwd\]/);
    // the permission checks are CMD's user's
    ok(['exec', 'wd', 'sh', '-c', 'mkdir -p /private && chmod 700 /private']);
    const denied = run(['exec', '-u', '65534', '-w', '/private', 'wd', 'pwd']);
    assert.equal(denied.code, 125);
    assert.match(denied.stderr, /workdir `\/private`: permission denied to uid 65534 \[cwd\]/);
  } finally {
    run(['rm', '-f', 'wd']);
  }
});

test('a workdir the container replaced with a link to /proc/self/fd/N stops the next exec and the restart', { skip }, () => {
  ok(['run', '-d', '--name', 'swap', '-w', '/work', IMAGE, 'sleep', '1000']);
  try {
    assert.equal(ok(['exec', 'swap', 'pwd']), '/work\n');
    // fds 0-2 and the error pipe are open at the chdir; other numbers are not
    for (const target of ['/proc/self/fd/0', '/proc/self/fd/3', '/proc/self/fd/5', '/proc/self/cwd', '/proc/1/root', '/proc/1/cwd']) {
      ok(['exec', '-w', '/', 'swap', 'sh', '-c', `rm -rf /work && ln -sfn ${target} /work`]);
      const r = run(['exec', 'swap', 'sh', '-c', 'cd .. && touch escaped-swap; pwd']);
      assert.equal(r.code, 125, r.stdout + r.stderr);
      const open = /fd\/0|cwd|root/.test(target);
      assert.match(r.stderr, open ? /^Error: workdir `\/work` leads through a magic link .*\[cwd\] \(errno 40\)/ : /^Error: workdir `\/work` (leads through a magic link|does not exist)/, target);
    }
    // a restart starts the init there again: refused the same way, and said
    const restart = run(['restart', '-t', '0', 'swap']);
    assert.equal(restart.code, 125, restart.stdout + restart.stderr);
    assert.match(restart.stderr, /workdir `\/work` leads through a magic link/);
    assert.notEqual(inspect(root, 'swap').State.Status, 'running');
    assert.deepEqual(findNamed(root, 'escaped-swap'), []);
  } finally {
    run(['rm', '-f', 'swap']);
  }
});

// ------------------------------------------ items 1 and 3: fds before execve

const EXECVE_NR: Record<string, number> = { x64: 59, arm64: 221 };

/**
 * A helper that strace holds at the entry of its first execve for 2 s:
 * CMD's process (run's init, exec's child), paused with the fds it takes
 * into execve, for the test to look at from the host.
 */
function pausingHelper(): string {
  const file = path.join(work, 'pausing-helper');
  fs.writeFileSync(file, `#!/bin/sh\nexec strace -f -qq -o /dev/null -e trace=execve -e inject=execve:delay_enter=2000000:when=1 ${HELPER} "$@"\n`, { mode: 0o755 });
  return file;
}

interface Paused {
  pid: number;
  fds: { fd: string; target: string; dir: boolean }[];
  status: Record<string, string>;
  pidns: string;
}

function fdsOf(pid: number): Paused['fds'] {
  return fs.readdirSync(`/proc/${pid}/fd`).map((fd) => {
    const p = `/proc/${pid}/fd/${fd}`;
    let dir = false;
    try {
      dir = fs.statSync(p).isDirectory();
    } catch {
      /* closed meanwhile */
    }
    return { fd, target: fs.readlinkSync(p), dir };
  });
}

/** The helper processes whose argv holds MARK: [paused one in execve, the rest]. */
async function findPaused(mark: string): Promise<{ paused: Paused; others: number[] }> {
  for (let i = 0; i < 500; i++) {
    const mine = fs.readdirSync('/proc').filter((p) => {
      if (!/^\d+$/.test(p)) return false;
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes(`MARK=${mark}`) && fs.readFileSync(`/proc/${p}/comm`, 'utf8') === 'tsbox-helper\n';
      } catch {
        return false;
      }
    });
    for (const p of mine) {
      try {
        const status = procStatus(p);
        const nr = Number(fs.readFileSync(`/proc/${p}/syscall`, 'utf8').split(' ')[0]);
        if (status.State.startsWith('t') && nr === EXECVE_NR[process.arch]) {
          const paused = { pid: Number(p), fds: fdsOf(Number(p)), status, pidns: fs.readlinkSync(`/proc/${p}/ns/pid`) };
          return { paused, others: mine.filter((x) => x !== p).map(Number) };
        }
      } catch {
        /* gone or changing */
      }
    }
    await sleep(10);
  }
  throw new Error(`no helper process with MARK=${mark} paused in execve`);
}

function startCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const c = start(process.execPath, [BIN, '--root', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    c.stdout!.on('data', (d) => (stdout += d));
    c.stderr!.on('data', (d) => (stderr += d));
    c.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

const PAUSED_FD = /^(pipe:\[\d+\]|\/dev\/null|\/dev\/pts\/\d+)$/;
/** What the attacker may read of one: the same, or nothing (closed between its readdir and readlink). */
const SEEN_FD = /^$|^(pipe:\[\d+\]|\/dev\/null|\/dev\/pts\/\d+)$/;

/**
 * The fds of each `seen` line of an attacker's log, as [number, target],
 * without the directories it found to be the container's own (`inside`:
 * CMD's process opens / and its workdir to enter it).
 */
function seenFds(log: string[]): { line: string; caps: string; fds: [string, string][] }[] {
  const inside = new Set(log.filter((l) => l.startsWith('inside ')).map((l) => l.split(' ').slice(1, 3).join(' ')));
  return log
    .filter((l) => l.startsWith('seen '))
    .map((line) => {
      const [, pid, caps, , ...fds] = line.split(' ');
      const pairs = fds.map((f): [string, string] => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]);
      return { line, caps, fds: pairs.filter(([n]) => !inside.has(`${pid} ${n}`)) };
    });
}

test('at its execve, CMD\'s process holds only stdio and the error pipe, and already CMD\'s credentials', { skip: skip || noStrace }, async () => {
  const env = { TSBOX_HELPER: pausingHelper() };
  ok(['run', '-d', '--name', 'fds', '--cap-add', 'SYS_PTRACE', IMAGE, 'sleep', '1000']);
  try {
    const init = inspect(root, 'fds').State.Pid as number;
    const initStatus = procStatus(init);
    const pidns = fs.readlinkSync(`/proc/${init}/ns/pid`);
    const cases: [string, string[]][] = [
      ['run', ['run', '--rm', '--cap-add', 'SYS_PTRACE', '-e', 'MARK=run', IMAGE, 'true']],
      ['run -i', ['run', '--rm', '-i', '--cap-add', 'SYS_PTRACE', '-e', 'MARK=run-i', IMAGE, 'true']],
      ['exec', ['exec', '-e', 'MARK=exec', 'fds', 'true']],
      ['exec -i', ['exec', '-i', '-e', 'MARK=exec-i', 'fds', 'true']],
      ['exec -t', ['exec', '-t', '-e', 'MARK=exec-t', 'fds', 'true']],
    ];
    for (const [name, args] of cases) {
      const mark = args[args.indexOf('-e') + 1].slice('MARK='.length);
      const cli = startCli(args, env);
      const { paused, others } = await findPaused(mark);
      // The precondition: the helper next to it (the monitor, outside the
      // container) holds host directories at that moment; CMD's process,
      // which came from it, does not.
      const hostDirs = others.some((p) => {
        try {
          return fdsOf(p).some((f) => f.dir);
        } catch {
          return false;
        }
      });
      const r = await cli;
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      const fds = paused.fds.map((f) => `${f.fd}=${f.target}`).join(' ');
      assert.ok(paused.fds.every((f) => PAUSED_FD.test(f.target) && !f.dir), `${name}: only pipes, the pty and /dev/null at execve: ${fds}`);
      assert.ok(paused.fds.length <= 4, `${name}: stdio and the error pipe: ${fds}`);
      assert.equal(paused.status.NSpid.split('\t').length, 2, `${name}: CMD's process is in a pid namespace of its own`);
      // with CMD's credentials (run's init: the same container set up as
      // `fds`); for exec that is from its birth: a ptracer of the container
      // gains nothing over the container
      for (const k of ['CapEff', 'CapPrm', 'CapBnd']) assert.equal(paused.status[k], initStatus[k], `${name}: ${k}`);
      assert.equal(paused.status.Seccomp, '2', `${name}: the filter is loaded`);
      if (name.startsWith('exec')) assert.equal(paused.pidns, pidns, `${name}: in the container's pid namespace`);
      assert.ok(hostDirs, `${name}: the helper keeps a host directory fd`);
    }
  } finally {
    run(['rm', '-f', 'fds']);
  }
});

// ------------------------------------------------------------ item 3: ptrace

/** A host directory the attacker is told the name of (relative to the host's root), to create `pwned` in. */
function hostMarker(): { dir: string; rel: string } {
  const dir = fs.mkdtempSync('/tmp/tsbox-escx-marker-');
  return { dir, rel: dir.slice(1) };
}

/** The attacker's log lines, once it has said `ready`. */
async function attackerLog(name: string, wantReady = true): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const lines = run(['logs', name]).stdout.split('\n').filter(Boolean);
    if (!wantReady || lines.includes('ready')) return lines;
    await sleep(25);
  }
  throw new Error(`${name} never got ready`);
}

// execvp tries every entry of PATH in turn: many missing ones before /bin
// stretch the time between the clone and the execve that succeeds, so that
// the attacker has a fair chance to catch CMD's process in it.
const SLOW_PATH = `PATH=${Array.from({ length: 300 }, (_, i) => `/nonexistent/${i}`).join(':')}:/bin`;

test('a container with CAP_SYS_PTRACE watching its pid namespace finds no host fd in the processes exec starts', { skip }, async () => {
  const marker = hostMarker();
  ok(['run', '-d', '--name', 'ptr', '--cap-add', 'SYS_PTRACE', IMAGE, 'ptrace-scan', marker.rel]);
  try {
    await attackerLog('ptr');
    let seen: string[] = [];
    for (let i = 0; i < 150 && seen.length < 3; i++) {
      assert.equal(run(['exec', '-e', SLOW_PATH, 'ptr', 'true']).code, 0);
      if (i % 10 === 9 || i < 5) seen = (await attackerLog('ptr')).filter((l) => l.startsWith('seen '));
    }
    const log = await attackerLog('ptr');
    seen = log.filter((l) => l.startsWith('seen '));
    assert.ok(seen.length > 0, 'the attacker saw exec\'d processes before their execve (else this test proves nothing)');
    assert.deepEqual(log.filter((l) => /^(dir|ESCAPED) /.test(l)), [], 'no directory fd, no way out');
    assert.ok(!fs.existsSync(path.join(marker.dir, 'pwned')), 'nothing was created on the host');
    // what it saw: stdio and the error pipe (and the container's own / or
    // workdir being entered), with the container's own capabilities
    const ownCaps = procStatus(inspect(root, 'ptr').State.Pid).CapEff;
    for (const { line, caps, fds } of seenFds(log)) {
      assert.equal(caps, ownCaps, `no more capabilities than the container: ${line}`);
      for (const [, target] of fds) assert.match(target, SEEN_FD, line);
    }
  } finally {
    run(['rm', '-f', 'ptr']);
    removeTree(marker.dir);
  }
});

test('--pid container:X --userns container:X: X, with CAP_SYS_PTRACE in its user namespace, cannot read the new init\'s host fds during setup', { skip }, async () => {
  const marker = hostMarker();
  ok(['run', '-d', '--name', 'px', '--userns', 'auto', '--cap-add', 'SYS_PTRACE', IMAGE, 'ptrace-scan', marker.rel]);
  try {
    await attackerLog('px');
    for (let i = 0; i < 30; i++) ok(['run', '--rm', '--userns', 'container:px', '--pid', 'container:px', IMAGE, 'true']);
    const log = await attackerLog('px');
    const sightings = log.filter((l) => /^(seen|denied) /.test(l));
    assert.ok(sightings.length > 0, 'the attacker saw a joining init before its execve (else this test proves nothing)');
    assert.deepEqual(log.filter((l) => /^(dir|ESCAPED) /.test(l)), [], 'no directory fd, no way out');
    // Non-dumpable from its first instruction, the init's /proc/PID/fd needs
    // CAP_SYS_PTRACE in the host's user namespace (EACCES). What X can still
    // list is the init inside its execve, once the new memory map is the
    // container's: then only what execve was given is left, stdio and the
    // error pipe (a target may read as empty, execve closing it meanwhile).
    // A helper that took its host fds into execve (close-on-exec only) shows
    // them all there: that is what this catches reliably; the shorter window
    // between joining the user namespace and the release, which non-dumpable
    // closes, it catches only by chance.
    for (const l of log.filter((x) => x.startsWith('denied '))) assert.match(l, / 13$/);
    for (const { line, fds } of seenFds(log)) {
      assert.ok(fds.length <= 4, `stdio and the error pipe only: ${line}`);
      for (const [, target] of fds) assert.match(target, SEEN_FD, line);
    }
    assert.ok(!fs.existsSync(path.join(marker.dir, 'pwned')));
  } finally {
    run(['rm', '-f', 'px']);
    removeTree(marker.dir);
  }
});

// -------------------------------------------------------- item 2: exec stdio

/** Run SCRIPT (sh) under a real terminal of its own (util-linux script); its output. */
function underPty(script: string): string {
  const file = path.join(work, `pty-${Date.now()}.sh`);
  fs.writeFileSync(file, script);
  try {
    return runProgram('script', ['-qfec', `sh ${file}`, '/dev/null'], {
      timeout: 60000,
      env: { ...process.env, TSBOX: `${process.execPath} ${BIN} --root ${root}` },
    });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

// (the shell's own fds: $(...) gives readlink a pipe of its own as stdout)
const SHOW_FDS = 'for n in 0 1 2; do echo "fd$n=$(readlink /proc/$$/fd/$n)"; done; tty || true';

test('exec without -t gives CMD pipes, never the caller\'s terminal; what it leaves behind cannot write there', { skip: skip || noScript }, () => {
  ok(['run', '-d', '--name', 'notty', IMAGE, 'sleep', '1000']);
  try {
    const bg = '(trap "" PIPE; sleep 1; echo LEAKED-OUT; echo LEAKED-ERR >&2; echo "rc=$?" > /tmp/attempt) & echo bg-started';
    const out = underPty(
      `$TSBOX exec notty sh -c '${SHOW_FDS}; ${bg}'; echo "exec-rc=$?"\n` +
        `$TSBOX exec -i notty sh -c '${SHOW_FDS}'; echo "exec-i-rc=$?"\n` +
        'sleep 2.5; echo END\n',
    );
    const [plain, interactive] = out.split(/exec-rc=0\r*\n/);
    assert.ok(interactive !== undefined, out);
    assert.match(plain, /fd0=\/dev\/null\r*\nfd1=pipe:\[\d+\]\r*\nfd2=pipe:\[\d+\]\r*\nnot a tty/, out);
    assert.match(interactive, /fd0=pipe:\[\d+\]\r*\nfd1=pipe:\[\d+\]\r*\nfd2=pipe:\[\d+\]\r*\nnot a tty/, out);
    assert.match(out, /bg-started/);
    assert.match(out, /exec-i-rc=0\r*\n/);
    assert.match(out, /END/);
    assert.doesNotMatch(out, /LEAKED/, 'the background process reached the terminal after exec returned');
    // it did try, after exec had returned, and its write failed (EPIPE)
    assert.equal(ok(['exec', 'notty', 'cat', '/tmp/attempt']), 'rc=1\n');
    // with -t it gets a pty of the container's, not ours either (runtime.test.ts has more)
    assert.match(underPty(`$TSBOX exec -t notty sh -c '${SHOW_FDS}'\n`), /fd0=\/dev\/pts\/\d+\r*\nfd1=\/dev\/pts\/\d+\r*\nfd2=\/dev\/pts\/\d+\r*\n\/dev\/pts\/\d+/);
  } finally {
    run(['rm', '-f', 'notty']);
  }
});

test('run -i without -t gives the init a stdin pipe, not the caller\'s terminal', { skip: skip || noScript }, () => {
  const out = underPty(`$TSBOX run --rm -i ${IMAGE} sh -c '${SHOW_FDS}'; echo "rc=$?"\n`);
  assert.match(out, /fd0=pipe:\[\d+\]\r*\nfd1=pipe:\[\d+\]\r*\nfd2=pipe:\[\d+\]\r*\nnot a tty\r*\nrc=0/, out);
  // input arrives, and its end is CMD's end of input
  assert.equal(ok(['run', '--rm', '-i', IMAGE, 'sh', '-c', 'cat; echo done'], { input: 'one\ntwo\n' }), 'one\ntwo\ndone\n');
});

test('copied stdio loses and reorders nothing, in either direction, and exit codes stay exact', { skip }, () => {
  ok(['run', '-d', '--name', 'io', IMAGE, 'sleep', '1000']);
  try {
    // ~0.8 MB: far above a pipe's 64 KiB, below spawnSync's 1 MiB of output
    const input = Array.from({ length: 75000 }, (_, i) => `line ${i}\n`).join('');
    // cat writes its stdout while we still write its stdin: neither side may block the other
    const cat = run(['exec', '-i', 'io', 'cat'], { input });
    assert.equal(cat.code, 0, cat.stderr);
    assert.ok(cat.stdout === input, `stdout is the input (${cat.stdout.length} of ${input.length} bytes)`);
    // each stream in order, both complete
    const two = run(['exec', 'io', 'sh', '-c', 'seq 1 20000; seq 1 20000 >&2']);
    const seq = Array.from({ length: 20000 }, (_, i) => `${i + 1}\n`).join('');
    assert.ok(two.stdout === seq && two.stderr === seq, 'stdout and stderr complete and in order');
    // CMD that stops reading early: the rest of our input is dropped, no hang
    const head = run(['exec', '-i', 'io', 'sh', '-c', 'head -c 5; echo; echo read-enough'], { input });
    assert.equal(head.code, 0, head.stderr);
    assert.equal(head.stdout, 'line \nread-enough\n');
    // exit codes
    assert.equal(run(['exec', 'io', 'sh', '-c', 'exit 3']).code, 3);
    assert.equal(run(['exec', 'io', 'sh', '-c', 'kill -9 $$']).code, 137);
    assert.equal(run(['exec', 'io', '/nonexistent']).code, 127);
    assert.equal(run(['exec', 'io', '/etc']).code, 126);
  } finally {
    run(['rm', '-f', 'io']);
  }
});

// ----------------------------------------------- openat2 EAGAIN, busy host

test('lookups through `..` are retried when a rename elsewhere on the host makes openat2 say EAGAIN', { skip }, async () => {
  const race = path.join(work, 'openat2-race');
  const storm = fs.mkdtempSync(path.join(work, 'storm-'));
  const rootfs = path.join(work, 'rootfs'); // a plain rootfs for the helper itself
  // as many `..` as a lookup can take without the storm making it fail
  // every time of the bounded retries (each is a whole new lookup)
  const deep = `/tmp${'/../tmp'.repeat(20)}`;
  const renamer = start(race, ['storm', storm], { stdio: 'ignore' });
  try {
    await sleep(100);
    // The precondition: while the renames run, plain openat2 lookups of the
    // same path fail with EAGAIN (they need a rename-free moment, which a
    // loaded 2-CPU host does not always give right away).
    let eagain = 0;
    for (let i = 0; i < 40 && eagain === 0; i++) {
      eagain = Number(/eagain (\d+)/.exec(runProgram(race, ['count', rootfs, deep, '2000']))![1]);
    }
    assert.ok(eagain > 0, 'openat2 says EAGAIN under the rename storm');
    for (let i = 0; i < 30; i++) {
      const r = attempt(HELPER, ['run', '--rootfs', rootfs, '--cwd', deep, '--tmpfs', `/mnt${'/../mnt'.repeat(20)}/scratch`, '--env=PATH=/bin', '--', 'pwd'], { timeout: 30000 });
      assert.equal(r.exitCode, 0, `run ${i}: ${howItEnded(r)}`);
      assert.equal(r.stdout, '/tmp\n');
    }
  } finally {
    renamer.kill('SIGKILL');
    await new Promise((r) => renamer.once('exit', r));
  }
});
