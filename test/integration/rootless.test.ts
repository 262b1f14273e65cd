// Rootless for real: as root, create a test user with a subuid/subgid range,
// run the real CLI as that user (runuser), and check the kernel's view of the
// user namespaces from outside: /proc/PID/uid_map, gid_map, and file owners
// on disk. Also the fallback without a range, newuidmap missing or without
// its setuid bit, and the image owner check. As root alone: containers in
// user namespaces of their own (--uidmap, --userns=auto), whose root is an
// unprivileged host uid. "User namespaces disabled"
// cannot be produced here without breaking every other test on the machine
// (it is one global sysctl): test/unit/rootless.test.ts covers it with fixtures.
//
// The user runs a copy of the built CLI and helper in a temp dir it can read
// (test/lib/readable-install.ts): the checkout may be closed to it (a clone
// under /root). Everything created is removed afterwards: the user (userdel
// -r), our lines in /etc/subuid and /etc/subgid (byte for byte), that copy,
// temp dirs and state roots, and the containers and processes the test user
// (or root) started.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupRoot, inspect, makeRoot, tsbox as tsboxAt } from '../lib/cli.js';
import { readableInstall, type Install } from '../lib/readable-install.js';
import { parseIdMap } from '../../src/probe/idmap.js';
import { parseSubIdEntries, suggestFreeRange } from '../../src/engine/subid.js';
import { helperPath } from '../../src/engine/helper.js';
import { runInUserNamespace } from '../../src/engine/userns.js';
import { UserError } from '../../src/common/errors.js';
import { shiftOwners } from '../../src/engine/idmapped.js';
import { notePath, tempDir } from '../lib/suite-run.js';
import { busyboxLayer, whiteoutLayer } from '../lib/layers.js';
import { buildImage, push, registryMissing, startRegistry } from '../lib/registry.js';
import { attempt } from '../lib/programs.js';

const USER = `tsboxtest${process.pid}`;
const SUBUID = '/etc/subuid';
const SUBGID = '/etc/subgid';
const COUNT = 65536;
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

function sh(cmd: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = attempt(cmd, args, { timeout: 60000 });
  return { code: r.exitCode ?? 128, stdout: r.stdout, stderr: r.stderr };
}

const why = (() => {
  if (process.getuid?.() !== 0) return 'needs root (to create a test user and write /etc/subuid)';
  for (const tool of ['useradd', 'userdel', 'runuser']) if (sh('sh', ['-c', `command -v ${tool}`]).code !== 0) return `${tool} is not installed`;
  if (!fs.existsSync('/usr/bin/newuidmap')) return 'newuidmap is not installed (apt-get install uidmap)';
  return undefined;
})();
const opts = { skip: why ?? false };

let uid = -1;
let gid = -1;
let home = '';
let runtime = '';
let scratch = '';
let install: Install;
let start = 0;
const original: Record<string, string> = {};
const line = () => `${USER}:${start}:${COUNT}\n`;

/** Append our range to both files. */
function addRange(): void {
  for (const f of [SUBUID, SUBGID]) fs.writeFileSync(f, fs.readFileSync(f, 'utf8') + line());
}

/** Remove exactly what addRange appended, leaving anything others changed meanwhile. */
function removeRange(): void {
  for (const f of [SUBUID, SUBGID]) {
    const now = fs.readFileSync(f, 'utf8');
    const i = now.lastIndexOf(line());
    if (i >= 0) fs.writeFileSync(f, now.slice(0, i) + now.slice(i + line().length));
  }
}

interface RunOpts {
  path?: string;
  cwd?: string;
}

/** argv run as the test user, with a clean environment of a login session. */
function asUser(argv: string[], o: RunOpts = {}) {
  const env = [`HOME=${home}`, `PATH=${o.path ?? DEFAULT_PATH}`, `XDG_RUNTIME_DIR=${runtime}`, `USER=${USER}`];
  // a helper or loader under test, as the rest of the suite would use it
  for (const k of ['TSBOX_HELPER', 'NODE_OPTIONS']) if (process.env[k]) env.push(`${k}=${process.env[k]}`);
  const r = attempt('runuser', ['-u', USER, '--', '/usr/bin/env', '-i', ...env, ...argv], { timeout: 60000, cwd: o.cwd ?? home });
  return { code: r.exitCode ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/** the CLI as the test user, from a copy the user can read (test/lib/readable-install.ts) */
const tsbox = (args: string[], o: RunOpts = {}) => asUser([process.execPath, install.bin, ...args], o);

before(() => {
  if (why) return;
  install = readableInstall();
  const add = sh('useradd', ['--create-home', '--shell', '/bin/sh', '-K', 'SUB_UID_COUNT=0', '-K', 'SUB_GID_COUNT=0', USER]);
  assert.equal(add.code, 0, add.stderr);
  uid = Number(sh('id', ['-u', USER]).stdout);
  gid = Number(sh('id', ['-g', USER]).stdout);
  home = sh('sh', ['-c', `getent passwd ${USER} | cut -d: -f6`]).stdout.trim();
  notePath(home);
  for (const f of [SUBUID, SUBGID]) {
    original[f] = fs.readFileSync(f, 'utf8');
    assert.ok(!original[f].split('\n').some((l) => l.startsWith(`${USER}:`)), `useradd gave ${USER} no range in ${f}`);
  }
  start = suggestFreeRange([...parseSubIdEntries(original[SUBUID]), ...parseSubIdEntries(original[SUBGID])], COUNT).start;
  addRange();
  runtime = tempDir('tsbox-rt-');
  fs.chownSync(runtime, uid, gid);
  fs.chmodSync(runtime, 0o700);
  scratch = tempDir('tsbox-rootless-');
  fs.chmodSync(scratch, 0o755);
  const node = asUser(['/bin/sh', '-c', `test -x '${process.execPath}'`]);
  assert.equal(node.code, 0, `${USER} cannot run ${process.execPath}: the rootless tests need a Node that every user may run`);
  const readable = asUser(['/bin/sh', '-c', `test -r '${install.bin}' && test -x '${install.helper}'`]);
  assert.equal(readable.code, 0, `${USER} cannot read the copy of tsbox in ${install.dir}`);
});

after(() => {
  if (why || uid < 0) return;
  // containers the test user made, then any process of theirs still alive:
  // the user did not exist before this test, so every one is ours
  const ids = tsbox(['ps', '-a', '-q']).stdout.split('\n').filter(Boolean);
  if (ids.length) tsbox(['rm', '-f', ...ids]);
  for (const pid of sh('pgrep', ['-u', String(uid)]).stdout.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
  removeRange();
  for (const f of [SUBUID, SUBGID]) assert.equal(fs.readFileSync(f, 'utf8'), original[f], `${f} is back as it was`);
  const del = sh('userdel', ['--remove', USER]);
  assert.ok(del.code === 0 || del.code === 12 /* mail spool absent */, del.stderr);
  fs.rmSync(runtime, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(install.dir, { recursive: true, force: true });
  assert.ok(!fs.existsSync(home), 'the home directory is gone');
});

const fullMap = (own: number) => [
  { container: 0, host: own, size: 1 },
  { container: 1, host: start, size: COUNT },
];

test('tsbox unshare runs CMD as root of your namespace: 0 = you, 1.. = your /etc/subuid range', opts, () => {
  const id = tsbox(['unshare', 'id', '-u']);
  assert.equal(id.stderr, '');
  assert.equal(id.stdout, '0\n');
  assert.equal(id.code, 0);
  const maps = tsbox(['unshare', 'sh', '-c', 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map']);
  assert.equal(maps.code, 0, maps.stderr);
  const [u, g] = maps.stdout.split('--\n');
  assert.deepEqual(parseIdMap(u), fullMap(uid));
  assert.deepEqual(parseIdMap(g), fullMap(gid));
  assert.equal(tsbox(['unshare', 'sh', '-c', 'exit 7']).code, 7, "CMD's exit code is ours");
  const nf = tsbox(['unshare', 'no-such-command-here']);
  assert.equal(nf.code, 127);
  assert.match(nf.stderr, /^Error: exec `no-such-command-here`: No such file or directory/);
});

test('tsbox unshare chown 1:1 FILE gives FILE to the first uid of the range on the host', opts, () => {
  const file = path.join(home, 'owned');
  fs.writeFileSync(file, 'x');
  fs.chownSync(file, uid, gid);
  let r = tsbox(['unshare', 'chown', '1:1', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([fs.statSync(file).uid, fs.statSync(file).gid], [start, start]);
  r = tsbox(['unshare', 'chown', `${COUNT}:${COUNT}`, file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.statSync(file).uid, start + COUNT - 1, 'the last id of the range');
  assert.equal(tsbox(['unshare', 'stat', '-c', '%u:%g', file]).stdout, `${COUNT}:${COUNT}\n`, 'inside, the same file has the container ids');
  // an id beyond the range does not exist in the namespace
  r = tsbox(['unshare', 'chown', `${COUNT + 1}`, file]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Invalid argument/);
  r = tsbox(['unshare', 'chown', '0:0', file]);
  assert.deepEqual([fs.statSync(file).uid, fs.statSync(file).gid], [uid, gid], 'container root is you');
});

test('tsbox uidmap shows the ranges, where they come from, and translates both ways', opts, () => {
  const j = tsbox(['uidmap', '--format', 'json']);
  assert.equal(j.code, 0, j.stderr);
  const rep = JSON.parse(j.stdout);
  assert.equal(rep.source, 'caller');
  assert.deepEqual(
    rep.uidMap.map((m: { from: string }) => m.from),
    [`your uid (${USER})`, `/etc/subuid ${USER}:${start}:${COUNT}`],
  );
  assert.equal(rep.gidMap[1].from, `/etc/subgid ${USER}:${start}:${COUNT}`);
  assert.equal(tsbox(['uidmap', '--to-host', '1']).stdout, `uid 1 -> host uid ${start}\ngid 1 -> host gid ${start}\n`);
  assert.equal(tsbox(['uidmap', '--to-host', '0']).stdout, `uid 0 -> host uid ${uid}\ngid 0 -> host gid ${gid}\n`);
  assert.equal(tsbox(['uidmap', '--to-container', String(start + 9)]).stdout, `host uid ${start + 9} -> uid 10\nhost gid ${start + 9} -> gid 10\n`);
  const none = tsbox(['uidmap', '--to-host', String(COUNT + 5)]);
  assert.equal(none.code, 1, 'an id without a counterpart is a failed lookup');
  assert.match(none.stdout, /not mapped/);
});

test('rootless state lives in $XDG_DATA_HOME (default ~/.local/share) and $XDG_RUNTIME_DIR, owned by the user', opts, () => {
  const r = tsbox(['create', '--name', 'stored', 'host', 'true']);
  assert.equal(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  const dir = path.join(home, '.local/share/tsbox/containers', id);
  assert.equal(fs.statSync(dir).uid, uid);
  assert.ok(fs.existsSync(path.join(runtime, 'tsbox')), 'runtime dir under XDG_RUNTIME_DIR');
  const m = JSON.parse(tsbox(['uidmap', 'stored', '--format', 'json']).stdout);
  assert.equal(m.source, 'spec');
  assert.deepEqual(
    m.uidMap.map((e: { container: number; host: number; size: number }) => ({ container: e.container, host: e.host, size: e.size })),
    fullMap(uid),
  );
  assert.equal(tsbox(['rm', 'stored']).code, 0);
  // nothing of this user's lands in root's store
  assert.ok(!fs.existsSync(`/var/lib/tsbox/containers/${id}`));
});

test('without a range: a single mapping, and a warning naming /etc/subuid and the fix', opts, () => {
  removeRange();
  try {
    const r = tsbox(['unshare', 'cat', '/proc/self/uid_map']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(parseIdMap(r.stdout), [{ container: 0, host: uid, size: 1 }]);
    assert.match(r.stderr, new RegExp(`^warning: ${USER} has no range in /etc/subuid or /etc/subgid: using a single mapping`));
    assert.match(r.stderr, new RegExp(`usermod --add-subuids \\d+-\\d+ --add-subgids \\d+-\\d+ ${USER}`));
    assert.match(r.stderr, new RegExp(`${USER}:\\d+:65536 to both /etc/subuid and /etc/subgid`));
    // what cannot work without a range is refused, not degraded
    const k = tsbox(['create', '--userns=keep-id', 'host', 'true']);
    assert.equal(k.code, 125);
    assert.match(k.stderr, /--userns=keep-id needs more than your own id, but .* has no range in \/etc\/subuid/);
  } finally {
    addRange();
  }
});

test('newuidmap missing from PATH: the same fallback, with a warning naming the uidmap package', opts, () => {
  const empty = path.join(scratch, 'empty-bin');
  fs.mkdirSync(empty, { mode: 0o755 });
  const r = tsbox(['unshare', '/usr/bin/id', '-u'], { path: empty });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '0\n');
  assert.match(r.stderr, /warning: newuidmap and newgidmap were not found in PATH: using a single mapping/);
  assert.match(r.stderr, /apt-get install uidmap/);
});

test('newuidmap without its setuid bit: a clear error naming the file and the fix, nothing left running', opts, () => {
  const bin = path.join(scratch, 'nosuid-bin');
  fs.mkdirSync(bin, { mode: 0o755 });
  for (const t of ['newuidmap', 'newgidmap']) {
    fs.copyFileSync(`/usr/bin/${t}`, path.join(bin, t));
    fs.chmodSync(path.join(bin, t), 0o755); // as a careless copy or chmod leaves it
  }
  const r = tsbox(['unshare', '/usr/bin/id', '-u'], { path: `${bin}:${DEFAULT_PATH}` });
  assert.equal(r.code, 125);
  assert.equal(r.stdout, '', 'CMD never ran');
  assert.match(r.stderr, new RegExp(`Error: ${bin}/newuidmap is not setuid root \\(mode 0755, owner uid 0\\)`));
  assert.match(r.stderr, new RegExp(`chmod u\\+s ${bin}/newuidmap`));
  // the helper's waiting child is killed as it gives up: allow it a moment to be reaped
  let left = sh('pgrep', ['-u', String(uid)]).stdout;
  for (let i = 0; i < 40 && left !== ''; i++) {
    sh('sleep', ['0.025']);
    left = sh('pgrep', ['-u', String(uid)]).stdout;
  }
  assert.equal(left, '', 'the helper gave up and exited');
});

/** planUserNamespace run as the test user, against the real files and newuidmap. */
function planAsUser(request: Record<string, unknown>): { uidMap?: unknown; error?: string; hint?: string } {
  const mod = path.join(install.dist, 'src/engine/rootless.js');
  const flags = path.join(install.dist, 'src/cli/userns-flags.js');
  const { userns, ...rest } = request;
  const script =
    `const { planUserNamespace } = await import(${JSON.stringify(mod)});` +
    `const { parseUsernsFlag } = await import(${JSON.stringify(flags)});` +
    `const req = { userns: parseUsernsFlag(${JSON.stringify(userns)}), rootless: true, uid: process.getuid(), gid: process.getgid(), containerId: (r) => r, ...${JSON.stringify(rest)} };` +
    'try { console.log(JSON.stringify(planUserNamespace(req))); } catch (e) { console.log(JSON.stringify({ error: e.message, hint: e.hint })); }';
  const r = asUser([process.execPath, '--input-type=module', '-e', script]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('an image with files the container cannot map is refused, naming the uid, the file and the fix (engine API, as the user)', opts, () => {
  const rootfs = path.join(home, 'img', 'rootfs');
  assert.equal(asUser(['/bin/sh', '-c', `mkdir -p ${rootfs}/etc && touch ${rootfs}/etc/shadow`]).code, 0);
  const chown = tsbox(['unshare', 'chown', '0:42', `${rootfs}/etc/shadow`]);
  assert.equal(chown.code, 0, chown.stderr);
  assert.equal(fs.statSync(`${rootfs}/etc/shadow`).gid, start + 41, 'gid 42 of the namespace on disk');

  assert.deepEqual(planAsUser({ imageRootfs: rootfs }).uidMap, fullMap(uid));
  const small = planAsUser({ imageRootfs: rootfs, userns: 'auto:size=10' });
  assert.match(small.error ?? '', /potentially insufficient GIDs: \/etc\/shadow in image 'img' is owned by gid 42, but the container's user namespace maps only gids 0-9/);
  assert.match(small.hint ?? '', /--userns=auto:size=43/);
  removeRange();
  try {
    const gone = planAsUser({ imageRootfs: rootfs });
    assert.match(gone.error ?? '', new RegExp(`owned by host gid ${start + 41}, which is neither yours nor in your range in /etc/subgid`));
  } finally {
    addRange();
  }
});

/** Processes of UID that still run; zombies are left out: our detached monitors are reparented to PID 1, which reaps in its own time. */
function liveProcesses(owner: number): string[] {
  return sh('pgrep', ['-u', String(owner)])
    .stdout.split('\n')
    .filter(Boolean)
    .filter((pid) => {
      try {
        return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false; // gone meanwhile
      }
    });
}

/** /proc/PID/status field NAME (first value). */
function procStatus(pid: number, name: string): string | undefined {
  return fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${name}:\\s+(\\S+)`, 'm'))?.[1];
}

test('rootless tsbox run: the container’s uid_map and gid_map, read from outside', opts, () => {
  const r = tsbox(['run', '-d', '--name', 'r1', 'host', 'sleep', '300']);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(tsbox(['inspect', 'r1']).stdout)[0];
  const pid = info.State.Pid as number;
  assert.ok(pid > 0);
  assert.deepEqual(parseIdMap(fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8')), fullMap(uid));
  assert.deepEqual(parseIdMap(fs.readFileSync(`/proc/${pid}/gid_map`, 'utf8')), fullMap(gid));
  assert.equal(procStatus(pid, 'Uid'), String(uid), 'container root is the user on the host');
  assert.equal(procStatus(info.State.ConmonPid, 'Uid'), String(uid), 'and so is its monitor: nothing ran as root');
  // the default seccomp filter, loaded without no_new_privs: allowed by the
  // CAP_SYS_ADMIN the helper holds in the container's user namespace
  assert.equal(procStatus(pid, 'Seccomp'), '2');
  assert.equal(procStatus(pid, 'NoNewPrivs'), '0');
  const m = JSON.parse(tsbox(['uidmap', 'r1', '--format', 'json']).stdout);
  assert.equal(m.source, 'proc');
  const e = tsbox(['exec', 'r1', 'sh', '-c', 'id -u; readlink /proc/self/ns/user; ls -d /usr/bin']);
  assert.equal(e.code, 0, e.stderr);
  assert.deepEqual(e.stdout.split('\n'), ['0', fs.readlinkSync(`/proc/${pid}/ns/user`), '/usr/bin', ''], 'exec joins the container through its user namespace');
  // what would have to happen in the host's user namespace is refused with the reason
  const join = tsbox(['run', '--rm', '--network', 'container:r1', 'host', 'true']);
  assert.equal(join.code, 125);
  assert.match(join.stderr, /--join-ns net needs root: the monitor joins it from the host's user namespace/);
  assert.equal(tsbox(['rm', '-f', 'r1']).code, 0);
  assert.deepEqual(liveProcesses(uid), [], 'container and monitor are gone');
});

test('tsbox-helper without root: only inside a user namespace of its own, and it says so', opts, () => {
  const helper = install.helper;
  let r = asUser([helper, 'run', '--rootfs', '/', '--', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /^tsbox-helper: tsbox-helper run without root needs --ns user/);
  r = asUser([helper, 'run', '--rootfs', '/', '--ns', 'user', '--join-ns', 'pid:/proc/self/ns/pid', '--', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /--join-ns pid needs root/);
  // exec into ourselves (same pid and start time once sh execs the helper): our own user namespace
  r = asUser(['/bin/sh', '-c', `exec ${helper} exec --pid $$ --pid-start $(cut -d' ' -f22 /proc/$$/stat) --ns mnt --ns user -- true`]);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /^tsbox-helper: setns: pid \d+ shares our user namespace: exec without root needs a container with its own/);
});

test('rootless run of an imported image: overlay in the user namespace, files land on your ids', opts, () => {
  const src = path.join(home, 'bbsrc');
  const made = asUser([process.execPath, '--input-type=module', '-e', `(await import(${JSON.stringify(path.join(install.dist, 'test/lib/busybox.js'))})).makeBusyboxRootfs(${JSON.stringify(src)})`]);
  assert.equal(made.code, 0, made.stderr);
  assert.equal(tsbox(['image', 'import', src, '--name', 'bb']).code, 0);
  const r = tsbox(['run', '--name', 'b1', 'bb', 'sh', '-c', 'id -u; grep " / / " /proc/self/mountinfo; echo data > /root/f; touch /etc/f5; chown 5:5 /etc/f5; stat -c %u:%g /etc/f5']);
  assert.equal(r.code, 0, r.stderr);
  const [id, rootMount, owner] = r.stdout.trim().split('\n');
  assert.equal(id, '0');
  assert.match(rootMount, / - overlay overlay /);
  assert.equal(owner, '5:5');
  const ctr = JSON.parse(tsbox(['inspect', 'b1']).stdout)[0].Id as string;
  const upper = path.join(home, '.local/share/tsbox/containers', ctr, 'upper');
  const st = (p: string) => fs.statSync(path.join(upper, p));
  assert.deepEqual([st('.').uid, st('.').gid], [uid, gid], 'upper is yours');
  assert.deepEqual([st('root/f').uid, st('root/f').gid], [uid, gid], 'container root wrote as you');
  assert.deepEqual([st('etc/f5').uid, st('etc/f5').gid], [start + 4, start + 4], 'container uid 5 is subuid start+4');
  assert.ok(!fs.existsSync(path.join(home, '.local/share/tsbox/images/bb/rootfs/root/f')), 'the image is untouched');
  assert.equal(tsbox(['rm', 'b1']).code, 0);
  assert.ok(!fs.existsSync(upper));
  assert.equal(tsbox(['rmi', 'bb']).code, 0);
});

test('rootless pull: layers extracted in your namespace (owners on your subuids, opaque dirs as user.overlay.opaque), run from them; rmi removes them', { skip: why ?? registryMissing() ?? false }, async () => {
  const reg = await startRegistry();
  const work = tempDir('tsbox-rl-pull-');
  try {
    const l1 = busyboxLayer(work);
    const l2 = whiteoutLayer(work, [
      { name: 'data/a', body: 'a\n', uid: 1234, gid: 4321, mode: 0o600 },
      { name: 'data/b', type: 'hardlink', link: 'data/a' },
    ]);
    const layout = path.join(work, 'layout');
    buildImage(layout, 'rl', [l1, l2]);
    push(reg, `${layout}:rl`, 'rl/app:1');
    const ref = `${reg.host}/rl/app:1`;
    const pulled = tsbox(['pull', ref]);
    assert.equal(pulled.code, 0, pulled.stderr);
    const layers = path.join(home, '.local/share/tsbox/layers');
    const hex = fs.readdirSync(layers).filter((n) => /^[a-f0-9]{64}$/.test(n));
    assert.equal(hex.length, 2);
    const top = hex.map((h) => path.join(layers, h, 'diff')).find((d) => fs.existsSync(path.join(d, 'data')))!;
    const a = fs.statSync(path.join(top, 'data/a'));
    assert.deepEqual([a.uid, a.gid, a.nlink], [start + 1233, start + 4320, 2], 'uid 1234 of the layer is subuid start+1233 on disk, hard link kept');
    const opq = attempt('getfattr', ['--absolute-names', '--only-values', '-n', 'user.overlay.opaque', path.join(top, 'opt')]);
    assert.equal(opq.stdout, 'y', `opaque dir marked for a userxattr overlay: ${opq.stderr}`);
    const r = tsbox(['run', '--rm', ref, 'sh', '-c', 'stat -c %u:%g /data/a; ls /etc/motd 2>&1; ls /opt; cat /data/b']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1234:4321\nls: /etc/motd: No such file or directory\nnew\na\n');
    const rm = tsbox(['rmi', ref]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.deepEqual(fs.readdirSync(layers), [], 'no layer left');
  } finally {
    await reg.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

/** inspect as the test user */
const inspectAs = (name: string) => JSON.parse(tsbox(['inspect', name]).stdout)[0];

test('rootless --userns=auto: the container’s root is a subuid; its files are given to it in your own namespace at first start', opts, () => {
  // tsbox made ~/.local/share/tsbox (and the dirs above it) 0700: a subuid may not pass
  const closed = [path.join(home, '.local'), path.join(home, '.local/share')];
  for (const d of closed) assert.equal(fs.statSync(d).mode & 0o777, 0o700);
  const refused = tsbox(['create', '--userns=auto:size=2000', 'host', 'true']);
  assert.equal(refused.code, 125);
  assert.match(refused.stderr, new RegExp(`the container's root \\(host uid \\d+\\) cannot reach its files: ${closed[0]} is mode 0700 \\(owner uid ${uid}\\), ${closed[1]} is mode 0700`));
  assert.match(refused.stderr, new RegExp(`chmod o\\+x ${closed.join(' ')}`));
  assert.equal(asUser(['chmod', 'o+x', ...closed]).code, 0);

  const r = tsbox(['run', '-d', '--name', 's1', '--userns=auto:size=2000', 'host', 'sleep', '300']);
  assert.equal(r.code, 0, r.stderr);
  const info = inspectAs('s1');
  const pid = info.State.Pid as number;
  const [u] = parseIdMap(fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8'));
  const [g] = parseIdMap(fs.readFileSync(`/proc/${pid}/gid_map`, 'utf8'));
  assert.deepEqual([u.container, u.size, g.container, g.size], [0, 2000, 0, 2000]);
  assert.ok(u.host >= start && u.host + 2000 <= start + COUNT, 'a range of your subuids, without your own uid');
  assert.equal(procStatus(pid, 'Uid'), String(u.host));
  const e = tsbox(['exec', 's1', 'sh', '-c', 'id -u; echo x > /root/made; echo 10.0.0.9 db >> /etc/hosts; stat -c %u:%g / /etc/hosts']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(e.stdout, '0\n0:0\n0:0\n', 'the skeleton and /etc files are the container’s root’s');
  const dir = info.Bundle as string;
  const own = (p: string) => {
    const st = fs.lstatSync(path.join(dir, p));
    return [st.uid, st.gid];
  };
  assert.deepEqual(own('rootfs/root/made'), [u.host, g.host]);
  assert.deepEqual(own('etc/hosts'), [u.host, g.host]);
  assert.deepEqual(own('.'), [uid, g.host], 'the container’s directory stays yours; its root group may pass');
  assert.equal(fs.statSync(dir).mode & 0o777, 0o710);
  assert.deepEqual(own('state.json'), [uid, gid], 'and your state stays yours');
  // stop and start again: done once
  assert.equal(tsbox(['stop', '-t', '0', 's1']).code, 0);
  assert.equal(tsbox(['start', 's1']).code, 0);
  assert.equal(tsbox(['exec', 's1', 'cat', '/root/made']).stdout, 'x\n');
  const pid2 = inspectAs('s1').State.Pid as number;

  // another container in s1's user namespace: new pid and time namespaces of its own, owned by it
  const j = tsbox(['run', '--name', 'j1', '--userns', 'container:s1', 'host', 'sh', '-c', 'echo $$; readlink /proc/self/ns/user /proc/self/ns/pid /proc/self/ns/time; ls /proc | grep -c "^[0-9]"']);
  assert.equal(j.code, 0, j.stderr);
  const [jpid, juser, jpidns, jtime, nprocs] = j.stdout.trim().split('\n');
  assert.equal(jpid, '1', 'pid 1 of a new pid namespace');
  assert.equal(juser, fs.readlinkSync(`/proc/${pid2}/ns/user`));
  assert.notEqual(jpidns, fs.readlinkSync(`/proc/${pid2}/ns/pid`));
  assert.notEqual(jtime, fs.readlinkSync(`/proc/${pid2}/ns/time`));
  assert.ok(Number(nprocs) <= 3, `its own /proc (mounted by a root of the namespace's owner): ${nprocs} processes`);
  assert.deepEqual(fs.statSync(path.join(inspectAs('j1').Bundle, 'rootfs/root')).uid, u.host, 'its files belong to s1’s root');
});

test('rootless --userns=auto with an imported image: a private copy, each file on the container’s id for its owner', opts, () => {
  const src = path.join(home, 'autosrc');
  const made = asUser([process.execPath, '--input-type=module', '-e', `(await import(${JSON.stringify(path.join(install.dist, 'test/lib/busybox.js'))})).makeBusyboxRootfs(${JSON.stringify(src)})`]);
  assert.equal(made.code, 0, made.stderr);
  const imported = tsbox(['image', 'import', src, '--name', 'bbauto']);
  assert.equal(imported.code, 0, imported.stderr);
  const image = path.join(home, '.local/share/tsbox/images/bbauto/rootfs');
  // a file of the image's uid 5 and gid 7 (your subuid start+4 and subgid start+6)
  const chown = tsbox(['unshare', 'chown', '5:7', path.join(image, 'etc/passwd')]);
  assert.equal(chown.code, 0, chown.stderr);
  const r = tsbox(['run', '--name', 'b2', '--userns=auto:size=100', 'bbauto', 'sh', '-c', 'stat -c %u:%g / /etc/passwd; touch /etc/new; chown 9:9 /etc/new; stat -f -c %T /']);
  assert.equal(r.code, 0, r.stderr);
  const [rootOwner, passwdOwner, fsType] = r.stdout.trim().split('\n');
  assert.deepEqual([rootOwner, passwdOwner], ['0:0', '5:7'], 'owners as in the image');
  assert.notEqual(fsType, 'overlayfs', 'a copy, not the image itself');
  const info = inspectAs('b2');
  const base = (info.Spec.uidMap as Array<{ host: number }>)[0].host;
  const gbase = (info.Spec.gidMap as Array<{ host: number }>)[0].host;
  const st = (p: string) => fs.statSync(path.join(info.Bundle, 'rootfs', p));
  assert.deepEqual([st('.').uid, st('.').gid], [base, gbase]);
  assert.deepEqual([st('etc/passwd').uid, st('etc/passwd').gid], [base + 5, gbase + 7]);
  assert.deepEqual([st('etc/new').uid, st('etc/new').gid], [base + 9, gbase + 9]);
  assert.ok(!fs.existsSync(path.join(info.Bundle, 'upper')), 'no overlay left');
  assert.equal(fs.statSync(path.join(image, 'etc/passwd')).uid, start + 4, 'the image is untouched');
  assert.ok(!fs.existsSync(path.join(image, 'etc/new')));
});

// `tsbox rm` falls back, for files of subordinate ids, to `rm -rf` as root of
// a namespace with all your ids mapped (your uid and your subuid ranges).
test('rootless rm of started --userns=auto containers', opts, () => {
  try {
    for (const name of ['j1', 's1', 'b2']) {
      const r = tsbox(['rm', '-f', name]);
      assert.equal(r.code, 0, r.stderr);
    }
  } finally {
    // what is left, removed as `tsbox rm` should
    const containers = path.join(home, '.local/share/tsbox/containers');
    for (const d of fs.readdirSync(containers).filter((n) => n.endsWith('.removing'))) tsbox(['unshare', 'rm', '-rf', path.join(containers, d)]);
    assert.equal(tsbox(['rmi', 'bbauto']).code, 0);
  }
  assert.deepEqual(tsbox(['ps', '-a', '-q']).stdout, '');
});

test('rootless --userns=auto containers get ranges that do not overlap', opts, () => {
  const maps = ['a1', 'a2'].map((name) => {
    const r = tsbox(['create', '--name', name, '--userns=auto:size=1000', 'host', 'true']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(tsbox(['uidmap', name, '--format', 'json']).stdout).uidMap[0];
  });
  assert.equal(maps[0].size, 1000);
  assert.ok(maps[0].host + 1000 <= maps[1].host || maps[1].host + 1000 <= maps[0].host, JSON.stringify(maps));
  for (const m of maps) assert.ok(m.host >= start && m.host + 1000 <= start + COUNT, 'inside the user’s range');
  assert.equal(tsbox(['rm', 'a1', 'a2']).code, 0);
});

test('--userns=keep-id: CMD runs as your own uid, which is the same number inside', opts, () => {
  const r = tsbox(['create', '--name', 'k1', '--userns=keep-id', 'host', 'true']);
  assert.equal(r.code, 0, r.stderr);
  const spec = JSON.parse(tsbox(['inspect', 'k1']).stdout)[0].Spec;
  assert.deepEqual([spec.user.uid, spec.user.gid], [uid, gid]);
  assert.deepEqual(spec.uidMap[1], { container: uid, host: uid, size: 1 });
  assert.equal(tsbox(['rm', 'k1']).code, 0);
  // and for real: ids below yours take your first subuids, the rest follow yours
  const run = tsbox(['run', '--rm', '--userns=keep-id', 'host', 'sh', '-c', 'id -u; id -g; touch /tmp/mine && stat -c %u /tmp/mine; cat /proc/self/uid_map']);
  assert.equal(run.code, 0, run.stderr);
  const [u, g, owner, ...map] = run.stdout.split('\n');
  assert.deepEqual([u, g, owner], [String(uid), String(gid), String(uid)]);
  assert.deepEqual(parseIdMap(map.join('\n')), [
    { container: 0, host: start, size: uid },
    { container: uid, host: uid, size: 1 },
    { container: uid + 1, host: start + uid, size: COUNT - uid },
  ]);
});

// Root puts a container in a user namespace of its own: the container's root
// is an unprivileged host uid, which must reach (and own) the container's
// files; see src/engine/idmapped.ts.
const rootOpts = { skip: process.getuid?.() !== 0 ? 'needs root' : false };

test('as root, --uidmap/--gidmap: maps from /proc, the container writes as its mapped root, state dirs traverse-only', rootOpts, () => {
  const root = makeRoot('tsbox-uidmap-'); // mode 0700, as mkdtemp makes it
  try {
    const maps = ['--uidmap', '0:400000:65536', '--gidmap', '0:500000:65536'];
    const refused = tsboxAt(root, ['create', ...maps, 'host', 'true']);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, new RegExp(`the container's root \\(host uid 400000\\) cannot reach its files: ${root} is mode 0700`));
    assert.match(refused.stderr, new RegExp(`chmod o\\+x ${root}`));
    assert.deepEqual(fs.readdirSync(path.join(root, 'data/containers')), [], 'nothing half-made');

    fs.chmodSync(root, 0o711);
    const r = tsboxAt(root, ['run', '-d', '--name', 'u1', ...maps, 'host', 'sleep', '300']);
    assert.equal(r.code, 0, r.stderr);
    const info = inspect(root, 'u1');
    const pid = info.State.Pid as number;
    assert.deepEqual(parseIdMap(fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8')), [{ container: 0, host: 400000, size: 65536 }]);
    assert.deepEqual(parseIdMap(fs.readFileSync(`/proc/${pid}/gid_map`, 'utf8')), [{ container: 0, host: 500000, size: 65536 }]);
    assert.equal(procStatus(pid, 'Uid'), '400000');
    assert.equal(procStatus(pid, 'Seccomp'), '2', 'the filter loads in the user namespace too');
    const e = tsboxAt(root, ['exec', 'u1', 'sh', '-c', 'id -u; echo x > /root/made; echo 10.0.0.9 db >> /etc/hosts; stat -c %u:%g /usr']);
    assert.equal(e.code, 0, e.stderr);
    // host root's files are not mapped: the overflow id (docs/rootless.md)
    assert.deepEqual(e.stdout.split('\n'), ['0', '65534:65534', '']);
    const dir = info.Bundle as string;
    const made = fs.statSync(path.join(dir, 'rootfs/root/made'));
    assert.deepEqual([made.uid, made.gid], [400000, 500000]);
    assert.match(fs.readFileSync(path.join(dir, 'etc/hosts'), 'utf8'), /10\.0\.0\.9 db/);
    const ctrDir = fs.statSync(dir);
    assert.deepEqual([ctrDir.uid, ctrDir.gid, ctrDir.mode & 0o777], [0, 500000, 0o710], 'only the container’s root group may pass');
    for (const d of [path.join(root, 'data'), path.join(root, 'data/containers')]) assert.equal(fs.statSync(d).mode & 0o777, 0o711, `${d} is traverse-only`);
    // a container joining u1's user namespace gets its files shifted through u1's maps
    const j = tsboxAt(root, ['run', '--rm', '--userns', 'container:u1', '--pid', 'container:u1', '--timens', 'host', 'host', 'sh', '-c', 'id -u; touch /root/joined && stat -c %u:%g /root/joined']);
    assert.equal(j.code, 0, j.stderr);
    assert.equal(j.stdout, '0\n0:0\n');
    assert.equal(tsboxAt(root, ['rm', '-f', 'u1']).code, 0);
    assert.ok(!fs.existsSync(dir));
  } finally {
    cleanupRoot(root);
  }
});

test('as root, --userns container:NAME alone: new pid and time namespaces owned by NAME’s user namespace', rootOpts, () => {
  const root = makeRoot('tsbox-joinuser-');
  fs.chmodSync(root, 0o711);
  try {
    assert.equal(tsboxAt(root, ['run', '-d', '--name', 'u1', '--uidmap', '0:400000:65536', 'host', 'sleep', '300']).code, 0);
    const u1 = inspect(root, 'u1').State.Pid as number;
    const ns = (pid: number | 'self', t: string) => fs.readlinkSync(`/proc/${pid}/ns/${t}`);
    const r = tsboxAt(root, ['run', '--rm', '--userns', 'container:u1', 'host', 'sh', '-c', 'echo $$; readlink /proc/self/ns/user /proc/self/ns/pid /proc/self/ns/time; ls /proc | grep -c "^[0-9]"']);
    assert.equal(r.code, 0, r.stderr);
    const [pid, user, pidns, time, nprocs] = r.stdout.trim().split('\n');
    assert.equal(pid, '1', 'pid 1 of a new pid namespace');
    assert.equal(user, ns(u1, 'user'));
    for (const other of [ns(u1, 'pid'), ns('self', 'pid')]) assert.notEqual(pidns, other);
    for (const other of [ns(u1, 'time'), ns('self', 'time')]) assert.notEqual(time, other);
    // /proc of a pid namespace may be mounted only by a root of the user
    // namespace that owns it: this one is u1's
    assert.ok(Number(nprocs) <= 3, `its own /proc: ${nprocs} processes`);

    // the monitor adopts the init its child forked: it is the parent, signals and reaps it
    assert.equal(tsboxAt(root, ['run', '-d', '--name', 'j1', '--userns', 'container:u1', 'host', 'sleep', '300']).code, 0);
    const j1 = inspect(root, 'j1');
    const ppid = Number(fs.readFileSync(`/proc/${j1.State.Pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
    assert.equal(ppid, j1.State.ConmonPid);
    assert.equal(tsboxAt(root, ['exec', 'j1', 'sh', '-c', 'id -u; echo $$']).stdout.split('\n')[0], '0');
    assert.equal(tsboxAt(root, ['stop', '-t', '1', 'j1']).code, 0);
    assert.equal(inspect(root, 'j1').State.ExitCode, 137, 'a bare sleep as pid 1 ignores SIGTERM: killed');
    assert.equal(tsboxAt(root, ['rm', 'j1']).code, 0);

    // with u1's pid namespace too, the time namespace follows it
    const p = tsboxAt(root, ['run', '--rm', '--userns', 'container:u1', '--pid', 'container:u1', 'host', 'readlink', '/proc/self/ns/time']);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout.trim(), ns(u1, 'time'));
    const bad = tsboxAt(root, ['run', '--rm', '--userns', 'container:u1', '--pid', 'container:u1', '--timens', 'private', 'host', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /--timens private cannot be combined with --userns container:NAME and --pid container:NAME/);
    assert.match(bad.stderr, /Use --timens container:NAME \(the default here\) or --timens host/);

    // the helper itself says why, and a child that fails before forking is reported
    const helper = helperPath();
    const h = sh(helper, ['run', '--rootfs', '/', '--join-ns', `user:/proc/${u1}/ns/user`, '--join-ns', `pid:/proc/${u1}/ns/pid`, '--ns', 'time', '--', 'true']);
    assert.equal(h.code, 125);
    assert.match(h.stderr, /--join-ns user and --join-ns pid cannot be combined with --ns time: join the time namespace too/);
    const own = sh(helper, ['run', '--rootfs', '/', '--join-ns', 'user:/proc/self/ns/user', '--ns', 'pid', '--', 'true']);
    assert.equal(own.code, 125);
    assert.match(own.stderr, /^tsbox-helper: userns: join user namespace: Invalid argument/);
  } finally {
    cleanupRoot(root);
  }
});

test('as root, shiftOwners moves a tree through the maps, keeps setuid bits, never follows symlinks', rootOpts, () => {
  const dir = makeRoot('tsbox-shift-');
  try {
    const outside = path.join(dir, 'outside');
    fs.writeFileSync(outside, '');
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(path.join(tree, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'bin/su'), '', { mode: 0o4755 });
    fs.chmodSync(path.join(tree, 'bin/su'), 0o4755);
    fs.writeFileSync(path.join(tree, 'www'), '');
    fs.chownSync(path.join(tree, 'www'), 33, 33);
    fs.writeFileSync(path.join(tree, 'far'), '');
    fs.chownSync(path.join(tree, 'far'), 70000, 70000);
    fs.symlinkSync(outside, path.join(tree, 'link'));
    shiftOwners(tree, { uidMap: [{ container: 0, host: 400000, size: 65536 }], gidMap: [{ container: 0, host: 500000, size: 65536 }] });
    const own = (p: string) => {
      const st = fs.lstatSync(path.join(tree, p));
      return [st.uid, st.gid];
    };
    assert.deepEqual(own('.'), [400000, 500000]);
    assert.deepEqual(own('bin/su'), [400000, 500000]);
    assert.equal(fs.statSync(path.join(tree, 'bin/su')).mode & 0o7777, 0o4755, 'setuid survives the chown');
    assert.deepEqual(own('www'), [400033, 500033]);
    assert.deepEqual(own('far'), [70000, 70000], 'an id the map lacks stays');
    assert.deepEqual(own('link'), [400000, 500000], 'the symlink itself');
    assert.deepEqual([fs.statSync(outside).uid, fs.statSync(outside).gid], [0, 0], 'not its target');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('as root, --userns=auto: running containers get ranges that do not overlap', rootOpts, () => {
  const root = makeRoot('tsbox-auto-');
  fs.chmodSync(root, 0o711);
  try {
    const maps = ['a1', 'a2'].map((name) => {
      const r = tsboxAt(root, ['run', '-d', '--name', name, '--userns=auto:size=5000', 'host', 'sleep', '300']);
      assert.equal(r.code, 0, r.stderr);
      const pid = inspect(root, name).State.Pid as number;
      const e = tsboxAt(root, ['exec', name, 'sh', '-c', 'id -u; touch /root/ok && echo wrote']);
      assert.equal(e.stdout, '0\nwrote\n', e.stderr);
      const [u] = parseIdMap(fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8'));
      const [g] = parseIdMap(fs.readFileSync(`/proc/${pid}/gid_map`, 'utf8'));
      assert.deepEqual([u.container, u.size, g.container, g.size], [0, 5000, 0, 5000]);
      assert.notEqual(u.host, 0);
      return u;
    });
    assert.ok(maps[0].host + 5000 <= maps[1].host || maps[1].host + 5000 <= maps[0].host, JSON.stringify(maps));
  } finally {
    cleanupRoot(root);
  }
});

test('as root, runInUserNamespace writes the maps itself and CMD runs as root of the namespace', opts, async () => {
  const map = [{ container: 0, host: start, size: 1000 }];
  // root of that namespace is host uid `start`: it may write here only
  const outDir = path.join(scratch, 'ns-root');
  fs.mkdirSync(outDir);
  fs.chownSync(outDir, start, start);
  const out = path.join(outDir, 'out');
  const code = await runInUserNamespace(helperPath(), ['/bin/sh', '-c', `{ id -u; cat /proc/self/uid_map /proc/self/gid_map; } > ${out}; exit 3`], map, map);
  assert.equal(code, 3);
  const [id, ...rest] = fs.readFileSync(out, 'utf8').split('\n');
  assert.equal(id, '0');
  const lines = parseIdMap(rest.join('\n'));
  assert.deepEqual(lines, [...map, ...map]);
  // a map the kernel refuses (overlapping host ranges): the helper is released
  // with EOF, gives up, and CMD never runs
  const bad = [
    { container: 0, host: start, size: 10 },
    { container: 10, host: start + 5, size: 10 },
  ];
  fs.rmSync(out);
  await assert.rejects(runInUserNamespace(helperPath(), ['/bin/sh', '-c', `touch ${out}`], bad, bad), (e: unknown) => e instanceof UserError && /writing the id maps of \d+ failed: .*(EINVAL|Invalid argument)/.test(e.message));
  assert.ok(!fs.existsSync(out), 'CMD did not run');
});
