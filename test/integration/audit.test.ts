// tsbox audit against real containers made weak on purpose, and a default
// and a strict one: each gets the findings and the grade expected, and the
// evidence is what the kernel shows from outside (/proc/PID/status,
// ns links, uid_map, mountinfo, the device cgroup, the limit files), read
// here again independently. Where it is cheap, the way out the finding names
// is shown open (the host's files through -v /:/host, the host's pid 1
// through --pid host). A container that changes itself after start (its own
// no_new_privs) is reported as the kernel sees it, not as configured.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupRoot, inspect, makeRoot, tsbox } from '../lib/cli.js';
import { makeBusyboxRootfs, removeTree, tmpdir } from '../lib/busybox.js';
import { run } from '../lib/programs.js';

const skip = process.getuid?.() !== 0 && 'needs root';
const root = makeRoot('tsbox-audit-');
fs.chmodSync(root, 0o711); // the --userns=auto container passes through it as host uid 100000+
const work = tmpdir('tsbox-audit-work');
fs.chmodSync(work, 0o755);
after(() => {
  cleanupRoot(root);
  removeTree(work);
});

interface Finding {
  id: string;
  level: string;
  evidence: string[];
  why: string;
  fix: string;
  refs: string[];
}
interface Audit {
  id: string;
  name: string;
  pid: number;
  grade: string;
  findings: Finding[];
}

function ok(args: string[]): string {
  const r = tsbox(root, args);
  assert.equal(r.code, 0, `tsbox ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const pidOf = (name: string): number => inspect(root, name).State.Pid as number;

function status(pid: number): Record<string, string> {
  return Object.fromEntries(
    fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
  );
}

function auditOf(name: string): Audit {
  const out = JSON.parse(ok(['audit', '--format', 'json', name])) as Audit[];
  assert.equal(out.length, 1);
  return out[0];
}

const ids = (a: Audit) => a.findings.map((f) => f.id).sort();
const finding = (a: Audit, id: string): Finding => {
  const f = a.findings.find((x) => x.id === id);
  assert.ok(f, `${a.name}: no ${id} among ${ids(a).join(' ')}`);
  return f;
};

/** what every container keeps unless it asks otherwise: root in it, capabilities, no no_new_privs, writable / */
const HARDENING = ['capabilities-not-dropped', 'no-new-privileges-off', 'runs-as-root', 'root-writable', 'no-memory-limit', 'no-cpu-limit'];

before(() => {
  if (skip) return;
  const rootfs = path.join(work, 'rootfs');
  makeBusyboxRootfs(rootfs);
  ok(['image', 'import', rootfs, '--name', 'bb']);
  fs.writeFileSync(path.join(work, 'docker.sock'), '');
  fs.mkdirSync(path.join(work, 'shared'));
  const d = (name: string, flags: string[], image = 'bb', cmd = ['sleep', '1000']) => ok(['run', '-d', '--name', name, ...flags, image, ...cmd]);
  d('plain', []);
  d('priv', ['--privileged']);
  d('pidhost', ['--pid', 'host']);
  d('hostroot', ['-v', '/:/host']);
  d('hostro', ['-v', '/:/host:ro', '-v', `${work}/docker.sock:/var/run/docker.sock`]);
  d('sysadmin', ['--cap-add', 'SYS_ADMIN']);
  d('unconfined', ['--security-opt', 'seccomp=unconfined']);
  d('strict', ['--userns=auto', '--user', '1000:1000', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--read-only', '--memory', '64m', '--cpus', '0.5', '--pids-limit', '100']);
  // no no-new-privileges asked: the process sets it on itself, then is the sleep
  d('selfnnp', [], 'host', ['setpriv', '--no-new-privs', 'sleep', '1000']);
  d('mapA', ['--uidmap', '0:300000:65536', '--gidmap', '0:300000:65536']);
  d('mapB', ['--uidmap', '0:330000:65536', '--gidmap', '0:330000:65536', '--network', 'container:mapA']);
  fs.writeFileSync(path.join(work, 'profile.json'), ok(['seccomp', 'default']));
  d('wide', [
    '--security-opt', 'unmask=ALL', '--cgroupns', 'host', '--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_RAW', '--device', '/dev/net/tun',
    '--pids-limit', '-1', '--network', 'host', '--ipc', 'host', '--uts', 'host', '--timens', 'host', '-v', `${work}/shared:/d:Z`,
    '--security-opt', `seccomp=${work}/profile.json`,
  ]);
  d('samevol', ['-v', `${work}/shared:/d`]);
  // makes its own mount shared after start: a peer group of its own, which propagates to no host mount
  d('selfshared', ['--cap-add', 'SYS_ADMIN'], 'bb', ['sh', '-c', 'mount -t tmpfs none /tmp && mount --make-shared /tmp && touch /tmp/ready && sleep 1000']);
});

test('a default container: C, for container root being host root (uid_map), and hardening only', { skip }, () => {
  const a = auditOf('plain');
  const pid = pidOf('plain');
  assert.equal(a.pid, pid);
  assert.equal(a.grade, 'C');
  assert.deepEqual(ids(a), [...HARDENING, 'root-is-host-root'].sort());
  assert.match(fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8'), /^\s*0\s+0\s+4294967295\s*$/);
  assert.deepEqual(finding(a, 'root-is-host-root').evidence, [`/proc/${pid}/uid_map: 0 0 4294967295`]);
  assert.equal(status(pid).NoNewPrivs, '0');
  assert.equal(status(pid).Seccomp, '2');
  for (const f of a.findings) assert.ok(f.why && f.fix && f.refs.length, `${f.id} says why, the fix and its source`);
});

test('--privileged: F, every capability, every device, no seccomp; /sys and /proc/sys stay read-only (tsbox keeps them so)', { skip }, () => {
  const a = auditOf('priv');
  const pid = pidOf('priv');
  assert.equal(a.grade, 'F');
  for (const id of ['privileged', 'host-devices-all', 'seccomp-off']) finding(a, id);
  assert.equal(status(pid).CapBnd, status(process.pid).CapBnd, 'the precondition: the bounding set is all of ours');
  const mountinfo = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
  assert.match(mountinfo, / \/sys ro,/);
  assert.match(mountinfo, / \/proc\/sys ro,/);
  assert.ok(!a.findings.some((f) => ['sys-writable', 'proc-sys-writable', 'dangerous-capability'].includes(f.id)), ids(a).join(' '));
});

test('--pid host: D, the ns inode is the host\'s, and the host\'s pid 1 is visible inside', { skip }, () => {
  const a = auditOf('pidhost');
  const pid = pidOf('pidhost');
  const f = finding(a, 'host-pid-namespace');
  assert.equal(f.level, 'high');
  assert.equal(a.grade, 'D');
  const ino = fs.readlinkSync(`/proc/${pid}/ns/pid`);
  assert.equal(ino, fs.readlinkSync('/proc/self/ns/pid'));
  assert.deepEqual(f.evidence, [`/proc/${pid}/ns/pid is ${ino}, the host's`]);
  assert.equal(ok(['exec', 'pidhost', 'cat', '/proc/1/comm']), fs.readFileSync('/proc/1/comm', 'utf8'), 'the way out is open: the host\'s init');
});

test('-v /:/host: F, the host\'s / read-write, found from mountinfo; the host\'s files are readable and writable inside', { skip }, () => {
  const a = auditOf('hostroot');
  const f = finding(a, 'host-system-dir-writable');
  assert.equal(a.grade, 'F');
  assert.equal(f.evidence.length, 1, f.evidence.join('\n'));
  assert.match(f.evidence[0], /^\/ of the host at \/host \(rw, with the \d+ mounts under it\)$/);
  const probe = path.join(work, 'written-from-inside');
  ok(['exec', 'hostroot', 'sh', '-c', `echo escaped > /host${probe}`]);
  assert.equal(fs.readFileSync(probe, 'utf8'), 'escaped\n');
  fs.rmSync(probe);
});

test('-v /:/host:ro and an engine socket: F for the socket, high for the host\'s / read-only', { skip }, () => {
  const a = auditOf('hostro');
  assert.equal(a.grade, 'F');
  assert.deepEqual(finding(a, 'engine-socket').evidence, [`${work}/docker.sock of the host at /var/run/docker.sock (rw)`]);
  assert.deepEqual(finding(a, 'host-root-dir').evidence.map((e) => e.replace(/, with the \d+ mounts under it/, '')), ['/ of the host at /host (ro)']);
  assert.ok(!a.findings.some((f) => f.id === 'host-system-dir-writable'));
});

test('--cap-add SYS_ADMIN: D for the capability, read from CapEff', { skip }, () => {
  const a = auditOf('sysadmin');
  const pid = pidOf('sysadmin');
  const caps = BigInt(`0x${status(pid).CapEff}`);
  assert.ok((caps >> 21n) & 1n, 'the precondition: CAP_SYS_ADMIN (21) is effective');
  assert.deepEqual(finding(a, 'dangerous-capability').evidence, [`/proc/${pid}/status CapBnd has CAP_SYS_ADMIN (effective)`]);
  assert.equal(a.grade, 'D');
});

test('seccomp=unconfined: D, Seccomp 0 in status', { skip }, () => {
  const a = auditOf('unconfined');
  const pid = pidOf('unconfined');
  assert.equal(status(pid).Seccomp, '0');
  assert.deepEqual(finding(a, 'seccomp-off').evidence, [`/proc/${pid}/status Seccomp: 0 (disabled)`]);
  assert.equal(a.grade, 'D');
  assert.ok(!auditOf('plain').findings.some((f) => f.id === 'seccomp-off'));
});

test('a user namespace, no capabilities, no_new_privs, read-only, every limit: A, no findings', { skip }, () => {
  const a = auditOf('strict');
  const pid = pidOf('strict');
  assert.deepEqual(ids(a), []);
  assert.equal(a.grade, 'A');
  const s = status(pid);
  assert.equal(s.NoNewPrivs, '1');
  assert.equal(s.CapBnd, '0000000000000000');
  assert.notEqual(Number(s.Uid.split(/\s+/)[1]), 1000, 'uid 1000 of the container is another uid on the host');
  assert.doesNotMatch(fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8'), /^\s*0\s+0\s/);
});

test('a container that sets its own no_new_privs after start is reported from the kernel, not the config', { skip }, () => {
  assert.equal(inspect(root, 'selfnnp').HostConfig?.SecurityOpt?.includes?.('no-new-privileges') ?? false, false);
  assert.equal(status(pidOf('selfnnp')).NoNewPrivs, '1');
  const a = auditOf('selfnnp');
  assert.ok(!a.findings.some((f) => f.id === 'no-new-privileges-off'), ids(a).join(' '));
  finding(a, 'host-binaries'); // the host image binds /usr: said, as low
});

test('overlapping uid maps are found from both uid_maps; a shared network namespace in --namespaces', { skip }, () => {
  const a = auditOf('mapA');
  const f = finding(a, 'uid-map-overlap');
  assert.deepEqual(f.evidence, [`host uids 330000-365535 are in /proc/${pidOf('mapA')}/uid_map and in mapB's (/proc/${pidOf('mapB')}/uid_map)`]);
  assert.ok(!a.findings.some((x) => x.id === 'root-is-host-root'));
  const m = JSON.parse(ok(['audit', '--namespaces', '--format', 'json'])) as Array<{ name: string; namespaces: Record<string, { sharing: string; with: string[]; inode: number }> }>;
  const by = new Map(m.map((c) => [c.name, c.namespaces]));
  assert.deepEqual(by.get('mapB')!.net.with, ['mapA']);
  assert.equal(by.get('mapB')!.net.inode, Number(/\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${pidOf('mapA')}/ns/net`))![1]));
  assert.equal(by.get('pidhost')!.pid.sharing, 'host');
  assert.equal(by.get('plain')!.pid.sharing, 'private');
  assert.equal(by.get('plain')!.user.sharing, 'host');
  const text = ok(['audit', '--namespaces']);
  assert.match(text, /^mapB\s.*shared:mapA/m);
});

test('exit codes: 1 at or above --fail-on, else 0; 125 for a wrong level, a container that is not there or not running', { skip }, () => {
  assert.equal(tsbox(root, ['audit', 'priv', '--fail-on', 'critical']).code, 1);
  assert.equal(tsbox(root, ['audit', 'plain', '--fail-on', 'high']).code, 0);
  assert.equal(tsbox(root, ['audit', 'plain', '--fail-on', 'medium']).code, 1);
  assert.equal(tsbox(root, ['audit', 'strict', '--fail-on', 'low']).code, 0);
  assert.equal(tsbox(root, ['audit', 'plain']).code, 0, 'without --fail-on, findings are not a failure');
  const bad = tsbox(root, ['audit', '--fail-on', 'severe']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /invalid --fail-on 'severe'.*\n.*low, medium, high, critical/);
  assert.equal(tsbox(root, ['audit', 'no-such-one']).code, 125);
  ok(['create', '--name', 'idle', 'bb', 'true']);
  const idle = tsbox(root, ['audit', 'idle']);
  assert.equal(idle.code, 125);
  assert.match(idle.stderr, /idle is created: audit reads .*running/);
  assert.doesNotMatch(idle.stderr, /\n\s+at /);
  ok(['rm', 'idle']);
});

test('text output: a grade per container, evidence, why and fix', { skip }, () => {
  const text = ok(['audit', 'hostroot']);
  assert.match(text, /^hostroot \([0-9a-f]{12}, pid \d+\): grade F/);
  assert.match(text, /CRITICAL +host-system-dir-writable: .*\[CIS 5\.5/);
  assert.match(text, /evidence: \/ of the host at \/host \(rw, with/);
  assert.match(text, /fix: remove the -v/);
  const all = JSON.parse(ok(['audit', '--format', 'json'])) as Audit[];
  assert.deepEqual(all.map((x) => x.name).sort(), ['hostro', 'hostroot', 'mapA', 'mapB', 'pidhost', 'plain', 'priv', 'samevol', 'selfnnp', 'selfshared', 'strict', 'sysadmin', 'unconfined', 'wide']);
});

test('host namespaces, unmasked paths, a device, no pids limit, its own profile, a :Z volume another container uses, release_agent reachable', { skip }, () => {
  const a = auditOf('wide');
  const pid = pidOf('wide');
  assert.equal(a.grade, 'F');
  for (const [type, level] of [['net', 'high'], ['ipc', 'medium'], ['uts', 'low'], ['cgroup', 'low'], ['time', 'low']] as const) {
    const f = finding(a, `host-${type}-namespace`);
    assert.equal(f.level, level);
    assert.equal(fs.readlinkSync(`/proc/${pid}/ns/${type}`), fs.readlinkSync(`/proc/self/ns/${type}`), `${type}: the precondition, read here`);
  }
  assert.match(finding(a, 'cgroup-release-agent').evidence.join(), /CAP_SYS_ADMIN in the host's user and cgroup namespaces/);
  assert.deepEqual(finding(a, 'added-capability').evidence, [`/proc/${pid}/status CapBnd has CAP_NET_RAW`]);
  const tun = fs.statSync('/dev/net/tun').rdev;
  const rule = `c ${Math.floor(tun / 256)}:${tun % 256} rwm`;
  assert.deepEqual(finding(a, 'host-devices').evidence, [`devices.list: ${rule}`]);
  assert.match(finding(a, 'no-pids-limit').evidence[0], /pids\.max: max$/);
  assert.match(finding(a, 'paths-unmasked').evidence[0], /\/proc\/keys/);
  assert.ok(finding(a, 'proc-sys-writable').evidence.includes('/proc/sys is writable (mountinfo: /proc rw)'));
  assert.match(fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8'), / \/proc rw,/);
  assert.deepEqual(finding(a, 'seccomp-own-profile').evidence, [`Seccomp: 2 with ${work}/profile.json`]);
  // hostroot and hostro reach it too, through the host's / they mount
  assert.deepEqual(finding(a, 'private-label-shared').evidence.sort(), [
    `${work}/shared (:Z here) is mounted in hostro at /host`,
    `${work}/shared (:Z here) is mounted in hostroot at /host`,
    `${work}/shared (:Z here) is mounted in samevol at /d`,
  ]);
  assert.deepEqual(finding(auditOf('samevol'), 'host-path').evidence, [`${work}/shared of the host at /d (rw)`]);
});

test('a mount the container makes shared itself propagates to no host mount, and is not reported', { skip }, async () => {
  const pid = pidOf('selfshared');
  const start = Date.now();
  while (!fs.existsSync(`/proc/${pid}/root/tmp/ready`) && Date.now() - start < 10000) await new Promise((r) => setTimeout(r, 50));
  assert.match(fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8'), / \/tmp rw,[^ ]* shared:\d+ /, 'the container made it shared');
  assert.ok(!auditOf('selfshared').findings.some((f) => f.id === 'mount-propagation-shared'));
});

test("a volume whose label is no longer its container's (another relabeled it) is found from its xattr", { skip }, () => {
  const dir = path.join(work, 'labeled');
  fs.mkdirSync(dir);
  const r = tsbox(root, ['--selinux', 'on', 'run', '-d', '--name', 'lab', '-v', `${dir}:/d:Z`, 'bb', 'sleep', '1000']);
  assert.equal(r.code, 0, r.stderr);
  const xattr = () => run('getfattr', ['--only-values', '-n', 'security.selinux', dir]).replace(/\0$/, '');
  const mine = xattr();
  assert.match(mine, /container_file_t:s0:c\d+,c\d+$/, 'the precondition: :Z gave it the container\'s label');
  assert.ok(!auditOf('lab').findings.some((f) => f.id === 'volume-label'));
  const other = mine.replace(/s0:c\d+,c\d+$/, 's0:c1022,c1023');
  run('setfattr', ['-n', 'security.selinux', '-v', other, dir]);
  assert.deepEqual(finding(auditOf('lab'), 'volume-label').evidence, [`${dir}: security.selinux is ${other}, :Z gives ${mine}`]);
  ok(['rm', '-f', 'lab']);
});
