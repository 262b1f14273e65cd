// Volumes on real files, as root: named volume lifecycle on disk, the U chown,
// read-only binds seen from inside a container started by tsbox-helper, and
// the `tsbox volume` command.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from '../../src/cli/args.js';
import { captureOutput } from '../../src/cli/output.js';
import { UserError } from '../../src/common/errors.js';
import { helperPath } from '../../src/engine/helper.js';
import { relabelVolumes, recordedOriginal } from '../../src/engine/labels.js';
import { resolvePaths } from '../../src/engine/paths.js';
import { containerLabels } from '../../src/engine/selinux.js';
import type { VolumeSpec } from '../../src/engine/types.js';
import { parseVolumeFlags, VOLUME_FLAGS } from '../../src/cli/volume-flags.js';
import { helperMountArgs } from '../../src/engine/helper-argv.js';
import { chownVolumes, closeVolumeSources, openVolumeSources, VolumeStore, type VolumeSources } from '../../src/engine/volumes.js';
import { tempDir } from '../lib/suite-run.js';
import { attempt, run } from '../lib/programs.js';

before(() => {
  assert.equal(process.getuid?.(), 0, 'these tests chown files and start containers: they need root');
});

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = tempDir('tsbox-volumes-', '/var/tmp');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function isUserError(re: RegExp) {
  return (e: unknown) => e instanceof UserError && e.code === 125 && re.test(e.message);
}

test('named volumes: create, list, inspect, ensure, in-use protection, rm, prune', async (t) => {
  const dir = scratch(t);
  const paths = resolvePaths(path.join(dir, 'root'));
  const store = new VolumeStore(paths);
  assert.deepEqual(store.list(), [], 'no volumes dir yet: empty list');

  const web = store.create('web', { labels: { tier: 'front' } });
  assert.equal(web.mountpoint, path.join(paths.volumes, 'web', '_data'));
  assert.equal(web.mountpoint, store.pathOf('web'));
  assert.ok(fs.statSync(web.mountpoint).isDirectory());
  assert.deepEqual(web.labels, { tier: 'front' });
  assert.ok(Date.parse(web.created) > 0);
  assert.throws(() => store.create('web'), isUserError(/volume web already exists/));
  assert.throws(() => store.create('../evil'), isUserError(/invalid volume name/));
  assert.throws(() => store.inspect('nope'), isUserError(/no volume with name "nope" found: no such volume/));

  // `run -v cache:/c` creates the volume; a second run finds it
  const cache = store.ensure('cache');
  fs.writeFileSync(path.join(cache.mountpoint, 'kept'), 'x');
  assert.deepEqual(store.ensure('cache'), cache);
  assert.ok(fs.existsSync(path.join(cache.mountpoint, 'kept')), 'ensure does not recreate');
  assert.deepEqual(store.list().map((v) => v.name), ['cache', 'web']);
  assert.deepEqual(store.inspect('web'), web);

  await assert.rejects(() => store.remove('cache', { force: false, inUseBy: ['app'] }), isUserError(/volume cache is in use by app/));
  assert.ok(store.exists('cache'));
  await store.remove('cache', { force: true, inUseBy: ['app'] });
  assert.equal(store.exists('cache'), false);
  assert.equal(fs.existsSync(path.join(paths.volumes, 'cache')), false, 'the data is gone');
  await assert.rejects(() => store.remove('cache', { force: false, inUseBy: [] }), isUserError(/no such volume/));

  store.create('a');
  store.create('b');
  assert.deepEqual(await store.prune(new Set(['a'])), ['b', 'web']);
  assert.deepEqual(store.list().map((v) => v.name), ['a']);
  assert.deepEqual(fs.readdirSync(paths.volumes), ['a'], 'no leftovers of removal');
});

test('removing a named volume forgets the labels recorded under it', async (t) => {
  const dir = scratch(t);
  const paths = resolvePaths(path.join(dir, 'root'));
  const store = new VolumeStore(paths);
  const v = store.create('labeled');
  fs.writeFileSync(path.join(v.mountpoint, 'f'), 'x');
  const spec: VolumeSpec = { source: v.mountpoint, destination: '/d', readOnly: false, relabel: 'Z', chown: false, type: 'volume', name: 'labeled' };
  const sources = openVolumeSources([spec]);
  await relabelVolumes({ id: 'c1', name: 'c1' }, [spec], containerLabels('s0:c1,c2').mount, { paths, others: [], helper: helperPath(), sources });
  closeVolumeSources(sources);
  assert.equal(recordedOriginal(path.join(v.mountpoint, 'f'), paths), null, 'recorded: it had no label');
  await store.remove('labeled', { force: false, inUseBy: [] });
  assert.equal(recordedOriginal(path.join(v.mountpoint, 'f'), paths), undefined);
  assert.deepEqual(fs.readdirSync(path.join(paths.labels, 'records')), []);
});

test('U chowns the source to the host ids of container root, without following symlinks', (t) => {
  const dir = scratch(t);
  const src = path.join(dir, 'src');
  fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(src, 'sub', 'f'), 'x');
  fs.writeFileSync(path.join(src, 'setuid'), 'x', { mode: 0o6755 });
  fs.chmodSync(path.join(src, 'setuid'), 0o6755);
  fs.mkdirSync(path.join(src, 'setgid-dir'), { mode: 0o2755 });
  fs.chmodSync(path.join(src, 'setgid-dir'), 0o2755);
  fs.symlinkSync('/etc/hostname', path.join(src, 'link'));
  const untouched = path.join(dir, 'other');
  fs.mkdirSync(untouched);
  const hostnameBefore = fs.statSync('/etc/hostname');
  const map = [{ container: 0, host: 100000, size: 65536 }];
  const p = parseArgs(['-v', `${src}:/data:U`, '-v', `${untouched}:/other`], VOLUME_FLAGS);
  const vols = parseVolumeFlags(p, { cwd: dir, store: new VolumeStore(resolvePaths(path.join(dir, 'root'))) });
  const sources = openVolumeSources(vols);
  t.after(() => closeVolumeSources(sources));
  const chown = (uidMap: typeof map, gidMap: typeof map, user?: { uid: number; gid: number }, s: VolumeSources = sources, v = vols) =>
    chownVolumes(v, { uidMap, gidMap, user }, { helper: helperPath(), sources: s });

  assert.deepEqual(chown(map, map), { warnings: [] });
  for (const f of [src, path.join(src, 'sub'), path.join(src, 'sub', 'f'), path.join(src, 'link'), path.join(src, 'setuid')]) {
    const st = fs.lstatSync(f);
    assert.deepEqual([st.uid, st.gid], [100000, 100000], f);
  }
  // chown clears setuid/setgid on files, and they stay cleared (native/chown.c says why); a directory keeps its setgid
  assert.equal(fs.statSync(path.join(src, 'setuid')).mode & 0o7777, 0o755);
  assert.equal(fs.statSync(path.join(src, 'setgid-dir')).mode & 0o7777, 0o2755);
  assert.equal(fs.statSync(untouched).uid, 0, 'volumes without U are left alone');
  const hostnameAfter = fs.statSync('/etc/hostname');
  assert.deepEqual([hostnameAfter.uid, hostnameAfter.gid], [hostnameBefore.uid, hostnameBefore.gid], 'the symlink target is not chowned');

  // the container's own user, when it is not root
  chown(map, [{ container: 0, host: 200000, size: 65536 }], { uid: 1000, gid: 50 });
  const st = fs.statSync(path.join(src, 'sub', 'f'));
  assert.deepEqual([st.uid, st.gid], [101000, 200050]);

  // no user namespace: ids are the host's
  chown([], [], { uid: 7, gid: 8 });
  assert.equal(fs.statSync(src).uid, 7);

  assert.throws(() => chown([{ container: 0, host: 100000, size: 10 }], map, { uid: 1000, gid: 0 }), isUserError(/container uid 1000 is not mapped/));
  const system: VolumeSpec = { source: '/usr', destination: '/u', readOnly: false, relabel: '', chown: true, type: 'bind' };
  assert.throws(() => chown(map, map, undefined, sources, [vols[0], system]), isUserError(/refusing to chown \/usr/));
  assert.equal(fs.statSync(src).uid, 7, 'refused before anything changed');

  // another filesystem mounted inside the tree is not entered, and said
  const inner = path.join(src, 'mnt');
  fs.mkdirSync(inner);
  run('mount', ['-t', 'tmpfs', 'tsbox-test', inner]);
  try {
    fs.writeFileSync(path.join(inner, 'f'), 'x');
    const fresh = openVolumeSources([vols[0]]);
    try {
      assert.deepEqual(chown(map, map, undefined, fresh, [vols[0]]).warnings, [`did not chown ${inner}: another filesystem is mounted there`]);
    } finally {
      closeVolumeSources(fresh);
    }
    assert.equal(fs.statSync(path.join(inner, 'f')).uid, 0, 'not entered');
  } finally {
    attempt('umount', [inner]);
  }
});

test('ro volumes are read-only inside a container, rw ones writable (tsbox-helper run)', (t) => {
  const dir = scratch(t);
  const rootfs = path.join(dir, 'rootfs');
  for (const d of ['usr', 'proc', 'sys', 'dev', 'tmp']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  // a minimal rootfs: the host's /usr, read-only, and its merged-usr symlinks
  for (const d of ['bin', 'sbin', 'lib', 'lib32', 'lib64']) {
    try {
      if (fs.lstatSync(`/${d}`).isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(`/${d}`), path.join(rootfs, d));
    } catch {
      // not on this host
    }
  }
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  fs.writeFileSync(path.join(data, 'f'), 'hello');
  const vols = parseVolumeFlags(parseArgs(['-v', `${data}:/ro:ro`, '-v', `${data}:/rw`, '--mount', 'type=tmpfs,dst=/scratch'], VOLUME_FLAGS), {
    cwd: dir,
    store: new VolumeStore(resolvePaths(path.join(dir, 'root'))),
  });
  const script = 'cat /ro/f; echo; if touch /ro/x 2>/dev/null; then echo ro-writable; else echo ro-refused; fi; touch /rw/y && echo rw-ok; touch /scratch/z && echo tmpfs-ok';
  const sources = openVolumeSources(vols);
  const fds = [...sources.values()].map((s) => s.fd);
  const args = helperMountArgs(vols, (v) => 3 + fds.indexOf(sources.get(v)!.fd));
  const r = attempt(helperPath(), ['run', '--rootfs', rootfs, '--bind-ro', '/usr:/usr', ...args, '--', '/bin/sh', '-c', script], {
    timeout: 20000,
    stdio: ['ignore', 'pipe', 'pipe', ...fds],
  });
  closeVolumeSources(sources);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['hello', 'ro-refused', 'rw-ok', 'tmpfs-ok']);
  assert.deepEqual(fs.readdirSync(data).sort(), ['f', 'y'], 'the rw write reached the host, the ro one did not');
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  assert.ok(!mounts.includes(dir), 'no mount left on the host');
});

test('tsbox volume (CLI): create, ls, inspect, rm, prune and their errors', async (t) => {
  // loaded here: the command pulls in the whole engine
  const { volume } = await import('../../src/cli/commands/volume.js');
  const dir = scratch(t);
  const root = path.join(dir, 'root');
  const out: string[] = [];
  const cli = async (argv: string[]) => {
    out.length = 0;
    const restore = captureOutput(out);
    try {
      return await volume.run(parseArgs(argv, volume.flags), { root });
    } finally {
      restore();
    }
  };
  assert.equal(await cli(['create', '--label', 'a=b', 'data']), 0);
  assert.equal(out.join(''), 'data\n');
  assert.equal(await cli(['create']), 0);
  const generated = out.join('').trim();
  assert.match(generated, /^[0-9a-f]{32}$/);
  assert.equal(await cli(['ls', '-q']), 0);
  assert.deepEqual(out.join('').trim().split('\n').sort(), [generated, 'data'].sort());
  assert.equal(await cli(['ls']), 0);
  assert.match(out.join(''), /^DRIVER +VOLUME NAME +CREATED +USED BY\n/);
  assert.match(out.join(''), /\nlocal +data +\d+ seconds? ago/);
  assert.equal(await cli(['ls', '--format', 'json']), 0);
  const listed = JSON.parse(out.join(''));
  assert.deepEqual(listed.find((v: { name: string }) => v.name === 'data').labels, { a: 'b' });
  assert.equal(await cli(['inspect', 'data']), 0);
  const [inspected] = JSON.parse(out.join(''));
  assert.equal(inspected.mountpoint, path.join(root, 'data', 'volumes', 'data', '_data'));
  assert.deepEqual(inspected.usedBy, []);
  assert.equal(await cli(['rm', 'data']), 0);
  assert.equal(out.join(''), 'data\n');
  assert.equal(await cli(['prune']), 0);
  assert.equal(out.join(''), `${generated}\n`);
  assert.equal(await cli(['ls', '-q']), 0);
  assert.equal(out.join(''), '');

  // podman's code for a volume that is not there: 1 (and -f: 0)
  assert.equal(await cli(['rm', 'data']), 1);
  assert.equal(await cli(['rm', '-f', 'data']), 0);
  await assert.rejects(cli(['create', 'x', 'y']), isUserError(/one name/));
  await assert.rejects(cli(['ls', '--label', 'a=b']), isUserError(/--label does not apply to volume ls/));
  // anything but json is a Go template, as podman's; one Go refuses is refused
  await assert.rejects(cli(['ls', '--format', '{{.Name']), isUserError(/unclosed action/));
  await assert.rejects(cli(['inspect']), isUserError(/needs a volume name/));
  await assert.rejects(cli(['shrink']), isUserError(/unknown volume command 'shrink'/));
  await assert.rejects(cli([]), isUserError(/needs a subcommand/));
});
