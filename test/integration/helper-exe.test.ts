// The helper's own binary, out of a container's reach (CVE-2019-5736): a
// container that can open /proc/PID/exe of a helper process in its pid
// namespace (root with CAP_SYS_PTRACE) finds a sealed memfd copy there, not
// the file on the host, and cannot write it, then or later. Performed for
// real by test/integration/helper-exe/exe-grab.c as the container's init,
// against `tsbox exec` and a `tsbox run` that joins its pid namespace; and
// by a --pid host container without CAP_SYS_PTRACE against the inits of
// new containers, which are non-dumpable before their execve.
//
// TSBOX_HELPER=(a helper built before this) shows the precondition: the
// attacker then holds an fd on the host's helper binary itself (its writes
// fail only while some helper runs from it).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, cleanupRoot, makeRoot, tsbox } from '../lib/cli.js';
import { removeTree, tmpdir } from '../lib/busybox.js';
import { canRun, run } from '../lib/programs.js';

const HELPER = process.env.TSBOX_HELPER || path.join(REPO, 'native', 'tsbox-helper');
const hasGcc = canRun('gcc');
const skip = process.getuid?.() !== 0 ? 'needs root' : !hasGcc ? 'needs gcc' : false;
const { EPERM, EACCES, ETXTBSY } = { EPERM: 1, EACCES: 13, ETXTBSY: 26 };

const root = makeRoot('tsbox-exe-');
const work = tmpdir('tsbox-exe-work');
fs.chmodSync(work, 0o755);
const backup = path.join(work, 'tsbox-helper.orig');
const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
let helperSha = '';

before(() => {
  if (skip) return;
  run('gcc', ['-O2', '-static', '-Wall', '-Werror', '-o', path.join(work, 'exe-grab'), path.join(REPO, 'test/integration/helper-exe/exe-grab.c')]);
  fs.copyFileSync(HELPER, backup);
  helperSha = sha(HELPER);
});

after(() => {
  cleanupRoot(root);
  // An attack that went through appended to the helper: the test fails
  // (below), and the build is put back.
  if (helperSha && sha(HELPER) !== helperSha) fs.copyFileSync(backup, HELPER);
  removeTree(work);
});

function ok(args: string[]): string {
  const r = tsbox(root, args);
  assert.equal(r.code, 0, `tsbox ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function attackerLog(name: string): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const lines = tsbox(root, ['logs', name]).stdout.split('\n').filter(Boolean);
    if (lines.includes('ready')) return lines;
    await sleep(25);
  }
  throw new Error(`${name} never got ready`);
}

// execvp tries every entry of PATH in turn: many missing ones before the
// right one stretch the time between the clone and the execve that
// succeeds, when the process still runs the helper's binary.
const SLOW_PATH = `PATH=${Array.from({ length: 300 }, (_, i) => `/nonexistent/${i}`).join(':')}:/usr/bin:/bin`;

interface Caught {
  pid: number;
  mode: string;
  dev: string;
  target: string;
  write: number;
}

function caught(log: string[]): Caught[] {
  return log
    .map((l) => /^caught (\d+) (\S+) (\d+:\d+) (.*) write=(\d+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), mode: m[2], dev: m[3], target: m[4], write: Number(m[5]) }));
}

/** The host's helper binary as the attacker prints a file: st_dev:st_ino. */
function hostBinary(): string {
  const st = fs.statSync(HELPER);
  return `${st.dev}:${st.ino}`;
}

test('a container with CAP_SYS_PTRACE finds a sealed copy at /proc/PID/exe of exec\'s processes and of a run joining it, and cannot write it', { skip }, async (t) => {
  ok(['run', '-d', '--name', 'grab', '--cap-add', 'SYS_PTRACE', '-v', `${work}:/g:ro`, 'host', '/g/exe-grab', root]);
  try {
    await attackerLog('grab');
    let log: string[] = [];
    for (let i = 0; i < 100 && caught(log).filter((c) => c.mode === 'exec').length < 3; i++) {
      ok(['exec', '-e', SLOW_PATH, 'grab', 'true']);
      if (i % 5 === 4 || i < 3) log = await attackerLog('grab');
    }
    for (let i = 0; i < 60 && caught(log).filter((c) => c.mode === 'run').length < 2; i++) {
      ok(['run', '--rm', '--pid', 'container:grab', '-e', SLOW_PATH, 'host', 'true']);
      if (i % 5 === 4) log = await attackerLog('grab');
    }
    await sleep(2500); // every helper is gone: the attacker tries its fds again (once a second)
    log = await attackerLog('grab');
    const all = caught(log);
    t.diagnostic(`caught ${all.filter((c) => c.mode === 'exec').length} exec'd processes and ${all.filter((c) => c.mode === 'run').length} joining inits: ${all.map((c) => `${c.target} write=${c.write}`).slice(0, 2).join(', ')}`);
    // The precondition: it did get hold of /proc/PID/exe of both kinds.
    assert.ok(all.some((c) => c.mode === 'exec'), `caught an exec'd process before its execve:\n${log.join('\n')}`);
    assert.ok(all.some((c) => c.mode === 'run'), `caught a joining init before its execve:\n${log.join('\n')}`);
    for (const c of all) {
      assert.notEqual(c.dev, hostBinary(), `pid ${c.pid} (${c.mode}): the fd is not the host's helper binary (${HELPER})`);
      assert.match(c.target, /^\/memfd:tsbox-helper \(deleted\)$/, `pid ${c.pid}: a sealed memfd`);
      assert.ok([ETXTBSY, EPERM, EACCES].includes(c.write), `pid ${c.pid}: opening it for writing fails (${c.write})`);
    }
    assert.deepEqual(log.filter((l) => l.startsWith('WROTE')), [], 'no write went through');
    // once nothing runs from it, the copy is still sealed
    const later = log.filter((l) => l.startsWith('later '));
    assert.ok(later.some((l) => / write=1$/.test(l) || / open=1 /.test(l)), `a later write is refused by the seals (EPERM):\n${later.join('\n')}`);
    assert.equal(sha(HELPER), helperSha, 'the helper binary on the host is unchanged');
  } finally {
    tsbox(root, ['rm', '-f', 'grab']);
  }
});

test('a --pid host container without CAP_SYS_PTRACE cannot open /proc/PID/exe of new containers\' inits', { skip }, async (t) => {
  ok(['run', '-d', '--name', 'grabhost', '--pid', 'host', '-v', `${work}:/g:ro`, 'host', '/g/exe-grab', root]);
  try {
    await attackerLog('grabhost');
    let log: string[] = [];
    for (let i = 0; i < 40 && log.filter((l) => l.startsWith('denied ')).length < 5; i++) {
      ok(['run', '--rm', '-e', SLOW_PATH, 'host', 'true']);
      if (i % 5 === 4) log = await attackerLog('grabhost');
    }
    log = await attackerLog('grabhost');
    // The precondition: it saw them, as root of the same uid.
    const denied = log.filter((l) => l.startsWith('denied '));
    t.diagnostic(`${denied.length} helper processes seen, ${caught(log).length} opened`);
    assert.ok(denied.length > 0, `the attacker saw the helpers:\n${log.join('\n')}`);
    for (const l of denied) assert.match(l, / (13|1)$/, 'EACCES (non-dumpable): CAP_SYS_PTRACE in the host\'s user namespace would be needed');
    assert.deepEqual(caught(log), [], 'no /proc/PID/exe was opened');
    assert.equal(sha(HELPER), helperSha);
  } finally {
    tsbox(root, ['rm', '-f', 'grabhost']);
  }
});
