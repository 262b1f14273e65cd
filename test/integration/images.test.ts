// Image import: rootfs directories and tarballs, hostile archives refused
// before anything is written, and containers that never write into the image.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupRoot, makeRoot, tsbox } from '../lib/cli.js';
import { writeTar } from '../lib/tar.js';
import { makeBusyboxRootfs } from '../lib/busybox.js';
import { run } from '../lib/programs.js';

const root = makeRoot();
const work = makeRoot('tsbox-img-');
after(() => {
  cleanupRoot(root);
  fs.rmSync(work, { recursive: true, force: true });
});

test('hostile tarballs are refused with a clear error and nothing is written', () => {
  const victim = path.join(work, 'victim');
  fs.mkdirSync(victim);
  const cases: Array<{ name: string; items: Parameters<typeof writeTar>[1]; why: RegExp }> = [
    { name: 'dotdot', items: [{ name: '../../evil', body: 'x' }], why: /'\.\.' leads outside/ },
    { name: 'absolute', items: [{ name: '/tmp/evil-abs', body: 'x' }], why: /absolute path/ },
    {
      name: 'symlink-escape',
      items: [
        { name: 'link', type: 'symlink', link: `../../../../../../..${victim}` },
        { name: 'link/pwned', body: 'x' },
      ],
      why: /through a symlink/,
    },
    {
      name: 'abs-symlink',
      items: [
        { name: 'etc2', type: 'symlink', link: victim },
        { name: 'etc2/pwned', body: 'x' },
      ],
      why: /through a symlink/,
    },
    {
      name: 'dir-replaced-by-symlink',
      items: [
        { name: 'a', type: 'dir' },
        { name: 'a', type: 'symlink', link: '../..' },
        { name: 'a/pwned', body: 'x' },
      ],
      why: /through a symlink/,
    },
    { name: 'hardlink-out', items: [{ name: 'h', type: 'hardlink', link: '../../etc/passwd' }], why: /'\.\.' leads outside/ },
  ];
  for (const c of cases) {
    const tarFile = path.join(work, `${c.name}.tar`);
    writeTar(tarFile, c.items);
    const r = tsbox(root, ['image', 'import', tarFile, '--name', c.name]);
    assert.equal(r.code, 125, `${c.name}: ${r.stderr}`);
    assert.match(r.stderr, c.why, c.name);
    assert.ok(!fs.existsSync(path.join(root, 'data/images', c.name)), `${c.name}: no image dir`);
  }
  assert.deepEqual(fs.readdirSync(victim), [], 'nothing landed outside the image');
  assert.ok(!fs.existsSync('/tmp/evil-abs'));
  assert.ok(!fs.existsSync(path.join(work, '..', 'evil')));
  // a symlink inside the archive that points out is fine as long as nothing is written through it
  const ok = path.join(work, 'ok.tar');
  writeTar(ok, [{ name: 'bin', type: 'dir' }, { name: 'etc', type: 'dir' }, { name: 'etc/mtab', type: 'symlink', link: '/proc/mounts' }, { name: 'etc/hello', body: 'hi\n' }]);
  assert.equal(tsbox(root, ['image', 'import', ok, '--name', 'okimg']).code, 0);
  assert.equal(fs.readlinkSync(path.join(root, 'data/images/okimg/rootfs/etc/mtab')), '/proc/mounts');
  assert.equal(tsbox(root, ['rmi', 'okimg']).code, 0);
});

test('import a busybox rootfs (dir and tarball), run on it, and the image never changes', () => {
  const rootfs = path.join(work, 'bb');
  makeBusyboxRootfs(rootfs);
  assert.equal(tsbox(root, ['image', 'import', rootfs, '--name', 'bb']).code, 0);
  const tarFile = path.join(work, 'bb.tar.gz');
  run('tar', ['-czf', tarFile, '-C', rootfs, '.']);
  const r = tsbox(root, ['image', 'import', tarFile, '--name', 'bbtar']);
  assert.equal(r.code, 0, r.stderr);
  const images = JSON.parse(tsbox(root, ['images', '--format', 'json']).stdout).map((i: any) => i.name);
  assert.deepEqual(images, ['host', 'localhost/bb:latest', 'localhost/bbtar:latest'], 'short names are podman\'s localhost/NAME:latest');
  for (const img of ['bb', 'bbtar']) {
    const out = tsbox(root, ['run', '--rm', img, 'sh', '-c', 'echo changed > /etc/passwd; rm /bin/ls; cat /etc/passwd; cat /etc/hostname']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^changed\n/);
    const imgRoot = path.join(root, 'data/images', img, 'rootfs');
    assert.match(fs.readFileSync(path.join(imgRoot, 'etc/passwd'), 'utf8'), /^root:/);
    assert.ok(fs.lstatSync(path.join(imgRoot, 'bin/ls')).isSymbolicLink(), 'the image still has /bin/ls');
  }
  // root with a user namespace: the container gets a private copy whose owners
  // are shifted through its maps, so its root owns its /etc; the image does not change
  fs.chmodSync(root, 0o711); // the container's root (host uid 300000) must pass through
  const mapped = tsbox(root, ['run', '-d', '--name', 'mapped', '--uidmap', '0:300000:65536', '--gidmap', '0:300000:65536', 'bb', 'sh', '-c', 'echo mine > /etc/motd && sleep 1000']);
  assert.equal(mapped.code, 0, mapped.stderr);
  const m = JSON.parse(tsbox(root, ['inspect', 'mapped']).stdout)[0];
  for (let i = 0; i < 100 && !fs.existsSync(path.join(m.Bundle, 'rootfs/etc/motd')); i++) run('sleep', ['0.05']);
  assert.equal(fs.readFileSync(`/proc/${m.State.Pid}/uid_map`, 'utf8').trim().split(/\s+/).join(' '), '0 300000 65536');
  assert.equal(fs.statSync(path.join(m.Bundle, 'rootfs/etc/motd')).uid, 300000, 'written by container root = host uid 300000');
  assert.equal(fs.statSync(path.join(m.Bundle, 'rootfs/etc/passwd')).uid, 300000, 'the copy is shifted');
  assert.equal(fs.statSync(path.join(root, 'data/images/bb/rootfs/etc/passwd')).uid, 0, 'the image is not');
  assert.ok(!fs.existsSync(path.join(root, 'data/images/bb/rootfs/etc/motd')));
  assert.equal(tsbox(root, ['rm', '-f', 'mapped']).code, 0);
  const insp = JSON.parse(tsbox(root, ['image', 'inspect', 'bb']).stdout)[0];
  assert.equal(insp.Kind, 'rootfs');
  // rmi refuses an image in use, then works
  assert.equal(tsbox(root, ['create', '--name', 'user-of-bb', 'bb', 'true']).code, 0);
  const busy = tsbox(root, ['rmi', 'bb']);
  assert.equal(busy.code, 125);
  assert.match(busy.stderr, /in use by container\(s\) user-of-bb/);
  assert.equal(tsbox(root, ['rm', 'user-of-bb']).code, 0);
  assert.equal(tsbox(root, ['rmi', 'bb', 'bbtar']).code, 0);
  assert.equal(tsbox(root, ['rmi', 'host']).code, 125);
  assert.ok(!/overlay.*tsbox/.test(fs.readFileSync('/proc/self/mountinfo', 'utf8')), 'no overlay left on the host');
});

test('import --name takes full references; images, ps and inspect show them; run and rmi find them by any name they stand for', () => {
  const rootfs = path.join(work, 'bbref');
  makeBusyboxRootfs(rootfs);
  const tarFile = path.join(work, 'bbref.tar');
  run('tar', ['-cf', tarFile, '-C', rootfs, '.']);
  // a port's colon and the slashes go into the store's dir name: the overlay's lowerdir and the helper's --overlay must still take it
  const refs = ['localhost:5000/team/x:1.0', 'docker.io/library/refimg:3', 'short:7'];
  const full = ['localhost:5000/team/x:1.0', 'docker.io/library/refimg:3', 'localhost/short:7'];
  for (const [i, ref] of refs.entries()) {
    const r = tsbox(root, ['image', 'import', tarFile, '--name', ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split(' ')[0], full[i]);
  }
  const listed = JSON.parse(tsbox(root, ['images', '--format', 'json']).stdout).map((i: any) => i.name);
  for (const f of full) assert.ok(listed.includes(f), `images lists ${f}: ${listed}`);
  assert.match(tsbox(root, ['images']).stdout, /^localhost:5000\/team\/x:1\.0 /m);
  const again = tsbox(root, ['image', 'import', tarFile, '--name', 'localhost/short:7']);
  assert.equal(again.code, 125);
  assert.match(again.stderr, /image 'localhost\/short:7' already exists/);
  for (const [bad, why] of [
    ['Upper/Case', /not a valid name component/],
    [`x@sha256:${'0'.repeat(64)}`, /no digest/],
    ['bad:tag:two', /not a valid/],
  ] as const) {
    const r = tsbox(root, ['image', 'import', tarFile, '--name', bad]);
    assert.equal(r.code, 125, bad);
    assert.match(r.stderr, why, bad);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  // run by the full name and by the short one (refimg:3 through the search registries, short:7 through localhost/)
  for (const name of ['localhost:5000/team/x:1.0', 'refimg:3', 'short:7']) {
    const r = tsbox(root, ['run', '--rm', name, 'cat', '/etc/hostname']);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
  }
  assert.equal(tsbox(root, ['create', '--name', 'ref-user', 'refimg:3', 'true']).code, 0);
  const ps = tsbox(root, ['ps', '-a', '--format', 'json']);
  const mine = JSON.parse(ps.stdout).find((c: any) => c.Names[0] === 'ref-user');
  assert.equal(mine.Image, 'docker.io/library/refimg:3', 'ps shows the full reference');
  assert.match(tsbox(root, ['ps', '-a']).stdout, /docker\.io\/library\/refimg:3 .*ref-user/);
  const filtered = JSON.parse(tsbox(root, ['ps', '-a', '--format', 'json', '--filter', 'image=refimg:3']).stdout).map((c: any) => c.Names[0]);
  assert.deepEqual(filtered, ['ref-user'], 'ps --filter image= takes the short name');
  assert.equal(JSON.parse(tsbox(root, ['inspect', 'ref-user']).stdout)[0].ImageName, 'docker.io/library/refimg:3', "inspect shows it (Image is the id, as podman's)");
  assert.deepEqual(JSON.parse(tsbox(root, ['image', 'inspect', 'localhost:5000/team/x:1.0']).stdout)[0].Names, ['localhost:5000/team/x:1.0']);
  const busy = tsbox(root, ['rmi', 'refimg:3']);
  assert.equal(busy.code, 125, 'in use, by its short name too');
  assert.match(busy.stderr, /in use by container\(s\) ref-user/);
  assert.equal(tsbox(root, ['rm', 'ref-user']).code, 0);
  assert.equal(tsbox(root, ['rmi', ...full]).code, 0);
  const left = JSON.parse(tsbox(root, ['images', '--format', 'json']).stdout).map((i: any) => i.name);
  for (const f of full) assert.ok(!left.includes(f));
  assert.deepEqual(fs.readdirSync(path.join(root, 'data/images')).filter((n) => n.includes('%') || n === 'short'), [], 'their dirs are gone');
});
