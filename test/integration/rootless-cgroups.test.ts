// Rootless cgroups on cgroup v2, for real, on this hybrid machine: a test
// user runs the real CLI (runuser) in a private mount namespace where the
// host's cgroup2 hierarchy is mounted at /sys/fs/cgroup instead of the v1
// tree, so tsbox sees a pure v2 host (as test/integration/cgroups-ns.test.ts
// does for root).
//
// Real: the cgroup2 hierarchy (shared with the host, seen at
// /sys/fs/cgroup/unified there), a subtree delegated the way systemd
// delegates user@UID.service (directory, cgroup.procs, cgroup.subtree_control
// and cgroup.threads chowned to the user), the user's shell moved into a
// leaf below it, the container's cgroup made by the user there, the init
// placed in it, cgroup.freeze (pause) and cgroup.kill. Not real: systemd
// itself, and controllers. This hierarchy offers only hugetlb, so a memory
// limit is refused here as unavailable; limits below a delegated cgroup are
// covered on plain files in test/unit/cgroup-delegation.test.ts.
//
// The file runs itself inside `unshare -m` (TSBOX_ROOTLESS_CG_ROLE set);
// that copy reports what it saw as JSON and the tests here check it. The
// user runs the built CLI and helper from a temp dir it can read
// (test/lib/readable-install.ts). The user, their /etc/subuid and
// /etc/subgid lines, the cgroups, that temp dir and the runtime dir are
// removed afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readableInstall, type Install } from '../lib/readable-install.js';
import { parseSubIdEntries, suggestFreeRange } from '../../src/engine/subid.js';
import { detectLayout } from '../../src/probe/cgroup-layout.js';
import { notePath, tempDir } from '../lib/suite-run.js';
import { attempt, howItEnded, run } from '../lib/programs.js';

const SELF = fileURLToPath(import.meta.url);
const ROLE = process.env.TSBOX_ROOTLESS_CG_ROLE;
const USER = process.env.TSBOX_ROOTLESS_CG_USER ?? `tsboxcg${process.pid}`;
/** our top cgroup (root's), with the user's delegated one below it */
const TOP = process.env.TSBOX_ROOTLESS_CG_TOP ?? `tsbox-test-deleg-${process.pid}`;
const COUNT = 65536;

function sh(cmd: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = attempt(cmd, args, { timeout: 60000 });
  return { code: r.exitCode ?? 128, stdout: r.stdout, stderr: r.stderr };
}

// ------------------------------------------------ inside the mount namespace

interface Env {
  uid: number;
  home: string;
  runtime: string;
  /** bin/tsbox.js of a copy the user can read (test/lib/readable-install.ts) */
  bin: string;
}

/** The CLI as the user, from a shell first moved into cgroup LEAF (relative to /sys/fs/cgroup). */
function tsboxIn(env: Env, leaf: string, args: string[]) {
  const vars = [`HOME=${env.home}`, 'PATH=/usr/local/bin:/usr/bin:/bin', `XDG_RUNTIME_DIR=${env.runtime}`, `USER=${USER}`];
  for (const k of ['TSBOX_HELPER', 'NODE_OPTIONS']) if (process.env[k]) vars.push(`${k}=${process.env[k]}`);
  const r = attempt(
    'sh',
    ['-c', 'echo $$ > "$1/cgroup.procs" && shift && exec runuser -u "$@"', 'sh', path.join('/sys/fs/cgroup', leaf), USER, '--', '/usr/bin/env', '-i', ...vars, process.execPath, env.bin, ...args],
    { timeout: 60000, cwd: env.home },
  );
  return { code: r.exitCode ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/** rmdir, retried while the last processes that were in it are being reaped. */
function rmdirWhenEmpty(dir: string): void {
  for (let i = 0; ; i++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      if ((e as NodeJS.ErrnoException).code !== 'EBUSY' || i > 200) throw e;
      run('sleep', ['0.02']);
    }
  }
}

function inside(env: Env): Record<string, unknown> {
  const seen: Record<string, unknown> = { layout: detectLayout() };
  const top = path.join('/sys/fs/cgroup', TOP);
  const service = `user@${env.uid}.service`;
  const delegated = path.join(top, service);
  // as systemd sets up user@UID.service with Delegate=yes
  fs.mkdirSync(path.join(delegated, 'session.scope'), { recursive: true });
  for (const f of ['', 'cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads', 'session.scope', 'session.scope/cgroup.procs']) fs.chownSync(path.join(delegated, f), env.uid, -1);
  // and a cgroup of root's, as a login session's scope is
  fs.mkdirSync(path.join(top, 'session-1.scope'));
  const leaf = path.join(TOP, service, 'session.scope');
  const run = (args: string[]) => tsboxIn(env, leaf, args);
  try {
    seen.run = run(['run', '-d', '--name', 'c1', 'host', 'sleep', '300']);
    const info = JSON.parse(run(['inspect', 'c1']).stdout)[0];
    seen.cgroups = info.Cgroups;
    seen.initCgroup = fs.readFileSync(`/proc/${info.State.Pid}/cgroup`, 'utf8');
    seen.procs = fs.readFileSync(path.join(info.Cgroups[0], 'cgroup.procs'), 'utf8').trim();
    seen.pid = info.State.Pid;
    seen.owner = fs.statSync(info.Cgroups[0]).uid;
    seen.inside = run(['exec', 'c1', 'cat', '/proc/self/cgroup']).stdout;
    seen.pause = run(['pause', 'c1']);
    seen.frozen = fs.readFileSync(path.join(info.Cgroups[0], 'cgroup.events'), 'utf8');
    seen.state = JSON.parse(run(['inspect', 'c1']).stdout)[0].State.Status;
    seen.unpause = run(['unpause', 'c1']);
    seen.thawed = fs.readFileSync(path.join(info.Cgroups[0], 'cgroup.events'), 'utf8');
    seen.memory = run(['run', '--rm', '--memory', '64m', 'host', 'true']);
    seen.rm = run(['rm', '-f', 'c1']);
    seen.removed = !fs.existsSync(info.Cgroups[0]);

    const rootOwned = path.join(TOP, 'session-1.scope');
    const runThere = (args: string[]) => tsboxIn(env, rootOwned, args);
    seen.plain = runThere(['run', '-d', '--name', 'c2', 'host', 'sleep', '300']);
    seen.plainCgroups = JSON.parse(runThere(['inspect', 'c2']).stdout)[0].Cgroups;
    seen.plainPause = runThere(['pause', 'c2']);
    seen.plainMemory = runThere(['run', '--rm', '--memory', '64m', 'host', 'true']);
    seen.plainRm = runThere(['rm', '-f', 'c2']);
  } finally {
    rmdirWhenEmpty(path.join(delegated, 'tsbox'));
    rmdirWhenEmpty(path.join(delegated, 'session.scope'));
    rmdirWhenEmpty(delegated);
    rmdirWhenEmpty(path.join(top, 'session-1.scope'));
    rmdirWhenEmpty(top);
  }
  return seen;
}

if (ROLE) {
  const env = JSON.parse(ROLE) as Env;
  process.stdout.write(JSON.stringify(inside(env)));
}

// ------------------------------------------------ the tests, on the host

const hostLayout = ROLE ? undefined : detectLayout();
const missing = ['useradd', 'userdel', 'runuser', 'unshare'].find((t) => sh('sh', ['-c', `command -v ${t}`]).code !== 0);
const opts = {
  skip:
    ROLE !== undefined
      ? 'running inside the namespace'
      : process.getuid?.() !== 0
        ? 'needs root (to create a test user, mount namespaces and cgroups)'
        : hostLayout?.kind !== 'hybrid' || !hostLayout.v2Root
          ? 'builds a pure v2 view out of a hybrid host'
          : missing
            ? `${missing} is not installed`
            : false,
};

/** rmdir a cgroup tree, children first (empty cgroups only). */
function removeTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(path.join(dir, e.name));
  fs.rmdirSync(dir);
}

let uid = -1;
let home = '';
let runtime = '';
let install: Install;
let line = '';
const original: Record<string, string> = {};

if (!ROLE) {
  before(() => {
    if (opts.skip) return;
    install = readableInstall();
    notePath(path.join(hostLayout!.v2Root!, TOP));
    const add = sh('useradd', ['--create-home', '--shell', '/bin/sh', '-K', 'SUB_UID_COUNT=0', '-K', 'SUB_GID_COUNT=0', USER]);
    assert.equal(add.code, 0, add.stderr);
    uid = Number(sh('id', ['-u', USER]).stdout);
    const gid = Number(sh('id', ['-g', USER]).stdout);
    home = sh('sh', ['-c', `getent passwd ${USER} | cut -d: -f6`]).stdout.trim();
    notePath(home);
    for (const f of ['/etc/subuid', '/etc/subgid']) original[f] = fs.readFileSync(f, 'utf8');
    const start = suggestFreeRange([...parseSubIdEntries(original['/etc/subuid']), ...parseSubIdEntries(original['/etc/subgid'])], COUNT).start;
    line = `${USER}:${start}:${COUNT}\n`;
    for (const f of ['/etc/subuid', '/etc/subgid']) fs.writeFileSync(f, original[f] + line);
    runtime = tempDir('tsbox-rt-');
    fs.chownSync(runtime, uid, gid);
    fs.chmodSync(runtime, 0o700);
  });

  after(() => {
    if (opts.skip || uid < 0) return;
    // what a failed namespace run may have left: the user did not exist
    // before this test, so every process of theirs is ours
    for (const pid of sh('pgrep', ['-u', String(uid)]).stdout.split('\n').filter(Boolean)) sh('kill', ['-KILL', pid]);
    const top = path.join(hostLayout!.v2Root!, TOP);
    removeTree(top);
    for (const f of ['/etc/subuid', '/etc/subgid']) {
      const now = fs.readFileSync(f, 'utf8');
      const i = now.lastIndexOf(line);
      if (i >= 0) fs.writeFileSync(f, now.slice(0, i) + now.slice(i + line.length));
      assert.ok(!fs.readFileSync(f, 'utf8').includes(line), `our line is gone from ${f}`);
    }
    const del = sh('userdel', ['--remove', USER]);
    assert.ok(del.code === 0 || del.code === 12 /* mail spool absent */, del.stderr);
    fs.rmSync(runtime, { recursive: true, force: true });
    fs.rmSync(install.dir, { recursive: true, force: true });
    assert.ok(!fs.existsSync(home), 'the home directory is gone');
  });

  test('rootless on cgroup v2 with a delegated subtree: the container gets a cgroup below it, pause and rm work', opts, () => {
    const r = attempt('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "$0" "$1"', process.execPath, SELF], {
      env: { ...process.env, TSBOX_ROOTLESS_CG_ROLE: JSON.stringify({ uid, home, runtime, bin: install.bin }), TSBOX_ROOTLESS_CG_USER: USER, TSBOX_ROOTLESS_CG_TOP: TOP },
      timeout: 120000,
    });
    assert.equal(r.exitCode, 0, `the namespace run failed: ${howItEnded(r)}`);
    const seen = JSON.parse(r.stdout);
    assert.equal(seen.layout.kind, 'v2');

    // delegated: <user@UID.service>/tsbox/<id>, made by the user, the init in it
    assert.equal(seen.run.code, 0, seen.run.stderr);
    const id = seen.run.stdout.trim();
    const dir = `/sys/fs/cgroup/${TOP}/user@${uid}.service/tsbox/${id}`;
    assert.deepEqual(seen.cgroups, [dir]);
    assert.match(seen.initCgroup, new RegExp(`^0::/${TOP}/user@${uid}\\.service/tsbox/${id}$`, 'm'));
    assert.equal(seen.procs, String(seen.pid));
    assert.equal(seen.owner, uid, 'the user made it, not root');
    assert.match(seen.inside, /^0::\/$/m, 'the container sees its cgroup as its root (cgroup namespace)');
    // pause through cgroup.freeze
    assert.equal(seen.pause.code, 0, seen.pause.stderr);
    assert.match(seen.frozen, /^frozen 1$/m);
    assert.equal(seen.state, 'paused');
    assert.equal(seen.unpause.code, 0, seen.unpause.stderr);
    assert.match(seen.thawed, /^frozen 0$/m);
    // this hierarchy has no memory controller: refused with that reason
    assert.equal(seen.memory.code, 125);
    assert.match(seen.memory.stderr, /refused: --memory because the memory controller is not available \(not in \/sys\/fs\/cgroup\/cgroup.controllers\)/);
    assert.equal(seen.rm.code, 0, seen.rm.stderr);
    assert.equal(seen.removed, true);

    // from a cgroup of root's: no cgroup, limits refused with the reason, pause refused
    assert.equal(seen.plain.code, 0, seen.plain.stderr);
    assert.deepEqual(seen.plainCgroups, []);
    assert.equal(seen.plainPause.code, 125);
    assert.match(seen.plainPause.stderr, /has no cgroup of its own, so it cannot be frozen/);
    assert.equal(seen.plainMemory.code, 125);
    assert.match(seen.plainMemory.stderr, new RegExp(`refused: --memory because rootless containers get cgroup limits only below a cgroup delegated to the user, and your cgroup /sys/fs/cgroup/${TOP}/session-1\\.scope is not delegated to you`));
    assert.match(seen.plainMemory.stderr, /systemd-run --user --scope/);
    assert.equal(seen.plainRm.code, 0, seen.plainRm.stderr);
  });
}
