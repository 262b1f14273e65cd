// Volumes that cannot be redirected (issue 18, items 6 and 7) and the kernel
// floor, attacked for real as root: sources swapped for symlinks between
// create and start (:U, :Z), a sibling container flipping a directory and a
// symlink in a shared volume while another container's start walks it (:U,
// :Z) or mounts beneath it (:ro, the CVE-2021-30465 class), and a kernel
// that reports itself as 2.6. Each attack is checked against the kernel's
// view: stat owners, getfattr labels, /proc/self/mountinfo of the started
// containers. The attacker is test/fixtures/swap-racer.c, run in a container
// of the host image.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { BIN, REPO, cleanupRoot, inspect, makeRoot, tsbox } from '../lib/cli.js';
import { makeBusyboxRootfs } from '../lib/busybox.js';
import { attempt, canRun, run, start } from '../lib/programs.js';

const HELPER = path.join(REPO, 'native', 'tsbox-helper');
const XATTR = 'security.selinux';
const O_PATH = 0o10000000;
const SELINUX = { TSBOX_SELINUX: 'on' };

const skip = process.getuid?.() !== 0 ? 'needs root' : !canRun('cc') ? 'needs a C compiler for the attacker' : false;

let root = '';
let work = '';
let racer = ''; // the directory holding swap-racer, bound read-only into the attacker's container
// The helper as an unprivileged user runs it: a copy outside the checkout,
// which may sit in a directory only root can pass (a clone under /root).
let userHelper = '';

before(() => {
  if (skip) return;
  root = makeRoot('tsbox-escv-');
  // host trees on ext4 (/var/tmp), which keeps security.* xattrs without SELinux
  work = fs.mkdtempSync('/var/tmp/tsbox-escv-');
  racer = path.join(work, 'bin');
  fs.mkdirSync(racer);
  run('cc', ['-Wall', '-Wextra', '-Werror', '-O2', '-o', path.join(racer, 'swap-racer'), path.join(REPO, 'test/fixtures/swap-racer.c')]);
  fs.mkdirSync(path.join(work, 'helper'), { mode: 0o755 });
  userHelper = path.join(work, 'helper', 'tsbox-helper');
  fs.copyFileSync(HELPER, userHelper);
  fs.chmodSync(userHelper, 0o755);
});

after(() => {
  if (skip) return;
  cleanupRoot(root);
  fs.rmSync(work, { recursive: true, force: true });
});

function scratch(name: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  return dir;
}

/** A root-owned tree that must never change: DIR/vol/{a, sub/b}, plus DIR/secret. */
function hostTree(dir: string): string {
  fs.mkdirSync(path.join(dir, 'vol', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'vol', 'a'), 'a');
  fs.writeFileSync(path.join(dir, 'vol', 'sub', 'b'), 'b');
  fs.writeFileSync(path.join(dir, 'secret'), 's');
  return dir;
}

/** [path, uid, gid] of every file of a tree (lstat: symlinks themselves). */
function owners(dir: string): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [];
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    out.push([p, st.uid, st.gid]);
    if (st.isDirectory()) for (const n of fs.readdirSync(p).sort()) walk(path.join(p, n));
  };
  walk(dir);
  return out;
}

/** Every security.selinux label in a tree, as getfattr dumps them (empty: none). */
function labels(dir: string): string {
  return attempt('getfattr', ['-R', '-h', '-d', '-m', `^${XATTR.replace('.', '\\.')}$`, '--absolute-names', dir]).stdout;
}

const noStack = (stderr: string) => assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');

/** A named volume's host directory. */
function volumePath(name: string): string {
  const r = tsbox(root, ['volume', 'inspect', name]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout)[0].mountpoint;
}

/** Start the attacker: swap-racer in a container that mounts VOLUME at /data, swapping the given pairs (paths inside). */
function startRacer(name: string, volume: string, pairs: string[]): void {
  const r = tsbox(root, ['run', '-d', '--name', name, '-v', `${volume}:/data`, '-v', `${racer}:/racer:ro`, 'host', '/racer/swap-racer', ...pairs]);
  assert.equal(r.code, 0, r.stderr);
}

/** Wait until the host sees FILE both as a directory and as a symlink: the race is on. */
async function waitForFlips(file: string): Promise<void> {
  const seen = new Set<string>();
  for (let i = 0; i < 2000 && seen.size < 2; i++) {
    try {
      seen.add(fs.lstatSync(file).isSymbolicLink() ? 'link' : 'dir');
    } catch {
      /* mid-flight */
    }
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5));
  }
  assert.deepEqual([...seen].sort(), ['dir', 'link'], `${file} flips between a directory and a symlink`);
}

// ------------------------------------------------ (a), (b): swapped since create

for (const [opt, env, what] of [
  ['U', {}, 'owners'],
  ['Z', SELINUX, 'labels'],
] as const) {
  test(`:${opt} refuses a source whose parent, or itself, was swapped for a symlink to a root-owned tree since create; the tree keeps its ${what}`, { skip }, () => {
    const dir = scratch(`swap-${opt}`);
    const victim = hostTree(path.join(dir, 'victim'));
    const parent = path.join(dir, 'parent');
    const src = path.join(parent, 'vol');
    fs.mkdirSync(src, { recursive: true });
    const name = `swap-${opt}`;
    const c = tsbox(root, ['create', '--name', name, '--user', '4321:4321', '-v', `${src}:/data:${opt}`, 'host', 'true'], { env });
    assert.equal(c.code, 0, c.stderr);
    const ownersBefore = owners(victim);
    assert.ok(ownersBefore.every(([, uid, gid]) => uid === 0 && gid === 0));
    assert.equal(labels(victim), '');

    // the attack: the parent becomes a symlink to the root-owned tree
    fs.renameSync(parent, `${parent}.orig`);
    fs.symlinkSync(victim, parent);
    assert.equal(fs.realpathSync(src), path.join(victim, 'vol'), 'precondition: the recorded path now leads into the root-owned tree');
    let r = tsbox(root, ['start', name], { env });
    assert.equal(r.code, 125, r.stderr);
    assert.match(r.stderr, new RegExp(`the source ${src} of the volume at /data changed since the container was created: it now leads to ${victim}/vol`));
    noStack(r.stderr);
    assert.deepEqual(owners(victim), ownersBefore);
    assert.equal(labels(victim), '', 'no label written');
    assert.equal(inspect(root, name).State.Status, 'created');

    // the source itself swapped for a symlink
    fs.unlinkSync(parent);
    fs.renameSync(`${parent}.orig`, parent);
    fs.renameSync(src, `${src}.orig`);
    fs.symlinkSync(path.join(victim, 'vol'), src);
    r = tsbox(root, ['start', name], { env });
    assert.equal(r.code, 125, r.stderr);
    assert.match(r.stderr, new RegExp(`changed since the container was created: it is now a symlink to ${victim}/vol`));
    assert.deepEqual(owners(victim), ownersBefore);
    assert.equal(labels(victim), '');

    // put back, the start goes through, on the real source only
    fs.unlinkSync(src);
    fs.renameSync(`${src}.orig`, src);
    r = tsbox(root, ['start', name], { env });
    assert.equal(r.code, 0, r.stderr);
    if (opt === 'U') assert.equal(fs.statSync(src).uid, 4321);
    else assert.match(labels(src), /container_file_t/);
    assert.deepEqual(owners(victim), ownersBefore);
    assert.equal(labels(victim), '');
    assert.equal(tsbox(root, ['rm', '-f', name]).code, 0);
  });
}

// ------------------------------------------------ (c): raced during the walk

/**
 * What chownVolumes did before the fix: lstat, readdir and lchown by path.
 * A control: the same racer leads it out of the volume.
 */
function pathWalkChown(dir: string, uid: number): void {
  const stack = [dir];
  while (stack.length > 0) {
    const p = stack.pop()!;
    try {
      const st = fs.lstatSync(p);
      fs.lchownSync(p, uid, uid);
      if (st.isDirectory()) for (const n of fs.readdirSync(p)) stack.push(path.join(p, n));
    } catch {
      /* raced away */
    }
  }
}

test('a sibling container swapping directories for symlinks during the :U and :Z walks of a big shared volume changes nothing outside it', { skip }, async (t) => {
  const dir = scratch('walk-race');
  const canary = hostTree(path.join(dir, 'canary'));
  assert.equal(tsbox(root, ['volume', 'create', 'racy']).code, 0);
  t.after(() => {
    tsbox(root, ['rm', '-f', 'walker']);
    tsbox(root, ['volume', 'rm', '-f', 'racy']);
  });
  const data = volumePath('racy');
  const tree = path.join(data, 'tree');
  const pairs: string[] = [];
  for (let d = 0; d < 40; d++) {
    fs.mkdirSync(path.join(tree, `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(tree, `d${d}`, `f${f}`), '');
    if (d % 10 === 5) {
      // the symlink's text is a host path: whoever follows it on the host lands in the canary
      fs.symlinkSync(canary, path.join(tree, `l${d}`));
      pairs.push(`/data/tree/d${d}`, `/data/tree/l${d}`);
    }
  }
  const ownersBefore = owners(canary);
  startRacer('walker', 'racy', pairs);
  await waitForFlips(path.join(tree, 'd5'));

  for (const [opt, env] of [
    ['U', {}],
    ['Z', SELINUX],
  ] as const) {
    for (let i = 0; i < 4; i++) {
      const r = tsbox(root, ['run', '--rm', '--user', '4321:4321', '-v', `racy:/data:${opt}`, 'host', 'true'], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(owners(canary), ownersBefore, `:${opt} run ${i}: the canary's owners`);
      assert.equal(labels(canary), '', `:${opt} run ${i}: the canary's labels`);
    }
  }
  // the walks did their work inside the volume
  assert.equal(fs.statSync(path.join(tree, 'd0', 'f0')).uid, 4321);
  assert.match(labels(path.join(tree, 'd0')), /container_file_t:s0:c\d+,c\d+/);

  // control: the old walk by path, under the same racer, is led out of the volume
  let escaped = false;
  for (let i = 0; i < 100 && !escaped; i++) {
    pathWalkChown(data, 999);
    escaped = fs.statSync(path.join(canary, 'secret')).uid === 999;
  }
  assert.ok(escaped, 'precondition: a walk that follows paths is led into the canary by this racer');
});

// ------------------------------------------------ (d): the :ro race

test('a :ro volume nested in a shared volume is read-only on every start while a sibling flips a symlink under it (CVE-2021-30465)', { skip }, async (t) => {
  for (const v of ['flip', 'other']) assert.equal(tsbox(root, ['volume', 'create', v]).code, 0);
  t.after(() => {
    tsbox(root, ['rm', '-f', 'flipper']);
    tsbox(root, ['volume', 'rm', '-f', 'flip', 'other']);
  });
  const flip = volumePath('flip');
  const other = volumePath('other');
  fs.mkdirSync(path.join(flip, 'sub'));
  // A mount root in the victim (its /dev/shm): a second lookup of /data/sub
  // through it, as the helper once made to apply ro, lands on a mount and
  // succeeds there, leaving `other` writable (measured: 1 start in 30).
  fs.symlinkSync('/dev/shm', path.join(flip, 'lnk'));
  fs.writeFileSync(path.join(other, 'marker'), 'other');
  startRacer('flipper', 'flip', ['/data/sub', '/data/lnk']);
  await waitForFlips(path.join(flip, 'sub'));

  const script = 'cat /proc/self/mountinfo';
  let started = 0;
  let refused = 0;
  for (let i = 0; i < 30; i++) {
    const r = tsbox(root, ['run', '--rm', '-v', 'flip:/data', '-v', 'other:/data/sub:ro', 'host', 'sh', '-c', script]);
    if (r.code === 125) {
      // the symlink was in place when /data/sub was resolved: refused, not followed
      assert.match(r.stderr, /the destination `\/data\/sub` goes through a symlink \(or `\.\.`\) inside the mount at `\/data`/);
      noStack(r.stderr);
      refused++;
      continue;
    }
    assert.equal(r.code, 0, r.stderr);
    started++;
    const mountinfo = r.stdout;
    const mounts = mountinfo
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const f = l.split(' ');
        return { root: f[3], point: f[4], opts: f[5].split(',') };
      });
    // The kernel's view: `other` is mounted once, read-only, on the directory
    // /data/sub was, not on /dev/shm. The racer keeps swapping that
    // directory's name after the mount, and a mount moves with its
    // directory: mountinfo names it /data/sub or /data/lnk.
    const ours = mounts.filter((m) => m.root.endsWith('/volumes/other/_data'));
    assert.equal(ours.length, 1, mountinfo);
    assert.match(ours[0].point, /^\/data\/(sub|lnk)$/, mountinfo);
    assert.ok(ours[0].opts.includes('ro'), `read-only: ${mountinfo}`);
    assert.deepEqual(
      mounts.filter((m) => m.point === '/dev/shm').map((m) => m.root),
      ['/'],
      'the container /dev/shm is its own tmpfs',
    );
  }
  t.diagnostic(`${started} starts with /data/sub a directory, ${refused} refused with it a symlink`);
  assert.ok(started > 0 && refused > 0, `precondition: the race was on (${started} starts with /data/sub a directory, ${refused} with it a symlink)`);
  assert.ok(!fs.existsSync(path.join(other, 'x')), 'nothing written into the read-only volume');
});

// ------------------------------------------------ helper level

interface Run {
  code: number;
  stderr: string;
  stdout: string;
}

/** tsbox-helper run with FDS at 3..; errors on stderr (no status fd). */
function helperRun(args: string[], fds: number[]): Run {
  const r = attempt(HELPER, ['run', ...args], { timeout: 20000, stdio: ['ignore', 'pipe', 'pipe', ...fds] });
  return { code: r.exitCode ?? 128, stdout: r.stdout, stderr: r.stderr };
}

function rootfsFor(name: string): string {
  const rootfs = path.join(scratch(name), 'rootfs');
  makeBusyboxRootfs(rootfs);
  return rootfs;
}

test('helper: a destination beneath a bind that goes through a symlink there is refused, a plain one is read-only', { skip }, () => {
  const rootfs = rootfsFor('nested');
  const shared = path.join(path.dirname(rootfs), 'shared');
  const ro = path.join(path.dirname(rootfs), 'ro');
  fs.mkdirSync(path.join(shared, 'real'), { recursive: true });
  fs.symlinkSync('/etc', path.join(shared, 'sub'));
  fs.mkdirSync(ro);
  const fds = [fs.openSync(shared, O_PATH), fs.openSync(ro, O_PATH)];
  try {
    let r = helperRun(['--rootfs', rootfs, '--bind-fd', '3:/data', '--bind-ro-fd', '4:/data/sub', '--', '/bin/true'], fds);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^tsbox-helper: mount: the destination `\/data\/sub` goes through a symlink/);
    // with the old resolution (in the root) it would have covered the container's /etc
    r = helperRun(['--rootfs', rootfs, '--bind-fd', '3:/data', '--bind-ro-fd', '4:/data/real', '--', '/bin/sh', '-c', 'grep " /data/real " /proc/self/mountinfo; touch /data/real/x 2>/dev/null && echo WRITABLE; true'], fds);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, / \/data\/real ro,/);
    assert.doesNotMatch(r.stdout, /WRITABLE/);
    // a bind fd that is a symlink is refused: the engine opens with O_NOFOLLOW, so it means a swapped source
    const link = fs.openSync(path.join(shared, 'sub'), O_PATH | fs.constants.O_NOFOLLOW);
    fds.push(link);
    r = helperRun(['--rootfs', rootfs, '--bind-fd', '5:/x', '--', '/bin/true'], fds);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /bind fd 5 \(for `\/x`\) is a symlink/);
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
  assert.deepEqual(fs.readdirSync(path.join(rootfs, 'etc')).sort(), ['group', 'hosts', 'passwd'], 'nothing landed in the rootfs /etc');
  assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(rootfs), 'no mount left on the host');
});

test('helper without root: a --bind-ro-fd source is cloned by the container root, from the path its fd names, read-only', { skip }, async () => {
  const rootfs = rootfsFor('unpriv');
  const base = path.dirname(rootfs);
  // the container's root is host uid 65534: it must reach the rootfs and the source
  fs.chmodSync(work, 0o711);
  fs.chmodSync(base, 0o755);
  fs.mkdirSync(path.join(rootfs, 'ro')); // root's rootfs: the container's root may not create it
  const src = path.join(base, 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'f'), 'hello');
  const fd = fs.openSync(src, O_PATH);
  try {
    const child = start(
      userHelper,
      ['run', '--status-fd', '3', '--userns-block-fd', '4', '--ns', 'user', '--ns', 'pid', '--rootfs', rootfs, '--bind-ro-fd', '5:/ro', '--', '/bin/sh', '-c',
        'cat /ro/f; echo; grep " /ro " /proc/self/mountinfo; touch /ro/x 2>/dev/null && echo WRITABLE; true'],
      { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', fd] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const status: string[] = [];
    createInterface({ input: child.stdio[3] as Readable }).on('line', (line) => {
      status.push(line);
      const msg = JSON.parse(line);
      if (msg.pid) {
        // what newuidmap would write for a rootless user: its own id as root
        fs.writeFileSync(`/proc/${msg.pid}/uid_map`, '0 65534 1\n');
        fs.writeFileSync(`/proc/${msg.pid}/gid_map`, '0 65534 1\n');
        (child.stdio[4] as Writable).end('1');
      }
    });
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 128)));
    assert.equal(code, 0, `${stderr}\n${status.join('\n')}`);
    assert.match(stdout, /^hello\n/);
    assert.match(stdout, / \/ro ro,/);
    assert.doesNotMatch(stdout, /WRITABLE/);
  } finally {
    fs.closeSync(fd);
  }
  assert.deepEqual(fs.readdirSync(src), ['f']);
});

test('helper chown: each failure and each mount point is a record, and the walk stops at a failure', { skip }, () => {
  const dir = scratch('chown-records');
  fs.chmodSync(work, 0o711);
  fs.chmodSync(dir, 0o755);
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(path.join(tree, 'mnt'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'f'), '');
  run('chown', ['-R', '65534:65534', tree]);
  run('mount', ['-t', 'tmpfs', 'tsbox-test', path.join(tree, 'mnt')]);
  const fd = fs.openSync(tree, O_PATH);
  try {
    const chown = (uid: number, as?: number) =>
      attempt(as === undefined ? HELPER : userHelper, ['chown', String(uid), String(uid), '3'], { stdio: ['ignore', 'pipe', 'pipe', fd], ...(as === undefined ? {} : { uid: as, gid: as }) });
    // without root, ids other than one's own cannot be given away (rootless): EPERM on the first file, nothing after it
    let r = chown(0, 65534);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.deepEqual(r.stdout.split('\0'), ['!', '3', '.', '1', 'Operation not permitted', '']);
    assert.equal(fs.statSync(path.join(tree, 'f')).uid, 65534);
    r = chown(4321);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\0'), ['#', '3', 'mnt', '']);
    assert.equal(fs.statSync(path.join(tree, 'f')).uid, 4321);
    assert.equal(fs.statSync(path.join(tree, 'mnt')).uid, 0, 'the tmpfs root was not entered');
  } finally {
    fs.closeSync(fd);
    attempt('umount', [path.join(tree, 'mnt')]);
  }
});

// ------------------------------------------------ kernel floor

test('kernel floor: a kernel older than 5.12 is refused with what to do (exit 125), and tsbox info shows the floor', { skip }, () => {
  const arch = run('uname', ['-m']).trim();
  // setarch --uname-2.6: the kernel itself reports 2.6.x to this process tree (the UNAME26 personality)
  const old = (cmd: string, args: string[]) => attempt('setarch', [arch, '--uname-2.6', cmd, ...args], { timeout: 30000 });
  assert.match(old('uname', ['-r']).stdout, /^2\.6\./, 'precondition: the personality works here');

  const r = old(process.execPath, [BIN, '--root', root, 'run', '--rm', '--name', 'oldkernel', 'host', 'true']);
  assert.equal(r.exitCode, 125, r.stderr);
  assert.match(r.stderr, /tsbox needs Linux 5\.12 or later \(mount_setattr, openat2, clone3\); this kernel is 2\.6\.\S+: run tsbox on a newer kernel \[kernel\]/);
  noStack(r.stderr);
  assert.equal(tsbox(root, ['ps', '-a', '-q', '--filter', 'name=oldkernel']).stdout, '', 'no container left');
  // the helper's own subcommands too
  const x = old(HELPER, ['xattr', XATTR, '0']);
  assert.equal(x.exitCode, 125);
  assert.match(x.stderr, /tsbox needs Linux 5\.12 or later/);

  const info = (through: typeof old | null) => {
    const out = (through ?? attempt)(process.execPath, [BIN, '--root', root, 'info', '--format', 'json']);
    assert.equal(out.exitCode, 0, out.stderr);
    return JSON.parse(out.stdout).host.kernelFloor;
  };
  assert.deepEqual(info(old), { required: '5.12', met: false });
  assert.deepEqual(info(null), { required: '5.12', met: true });
});
