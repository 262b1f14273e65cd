// Escapes through images, performed for real (issue 18, items 4 and 5, and
// the weaker ones): a setuid-root binary in an image run by a local user,
// an image's /dev/console node, an image's /etc/passwd that points at a
// host file or a device, an archive that inflates to gigabytes, and a
// container whose log fills the disk or whose output drives the terminal.
// Each attack is shown blocked, and where cheap, that its precondition holds
// (so that it would work without the fix).
//
// Everything made here goes again: the throwaway user (userdel, with the
// /etc/subuid range Debian gave it), temp dirs, state roots, containers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, cleanupRoot, inspect, makeRoot, tsbox } from '../lib/cli.js';
import { makeBusyboxRootfs } from '../lib/busybox.js';
import { detectLayout } from '../../src/probe/cgroup-layout.js';
import { parseSubIdEntries, suggestFreeRange } from '../../src/engine/subid.js';
import { helperPath } from '../../src/engine/helper.js';
import { attempt, run } from '../lib/programs.js';

const USER = `tsboxesc${process.pid}`;
const layout = detectLayout();
const why = (() => {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const tool of ['useradd', 'userdel', 'runuser', 'tar', 'mknod']) if (sh('sh', ['-c', `command -v ${tool}`]).code !== 0) return `${tool} is not installed`;
  return undefined;
})();
const opts = { skip: why ?? false };

function sh(cmd: string, args: string[], o: { input?: string; env?: NodeJS.ProcessEnv } = {}): { code: number; stdout: string; stderr: string } {
  const r = attempt(cmd, args, { timeout: 120000, input: o.input, env: o.env });
  return { code: r.exitCode ?? 128, stdout: r.stdout, stderr: r.stderr };
}

const root = makeRoot('tsbox-esc-');
const work = makeRoot('tsbox-esc-work-');
const images = path.join(root, 'data/images');
const subFiles = ['/etc/subuid', '/etc/subgid'];
let uid = -1;

before(() => {
  if (why) return;
  // containers whose root is an unprivileged host uid must pass through the state root
  fs.chmodSync(root, 0o711);
  // as Debian's useradd does by default, the user gets its own /etc/subuid and /etc/subgid range
  const add = sh('useradd', ['--no-create-home', '--shell', '/bin/sh', USER]);
  assert.equal(add.code, 0, add.stderr);
  uid = Number(sh('id', ['-u', USER]).stdout);
});

after(() => {
  cleanupRoot(root);
  fs.rmSync(work, { recursive: true, force: true });
  if (uid < 0) return;
  for (const pid of sh('pgrep', ['-u', String(uid)]).stdout.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL'); // the user did not exist before this file: every process of theirs is ours
    } catch {
      /* gone meanwhile */
    }
  }
  const del = sh('userdel', [USER]);
  assert.ok(del.code === 0 || del.code === 12 /* no mail spool */, del.stderr);
  // userdel removes the user's ranges; remove exactly those lines if it did not
  for (const f of subFiles) {
    const text = fs.readFileSync(f, 'utf8');
    if (text.split('\n').some((l) => l.startsWith(`${USER}:`))) fs.writeFileSync(f, text.split('\n').filter((l) => !l.startsWith(`${USER}:`)).join('\n'));
    assert.ok(!fs.readFileSync(f, 'utf8').includes(`${USER}:`), `${f} holds no range of ${USER} any more`);
  }
});

/** ARGV as the throwaway user, with a clean environment. */
function asUser(argv: string[]) {
  return sh('runuser', ['-u', USER, '--', '/usr/bin/env', '-i', 'PATH=/usr/bin:/bin', ...argv]);
}

/**
 * As the throwaway user (inside `unshare` with their own subordinate ids when
 * `userns`): for each path, what lstat, open and (for `exec` ones) execve
 * say. 'ok' or the errno code.
 */
function probeAsUser(paths: string[], exec: string[], userns = false): Record<string, { stat: string; open: string; exec?: string }> {
  const script = `
    const fs = require('node:fs');
    const { spawnSync } = require('node:child_process');
    const [paths, exec] = JSON.parse(process.argv[1]);
    const tryIt = (f) => { try { f(); return 'ok'; } catch (e) { return e.code; } };
    const out = {};
    for (const p of paths) {
      out[p] = { stat: tryIt(() => fs.lstatSync(p)), open: tryIt(() => fs.closeSync(fs.openSync(p, 'r'))) };
      if (exec.includes(p)) { const r = spawnSync(p, []); out[p].exec = r.error ? r.error.code : 'ran: ' + r.stdout; }
    }
    console.log(JSON.stringify(out));`;
  const argv = [process.execPath, '-e', script, JSON.stringify([paths, exec])];
  const r = asUser(userns ? ['unshare', '--map-auto', '--map-root-user', ...argv] : argv);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Every path under DIR (DIR itself not included). */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...walk(p));
  }
  return out;
}

/** The container's init's root mount: fstype and the path of its source inside that filesystem. */
function rootMount(pid: number): { fstype: string; source: string } {
  const line = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').find((l) => l.split(' ')[4] === '/')!;
  const [pre, post] = line.split(' - ');
  return { fstype: post.split(' ')[0], source: pre.split(' ')[3] };
}

/** A busybox image with a setuid-root copy of id(1) and a /dev/console node (5:1), imported from a tarball. */
function importHostileImage(name: string): void {
  const rootfs = path.join(work, `${name}-rootfs`);
  makeBusyboxRootfs(rootfs);
  fs.copyFileSync('/usr/bin/id', path.join(rootfs, 'bin/suid-id'));
  fs.chownSync(path.join(rootfs, 'bin/suid-id'), 0, 0);
  fs.chmodSync(path.join(rootfs, 'bin/suid-id'), 0o4755);
  assert.equal(sh('mknod', [path.join(rootfs, 'hostconsole'), 'c', '5', '1']).code, 0);
  const tarball = path.join(work, `${name}.tar.gz`);
  assert.equal(sh('tar', ['-czf', tarball, '--numeric-owner', '-C', rootfs, '.']).code, 0);
  const r = tsbox(root, ['image', 'import', tarball, '--name', name]);
  assert.equal(r.code, 0, r.stderr);
  const suid = fs.statSync(path.join(images, name, 'rootfs/bin/suid-id'));
  assert.equal(suid.uid, 0);
  assert.equal(suid.mode & 0o7777, 0o4755, 'the image really holds a setuid-root binary');
}

const mode = (p: string) => fs.statSync(p).mode & 0o7777;

test('no local user can reach an image or a container copy of it, not even through their own subordinate ids', opts, () => {
  importHostileImage('suid');
  // the attack's precondition: this binary, reachable, makes its caller root
  const reachable = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbox-esc-reach-'));
  try {
    fs.chownSync(reachable, uid, 0);
    fs.chmodSync(reachable, 0o700); // only the test user gets in
    const copy = path.join(reachable, 'suid-id');
    fs.copyFileSync(path.join(images, 'suid/rootfs/bin/suid-id'), copy);
    fs.chmodSync(copy, 0o4755);
    const ran = asUser([copy]);
    assert.match(ran.stdout, /euid=0\(root\)/, `a reachable setuid-root image file makes ${USER} root: ${ran.stdout}${ran.stderr}`);
  } finally {
    fs.rmSync(reachable, { recursive: true, force: true });
  }

  // containers of root's in every kind of user namespace, and one without
  const subids = subFiles.flatMap((f) => parseSubIdEntries(fs.readFileSync(f, 'utf8')));
  assert.ok(subids.some((e) => e.owner === USER), 'useradd gave the user a subordinate range');
  const free = suggestFreeRange(subids, 65536).start;
  const runs: Array<[string, string[]]> = [
    ['esc-plain', []],
    ['esc-mapped', ['--uidmap', `0:${free}:65536`, '--gidmap', `0:${free}:65536`]],
    ['esc-auto', ['--userns=auto']],
    ['esc-joined', ['--userns=container:esc-mapped']],
  ];
  for (const [name, flags] of runs) {
    const r = tsbox(root, ['run', '-d', '--name', name, ...flags, 'suid', 'sleep', '1000']);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
  }
  const ctr = Object.fromEntries(runs.map(([name]) => [name, inspect(root, name)]));
  const bundle = (name: string) => ctr[name].Bundle as string;
  // the plain one layers over the image; each in a user namespace runs on its own copy
  assert.equal(rootMount(ctr['esc-plain'].State.Pid).fstype, 'overlay');
  for (const name of ['esc-mapped', 'esc-auto', 'esc-joined']) {
    const m = rootMount(ctr[name].State.Pid);
    assert.notEqual(m.fstype, 'overlay', name);
    assert.ok(m.source.endsWith(`${bundle(name)}/rootfs`), `${name} runs on ${m.source}`);
    assert.notEqual(fs.readFileSync(`/proc/${ctr[name].State.Pid}/uid_map`, 'utf8').trim(), '0 0 4294967295', `${name} is in a user namespace`);
  }
  // and none of them needed the image opened
  for (const d of [images, ...fs.readdirSync(images).map((n) => path.join(images, n))]) assert.equal(mode(d) & 0o077, 0, `${d} is mode ${mode(d).toString(8)}`);

  const suidPaths = [path.join(images, 'suid/rootfs/bin/suid-id'), ...['esc-mapped', 'esc-auto'].map((n) => `${bundle(n)}/rootfs/bin/suid-id`), `/proc/${ctr['esc-plain'].State.Pid}/root/bin/suid-id`];
  const paths = [...walk(images), ...['esc-mapped', 'esc-auto'].flatMap((n) => [`${bundle(n)}/rootfs`, `${bundle(n)}/rootfs/etc/passwd`]), `${bundle('esc-plain')}/upper`, ...suidPaths];
  assert.ok(paths.length > 250, 'the whole image tree is probed');
  for (const userns of [false, true]) {
    if (userns && sh('sh', ['-c', 'command -v newuidmap']).code !== 0) continue;
    const seen = probeAsUser(paths, suidPaths, userns);
    for (const p of paths) {
      const s = seen[p];
      assert.equal(s.stat, 'EACCES', `${userns ? 'in their own user namespace, ' : ''}${USER} can stat ${p}`);
      assert.equal(s.open, 'EACCES', `${USER} can open ${p}`);
      if (suidPaths.includes(p)) assert.equal(s.exec, 'EACCES', `${USER} can run ${p}`);
    }
  }
  assert.equal(tsbox(root, ['rm', '-f', 'esc-joined', 'esc-plain', 'esc-auto', 'esc-mapped']).code, 0);
});

test('a store an older tsbox opened to others is closed again by the next change, not by a read', opts, () => {
  if (!fs.existsSync(path.join(images, 'suid'))) importHostileImage('suid');
  // what an older tsbox left after its first user namespace container
  fs.chmodSync(images, 0o711);
  fs.chmodSync(path.join(images, 'suid'), 0o711);
  assert.equal(tsbox(root, ['ps', '-a']).code, 0);
  assert.equal(mode(images), 0o711, 'ps changes nothing');
  const r = tsbox(root, ['create', '--name', 'esc-closer', 'suid', 'true']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(mode(images), 0o700);
  assert.equal(mode(path.join(images, 'suid')), 0o700);
  assert.equal(tsbox(root, ['rm', 'esc-closer']).code, 0);
});

// Opening is what the allowlist checks: dd with count=0 opens and reads
// nothing. Run from a shell that is the container's init, so dd is not a
// session leader and cannot take the console as its controlling terminal.
const OPEN_CONSOLE = [
  'open() { if dd if=$1 of=/dev/null count=0 2>/tmp/err; then echo "$1 open"; else echo "$1 $(cat /tmp/err)"; fi; }',
  'open /hostconsole',
  'if mknod /dev/console-x c 5 1 2>/dev/null; then open /dev/console-x; fi',
  'true',
].join('\n');

test("an image's console node (5:1) cannot be opened, with or without CAP_MKNOD", opts, () => {
  if (!fs.existsSync(path.join(images, 'suid'))) importHostileImage('suid');
  assert.equal(fs.statSync(path.join(images, 'suid/rootfs/hostconsole')).rdev, fs.statSync('/dev/console').rdev, 'the image ships the host console');
  for (const flags of [[], ['--cap-add', 'MKNOD']]) {
    const r = tsbox(root, ['run', '--rm', ...flags, 'suid', 'sh', '-c', OPEN_CONSOLE]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, flags.length ? 2 : 1, `the node was opened or made: ${r.stdout}`);
    for (const l of lines) assert.match(l, /can't open '\S+': Operation not permitted$/, `EPERM from the device cgroup: ${l}`);
  }
  // the precondition: with no allowlist (privileged) the same node opens the host's console
  const priv = tsbox(root, ['run', '--rm', '--privileged', 'suid', 'sh', '-c', OPEN_CONSOLE]);
  assert.equal(priv.code, 0, priv.stderr);
  assert.equal(priv.stdout, '/hostconsole open\n/dev/console-x open\n');
});

test('on cgroup v2 the BPF device program alone refuses the console node', { skip: why || (!layout.v2Root && 'no cgroup v2 hierarchy') || false }, () => {
  if (!fs.existsSync(path.join(images, 'suid'))) importHostileImage('suid');
  // hide the v1 devices hierarchy, as test/integration/devices.test.ts does
  const hide = layout.v1.devices ? `umount ${layout.v1.devices} && ` : '';
  const r = sh('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `${hide}exec "$@"`, 'sh', process.execPath, BIN, '--root', root, 'run', '--rm', '--cap-add', 'MKNOD', 'suid', 'sh', '-c', OPEN_CONSOLE]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stdout.trim().split('\n').map((l) => /Operation not permitted$/.test(l)),
    [true, true],
    r.stdout,
  );
});

// ------------------------------------------------------------ -u NAME reads /etc/passwd inside the root


function readFile(where: string[], file: string, max = 4 << 20) {
  const t0 = Date.now();
  const r = attempt(helperPath(), ['read-file', ...where, '--max', String(max), file], { timeout: 20000 });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0, timedOut: r.timedOut || r.notStarted !== undefined };
}

/** A busybox tree whose etc/passwd is made by MAKE (after the regular one is removed). */
function treeWithPasswd(name: string, make: (passwd: string, tree: string) => void): string {
  const tree = path.join(work, name);
  makeBusyboxRootfs(tree);
  fs.rmSync(path.join(tree, 'etc/passwd'));
  make(path.join(tree, 'etc/passwd'), tree);
  return tree;
}

test('read-file resolves inside the root and reads only regular files, never the host file, never waiting', opts, () => {
  // the preconditions: as plain paths these lead to host files, and root may read them
  assert.match(fs.readFileSync('/proc/self/root/etc/passwd', 'utf8'), /^root:/m);
  assert.match(fs.readFileSync('/etc/shadow', 'utf8'), /^root:/m);
  const trees = {
    zero: treeWithPasswd('rf-zero', (p) => fs.symlinkSync('/dev/zero', p)),
    zeroNode: treeWithPasswd('rf-zero-node', (p, t) => {
      fs.symlinkSync('/dev/zero', p);
      assert.equal(sh('mknod', [path.join(t, 'dev/zero'), 'c', '1', '5']).code, 0);
    }),
    shadow: treeWithPasswd('rf-shadow', (p, t) => {
      fs.symlinkSync('../../../../../../../../etc/shadow', p);
      fs.writeFileSync(path.join(t, 'etc/shadow'), 'ghost:x:1234:4321::/:/bin/sh\n');
    }),
    magic: treeWithPasswd('rf-magic', (p) => fs.symlinkSync('/proc/self/root/etc/passwd', p)),
    fifo: treeWithPasswd('rf-fifo', (p) => assert.equal(sh('mkfifo', [p]).code, 0)),
    big: treeWithPasswd('rf-big', (p) => {
      fs.writeFileSync(p, '');
      fs.truncateSync(p, 5 << 20);
    }),
    dir: treeWithPasswd('rf-dir', (p) => fs.mkdirSync(p)),
  };
  const at = (t: string) => ['--root', t];
  const cases: Array<[string, number, RegExp]> = [
    [trees.zero, 1, /no such file/], // the tree has no dev/zero: nothing to read, and never the host's
    [trees.zeroNode, 125, /is a character device, not a regular file/],
    [trees.magic, 1, /no such file/], // the tree's own /proc is empty
    [trees.fifo, 125, /is a FIFO, not a regular file/],
    [trees.big, 125, /is 5242880 bytes, more than the 4194304 this reads/],
    [trees.dir, 125, /is a directory, not a regular file/],
  ];
  for (const [tree, code, msg] of cases) {
    const r = readFile(at(tree), '/etc/passwd');
    assert.ok(!r.timedOut && r.ms < 5000, `${tree}: answered in ${r.ms} ms`);
    assert.equal(r.code, code, `${tree}: ${r.stderr}`);
    assert.match(r.stderr, msg, tree);
    assert.equal(r.stdout, '', `${tree}: nothing printed`);
  }
  const shadow = readFile(at(trees.shadow), '/etc/passwd');
  assert.equal(shadow.code, 0, shadow.stderr);
  assert.equal(shadow.stdout, 'ghost:x:1234:4321::/:/bin/sh\n', "the image's own etc/shadow, not the host's");
  assert.equal(readFile(at(trees.shadow), '/../../../etc/passwd').stdout, shadow.stdout, '.. stops at the root');
  // a bad argv, and the cap's own bounds
  assert.equal(readFile(['--root', trees.shadow, '--pid', '1'], '/etc/passwd').code, 125);
  assert.equal(readFile(at(trees.shadow), '/etc/passwd', 0).code, 125);
  assert.equal(readFile(at(trees.shadow), '/etc/passwd', 65 << 20).code, 125);
});

test("read-file --pid reads a running container's own root, refuses magic links and device nodes there, and a reused pid", opts, () => {
  const r = tsbox(root, ['run', '-d', '--name', 'rf-live', 'host', 'sh', '-c', 'echo "live:x:7:7::/:/bin/sh" >> /etc/passwd; ln -s /proc/1/root/etc/passwd /etc/magic; ln -s /proc/self/root/etc/passwd /etc/self; exec sleep 1000']);
  assert.equal(r.code, 0, r.stderr);
  try {
    const { Pid: pid } = inspect(root, 'rf-live').State;
    const start = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
    const at = ['--pid', String(pid), '--pid-start', start];
    let own = readFile(at, '/etc/passwd');
    for (let i = 0; i < 50 && !own.stdout.includes('live:'); i++, own = readFile(at, '/etc/passwd')) run('sleep', ['0.05']);
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, /^live:x:7:7:/m, "the container's /etc/passwd as it is now");
    assert.doesNotMatch(fs.readFileSync('/etc/passwd', 'utf8'), /^live:/m, 'not the host one');
    const magic = readFile(at, '/etc/magic');
    assert.equal(magic.code, 125);
    assert.match(magic.stderr, /magic link/);
    // the helper is no process of the container's pid namespace: its /proc/self leads nowhere
    const self = readFile(at, '/etc/self');
    assert.equal(self.code, 1, self.stderr);
    const zero = readFile(at, '/dev/zero');
    assert.equal(zero.code, 125, 'the real /dev/zero of the container is not read');
    assert.match(zero.stderr, /character device/);
    const kmsg = readFile(at, '/proc/kmsg');
    assert.ok(!kmsg.timedOut && kmsg.ms < 5000, 'a file without a size is not waited on');
    assert.equal(kmsg.stdout, '');
    const reused = readFile(['--pid', String(pid), '--pid-start', String(Number(start) + 1)], '/etc/passwd');
    assert.equal(reused.code, 125);
    assert.match(reused.stderr, /is not the container's process anymore/);
  } finally {
    tsbox(root, ['rm', '-f', 'rf-live']);
  }
});

test("-u NAME at create and exec: the image's and the container's files, read inside them or refused clearly", opts, () => {
  const images: Array<[string, (p: string, t: string) => void]> = [
    ['u-zero', (p, t) => {
      fs.symlinkSync('/dev/zero', p);
      assert.equal(sh('mknod', [path.join(t, 'dev/zero'), 'c', '1', '5']).code, 0);
    }],
    ['u-shadow', (p, t) => {
      fs.symlinkSync('../../../../etc/shadow', p);
      fs.writeFileSync(path.join(t, 'etc/shadow'), 'ghost:x:1234:4321::/:/bin/sh\n');
    }],
    ['u-magic', (p) => fs.symlinkSync('/proc/self/root/etc/passwd', p)],
  ];
  for (const [name, make] of images) {
    const r = tsbox(root, ['image', 'import', treeWithPasswd(`${name}-tree`, make), '--name', name]);
    assert.equal(r.code, 0, r.stderr);
  }
  const run = (args: string[]) => {
    const t0 = Date.now();
    const r = tsbox(root, args);
    assert.ok(Date.now() - t0 < 20000, `${args.join(' ')} took ${Date.now() - t0} ms`);
    return r;
  };
  const zero = run(['create', '--name', 'u-zero-c', '-u', 'root', 'u-zero', 'true']);
  assert.equal(zero.code, 125);
  assert.match(zero.stderr, /^Error: cannot read the image's \/etc\/passwd: `\/etc\/passwd` is a character device, not a regular file\n/);
  assert.equal(tsbox(root, ['ps', '-a', '-q', '--filter', 'name=u-zero-c']).stdout, '', 'no container was made');
  // the host's shadow has a root line whose 3rd field is a number: read from the host, root would resolve
  assert.match(fs.readFileSync('/etc/shadow', 'utf8'), /^root:[^:]*:\d+:/m);
  const shadow = run(['run', '--rm', '-u', 'root', 'u-shadow', 'id']);
  assert.equal(shadow.code, 125);
  assert.match(shadow.stderr, /unknown user 'root' in the image's \/etc\/passwd/);
  const ghost = run(['run', '--rm', '-u', 'ghost', 'u-shadow', 'id', '-u']);
  assert.equal(ghost.code, 0, ghost.stderr);
  assert.equal(ghost.stdout, '1234\n', "the image's own etc/shadow, through the image's symlink");
  const magic = run(['run', '--rm', '-u', 'root', 'u-magic', 'id']);
  assert.equal(magic.code, 125);
  assert.match(magic.stderr, /unknown user 'root' in the image's \/etc\/passwd/);
  // a numeric user and group need no file: the character device, refused by read-file
  // without being opened, only leaves HOME unknown (and nothing in the container may
  // look at it either: id(1) would read /dev/zero forever)
  const numeric = run(['run', '--rm', '-u', '5:6', 'u-zero', 'grep', '-E', '^(Uid|Gid):', '/proc/self/status']);
  assert.equal(numeric.code, 0, numeric.stderr);
  assert.match(numeric.stdout, /^Uid:\t5\t5\t5\t5\nGid:\t6\t6\t6\t6\n$/);

  // exec reads the running container's files, not the image's
  const live = run(['run', '-d', '--name', 'u-live', 'u-magic', 'sleep', '1000']);
  assert.equal(live.code, 0, live.stderr);
  try {
    // /proc/self is no process of the helper's there, and /proc/1/root is a magic link
    const selfLive = run(['exec', '-u', 'root', 'u-live', 'id']);
    assert.equal(selfLive.code, 125);
    assert.match(selfLive.stderr, /^Error: unknown user 'root' in the container's \/etc\/passwd\n/);
    assert.equal(run(['exec', 'u-live', 'sh', '-c', 'rm /etc/passwd && ln -s /proc/1/root/etc/passwd /etc/passwd']).code, 0);
    const magicLive = run(['exec', '-u', 'root', 'u-live', 'id']);
    assert.equal(magicLive.code, 125);
    assert.match(magicLive.stderr, /^Error: cannot read the container's \/etc\/passwd: `\/etc\/passwd` leads through a magic link/);
    assert.equal(run(['exec', 'u-live', 'sh', '-c', 'rm /etc/passwd && ln -s /dev/zero /etc/passwd']).code, 0);
    const zeroLive = run(['exec', '-u', 'root', 'u-live', 'id']);
    assert.equal(zeroLive.code, 125);
    assert.match(zeroLive.stderr, /`\/etc\/passwd` is a character device, not a regular file/);
    assert.equal(run(['exec', 'u-live', 'sh', '-c', 'rm /etc/passwd && echo "neo:x:4321:6::/:/bin/sh" > /etc/passwd']).code, 0);
    const neo = run(['exec', '-u', 'neo', 'u-live', 'id']);
    assert.equal(neo.code, 0, neo.stderr);
    assert.match(neo.stdout, /^uid=4321\(neo\) gid=6/, 'a user the container added');
  } finally {
    tsbox(root, ['rm', '-f', 'u-live']);
  }
});

// ------------------------------------------------------------ logs: capped on disk, and shown, not obeyed, on a terminal

const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

test('a container that writes 20 times its log cap: neither file ever passes it, and `logs` ends with the newest lines whole', opts, () => {
  const CAP = 64 * 1024;
  const script = [
    `awk 'BEGIN { for (i = 0; i < 16000; i++) printf "line %05d %s end\\n", i, "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz" }'`,
    // 30000 bytes: several of the monitor's reads, so P records, maybe on both sides of a rotation
    `head -c 30000 /dev/zero | tr '\\0' x; echo`,
    'echo last',
  ].join('; ');
  const r = tsbox(root, ['run', '-d', '--name', 'log-cap', '--log-opt', 'max-size=64k', 'host', 'sh', '-c', script]);
  assert.equal(r.code, 0, r.stderr);
  const { Bundle: bundle, State } = inspect(root, 'log-cap');
  // podman shows the size humanized (Go's units.HumanSize); tsbox's spec has the bytes
  assert.equal(inspect(root, 'log-cap').HostConfig.LogConfig.Size, '65.54kB');
  assert.equal(inspect(root, 'log-cap').Spec.logMaxSize, CAP);
  const files = [`${bundle}/ctr.log`, `${bundle}/ctr.log.1`];
  const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
  let samples = 0;
  let largest = 0;
  while (fs.existsSync(`/proc/${State.Pid}`) || samples === 0) {
    for (const f of files) largest = Math.max(largest, size(f));
    samples++;
    sleepMs(2);
  }
  assert.equal(tsbox(root, ['wait', 'log-cap']).code, 0);
  for (const f of files) largest = Math.max(largest, size(f));
  assert.ok(largest <= CAP, `a log file reached ${largest} bytes (cap ${CAP}; ${samples} samples while it ran)`);
  assert.ok(size(files[1]) > CAP / 2, 'it was rotated');
  const fileBytes = files.reduce((n, f) => n + size(f), 0);
  assert.ok(fileBytes <= 2 * CAP, `${fileBytes} bytes on disk`);

  const out = tsbox(root, ['logs', 'log-cap']);
  assert.equal(out.code, 0, out.stderr);
  const shown = out.stdout.split('\n');
  assert.deepEqual(shown.slice(-3), ['x'.repeat(30000), 'last', ''], 'the last lines, the long one whole');
  const numbered = shown.slice(0, -3);
  assert.ok(numbered.length > 100, `${numbered.length} lines`);
  numbered.forEach((l, i) => assert.match(l, /^line (\d{5}) abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz end$/, `line ${i} is whole`));
  const nums = numbered.map((l) => Number(l.slice(5, 10)));
  assert.equal(nums.at(-1), 15999);
  assert.deepEqual(nums, nums.map((_, i) => nums[0] + i), 'from ctr.log.1 on into ctr.log, none missing');
  const tail = tsbox(root, ['logs', '--tail', '2', 'log-cap']);
  assert.equal(tail.stdout, `${'x'.repeat(30000)}\nlast\n`);
  assert.equal(tsbox(root, ['rm', 'log-cap']).code, 0);
});

test('at the smallest cap (4k) a line longer than the cap is cut into pieces that fit, and the files still never pass it', opts, () => {
  const r = tsbox(root, ['run', '--name', 'log-small', '--log-opt', 'max-size=4k', 'host', 'sh', '-c', "head -c 40000 /dev/zero | tr '\\0' y; echo; echo end"]);
  assert.equal(r.code, 0, r.stderr);
  const bundle = inspect(root, 'log-small').Bundle;
  for (const f of ['ctr.log', 'ctr.log.1']) assert.ok(fs.statSync(`${bundle}/${f}`).size <= 4096, f);
  const recs = fs.readFileSync(`${bundle}/ctr.log.1`, 'utf8') + fs.readFileSync(`${bundle}/ctr.log`, 'utf8');
  for (const l of recs.trimEnd().split('\n')) assert.match(l, /^\S+ stdout [FP] (y+|end)?$/, 'records whole');
  assert.match(tsbox(root, ['logs', 'log-small']).stdout, /y+\nend\n$/);
  assert.equal(tsbox(root, ['rm', 'log-small']).code, 0);
});

test("escape sequences in a log are shown, not obeyed, on a terminal (logs and the dashboard's Logs tab); --raw and pipes get the bytes", opts, async () => {
  // colour, a window title, clear screen, BEL, a line that overwrites itself, C1 CSI, and a tty's CRLF
  const printed = 'red \x1b[31mX\x1b[0m\n\x1b]0;pwned\x07\x1b[2J\nsafe\rhidden\n\u009b6n\ncrlf\r\n';
  const r = tsbox(root, ['run', '--name', 'log-esc', 'host', 'sh', '-c', `printf '%s' "$1"; printf 'to stderr \\033[5m\\n' >&2`, 'sh', printed]);
  assert.equal(r.code, 0, r.stderr);
  const bundle = inspect(root, 'log-esc').Bundle;
  assert.ok(fs.readFileSync(`${bundle}/ctr.log`).includes(0x1b), 'the log holds the raw escapes (what a terminal would obey)');
  // through a pipe: the bytes, for scripts
  const piped = attempt(process.execPath, [BIN, '--root', root, 'logs', 'log-esc'], { encoding: 'latin1' });
  assert.equal(piped.stdout, Buffer.from(printed).toString('latin1'));
  assert.equal(piped.stderr, 'to stderr \x1b[5m\n');
  // on a terminal (script(1) gives the command one; it turns \n into \r\n)
  const onTty = (flags: string[]) => run('script', ['-qec', [process.execPath, BIN, '--root', root, 'logs', ...flags, 'log-esc'].join(' '), '/dev/null']).replace(/\r\n/g, '\n');
  const shown = onTty([]);
  assert.equal(shown, 'red ^[[31mX^[[0m\n^[]0;pwned^G^[[2J\nsafe^Mhidden\n^[[6n\ncrlf\nto stderr ^[[5m\n');
  assert.doesNotMatch(shown, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, 'no control character reaches the terminal');
  assert.match(onTty(['--raw']), /red \x1b\[31mX/, '--raw passes them, as podman does');
  // the dashboard's Logs tab reads the same log through the same sanitiser
  const { createEngineSource } = await import('../../src/ui/source.js');
  const source = await createEngineSource({ root });
  const snap = source.snapshot();
  assert.ok(snap.containers.ok);
  const rec = snap.containers.value.find((c) => c.name === 'log-esc')!;
  const tab = source.readLogs(rec, null);
  assert.ok(tab.ok, tab.ok ? '' : tab.reason);
  assert.deepEqual(
    tab.value.lines.map((l) => l.text),
    ['red ^[[31mX^[[0m', '^[]0;pwned^G^[[2J', 'safe^Mhidden', '^[[6n', 'crlf', 'to stderr ^[[5m'],
  );
  assert.equal(tsbox(root, ['rm', 'log-esc']).code, 0);
});
