// The runtime core end to end, as root, through the real CLI: containers are
// created by the real helper and checked from outside through /proc.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, cleanupRoot, inspect, makeRoot, tsbox, tsboxAsync } from '../lib/cli.js';
import { CAPABILITIES } from '../../src/common/capabilities.js';
import { DEFAULT_CAPS } from '../../src/engine/capabilities.js';
import { detectLayout } from '../../src/probe/cgroup-layout.js';
import { DEFAULT_PIDS_LIMIT } from '../../src/engine/resources.js';
import { run } from '../lib/programs.js';

const root = makeRoot();
after(() => cleanupRoot(root));

function status(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

function nsIno(pid: number | 'self', t: string): number {
  return fs.statSync(`/proc/${pid}/ns/${t}`).ino;
}

test('run --rm host sh -c "echo hi" prints hi and leaves no container', () => {
  const r = tsbox(root, ['run', '--rm', 'host', 'sh', '-c', 'echo hi']);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'hi\n');
  assert.equal(r.code, 0);
  assert.equal(tsbox(root, ['ps', '-a', '-q']).stdout, '');
});

test('exit codes follow podman: own code, 125, 126, 127', () => {
  assert.equal(tsbox(root, ['run', '--rm', 'host', 'sh', '-c', 'exit 3']).code, 3);
  const nf = tsbox(root, ['run', '--rm', 'host', '/no/such/cmd']);
  assert.equal(nf.code, 127, nf.stderr);
  assert.match(nf.stderr, /^Error: /);
  const ni = tsbox(root, ['run', '--rm', 'host', '/etc/passwd']);
  assert.equal(ni.code, 126, ni.stderr);
  // an image that is not here and may not be pulled (pulls: registry.test.ts)
  const img = tsbox(root, ['run', '--rm', '--pull=never', 'nosuchimage', 'true']);
  assert.equal(img.code, 125);
  assert.match(img.stderr, /image 'nosuchimage' is not here, and --pull=never/);
  assert.match(img.stderr, /tsbox pull nosuchimage/);
  assert.doesNotMatch(img.stderr, /at .*\.js/); // no stack trace
  const flag = tsbox(root, ['run', '--bogus', 'host']);
  assert.equal(flag.code, 125);
  assert.match(flag.stderr, /unknown flag: --bogus/);
  assert.equal(tsbox(root, ['ps', '-a', '-q']).stdout, '', 'no half-made container is left');
});

test('--help after other flags prints the command’s help; after the image it goes to CMD', () => {
  const help = tsbox(root, ['run', '--name', 'x', '--rm', '--help']);
  assert.equal(help.stderr, '');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: tsbox run \[FLAGS\] IMAGE/m);
  assert.match(help.stdout, /^ {2}-d, --detach /m);
  const ps = tsbox(root, ['ps', '-a', '--format', 'json', '-h']);
  assert.equal(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, /^Usage: tsbox ps /m);
  const cmd = tsbox(root, ['run', '--rm', '--name', 'y', 'host', 'sh', '-c', 'echo "$@"', 'sh', '--help', '-h']);
  assert.equal(cmd.code, 0, cmd.stderr);
  assert.equal(cmd.stdout, '--help -h\n', "CMD's arguments");
  assert.equal(tsbox(root, ['ps', '-a', '-q']).stdout, '', 'help created nothing');
});

test('a detached container is isolated in all the namespaces asked for', () => {
  const r = tsbox(root, ['run', '-d', '--name', 'iso', '--hostname', 'iso-host', '-e', 'FOO=bar', '-w', '/tmp', 'host', 'sleep', '1000']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
  const info = inspect(root, 'iso');
  const pid = info.State.Pid as number;
  assert.ok(pid > 0);
  assert.equal(info.State.Status, 'running');
  for (const t of ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'uts']) {
    assert.notEqual(nsIno(pid, t), nsIno('self', t), `${t} namespace must be private`);
    assert.equal(info.Namespaces[t], nsIno(pid, t), `inspect shows the ${t} inode`);
  }
  assert.equal(nsIno(pid, 'user'), nsIno('self', 'user'), 'root containers stay in the host user namespace by default');
  // the kernel's view of the process
  const st = status(pid);
  assert.equal(st.NoNewPrivs, '0');
  assert.equal(st.Seccomp, '2', 'the default seccomp filter is loaded');
  const want = DEFAULT_CAPS.reduce((m, c) => m | (1n << BigInt(CAPABILITIES.indexOf(c))), 0n);
  assert.equal(BigInt('0x' + st.CapEff), want);
  assert.equal(BigInt('0x' + st.CapBnd), want);
  // hostname, env, cwd inside
  const e = tsbox(root, ['exec', 'iso', 'sh', '-c', 'hostname; echo $FOO; pwd; cat /etc/hostname']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(e.stdout, 'iso-host\nbar\n/tmp\niso-host\n');
  // the mount table inside: / is the container's rootfs, with proc, sys, dev, devpts, shm, mqueue
  const mi = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
  const parse = (l: string) => ({ dev: l.split(' ')[2], root: l.split(' ')[3], point: l.split(' ')[4], fstype: l.split(' - ')[1].split(' ')[0], opts: l.split(' ')[5] });
  const mounts = mi.split('\n').filter(Boolean).map(parse);
  const at = (p: string) => mounts.find((m) => m.point === p);
  // / is the container's rootfs, once: the host's root, which pivot_root
  // stacks on top of it, was detached and is nowhere in the container
  assert.equal(mounts.filter((m) => m.point === '/').length, 1, 'one mount at /');
  const [seen, rootfs] = [fs.statSync(`/proc/${pid}/root`), fs.statSync(path.join(info.Bundle, 'rootfs'))];
  assert.deepEqual([seen.dev, seen.ino], [rootfs.dev, rootfs.ino], "the container's / is its rootfs");
  const hostRoot = parse(fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === '/').at(-1)!);
  assert.deepEqual(mounts.filter((m) => m.dev === hostRoot.dev && m.root === '/'), [], "the host's root filesystem is not mounted in the container");
  assert.equal(at('/proc')?.fstype, 'proc');
  assert.equal(at('/sys')?.fstype, 'sysfs');
  assert.match(at('/sys')!.opts, /(^|,)ro(,|$)/);
  assert.equal(at('/dev')?.fstype, 'tmpfs');
  assert.equal(at('/dev/pts')?.fstype, 'devpts');
  assert.equal(at('/dev/shm')?.fstype, 'tmpfs');
  assert.equal(at('/dev/mqueue')?.fstype, 'mqueue');
  assert.match(at('/usr')!.opts, /(^|,)ro(,|$)/, 'the host image binds /usr read-only');
  const devs = tsbox(root, ['exec', 'iso', 'ls', '/dev']);
  for (const d of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'ptmx', 'pts', 'shm', 'mqueue']) assert.match(devs.stdout, new RegExp(`^${d}$`, 'm'));
  // pid namespace: the container sees itself as pid 1
  assert.equal(tsbox(root, ['exec', 'iso', 'sh', '-c', 'cat /proc/1/comm']).stdout, 'sleep\n');
  // exec joins the same namespaces (checked from outside through a long-running exec)
  const ps = tsbox(root, ['ps', '--format', 'json']);
  const list = JSON.parse(ps.stdout);
  assert.ok(list.some((c: any) => c.Names[0] === 'iso' && c.State === 'running'));
  assert.equal(tsbox(root, ['rm', '-f', 'iso']).code, 0);
  assert.throws(() => fs.statSync(`/proc/${pid}/status`), 'the container process is gone');
});

test('user and group: -u resolves names from the image, exec -u too', () => {
  const r = tsbox(root, ['run', '--rm', '-u', 'nobody', 'host', 'sh', '-c', 'id -u; id -g']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '65534\n65534\n');
  const r2 = tsbox(root, ['run', '--rm', '-u', '1234:5678', 'host', 'sh', '-c', 'id -u; id -g']);
  assert.equal(r2.stdout, '1234\n5678\n');
  const bad = tsbox(root, ['run', '--rm', '-u', 'nosuchuser', 'host', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /unknown user 'nosuchuser'/);
});

test('lifecycle: stop (SIGTERM then SIGKILL), start, restart, kill, wait, logs', async () => {
  assert.equal(tsbox(root, ['run', '-d', '--name', 'life', 'host', 'sh', '-c', 'trap "echo bye; exit 7" TERM; echo hello; echo oops >&2; while :; do sleep 0.1; done']).code, 0);
  // logs keep stdout and stderr apart, with timestamps on request
  let logs = tsbox(root, ['logs', 'life']);
  for (let i = 0; i < 50 && !logs.stdout.includes('hello'); i++) {
    await new Promise((r) => setTimeout(r, 50));
    logs = tsbox(root, ['logs', 'life']);
  }
  assert.equal(logs.stdout, 'hello\n');
  assert.equal(logs.stderr, 'oops\n');
  const tlogs = tsbox(root, ['logs', '-t', 'life']);
  assert.match(tlogs.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z hello$/m);
  assert.equal(tsbox(root, ['stop', '-t', '5', 'life']).code, 0);
  let info = inspect(root, 'life');
  assert.equal(info.State.Status, 'exited');
  assert.equal(info.State.ExitCode, 7, 'the trap ran: SIGTERM came first');
  assert.match(tsbox(root, ['logs', 'life']).stdout, /bye/);
  // start again, then kill: 137
  assert.equal(tsbox(root, ['start', 'life']).code, 0);
  assert.equal(inspect(root, 'life').State.Status, 'running');
  assert.equal(tsbox(root, ['kill', 'life']).code, 0);
  const w = tsbox(root, ['wait', 'life']);
  assert.equal(w.stdout, '137\n');
  info = inspect(root, 'life');
  assert.equal(info.State.ExitCode, 137);
  assert.ok(info.State.FinishedAt);
  // restart of an exited container runs it again
  assert.equal(tsbox(root, ['restart', '-t', '1', 'life']).code, 0);
  assert.equal(inspect(root, 'life').State.Status, 'running');
  const ps = tsbox(root, ['ps']);
  assert.match(ps.stdout, /life/);
  assert.match(ps.stdout, /Up /);
  // kill -s with a name, and a bad signal is a clear error
  assert.match(tsbox(root, ['kill', '-s', 'NOPE', 'life']).stderr, /invalid signal 'NOPE'/);
  assert.equal(tsbox(root, ['kill', '-s', 'TERM', 'life']).code, 0);
  assert.equal(tsbox(root, ['wait', 'life']).stdout, '7\n');
  const rm = tsbox(root, ['rm', 'life']);
  assert.equal(rm.code, 0, rm.stderr);
  const gone = tsbox(root, ['inspect', 'life']);
  assert.equal(gone.code, 125);
  assert.match(gone.stderr, /no such object: "life"/);
});

test('rm refuses a running container without -f; errors name the container', () => {
  assert.equal(tsbox(root, ['run', '-d', '--name', 'busy', 'host', 'sleep', '1000']).code, 0);
  const r = tsbox(root, ['rm', 'busy']);
  assert.equal(r.code, 2, "podman's code for a container in the wrong state");
  assert.match(r.stderr, /container busy is running/);
  assert.match(r.stderr, /rm -f busy/);
  assert.equal(tsbox(root, ['rm', '-f', 'busy']).code, 0);
  assert.match(tsbox(root, ['stop', 'web-nope']).stderr, /no container with name or ID "web-nope" found: no such container/);
});

test('concurrent runs get unique names; a taken name is refused', async () => {
  const runs = await Promise.all([1, 2, 3, 4].map((i) => tsboxAsync(root, ['run', '-d', '--name', `c${i}`, 'host', 'sleep', '1000'])));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const dup = await Promise.all([1, 2].map(() => tsboxAsync(root, ['run', '-d', '--name', 'same', 'host', 'sleep', '1000'])));
  assert.deepEqual(dup.map((r) => r.code).sort(), [0, 125]);
  assert.match(dup.find((r) => r.code === 125)!.stderr, /name 'same' is already in use/);
  const names = JSON.parse(tsbox(root, ['ps', '--format', 'json']).stdout).map((c: any) => c.Names[0]).sort();
  assert.deepEqual(names, ['c1', 'c2', 'c3', 'c4', 'same']);
  assert.equal(tsbox(root, ['rm', '-f', 'c1', 'c2', 'c3', 'c4', 'same']).code, 0);
});

test('after a reboot (new boot id, /run emptied) containers show as exited, not as ghosts', () => {
  assert.equal(tsbox(root, ['run', '-d', '--name', 'ghost', 'host', 'sleep', '1000']).code, 0);
  const info = inspect(root, 'ghost');
  const stateFile = path.join(root, 'data/containers', info.Id, 'state.json');
  const rec = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  // Pretend the record comes from an earlier boot; the live process is ours to stop.
  fs.writeFileSync(stateFile, JSON.stringify({ ...rec, bootId: 'an-earlier-boot' }));
  fs.rmSync(path.join(root, 'run', info.Id), { recursive: true, force: true });
  const after = inspect(root, 'ghost');
  assert.equal(after.State.Status, 'exited');
  assert.match(after.State.Error, /restarted/);
  process.kill(info.State.Pid, 'SIGKILL'); // the process we started, by pid
  assert.equal(tsbox(root, ['rm', 'ghost']).code, 0);
});

test('inspect shows a torn config.json (written without fsync: derived from the record) as null', () => {
  assert.equal(tsbox(root, ['create', '--name', 'torn', 'host', 'true']).code, 0);
  const id = inspect(root, 'torn').Id;
  assert.equal(inspect(root, 'torn').OCIConfig.ociVersion.startsWith('1.'), true);
  fs.writeFileSync(path.join(root, 'data/containers', id, 'config.json'), '{"ociVers');
  const r = tsbox(root, ['inspect', 'torn']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout)[0].OCIConfig, null);
  assert.equal(tsbox(root, ['rm', 'torn']).code, 0);
});

test('a reused pid is never taken for the container', () => {
  assert.equal(tsbox(root, ['run', '-d', '--name', 'reuse', 'host', 'sleep', '1000']).code, 0);
  const info = inspect(root, 'reuse');
  const stateFile = path.join(root, 'data/containers', info.Id, 'state.json');
  const rec = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  // Same pid, different start time: as if the pid had been reused.
  fs.writeFileSync(stateFile, JSON.stringify({ ...rec, pidStart: rec.pidStart + 1, monitorStart: rec.monitorStart + 1 }));
  assert.equal(inspect(root, 'reuse').State.Status, 'exited');
  process.kill(info.State.Pid, 'SIGKILL');
  assert.equal(tsbox(root, ['rm', 'reuse']).code, 0);
});

test('cgroups of a container are removed with it', () => {
  assert.equal(tsbox(root, ['run', '-d', '--name', 'cg', 'host', 'sleep', '1000']).code, 0);
  const info = inspect(root, 'cg');
  const paths: string[] = info.Cgroups;
  assert.ok(paths.length > 0);
  const cg = fs.readFileSync(`/proc/${info.State.Pid}/cgroup`, 'utf8');
  for (const p of paths) {
    assert.ok(fs.existsSync(p), p);
    assert.ok(fs.readFileSync(path.join(p, 'cgroup.procs'), 'utf8').split('\n').includes(String(info.State.Pid)), `pid in ${p}`);
  }
  assert.match(cg, new RegExp(info.Id));
  assert.equal(tsbox(root, ['rm', '-f', 'cg']).code, 0);
  for (const p of paths) assert.ok(!fs.existsSync(p), `${p} removed`);
});

test('info reports the host', () => {
  const r = tsbox(root, ['info', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.ok(['v1', 'v2', 'hybrid'].includes(info.host.cgroups.layout));
  assert.equal(info.host.namespaces.time, fs.existsSync('/proc/self/ns/time'));
  assert.equal(typeof info.host.seccomp, 'boolean');
  assert.match(info.host.devices, /devices cgroup|BPF program|user namespace/);
  assert.match(info.tsbox.helperStart, /^(posix_spawn \(native\/tsbox-spawn\.node\)|child_process)/);
  assert.ok(fs.existsSync(info.tsbox.helper));
});

test('-t gives the command a new pty from the container, never the caller\'s terminal', () => {
  // `script` gives the CLI a real terminal of its own to be careful with.
  const sh = (cmd: string) => run('script', ['-qec', cmd, '/dev/null'], { timeout: 30000 });
  const cli = `${process.execPath} ${BIN} --root ${root}`;
  const out = sh(`${cli} run --rm -it host sh -c 'tty; readlink /proc/self/fd/0; stat -c %t:%T /dev/pts/ptmx'`);
  // (script turns its stdin's EOF into a NUL typed at the pty: hence no ^ anchor)
  assert.match(out, /\/dev\/pts\/0\r?$/m, 'the first pty of the container\'s own devpts');
  assert.equal(tsbox(root, ['run', '-d', '--name', 'ttyx', 'host', 'sleep', '1000']).code, 0);
  const ex = sh(`${cli} exec -it ttyx sh -c 'tty; ls /dev/pts'`);
  assert.match(ex, /\/dev\/pts\/\d+\r?$/m);
  assert.doesNotMatch(ex, /not a tty/);
  // and the container's devpts is its own instance: the host's ptys are not listed there
  const hostPts = fs.readdirSync('/dev/pts').filter((n) => /^\d+$/.test(n)).length;
  const inPts = ex.split('\n').filter((l) => /^\d+\r?$/.test(l.trim())).length;
  assert.ok(inPts <= hostPts, 'only the container\'s own ptys');
  assert.equal(tsbox(root, ['rm', '-f', 'ttyx']).code, 0);
});

const pidsLayout = detectLayout();
const noPids = !pidsLayout.v1.pids && !pidsLayout.v2Controllers.includes('pids') && 'no pids controller on this host';
test("without --pids-limit a container gets podman's default of 2048; -1 lifts it", { skip: noPids }, () => {
  const pidsMax = (name: string) => {
    const dir = (inspect(root, name).Cgroups as string[]).find((p) => fs.existsSync(path.join(p, 'pids.max')))!;
    return fs.readFileSync(path.join(dir, 'pids.max'), 'utf8').trim();
  };
  for (const [name, flags] of [['pids-default', []], ['pids-unlimited', ['--pids-limit', '-1']], ['pids-50', ['--pids-limit', '50']]] as const) {
    const r = tsbox(root, ['run', '-d', '--name', name, ...flags, 'host', 'sleep', '100']);
    assert.equal(r.code, 0, r.stderr);
  }
  try {
    assert.equal(pidsMax('pids-default'), String(DEFAULT_PIDS_LIMIT));
    assert.equal(inspect(root, 'pids-default').HostConfig.PidsLimit, DEFAULT_PIDS_LIMIT);
    assert.equal(pidsMax('pids-unlimited'), 'max');
    assert.equal(pidsMax('pids-50'), '50');
  } finally {
    tsbox(root, ['rm', '-f', 'pids-default', 'pids-unlimited', 'pids-50']);
  }
});

test('names: state without the index still works, the first create builds it, a stale link blocks nothing', () => {
  assert.equal(tsbox(root, ['create', '--name', 'old-one', 'host', 'true']).code, 0);
  const names = path.join(root, 'data', 'names');
  fs.rmSync(names, { recursive: true }); // as state made before the index
  assert.equal(inspect(root, 'old-one').Name, 'old-one', 'found by a scan');
  assert.equal(tsbox(root, ['create', '--name', 'new-one', 'host', 'true']).code, 0);
  assert.equal(fs.readlinkSync(path.join(names, 'old-one')), inspect(root, 'old-one').Id, 'built at the next create');
  const dup = tsbox(root, ['create', '--name', 'old-one', 'host', 'true']);
  assert.equal(dup.code, 125);
  assert.match(dup.stderr, /name 'old-one' is already in use/);
  // a link left by a crash between the link and the record
  fs.symlinkSync('f'.repeat(64), path.join(names, 'crashed'));
  assert.equal(tsbox(root, ['create', '--name', 'crashed', 'host', 'true']).code, 0);
  assert.equal(inspect(root, 'crashed').Name, 'crashed');
  assert.equal(tsbox(root, ['rm', 'old-one', 'new-one', 'crashed']).code, 0);
  assert.deepEqual(fs.readdirSync(names), [], 'rm frees the names');
  assert.equal(tsbox(root, ['create', '--name', 'old-one', 'host', 'true']).code, 0, 'free again');
  assert.equal(tsbox(root, ['rm', 'old-one']).code, 0);
});

test('--all: stop, start and rm every container; sharers go before the container they share with', () => {
  const other = makeRoot(); // a root of its own: --all means all
  try {
    assert.equal(tsbox(other, ['run', '-d', '--name', 'base', 'host', 'sleep', '100']).code, 0);
    assert.equal(tsbox(other, ['run', '-d', '--name', 'sharer', '--ipc', 'container:base', 'host', 'sleep', '100']).code, 0);
    assert.equal(tsbox(other, ['create', '--name', 'idle', 'host', 'true']).code, 0);
    const both = tsbox(other, ['rm', '-a', 'idle']);
    assert.equal(both.code, 125);
    assert.match(both.stderr, /--all and container names/);
    const noForce = tsbox(other, ['rm', '-a']);
    assert.equal(noForce.code, 2, "running ones need -f (podman's code 2)");
    assert.equal(noForce.stdout, 'idle\n', 'the others are removed');
    assert.equal(tsbox(other, ['stop', '-a', '-t', '0']).stdout.split('\n').filter(Boolean).sort().join(' '), 'base sharer');
    assert.equal(tsbox(other, ['ps', '-q']).stdout, '');
    assert.equal(tsbox(other, ['start', '--all']).code, 0);
    assert.equal(tsbox(other, ['ps', '-q']).stdout.split('\n').filter(Boolean).length, 2);
    const rm = tsbox(other, ['rm', '-af']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(rm.stdout, 'sharer\nbase\n');
    assert.equal(tsbox(other, ['ps', '-a', '-q']).stdout, '');
    assert.equal(tsbox(other, ['rm', '-a']).code, 0, 'nothing to remove is fine');
  } finally {
    cleanupRoot(other);
  }
});

test("container ls|rm|prune: podman's long forms; prune asks, and removes only what is not running", () => {
  const other = makeRoot();
  try {
    assert.equal(tsbox(other, ['container', 'create', '--name', 'idle', 'host', 'true']).code, 0);
    assert.equal(tsbox(other, ['run', '-d', '--name', 'busy', 'host', 'sleep', '100']).code, 0);
    const ls = tsbox(other, ['container', 'ls', '-a']).stdout;
    assert.ok(ls.includes('idle') && ls.includes('busy'), ls);
    const idle = inspect(other, 'idle').Id;
    const no = tsbox(other, ['container', 'prune'], { input: 'n\n' });
    assert.equal(no.code, 0);
    assert.match(no.stderr, /\[y\/N\]/);
    assert.equal(tsbox(other, ['ps', '-a', '-q']).stdout.split('\n').filter(Boolean).length, 2, 'nothing removed on no');
    const yes = tsbox(other, ['container', 'prune'], { input: 'y\n' });
    assert.equal(yes.code, 0, yes.stderr);
    assert.equal(yes.stdout, `${idle}\n`);
    assert.equal(tsbox(other, ['prune', '-f']).stdout, '', 'the running one stays');
    assert.deepEqual(tsbox(other, ['ps', '-a', '--format', 'json']).stdout.match(/"busy"/g)?.length, 1);
    const bad = tsbox(other, ['container', 'bogus']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /unknown container command 'bogus'/);
    assert.equal(tsbox(other, ['container', 'rm', '-f', 'busy']).code, 0);
  } finally {
    cleanupRoot(other);
  }
});

test('ps --filter: status= looks at every container, name= is a regex, keys combine', () => {
  const other = makeRoot();
  try {
    assert.equal(tsbox(other, ['run', '--name', 'web-ok', 'host', 'true']).code, 0);
    assert.equal(tsbox(other, ['run', '--name', 'web-bad', 'host', 'sh', '-c', 'exit 3']).code, 3);
    assert.equal(tsbox(other, ['create', '--name', 'db', 'host', 'true']).code, 0);
    const names = (...args: string[]) => JSON.parse(tsbox(other, ['ps', '--format', 'json', ...args]).stdout).map((r: { Names: string[] }) => r.Names[0]).sort();
    assert.deepEqual(names('--filter', 'status=exited'), ['web-bad', 'web-ok']);
    assert.deepEqual(names('-f', 'exited=3'), ['web-bad']);
    assert.deepEqual(names('-a', '-f', 'name=^web', '-f', 'status=created'), []);
    assert.deepEqual(names('-a', '-f', 'name=^(db|web-ok)$'), ['db', 'web-ok']);
    const bad = tsbox(other, ['ps', '--filter', 'colour=red']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /invalid filter 'colour=red'/);
  } finally {
    cleanupRoot(other);
  }
});

test('rename: the new name finds it, the old one is free, a taken or bad name is refused', () => {
  const other = makeRoot();
  try {
    assert.equal(tsbox(other, ['run', '-d', '--name', 'first', 'host', 'sleep', '100']).code, 0);
    assert.equal(tsbox(other, ['create', '--name', 'taken', 'host', 'true']).code, 0);
    const id = inspect(other, 'first').Id;
    const hostname = tsbox(other, ['exec', 'first', 'hostname']).stdout;
    assert.equal(tsbox(other, ['rename', 'first', 'second']).code, 0);
    assert.equal(inspect(other, 'second').Id, id);
    assert.equal(tsbox(other, ['exec', 'second', 'hostname']).stdout, hostname, 'the hostname stays');
    assert.match(tsbox(other, ['inspect', 'first']).stderr, /no such object: "first"/);
    assert.equal(tsbox(other, ['create', '--name', 'first', 'host', 'true']).code, 0, 'the old name is free');
    const taken = tsbox(other, ['container', 'rename', 'second', 'taken']);
    assert.equal(taken.code, 125);
    assert.match(taken.stderr, /'taken' is already in use/);
    assert.equal(tsbox(other, ['rename', 'second', 'bad/name']).code, 125);
    assert.equal(tsbox(other, ['rename', 'second']).code, 125);
    assert.equal(inspect(other, 'second').Id, id, 'unchanged by the refusals');
  } finally {
    cleanupRoot(other);
  }
});
