// image load / image save against real peers: OCI layouts built by umoci,
// archives written by `podman save` (docker-archive and oci-archive, from a
// private vfs store) and `skopeo copy` (docker-archive), loaded by tsbox and
// run; tsbox's saves read back by skopeo and by `podman load`, whose
// exported rootfs must hold what the layers made (a whiteout, an opaque dir,
// a hard link, a symlink). Then archives that try to write outside, a
// damaged blob, and a full disk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupRoot, makeRoot, tsbox } from '../lib/cli.js';
import { tmpdir } from '../lib/busybox.js';
import { writeTar } from '../lib/tar.js';
import { busyboxLayer, whiteoutLayer } from '../lib/layers.js';
import { buildImage } from '../lib/registry.js';
import { run } from '../lib/programs.js';

const missing = process.getuid?.() !== 0 ? 'needs root' : ['/usr/bin/umoci', '/usr/bin/skopeo', '/usr/bin/podman'].find((p) => !fs.existsSync(p));
const opts = { skip: missing ? `${missing} is not installed` : false };
const work = tmpdir('tsbox-archive-work');
const root = makeRoot('tsbox-archive-');
const layout = path.join(work, 'layout');
const podmanDir = path.join(work, 'podman');

function ok(r: { code: number; stdout: string; stderr: string }, what: string) {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r.stdout;
}

function refused(r: { code: number; stdout: string; stderr: string }, pattern: RegExp, what: string) {
  assert.equal(r.code, 125, `${what}: exit ${r.code}, ${r.stderr}`);
  assert.match(r.stderr, pattern, what);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, `${what}: no stack trace`);
}

/** podman with a private vfs store under work/ (nothing of the host's). */
function podman(args: string[]): string {
  return run(
    'podman',
    ['--root', `${podmanDir}/root`, '--runroot', `${podmanDir}/run`, '--tmpdir', `${podmanDir}/tmp`, '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'none', ...args],
    { timeout: 120000 },
  );
}

function skopeo(args: string[]): string {
  return run('skopeo', args, { timeout: 120000 });
}

/** What a rootfs made by podman from IMAGE holds: `podman create` + `podman export`, listed. */
function podmanTree(image: string): string {
  const cid = podman(['create', '--net', 'none', image, 'true']).trim();
  try {
    const tar = path.join(work, 'export.tar');
    podman(['export', '-o', tar, cid]);
    return run('tar', ['-tvf', tar]);
  } finally {
    podman(['rm', cid]);
  }
}

/** The checks of what the test image's layers made, in a tsbox container. */
const PROBE = 'ls /etc/motd 2>&1; ls /opt; cat /data/b; stat -c %h /data/a; readlink /data/link; cat /etc/app.conf';
const PROBE_OUT = "ls: /etc/motd: No such file or directory\nnew\nhard\n2\n/etc/hostname\nlayer 3\n";

before(() => {
  if (missing) return;
  const l1 = busyboxLayer(work);
  const l2 = whiteoutLayer(work, [
    { name: 'data/a', body: 'hard\n', uid: 1234, gid: 4321, mode: 0o640 },
    { name: 'data/b', type: 'hardlink', link: 'data/a' },
    { name: 'data/link', type: 'symlink', link: '/etc/hostname' },
  ]);
  const l3 = path.join(work, 'l3.tar');
  writeTar(l3, [{ name: 'etc/app.conf', body: 'layer 3\n' }]);
  buildImage(layout, 'app', [l1, l2, l3], ['--config.cmd', 'echo', '--config.cmd', 'from-cmd', '--config.env', 'FOO=bar']);
  buildImage(layout, 'other', [l1, l3]);
});

after(() => {
  cleanupRoot(root);
  fs.rmSync(work, { recursive: true, force: true });
});

test('load an OCI layout (umoci): every image in it, layers shared, whiteouts applied, run with its config', opts, () => {
  const out = ok(tsbox(root, ['image', 'load', '-i', layout]), 'load');
  assert.equal(out, 'Loaded image: localhost/app:latest\nLoaded image: localhost/other:latest\n');
  const layers = fs.readdirSync(path.join(root, 'data/layers')).filter((n) => /^[a-f0-9]{64}$/.test(n));
  assert.equal(layers.length, 3, 'the base layer and layer 3 stored once for both images');
  assert.equal(ok(tsbox(root, ['run', '--rm', 'localhost/app']), 'run'), 'from-cmd\n');
  assert.equal(ok(tsbox(root, ['run', '--rm', 'localhost/app', 'sh', '-c', PROBE]), 'probe'), PROBE_OUT);
  // the owner of data/a as the layer said
  assert.equal(ok(tsbox(root, ['run', '--rm', 'localhost/app', 'stat', '-c', '%u:%g:%a', '/data/a']), 'owner'), '1234:4321:640\n');
  const list = ok(tsbox(root, ['images']), 'images');
  assert.match(list, /localhost\/app:latest/);
  assert.match(list, /localhost\/other:latest/);
  // a second load stores nothing new
  ok(tsbox(root, ['load', '-i', layout]), 'load again');
  assert.equal(fs.readdirSync(path.join(root, 'data/layers')).filter((n) => /^[a-f0-9]{64}$/.test(n)).length, 3);
  assert.deepEqual(fs.readdirSync(path.join(root, 'data')).filter((n) => n.startsWith('.load-')), [], 'no scratch dir left');
});

test('save writes an OCI layout that skopeo and podman load read; podman save and skopeo archives load back', opts, () => {
  const file = path.join(work, 'app.tar');
  ok(tsbox(root, ['image', 'save', '-o', file, 'localhost/app']), 'save');
  // skopeo reads it, and finds our image and its three layers
  const insp = JSON.parse(skopeo(['inspect', `oci-archive:${file}`]));
  assert.equal(insp.Layers.length, 3);
  assert.equal(insp.Architecture, 'amd64');
  const copied = path.join(work, 'copied');
  skopeo(['copy', '-q', `oci-archive:${file}`, `oci:${copied}:x`]);
  assert.ok(fs.existsSync(path.join(copied, 'index.json')));
  // a directory layout too
  const dir = path.join(work, 'app-dir');
  ok(tsbox(root, ['save', '--format', 'oci-dir', '-o', dir, 'localhost/app']), 'save oci-dir');
  assert.equal(JSON.parse(skopeo(['inspect', `oci:${dir}`])).Layers.length, 3);
  // the same tree twice: the same layer digests
  assert.deepEqual(JSON.parse(skopeo(['inspect', `oci:${dir}`])).Layers, insp.Layers, 'a layer saved twice has one digest');

  // podman load takes it, and the rootfs it makes has what the layers made
  assert.match(podman(['load', '-i', file]), /Loaded image: localhost\/app:latest/);
  const tree = podmanTree('localhost/app:latest');
  assert.doesNotMatch(tree, / etc\/motd$/m, 'the whiteout hides /etc/motd');
  assert.match(tree, / opt\/new$/m);
  assert.doesNotMatch(tree, / opt\/old/m, 'the opaque dir hides /opt/old');
  assert.match(tree, /^h.* data\/[ab] link to data\/[ab]$/m, 'the hard link');
  assert.match(tree, /^l.* data\/link -> \/etc\/hostname$/m, 'the symlink');
  assert.match(tree, /^-rw-r----- 1234\/4321 .* data\/a$/m, 'owner and mode');

  // podman's archives, both kinds, and skopeo's docker-archive, into a fresh store
  const r2 = makeRoot('tsbox-archive-back-');
  try {
    const darch = path.join(work, 'podman-docker.tar');
    const oarch = path.join(work, 'podman-oci.tar');
    podman(['tag', 'localhost/app:latest', 'localhost/viapodman:1']);
    podman(['save', '-q', '--format', 'docker-archive', '-o', darch, 'localhost/viapodman:1']);
    podman(['save', '-q', '--format', 'oci-archive', '-o', oarch, 'localhost/viapodman:1']);
    assert.equal(ok(tsbox(r2, ['load', '-i', darch]), 'load docker-archive'), 'Loaded image: localhost/viapodman:1\n');
    assert.equal(ok(tsbox(r2, ['run', '--rm', 'localhost/viapodman:1', 'sh', '-c', PROBE]), 'run docker-archive'), PROBE_OUT);
    ok(tsbox(r2, ['rmi', 'localhost/viapodman:1']), 'rmi');
    assert.equal(ok(tsbox(r2, ['load', '-i', oarch]), 'load oci-archive'), 'Loaded image: localhost/viapodman:1\n');
    assert.equal(ok(tsbox(r2, ['run', '--rm', 'localhost/viapodman:1', 'sh', '-c', PROBE]), 'run oci-archive'), PROBE_OUT);
    const sarch = path.join(work, 'skopeo-docker.tar');
    skopeo(['copy', '-q', `oci:${layout}:other`, `docker-archive:${sarch}:example.com/team/other:2`]);
    assert.equal(ok(tsbox(r2, ['load', '-i', sarch]), 'load skopeo docker-archive'), 'Loaded image: example.com/team/other:2\n');
    assert.equal(ok(tsbox(r2, ['run', '--rm', 'example.com/team/other:2', 'cat', '/etc/app.conf']), 'run'), 'layer 3\n');
    // gzip of a whole archive, as `podman save | gzip` makes
    const gz = `${darch}.gz`;
    run('sh', ['-c', `gzip -c '${darch}' > '${gz}'`]);
    ok(tsbox(r2, ['load', '-i', gz]), 'load gzip');
  } finally {
    cleanupRoot(r2);
    podman(['rmi', '-a', '-f']);
  }
});

test('archives that try to write outside, a damaged blob, bad input: exit 125, no image, the host untouched', opts, () => {
  const r3 = makeRoot('tsbox-archive-bad-');
  const victim = tmpdir('tsbox-archive-victim');
  // the precondition: a plain tar extraction of these would write into VICTIM
  const cases: Array<{ name: string; items: Parameters<typeof writeTar>[1]; why: RegExp }> = [
    { name: 'dotdot', items: [{ name: `../../../../../../..${victim}/dotdot`, body: 'x' }, { name: 'index.json', body: '{}' }], why: /entry named '\.\.\/\.\./ },
    { name: 'absolute', items: [{ name: `${victim}/absolute`, body: 'x' }, { name: 'manifest.json', body: '[]' }], why: /its manifest\.json lists no image/ },
    { name: 'symlink-out', items: [{ name: 'blobs', type: 'symlink', link: victim }, { name: 'blobs/written', body: 'x' }], why: /its link 'blobs' points outside it/ },
    { name: 'device', items: [{ name: 'null', type: 'char', devmajor: 1, devminor: 3 }], why: /is a device or a FIFO/ },
  ];
  const noImage = () => {
    assert.equal(JSON.parse(tsbox(r3, ['images', '--format', 'json']).stdout).length, 1, 'only the built-in image');
    const data = path.join(r3, 'data');
    if (fs.existsSync(data)) assert.deepEqual(fs.readdirSync(data).filter((n) => n.startsWith('.load-')), [], 'no scratch dir left');
  };
  try {
    for (const c of cases) {
      const t = path.join(work, `hostile-${c.name}.tar`);
      writeTar(t, c.items);
      refused(tsbox(r3, ['load', '-i', t]), c.why, c.name);
      noImage();
    }
    assert.deepEqual(fs.readdirSync(victim), [], 'nothing landed in the host directory');
    // an absolute name is taken inside the archive, as its own files
    assert.equal(fs.existsSync(`${victim}/absolute`), false);

    // a layer blob damaged in a layout: refused by its digest
    const damaged = path.join(work, 'damaged');
    run('cp', ['-a', layout, damaged]);
    const idx = JSON.parse(fs.readFileSync(path.join(damaged, 'index.json'), 'utf8'));
    const m = idx.manifests.find((d: any) => d.annotations['org.opencontainers.image.ref.name'] === 'other');
    const manifest = JSON.parse(fs.readFileSync(path.join(damaged, 'blobs/sha256', m.digest.slice(7)), 'utf8'));
    const blob = path.join(damaged, 'blobs/sha256', manifest.layers[1].digest.slice(7));
    const bytes = fs.readFileSync(blob);
    bytes[bytes.length - 30] ^= 0xff;
    fs.writeFileSync(blob, bytes);
    idx.manifests = [m];
    fs.writeFileSync(path.join(damaged, 'index.json'), JSON.stringify(idx));
    refused(tsbox(r3, ['load', '-i', damaged]), /does not match its digest/, 'damaged blob');
    noImage();
    assert.deepEqual(fs.readdirSync(path.join(r3, 'data/layers')).filter((n) => n.startsWith('.tmp')), [], 'no staging dir left');

    refused(tsbox(r3, ['load', '-i', path.join(work, 'nothing.tar')]), /no such file or directory/, 'missing');
    const junk = path.join(work, 'junk.tar');
    fs.writeFileSync(junk, crypto.randomBytes(3000));
    refused(tsbox(r3, ['load', '-i', junk]), /not a tar archive|not an archive/, 'not a tar');
    refused(tsbox(r3, ['load', '-i', work]), /neither a manifest\.json \(docker save\) nor an index\.json/, 'a dir that is no layout');
    refused(tsbox(r3, ['load']), /usage: tsbox image load -i FILE/, 'no -i');
    refused(tsbox(r3, ['save', '-o', path.join(work, 'host.tar'), 'host']), /the built-in image/, 'save host');
    refused(tsbox(r3, ['save', 'host']), /usage: tsbox image save -o FILE IMAGE/, 'save without -o');
    refused(tsbox(r3, ['save', '-o', path.join(work, 'x.tar'), 'nope:1']), /image 'nope:1' not found/, 'save unknown');
  } finally {
    cleanupRoot(r3);
    fs.rmSync(victim, { recursive: true, force: true });
  }
});

test('a load onto a full disk (a small tmpfs as --root) fails clearly and leaves nothing', opts, () => {
  const big = path.join(work, 'big.tar');
  writeTar(big, [{ name: 'blob', body: crypto.randomBytes(12 << 20) }]);
  const bigLayout = path.join(work, 'big-layout');
  buildImage(bigLayout, 'big', [big]);
  const mnt = tmpdir('tsbox-archive-tmpfs');
  run('mount', ['-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'tsbox-test', mnt]);
  try {
    refused(tsbox(mnt, ['load', '-i', bigLayout]), /No space left on device|disk that holds tsbox's store is full/, 'ENOSPC');
    assert.deepEqual(fs.readdirSync(path.join(mnt, 'data/layers')), [], 'no layer, no staging dir');
    assert.equal(fs.existsSync(path.join(mnt, 'data/oci')), false, 'no image');
  } finally {
    run('umount', [mnt]);
    fs.rmdirSync(mnt);
  }
});
