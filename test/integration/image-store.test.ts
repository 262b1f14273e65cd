// The layer store as pulls and loads share it, and what a pull shows:
// - the progress display, per layer and in total, on a real terminal (a pty
//   made by script(1)), and nothing of it when stderr is a pipe or with -q;
// - layers stored once: a second image on the same layers stores none, and
//   the same layers loaded from podman save's docker-archive (uncompressed
//   blobs, so other digests than the registry's gzip ones) are found by
//   diff id;
// - a layer file's security.capability survives pull (getfattr on the store)
//   and image save (podman loads the saved archive, and its own copy of the
//   file has the capability: getcap on podman's mounted container).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, cleanupRoot, makeRoot, tsbox } from '../lib/cli.js';
import { tmpdir } from '../lib/busybox.js';
import { writeTar } from '../lib/tar.js';
import { busyboxLayer } from '../lib/layers.js';
import { buildImage, push, registryMissing, startRegistry, type Registry } from '../lib/registry.js';

const lacking = (...files: string[]) => files.find((p) => !fs.existsSync(p));
const why = registryMissing() ?? lacking('/usr/sbin/setcap', '/usr/bin/getfattr', '/usr/bin/skopeo');
/** the display needs a pty (script), the layer-sharing and xattr tests podman as the peer */
const ptyOpts = { skip: why ?? lacking('/usr/bin/script') ?? false };
const podmanOpts = { skip: why ?? lacking('/usr/bin/podman') ?? false };
const work = tmpdir('tsbox-store-work');
const roots: string[] = [];
const podmanDir = path.join(work, 'podman');
let reg: Registry;
/** the capability the layer's file has, as getfattr prints it (hex) */
let capHex = '';

function root(): string {
  const r = makeRoot('tsbox-store-');
  roots.push(r);
  return r;
}

function ok(r: { code: number; stdout: string; stderr: string }, what: string) {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r.stdout;
}

const layerDirs = (r: string) => (fs.existsSync(path.join(r, 'data/layers')) ? fs.readdirSync(path.join(r, 'data/layers')).filter((n) => /^[a-f0-9]{64}$/.test(n)) : []);

function capOf(file: string): string {
  const r = spawnSync('getfattr', ['--absolute-names', '-e', 'hex', '-n', 'security.capability', file], { encoding: 'utf8' });
  return /security\.capability=(0x[0-9a-f]+)/.exec(r.stdout)?.[1] ?? '';
}

/** podman with a private vfs store under work/ (nothing of the host's). */
function podman(args: string[]): string {
  const r = spawnSync(
    'podman',
    ['--root', `${podmanDir}/root`, '--runroot', `${podmanDir}/run`, '--tmpdir', `${podmanDir}/tmp`, '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'none', ...args],
    { encoding: 'utf8', timeout: 120000, maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) throw new Error(`podman ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  if (why) return;
  reg = await startRegistry();
  const l1 = busyboxLayer(work);
  // layer 2: a file with a file capability, tarred with its xattrs (GNU tar writes SCHILY.xattr records)
  const capTree = path.join(work, 'cap');
  fs.mkdirSync(path.join(capTree, 'usr/bin'), { recursive: true });
  fs.copyFileSync(path.join(work, 'base/bin/busybox'), path.join(capTree, 'usr/bin/pinger'));
  execFileSync('setcap', ['cap_net_raw+ep', path.join(capTree, 'usr/bin/pinger')]);
  capHex = capOf(path.join(capTree, 'usr/bin/pinger'));
  assert.ok(capHex, 'the source file has the capability');
  const l2 = path.join(work, 'l2.tar');
  execFileSync('tar', ['--xattrs', '--xattrs-include=security.capability', '--numeric-owner', '-C', capTree, '-cf', l2, '.']);
  const l3 = path.join(work, 'l3.tar');
  writeTar(l3, [{ name: 'etc/app.conf', body: 'layer 3\n' }]);
  const layout = path.join(work, 'layout');
  buildImage(layout, 'app', [l1, l2, l3], ['--config.cmd', '/usr/bin/pinger']);
  push(reg, `${layout}:app`, 'store/app:1');
  buildImage(layout, 'other', [l1, l3]);
  push(reg, `${layout}:other`, 'store/other:1');
});

after(async () => {
  try {
    if (fs.existsSync(podmanDir)) podman(['rm', '-af']);
  } catch {
    /* nothing of podman's was made */
  }
  for (const r of roots) cleanupRoot(r);
  await reg?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

/** `tsbox pull ARGS` with stdout and stderr on a pty (script -q, its output is what the terminal showed). */
function pullOnTerminal(r: string, args: string[]): { code: number; screen: string } {
  const cmd = [process.execPath, BIN, '--root', r, 'pull', ...args].map((a) => `'${a}'`).join(' ');
  const res = spawnSync('script', ['-qefc', cmd, '/dev/null'], { encoding: 'utf8', input: '', timeout: 120000 });
  return { code: res.status ?? 128, screen: res.stdout };
}

test('pull on a terminal shows each layer and a total, redrawn in place; piped or with -q it shows nothing of it', ptyOpts, () => {
  const ref = `${reg.host}/store/app:1`;
  const manifest = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' }));
  const digests: string[] = manifest.layers.map((l: { digest: string }) => l.digest.slice(7, 19));
  assert.equal(digests.length, 3);

  const t = pullOnTerminal(root(), [ref]);
  assert.equal(t.code, 0, t.screen);
  for (const d of digests) assert.match(t.screen, new RegExp(`Copying blob ${d} \\[=+\\] done`), `layer ${d} on the terminal:\n${t.screen}`);
  assert.match(t.screen, /Total \[=+\] [\d.]+\s?[kMG]?B \/ [\d.]+\s?[kMG]?B/, 'a total line');
  assert.match(t.screen, /\x1b\[\d+A/, 'redrawn in place (cursor up)');
  assert.match(t.screen, /^[a-f0-9]{64}\r?$/m, 'and the id');

  // a second pull on a terminal: every layer already stored
  const again = root();
  ok(tsbox(again, ['pull', ref]), 'pull');
  const t2 = pullOnTerminal(again, [ref]);
  assert.equal(t2.code, 0, t2.screen);
  for (const d of digests) assert.match(t2.screen, new RegExp(`Copying blob ${d} \\[=+\\] already stored`));

  // piped: stdout the id alone, stderr nothing of the display
  const piped = tsbox(root(), ['pull', ref]);
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /^[a-f0-9]{64}\n$/);
  assert.doesNotMatch(piped.stderr, /Copying blob|Total|\x1b/, 'no display when stderr is a pipe');

  // -q on a terminal: the id alone
  const q = pullOnTerminal(root(), ['-q', ref]);
  assert.equal(q.code, 0, q.screen);
  assert.match(q.screen, /^[a-f0-9]{64}\r?\n$/, `-q shows the id alone: ${JSON.stringify(q.screen)}`);
});

test('layers are stored once: a second image on them stores none, and a docker-archive of the same layers (other blobs) is found by diff id', podmanOpts, () => {
  const r = root();
  ok(tsbox(r, ['pull', `${reg.host}/store/app:1`]), 'pull app');
  assert.equal(layerDirs(r).length, 3, 'three layers');
  ok(tsbox(r, ['pull', `${reg.host}/store/other:1`]), 'pull other');
  assert.equal(layerDirs(r).length, 3, 'other is made of two of them: nothing new stored');

  // podman save's docker-archive holds the layers as containers/storage has them, uncompressed: their digests are
  // the diff ids, not the registry's gzip blobs'
  const archive = path.join(work, 'other-docker.tar');
  podman(['pull', '-q', '--tls-verify=false', `${reg.host}/store/other:1`]);
  podman(['tag', `${reg.host}/store/other:1`, 'localhost/other-loaded:1']);
  podman(['save', '-q', '--format', 'docker-archive', '-o', archive, 'localhost/other-loaded:1']);
  podman(['rmi', '-a']);
  const before = new Set(layerDirs(r));
  const pulled = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/store/other:1`], { encoding: 'utf8' })).layers.map((l: { digest: string }) => l.digest);
  assert.equal(pulled.filter((d: string) => before.has(d.slice(7))).length, 2, 'the pulled blobs are what the store is keyed by');
  const archived = spawnSync('tar', ['-tf', archive], { encoding: 'utf8' }).stdout;
  for (const d of pulled) assert.ok(!archived.includes(d.slice(7)), `the archive does not hold the registry's blob ${d}`);
  ok(tsbox(r, ['image', 'load', '-i', archive]), 'load');
  assert.deepEqual(new Set(layerDirs(r)), before, 'the loaded image stored no layer: they were there by diff id');
  const loaded = JSON.parse(ok(tsbox(r, ['image', 'inspect', 'localhost/other-loaded:1']), 'inspect'))[0];
  const other = JSON.parse(ok(tsbox(r, ['image', 'inspect', `${reg.host}/store/other:1`]), 'inspect'))[0];
  assert.deepEqual(loaded.RootFS.Layers, other.RootFS.Layers, 'the same diff ids');
  // it runs on the shared layers
  assert.equal(ok(tsbox(r, ['run', '--rm', 'localhost/other-loaded:1', 'cat', '/etc/app.conf']), 'run'), 'layer 3\n');
  // removing one image keeps the layers the other lists
  ok(tsbox(r, ['rmi', `${reg.host}/store/other:1`]), 'rmi');
  assert.equal(layerDirs(r).length, 3);
  ok(tsbox(r, ['rmi', 'localhost/other-loaded:1', `${reg.host}/store/app:1`]), 'rmi');
  assert.deepEqual(layerDirs(r), [], 'the last image takes its layers');
});

test('image save then image load into the same store stores no layer again: the saved tars are known by their diff ids', podmanOpts, () => {
  const r = root();
  ok(tsbox(r, ['pull', `${reg.host}/store/app:1`]), 'pull app');
  const before = layerDirs(r);
  assert.equal(before.length, 3, 'three layers');
  const file = path.join(work, 'app-roundtrip.tar');
  ok(tsbox(r, ['image', 'save', '-o', file, `${reg.host}/store/app:1`]), 'save');
  // the saved layers are tsbox's own tars (not the registry's gzip blobs): other digests, other diff ids
  const listed = spawnSync('tar', ['-tf', file], { encoding: 'utf8' }).stdout;
  for (const d of before) assert.ok(!listed.includes(d), `the archive does not hold the pulled blob ${d}`);
  const saved = before.map((d) => JSON.parse(fs.readFileSync(path.join(r, 'data/layers', d, 'layer.json'), 'utf8')));
  for (const l of saved) assert.match(l.savedDiffId ?? '', /^sha256:[a-f0-9]{64}$/, 'save noted the diff id of the tar it wrote');
  for (const l of saved) assert.ok(listed.includes(l.savedDiffId.slice(7)), 'and that tar is the blob in the archive');

  ok(tsbox(r, ['image', 'load', '-i', file]), 'load');
  assert.deepEqual(layerDirs(r).sort(), [...before].sort(), 'no layer dir was added: the load found each one by its saved diff id');
  const loaded = JSON.parse(ok(tsbox(r, ['image', 'inspect', `${reg.host}/store/app:1`]), 'inspect'))[0];
  assert.deepEqual([...loaded.RootFS.Layers].sort(), saved.map((l) => l.savedDiffId).sort(), "the loaded image's diff ids are the saved tars'");
  assert.equal(ok(tsbox(r, ['run', '--rm', `${reg.host}/store/app:1`, 'cat', '/etc/app.conf']), 'run the loaded image'), 'layer 3\n');
  // a second save of the loaded image writes the same tars (deterministic), and loading that stores nothing either
  const again = path.join(work, 'app-roundtrip2.tar');
  ok(tsbox(r, ['image', 'save', '-o', again, `${reg.host}/store/app:1`]), 'save again');
  ok(tsbox(r, ['image', 'load', '-i', again]), 'load again');
  assert.deepEqual(layerDirs(r).sort(), [...before].sort(), 'still the three layers');
  ok(tsbox(r, ['image', 'prune', '-a']), 'prune -a');
  assert.deepEqual(layerDirs(r), [], 'removing the images takes the shared layers');
});

test("a layer file's security.capability is kept by pull and written back by image save: podman loads it with the capability", podmanOpts, () => {
  const r = root();
  ok(tsbox(r, ['pull', `${reg.host}/store/app:1`]), 'pull');
  const stored = layerDirs(r).map((d) => path.join(r, 'data/layers', d, 'diff/usr/bin/pinger')).find((f) => fs.existsSync(f));
  assert.ok(stored, 'the layer with the file is stored');
  assert.equal(capOf(stored), capHex, 'extraction set the capability');

  const file = path.join(work, 'app-save.tar');
  ok(tsbox(r, ['image', 'save', '-o', file, `${reg.host}/store/app:1`]), 'save');
  // the saved layer tar has the xattr record, as GNU tar reads it back
  const dir = path.join(work, 'saved');
  fs.mkdirSync(dir);
  execFileSync('tar', ['-xf', file, '-C', dir]);
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
  const blob = (d: string) => path.join(dir, 'blobs/sha256', d.slice(7));
  const man = JSON.parse(fs.readFileSync(blob(index.manifests[0].digest), 'utf8'));
  const unpacked = path.join(work, 'saved-layer');
  fs.mkdirSync(unpacked);
  execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-xf', blob(man.layers[1].digest), '-C', unpacked]);
  assert.equal(capOf(path.join(unpacked, 'usr/bin/pinger')), capHex, 'GNU tar extracts the capability from the saved layer');

  // and podman, loading the archive, gives its container the file with the capability
  const loaded = podman(['load', '-i', file]);
  const name = /Loaded image: (\S+)/.exec(loaded)?.[1];
  assert.ok(name, loaded);
  const cid = podman(['create', '--net', 'none', name, 'true']).trim();
  try {
    const mnt = podman(['mount', cid]).trim();
    assert.equal(capOf(path.join(mnt, 'usr/bin/pinger')), capHex, "podman's copy has it");
    podman(['umount', cid]);
  } finally {
    podman(['rm', cid]);
  }
  podman(['rmi', '-a']);
});
