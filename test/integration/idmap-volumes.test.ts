// Volumes with :idmap (podman's option): an idmapped mount (mount_setattr
// MOUNT_ATTR_IDMAP, made by the helper's monitor with the container's own
// user namespace) shows host owners as they are, so a --userns=auto
// container reads and writes a host directory with the host's owners and
// nothing is chowned. Checked against the kernel: stat on the host, the
// container's mountinfo (`idmapped`), its uid_map (container root is not
// host root); and without :idmap the same directory is nobody's and
// unwritable, which is what the option is for.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, cleanupRoot, inspect, makeRoot, tsbox } from '../lib/cli.js';
import { attempt } from '../lib/programs.js';

const skip = process.getuid?.() !== 0 && 'needs root';
const root = makeRoot('tsbox-idmap-');
fs.chmodSync(root, 0o711); // the container's host uids pass through it to its rootfs
after(() => cleanupRoot(root));

const OWNER = 1234;
function hostDir(name: string): string {
  const d = path.join(root, name);
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'theirs'), 'x');
  fs.chownSync(d, OWNER, OWNER);
  fs.chownSync(path.join(d, 'theirs'), OWNER, OWNER);
  return d;
}
const owner = (f: string) => {
  const st = fs.statSync(f);
  return `${st.uid}:${st.gid}`;
};
const nothingCreated = () => assert.equal(tsbox(root, ['ps', '-a', '-q']).stdout.trim(), '', 'no container was created');

test('without :idmap a --userns=auto container sees a host directory as nobody\'s and cannot write it (the precondition)', { skip }, () => {
  const d = hostDir('plain');
  const r = tsbox(root, ['run', '--rm', '--userns=auto', '-v', `${d}:/d`, 'host', 'sh', '-c', 'stat -c %u:%g /d/theirs; touch /d/mine 2>&1 || echo refused']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Permission denied/);
  assert.match(r.stdout, /^65534:65534\n/);
  assert.match(r.stdout, /refused\n$/);
  assert.equal(fs.existsSync(path.join(d, 'mine')), false);
});

test(':idmap: host owners shown as they are, files written land on the host ids of the container ids; mountinfo says idmapped; container root is not host root', { skip }, () => {
  const d = hostDir('mapped');
  const r = tsbox(root, ['run', '-d', '--name', 'idm', '--userns=auto', '-v', `${d}:/d:idmap`, 'host', 'sleep', '1000']);
  assert.equal(r.code, 0, r.stderr);
  const pid = inspect(root, 'idm').State.Pid as number;
  // inspect's OCI config says it as the runtime spec does (ridmap: recursive, the container's own maps)
  const oci = (inspect(root, 'idm').OCIConfig.mounts as Array<{ destination: string; options: string[] }>).find((m) => m.destination === '/d');
  assert.deepEqual(oci?.options, ['rbind', 'rw', 'ridmap']);
  // the kernel's view of the container: its own map, its root a high host uid
  const [inside, hostRoot, size] = fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split(/\s+/).map(Number);
  assert.equal(inside, 0);
  assert.ok(hostRoot > 65535 && size > OWNER, `container root is host uid ${hostRoot}`);
  assert.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`^Uid:\\s+${hostRoot}\\s`, 'm'));
  const line = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').find((l) => l.split(' ')[4] === '/d')!;
  assert.match(line.split(' ')[5], /(^|,)idmapped(,|$)/, line);
  assert.match(line.split(' ')[5], /^rw,/, line);

  const ex = (args: string[]) => tsbox(root, ['exec', ...args]);
  let e = ex(['idm', 'stat', '-c', '%u:%g', '/d/theirs']);
  assert.equal(e.stdout.trim(), `${OWNER}:${OWNER}`, e.stderr);
  e = ex(['--user', `${OWNER}:${OWNER}`, 'idm', 'sh', '-c', 'echo hi > /d/by-user && cat /d/theirs']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(owner(path.join(d, 'by-user')), `${OWNER}:${OWNER}`, 'container uid 1234 wrote host uid 1234, no chown');
  e = ex(['idm', 'touch', '/d/by-root']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(owner(path.join(d, 'by-root')), '0:0', 'container root writes host root on the idmapped volume');
  // the files keep their owners: the directory was never chowned
  assert.equal(owner(d), `${OWNER}:${OWNER}`);
  assert.equal(owner(path.join(d, 'theirs')), `${OWNER}:${OWNER}`);

  // tsbox audit reads it from mountinfo
  const audit = JSON.parse(tsbox(root, ['audit', '--format', 'json', 'idm']).stdout)[0];
  const f = audit.findings.find((x: { id: string }) => x.id === 'idmapped-volume');
  assert.deepEqual(f?.evidence, [`${d} of the host at /d (rw,idmapped in mountinfo)`]);
  assert.ok(!audit.findings.some((x: { id: string }) => x.id === 'root-is-host-root'));
  assert.equal(tsbox(root, ['rm', '-f', 'idm']).code, 0);
});

test(':idmap,ro and a named volume: read-only holds through the idmap; a named volume is root\'s and its root\'s', { skip }, () => {
  const d = hostDir('readonly');
  const r = tsbox(root, ['run', '--rm', '--userns=auto', '-v', `${d}:/d:idmap,ro`, '--mount', 'type=volume,src=idmv,dst=/v,idmap', 'host', 'sh', '-c',
    'stat -c %u:%g /d/theirs; touch /d/x 2>/dev/null || echo ro-refused; grep -E " /(d|v) " /proc/self/mountinfo | cut -d" " -f5,6; touch /v/made && stat -c %u /v/made']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], `${OWNER}:${OWNER}`);
  assert.equal(lines[1], 'ro-refused');
  assert.match(lines.find((l) => l.startsWith('/d '))!, /^\/d ro,.*idmapped/);
  assert.match(lines.find((l) => l.startsWith('/v '))!, /^\/v rw,.*idmapped/);
  assert.equal(lines.at(-1), '0');
  const made = fs.readdirSync(path.join(root, 'data', 'volumes')).map((n) => path.join(root, 'data', 'volumes', n, '_data', 'made')).find((p) => fs.existsSync(p));
  assert.ok(made, 'the file is in the named volume');
  assert.equal(owner(made!), '0:0');
  assert.equal(tsbox(root, ['volume', 'rm', 'idmv']).code, 0);
});

test('wrong uses of :idmap: exit 125 with the way out, nothing created', { skip }, () => {
  const d = hostDir('refused');
  const cases: Array<[string[], RegExp]> = [
    [['-v', `${d}:/d:idmap`], /needs a user namespace of the container's own, whose maps it shows; this one is the host's/],
    [['--userns=auto', '-v', `${d}:/d:idmap=uids=0-1-10`], /idmap=uids=0-1-10 in -v .*: tsbox idmaps a volume with the container's own maps only/],
    [['--userns=auto', '-v', `${d}:/d:idmap,U`], /U and idmap contradict each other/],
    [['--userns=auto', '--mount', 'type=tmpfs,dst=/t,idmap'], /a tmpfs takes no ro, relabel, U, idmap or propagation option/],
  ];
  for (const [flags, msg] of cases) {
    const r = tsbox(root, ['run', '--rm', ...flags, 'host', 'true']);
    assert.equal(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    nothingCreated();
  }
  assert.deepEqual(fs.readdirSync(d), ['theirs']);
  assert.equal(owner(d), `${OWNER}:${OWNER}`, 'the host directory is unchanged');
});

test('a filesystem the kernel cannot idmap (ramfs): the helper says so, 125, nothing left', { skip }, () => {
  const d = path.join(root, 'ramfs');
  fs.mkdirSync(d);
  // mounted in a private mount namespace of the run alone: the host never sees it
  const r = attempt('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t ramfs none ${d} && exec "$@"`, 'sh', process.execPath, BIN, '--root', root,
    'run', '--rm', '--userns=auto', '-v', `${d}:/d:idmap`, 'host', 'true']);
  assert.equal(r.exitCode, 125, r.stderr);
  assert.match(r.stderr, new RegExp(`cannot idmap \`${d}\`: its filesystem .* does not support idmapped mounts`));
  nothingCreated();
});
