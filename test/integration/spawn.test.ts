// How the engine starts tsbox-helper (src/engine/spawn.ts): with
// native/tsbox-spawn.node (posix_spawn), or child_process where that is not
// built. Both must hand the child the same fds, a clean signal state, and
// report the same exit codes; real processes, checked in /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { nativeDir } from '../../src/engine/helper.js';
import { spawnAddon, spawnMethod, startChild, startWithAddon, startWithNode, type Child, type ChildIo } from '../../src/engine/spawn.js';
import { BIN, makeRoot } from '../lib/cli.js';
import { notePath, tempDir } from '../lib/suite-run.js';
import { attempt } from '../lib/programs.js';

const dir = nativeDir();
const addon = spawnAddon(dir);
const nodeHeaders = path.resolve(process.execPath, '../../include/node/node_api.h');

test('tsbox-spawn.node is built wherever Node has its headers', () => {
  if (!fs.existsSync(nodeHeaders)) return;
  assert.ok(addon, `${nodeHeaders} exists, so make -C native builds tsbox-spawn.node`);
});

/** SIGCANCEL and SIGSETXID, signals 32 and 33, as bits of /proc/PID/status masks */
const GLIBC_INTERNAL = (1n << 31n) | (1n << 32n);

interface Outcome {
  code: number;
  status: string;
  stderr: string;
}

type Start = (file: string, args: string[], io: ChildIo) => Child;
const transports: Array<[string, Start | undefined]> = [
  ['tsbox-spawn.node', addon && ((file, args, io) => startWithAddon(addon, file, args, io))],
  ['child_process', startWithNode],
];

/** Our open pipes, as fd=pipe:[inode] (other fds Node may open for itself and keep, /dev/null among them). */
function openPipes(): Set<string> {
  const pipes = new Set<string>();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const what = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (what.startsWith('pipe:')) pipes.add(`${fd}=${what}`);
    } catch {
      /* the listing's own fd, closed by now */
    }
  }
  return pipes;
}

/**
 * Wait until the pipes opened since BEFORE are closed again: the child's are
 * read to their end then (both transports close our end at end of file).
 */
async function pipesClosed(before: Set<string>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = [...openPipes()].filter((p) => !before.has(p));
    if (open.length === 0) return;
    if (Date.now() > deadline) assert.fail(`${open.join(', ')} still open ${ms} ms after the child exited`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Run `sh -c SCRIPT`; fd 3 (status) and stderr are collected to their end. */
async function sh(start: Start, script: string, io: Partial<ChildIo> = {}, whileRunning?: (c: Child) => void): Promise<Outcome> {
  let status = '';
  let stderr = '';
  const before = openPipes();
  const child = start('/bin/sh', ['-c', script], {
    inherit: false,
    extraFds: [],
    block: false,
    onStatus: (d) => (status += d),
    onStderr: (d) => (stderr += d),
    ...io,
  });
  assert.ok(child.pid > 0);
  whileRunning?.(child);
  const code = await child.exited;
  // the fallback reports the exit before the last of the pipes, as child_process does
  await pipesClosed(before);
  return { code, status, stderr };
}

for (const [name, start] of transports) {
  const skip = start ? false : 'tsbox-spawn.node is not built here';
  const run = start!;

  test(`${name}: fd 3 is the status pipe, stderr a pipe of its own, stdin and stdout /dev/null (detached)`, { skip }, async () => {
    const r = await sh(run, 'echo status >&3; echo oops >&2; echo lost; readlink /proc/self/fd/0 >&3; exit 7');
    assert.deepEqual(r, { code: 7, status: 'status\n/dev/null\n', stderr: 'oops\n' });
  });

  test(`${name}: extra fds from 4 on, then the block pipe; unblock(true) sends one byte, unblock(false) closes it`, { skip }, async (t) => {
    const tmp = tempDir('tsbox-spawn-');
    t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    fs.writeFileSync(path.join(tmp, 'a'), 'from fd 4\n');
    const fd = fs.openSync(path.join(tmp, 'a'), 'r');
    try {
      const go = await sh(run, 'cat <&4 >&3; head -c 1 <&5 >&3; echo " then $(head -c 1 <&5 | wc -c) more" >&3', { extraFds: [fd], block: true }, (c) => c.unblock(true));
      assert.deepEqual(go, { code: 0, status: 'from fd 4\n1 then 0 more\n', stderr: '' });
      const abort = await sh(run, 'echo "$(head -c 1 <&4 | wc -c) bytes" >&3', { block: true }, (c) => c.unblock(false));
      assert.equal(abort.status, '0 bytes\n');
    } finally {
      fs.closeSync(fd);
    }
  });

  test(`${name}: the child starts with default signal handlers and nothing blocked (Node ignores SIGPIPE)`, { skip }, async () => {
    // grep, exec'd by the shell, shows what it inherited
    const r = await sh(run, 'exec grep -E "^Sig(Ign|Blk)" /proc/self/status >&3');
    const [blocked, ignored] = r.status.trim().split('\n').map((l) => BigInt(`0x${l.split('\t')[1]}`));
    assert.equal(blocked, 0n);
    // glibc's posix_spawn leaves the two signals glibc keeps for itself (32,
    // 33) ignored; the helper resets them for the container (test below)
    assert.equal(ignored & ~GLIBC_INTERNAL, 0n, `ignored: ${ignored.toString(16)}`);
  });

  test(`${name}: exit codes: the code, or 128 + the signal`, { skip }, async () => {
    assert.equal((await sh(run, 'exit 0')).code, 0);
    assert.equal((await sh(run, 'exit 125')).code, 125);
    assert.equal((await sh(run, 'kill -KILL $$')).code, 137);
    assert.equal((await sh(run, 'kill -TERM $$')).code, 143);
  });
}

test('tsbox-spawn.node: a file that cannot be run is an error with its errno, and leaves no fd open', { skip: addon ? false : 'not built' }, () => {
  const fds = () => fs.readdirSync('/proc/self/fd').length;
  const before = fds();
  assert.throws(
    () => startWithAddon(addon!, '/nonexistent/helper', [], { inherit: false, extraFds: [], block: true, onStatus: () => {}, onStderr: () => {} }),
    (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && /^spawn: No such file or directory$/.test(e.message),
  );
  assert.equal(fds(), before);
  // wrong arguments are TypeErrors, never a pid of undefined
  assert.throws(() => addon!.spawn('/bin/true', [], []), TypeError);
  assert.throws(() => addon!.spawn('/bin/true', ['/bin/true', 7 as unknown as string], []), /must be strings/);
  assert.throws(() => addon!.spawn(7 as unknown as string, ['x'], []), /must be strings/);
  assert.throws(() => addon!.spawn('/bin/true', ['/bin/true'], [-1]), /fd numbers/);
  assert.throws(() => addon!.spawn('/bin/true', ['/bin/true'], Array(17).fill(0)), /at most 16/);
  assert.throws(() => addon!.wait(0), TypeError);
});

test('tsbox run --rm starts its helper without loading child_process, the stream modules or os', { skip: addon ? false : 'not built' }, (t) => {
  const root = makeRoot();
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const probe = path.join(root, 'loaded.cjs');
  fs.writeFileSync(probe, "process.on('exit', () => require('node:fs').writeSync(2, JSON.stringify(process.moduleLoadList)));\n");
  const state = path.join(root, 'state');
  notePath(state);
  const r = attempt(process.execPath, ['--require', probe, BIN, '--root', state, 'run', '--rm', 'host', 'sh', '-c', 'echo ran']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout, 'ran\n');
  const loaded = JSON.parse(r.stderr) as string[];
  for (const m of ['NativeModule child_process', 'NativeModule stream', 'NativeModule net', 'NativeModule os']) assert.ok(!loaded.includes(m), `${m} was loaded`);
});

test('the container starts with no signal ignored or blocked, whatever its caller ignored', () => {
  const root = makeRoot();
  try {
    // a shell that ignores INT and QUIT, as one running a background job does
    const r = attempt('sh', ['-c', `trap '' INT QUIT PIPE; exec "$0" "$@"`, process.execPath, BIN, '--root', root, 'run', '--rm', 'host', 'grep', '-E', '^Sig(Ign|Blk)', '/proc/self/status']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

for (const noAddon of ['', '1']) {
  test(`a helper that cannot be run is a user error that names it, and leaves no container${noAddon ? ' (child_process)' : ''}`, () => {
    const root = makeRoot();
    try {
      const state = path.join(root, 'state');
      notePath(state);
      const r = attempt(process.execPath, [BIN, '--root', state, 'run', '--rm', 'host', 'true'], {
        env: { ...process.env, TSBOX_HELPER: '/nonexistent/tsbox-helper', TSBOX_NO_ADDON: noAddon },
      });
      assert.equal(r.exitCode, 125);
      assert.match(r.stderr, /^Error: cannot run the helper \/nonexistent\/tsbox-helper: .*(No such file|ENOENT)/);
      assert.doesNotMatch(r.stderr, /internal error|\n +at /);
      const ps = attempt(process.execPath, [BIN, '--root', state, 'ps', '-a', '-q']);
      assert.equal(ps.stdout, '');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
}

test('a tsbox-spawn.node that cannot be loaded is not used: child_process starts the helper, and info says why', async (t) => {
  const dir = tempDir('tsbox-spawn-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'tsbox-spawn.node'), 'not a shared object');
  assert.equal(spawnAddon(dir), undefined);
  assert.match(spawnMethod(dir), /^child_process \(native\/tsbox-spawn\.node cannot be loaded: .*tsbox-spawn\.node: (file too short|invalid ELF header)/);
  assert.match(spawnMethod(path.join(dir, 'missing')), /^child_process \(native\/tsbox-spawn\.node not built\)$/);
  const child = startChild(dir, '/bin/sh', ['-c', 'exit 3'], { inherit: false, extraFds: [], block: false, onStatus: () => {}, onStderr: () => {} });
  assert.equal(await child.exited, 3);
});
