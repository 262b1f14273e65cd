// -v/--mount parsing, helper argv, and the guard against rewriting system
// trees. Sources are real temporary directories (parsing checks they exist).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from '../../src/cli/args.js';
import { UserError } from '../../src/common/errors.js';
import { refuseProtectedPath } from '../../src/engine/host-paths.js';
import { resolvePaths } from '../../src/engine/paths.js';
import { checkIdmapVolumes, parseVolumeFlags, VOLUME_FLAGS } from '../../src/cli/volume-flags.js';
import { helperMountArgs } from '../../src/engine/helper-argv.js';
import { VolumeStore } from '../../src/engine/volumes.js';
import type { VolumeSpec } from '../../src/engine/types.js';
import { tempDir } from '../lib/suite-run.js';

function setup(t: { after: (fn: () => void) => void }) {
  const dir = fs.realpathSync(tempDir('tsbox-vol-unit-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.mkdirSync(path.join(dir, 'cwd', 'rel'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'file.txt'), 'x');
  fs.symlinkSync(path.join(dir, 'src'), path.join(dir, 'link'));
  const store = new VolumeStore(resolvePaths(path.join(dir, 'root')));
  const parse = (argv: string[]) => parseVolumeFlags(parseArgs(argv, VOLUME_FLAGS), { cwd: path.join(dir, 'cwd'), store });
  return { dir, store, parse };
}

function throwsUser(fn: () => unknown, message: RegExp, hint?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.equal(e.code, 125);
    assert.match(e.message, message);
    if (hint) assert.match(e.hint ?? '', hint);
    return true;
  });
}

test('-v host paths: absolute, ./relative to cwd, symlinks resolved', (t) => {
  const { dir, parse } = setup(t);
  const [abs, rel, link] = parse(['-v', `${dir}/src:/data`, '-v', './rel:/rel/', '--volume', `${dir}/link:/l`]);
  assert.deepEqual(abs, { source: `${dir}/src`, destination: '/data', readOnly: false, relabel: '', chown: false, type: 'bind' });
  assert.equal(rel.source, `${dir}/cwd/rel`);
  assert.equal(rel.destination, '/rel', 'trailing slash dropped');
  assert.equal(link.source, `${dir}/src`, 'the symlink is resolved, so the guards see the real target');
});

test('-v options: ro, z, Z, U, propagation', (t) => {
  const { dir, parse } = setup(t);
  const [a, b, c, d] = parse(['-v', `${dir}/src:/a:ro,Z`, '-v', `${dir}/src:/b:z,U`, '-v', `${dir}/file.txt:/c:rw,rprivate`, '-v', `${dir}/src:/d:private`]);
  assert.equal(a.readOnly, true);
  assert.equal(a.relabel, 'Z');
  assert.equal(b.relabel, 'z');
  assert.equal(b.chown, true);
  assert.equal(c.readOnly, false);
  assert.equal(c.propagation, 'rprivate');
  assert.equal(c.source, `${dir}/file.txt`, 'a file can be a source');
  assert.equal(d.propagation, 'private');
});

test('-v NAME: a named volume, not created by parsing', (t) => {
  const { store, parse } = setup(t);
  const [v] = parse(['-v', 'cache:/cache:Z']);
  assert.deepEqual(v, { source: store.pathOf('cache'), destination: '/cache', readOnly: false, relabel: 'Z', chown: false, type: 'volume', name: 'cache' });
  assert.equal(store.exists('cache'), false);
});

test('-v errors say what is wrong and what to do', (t) => {
  const { dir, parse } = setup(t);
  throwsUser(() => parse(['-v', `${dir}/missing:/data`]), /source .*missing of -v .* does not exist/, /mkdir -p/);
  throwsUser(() => parse(['-v', `${dir}/src:data`]), /destination 'data' .* is not an absolute path/, /\/data/);
  throwsUser(() => parse(['-v', `${dir}/src:/data:rx`]), /unknown volume option 'rx'/, /ro, rw, z, Z, U/);
  throwsUser(() => parse(['-v', `${dir}/src:/data`, '-v', `${dir}/src:/data/`]), /two mounts at \/data/);
  throwsUser(() => parse(['-v', `${dir}/src:/data:ro,rw`]), /conflicting options.*ro and rw/);
  throwsUser(() => parse(['-v', `${dir}/src:/data:z,Z`]), /conflicting options.*z and Z/);
  throwsUser(() => parse(['-v', `${dir}/src:/data:rshared`]), /propagation 'rshared' .* not supported/, /rprivate/);
  throwsUser(() => parse(['-v', 'sub/dir:/data']), /neither a path nor a volume name/, /\.\/sub\/dir/);
  throwsUser(() => parse(['-v', `${dir}/src:/a:ro:x`]), /invalid volume/, /SRC:DST/);
  throwsUser(() => parse(['-v', '/data']), /-v \/data: anonymous volumes are a podman feature tsbox does not support yet/, /-v NAME:\/data/);
  throwsUser(() => parse(['-v', `${dir}/src:/`]), /over the container's root/);
  throwsUser(() => parse(['-v', ':/data']), /has no source/);
  throwsUser(() => parse(['-v', 'bad name:/data']), /neither a path nor a volume name/);
});

test(':idmap: parsed from -v and --mount; refused rootless, without a user namespace of its own, with U', (t) => {
  const { dir, parse } = setup(t);
  const [v, m] = parse(['-v', `${dir}/src:/a:idmap,ro`, '--mount', `type=bind,src=${dir}/src,dst=/b,idmap`]);
  assert.equal(v.idmap, true);
  assert.equal(v.readOnly, true);
  assert.equal(m.idmap, true);
  assert.equal(parse(['-v', `${dir}/src:/c`])[0].idmap, undefined, 'never without being asked');
  throwsUser(() => parse(['-v', `${dir}/src:/a:idmap=uids=0-1-1`]), /own maps only/, /plain idmap/);
  checkIdmapVolumes([v], { kind: 'private' }, false);
  throwsUser(() => checkIdmapVolumes([v], { kind: 'private' }, true), /needs root/, /keep-id/);
  throwsUser(() => checkIdmapVolumes([v], { kind: 'host' }, false), /is the host's/, /--userns=auto/);
  throwsUser(() => checkIdmapVolumes([v], { kind: 'container', container: 'x' }, false), /another container's/);
  throwsUser(() => checkIdmapVolumes([{ ...v, chown: true }], { kind: 'private' }, false), /U and idmap/);
  const [plain] = parse(['-v', `${dir}/src:/c`]);
  checkIdmapVolumes([plain], { kind: 'host' }, true);
});

test('--mount: bind, volume, tmpfs', (t) => {
  const { dir, store, parse } = setup(t);
  const [bind, vol, tmp] = parse([
    '--mount', `type=bind,src=${dir}/src,dst=/b,readonly,relabel=private,bind-propagation=rprivate`,
    '--mount', 'type=volume,source=data,target=/v,relabel=shared,U',
    '--mount', 'type=tmpfs,destination=/t',
  ]);
  assert.deepEqual(bind, { source: `${dir}/src`, destination: '/b', readOnly: true, relabel: 'Z', chown: false, propagation: 'rprivate', type: 'bind' });
  assert.deepEqual(vol, { source: store.pathOf('data'), destination: '/v', readOnly: false, relabel: 'z', chown: true, type: 'volume', name: 'data' });
  assert.deepEqual(tmp, { source: '', destination: '/t', readOnly: false, relabel: '', chown: false, type: 'tmpfs' });
  const [rel] = parse(['--mount', 'type=bind,src=rel,dst=/r,ro=false']);
  assert.equal(rel.source, `${dir}/cwd/rel`, 'type=bind makes a bare src a relative path');
  assert.equal(rel.readOnly, false);
});

test('--mount errors', (t) => {
  const { dir, parse } = setup(t);
  throwsUser(() => parse(['--mount', `src=${dir}/src,dst=/b`]), /has no type/);
  throwsUser(() => parse(['--mount', `type=bind,src=${dir}/src,dst=/b,size=1`]), /unknown --mount option 'size'/);
  throwsUser(() => parse(['--mount', 'type=nfs,src=x,dst=/b']), /unknown mount type 'nfs'/);
  throwsUser(() => parse(['--mount', `type=tmpfs,src=${dir}/src,dst=/b`]), /a tmpfs has no source/);
  throwsUser(() => parse(['--mount', 'type=tmpfs,dst=/b,ro']), /a tmpfs takes no ro/);
  throwsUser(() => parse(['--mount', `type=volume,src=${dir}/src,dst=/b`]), /is not a volume name/, /type=bind/);
  throwsUser(() => parse(['--mount', 'type=bind,dst=/b']), /has no source/);
  throwsUser(() => parse(['--mount', `type=bind,src=${dir}/src`]), /has no destination/);
  throwsUser(() => parse(['--mount', `type=bind,src=${dir}/src,dst=/b,relabel=yes`]), /relabel=yes/, /relabel=shared/);
  throwsUser(() => parse(['--mount', `type=bind,src=${dir}/src,dst=/a:b`]), /contains ':'/);
  throwsUser(() => parse(['--mount', `type=bind,src=${dir}/src,dst=/b,ro=maybe`]), /not true or false/);
  throwsUser(() => parse(['--mount', 'type=tmpfs,dst=/b', '-v', `${dir}/src:/b`]), /two mounts at \/b/);
});

test('helperMountArgs: parents before children, ro and tmpfs flags', () => {
  const v = (destination: string, extra: Partial<VolumeSpec> = {}): VolumeSpec => ({ source: `/h${destination}`, destination, readOnly: false, relabel: '', chown: false, type: 'bind', ...extra });
  const fdOf = (x: VolumeSpec) => 10 + x.destination.length; // any numbering the caller chooses
  const args = helperMountArgs([v('/a/b/c'), v('/a', { readOnly: true }), { ...v('/a/t'), type: 'tmpfs', source: '' }, v('/z')], fdOf);
  assert.deepEqual(args, ['--bind-ro-fd', '12:/a', '--bind-fd', '12:/z', '--tmpfs', '/a/t', '--bind-fd', '16:/a/b/c']);
  assert.throws(() => helperMountArgs([v('/x:y')], fdOf), /contains ':'/);
});

test('a --mount source may hold colons: it goes to the helper as an fd, not in SRC:DST', (t) => {
  const { dir, parse } = setup(t);
  fs.mkdirSync(path.join(dir, 'a:b'));
  const [v] = parse(['--mount', `type=bind,src=${dir}/a:b,dst=/b`]);
  assert.equal(v.source, path.join(dir, 'a:b'));
  assert.deepEqual(helperMountArgs([v], () => 5), ['--bind-fd', '5:/b']);
});

test('refuseProtectedPath: system trees, what holds them, shared dirs and homes', () => {
  const hint = 'use another dir';
  const refused = (p: string, re: RegExp) => throwsUser(() => refuseProtectedPath(p, 'relabel', hint), re, /another dir/);
  refused('/', /refusing to relabel \/: it contains the system directory/);
  refused('/usr', /it is a system directory/);
  refused('/usr/lib', /inside the system directory \/usr/);
  refused('/etc/ssl', /inside the system directory \/etc/);
  refused('/dev/shm', /inside the system directory \/dev/);
  refused('/home', /shared system directory/);
  refused('/var', /shared system directory/);
  refused('/var/lib', /shared system directory/);
  refused('/tmp', /shared system directory/);
  refused(os.homedir(), /it is a home directory|shared system directory/);
  const savedHome = process.env.HOME;
  process.env.HOME = '/srv/alice';
  try {
    refused('/srv/alice', /it is a home directory/);
    refused('/srv', /contains \/srv\/alice, a home directory|shared system directory/);
    assert.doesNotThrow(() => refuseProtectedPath('/srv/alice/project', 'relabel', hint));
  } finally {
    process.env.HOME = savedHome;
  }
  // allowed: directories made inside shared ones
  for (const ok of ['/tmp/tsbox-x', '/var/tmp/tsbox-y', '/home/someone/project', '/var/lib/tsbox/volumes/v/_data', '/srv/data']) {
    assert.doesNotThrow(() => refuseProtectedPath(ok, 'relabel', hint), ok);
  }
});
