// Pulls from real registries (Debian's docker-registry on 127.0.0.1, see
// test/lib/registry.ts): images built with umoci from layer tars (a busybox
// base, then whiteouts, an opaque dir, hard links, a symlink, a device
// node), pushed with skopeo, pulled with tsbox and run with their config.
// Then each way a pull fails, and layers that try to write outside.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { cleanupRoot, makeRoot, tsbox, tsboxAsync } from '../lib/cli.js';
import { tmpdir } from '../lib/busybox.js';
import { writeTar } from '../lib/tar.js';
import { busyboxLayer, whiteoutLayer } from '../lib/layers.js';
import { blobFile, buildImage, freePort, push, registryMissing, startRegistry, type Registry } from '../lib/registry.js';
import { run } from '../lib/programs.js';

const why = registryMissing();
const opts = { skip: why ?? false };
const work = tmpdir('tsbox-registry-work');
const root = makeRoot('tsbox-reg-');
let reg: Registry;
let layout = '';
const layerTars: string[] = [];

function ok(r: { code: number; stdout: string; stderr: string }, what: string) {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r.stdout;
}

function refused(r: { code: number; stdout: string; stderr: string }, pattern: RegExp, what: string) {
  assert.equal(r.code, 125, `${what}: exit ${r.code}, ${r.stderr}`);
  assert.match(r.stderr, pattern, what);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, `${what}: no stack trace`);
}

before(async () => {
  if (why) return;
  reg = await startRegistry();
  // layer 1: busybox, /etc/motd, /opt/old/file
  const l1 = busyboxLayer(work);
  // layer 2: motd deleted, /opt opaque with a new file, a hard link pair, a symlink, /dev/null-like node, a file of uid 1234
  const l2 = whiteoutLayer(work, [
    { name: 'data/a', body: 'hard\n', uid: 1234, gid: 4321, mode: 0o640 },
    { name: 'data/b', type: 'hardlink', link: 'data/a' },
    { name: 'data/link', type: 'symlink', link: '/etc/hostname' },
    { name: 'data/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
  ]);
  // layer 3: a config-ish file
  const l3 = path.join(work, 'l3.tar');
  writeTar(l3, [{ name: 'etc/app.conf', body: 'layer 3\n' }]);
  layerTars.push(l1, l2, l3);
  layout = path.join(work, 'layout');
  buildImage(layout, 'app', [l1, l2, l3], [
    '--config.entrypoint', '/bin/sh',
    '--config.entrypoint', '-c',
    '--config.cmd', 'echo from-cmd; echo FOO=$FOO; pwd; id -u',
    '--config.env', 'FOO=bar',
    '--config.workingdir', '/opt',
    '--config.user', 'nobody',
    '--config.stopsignal', 'SIGUSR1',
    '--config.label', 'org.example=yes',
    '--config.exposedports', '8080/tcp',
  ]);
  push(reg, `${layout}:app`, 'test/app:1');
  // another image on the same base layer (shared)
  buildImage(layout, 'other', [l1, l3]);
  push(reg, `${layout}:other`, 'test/other:1');
});

after(async () => {
  cleanupRoot(root);
  await reg?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

test('pull over plain http on loopback, run with the image config; layers are the overlay of the container', opts, async () => {
  const ref = `${reg.host}/test/app:1`;
  const id = ok(tsbox(root, ['pull', ref]), 'pull').trim();
  assert.match(id, /^[a-f0-9]{64}$/);
  assert.match(ok(tsbox(root, ['images']), 'images'), new RegExp(`${ref.replace(/[.]/g, '\\.')} +${id.slice(0, 12)}`));
  const insp = JSON.parse(ok(tsbox(root, ['image', 'inspect', ref]), 'inspect'))[0];
  assert.equal(insp.Id, id);
  assert.deepEqual(insp.RepoTags, [ref]);
  assert.equal(insp.RootFS.Layers.length, 3);
  assert.deepEqual(insp.Config.ExposedPorts, { '8080/tcp': {} });
  assert.equal(insp.Labels['org.example'], 'yes');
  const layersDir = path.join(root, 'data/layers');
  assert.equal(fs.readdirSync(layersDir).filter((n) => /^[a-f0-9]{64}$/.test(n)).length, 3, 'three layers stored');

  // the image's Entrypoint + Cmd, Env, WorkingDir, User
  const out = ok(tsbox(root, ['run', '--rm', ref]), 'run');
  assert.equal(out, 'from-cmd\nFOO=bar\n/opt\n65534\n');
  // arguments replace Cmd; --entrypoint replaces Entrypoint and drops Cmd
  assert.equal(ok(tsbox(root, ['run', '--rm', ref, 'echo args']), 'run args'), 'args\n');
  assert.equal(ok(tsbox(root, ['run', '--rm', '--entrypoint', '/bin/echo', ref, 'hi']), 'entrypoint'), 'hi\n');
  assert.equal(ok(tsbox(root, ['run', '--rm', '-u', '0', '-w', '/', '-e', 'FOO=cli', ref, 'echo $FOO; pwd; id -u']), 'flags win'), 'cli\n/\n0\n');

  // whiteout, opaque dir, hard link, symlink, owners, device node, as the container sees them
  const files = ok(
    tsbox(root, ['run', '--rm', '-u', '0', ref, 'cat /etc/motd 2>&1; ls /opt; stat -c "%i %h %u:%g %a" /data/a /data/b; readlink /data/link; stat -c "%F %t:%T" /data/null; cat /etc/app.conf']),
    'layers in the container',
  ).split('\n');
  assert.match(files[0], /No such file/, 'the whiteout deletes layer 1 motd');
  assert.equal(files[1], 'new', 'the opaque /opt hides layer 1 /opt/old');
  const [a, b] = [files[2].split(' '), files[3].split(' ')];
  assert.equal(a[0], b[0], 'a hard link: one inode');
  assert.equal(a[1], '2');
  assert.equal(a[2], '1234:4321');
  assert.equal(a[3], '640');
  assert.equal(files[4], '/etc/hostname');
  assert.equal(files[5], 'character special file 1:3');
  assert.equal(files[6], 'layer 3');

  // the container's root is an overlay whose lower dirs are the stored layers, top first
  const cid = ok(tsbox(root, ['run', '-d', ref, 'sleep 30']), 'run -d').trim();
  try {
    const pid = JSON.parse(ok(tsbox(root, ['inspect', cid]), 'inspect'))[0].State.Pid;
    const mi = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').find((l) => / \/ \/ /.test(l) && / - overlay /.test(l));
    assert.ok(mi, 'an overlay at /');
    const lowers = [...mi!.matchAll(/lowerdir\+?=([^,]+)/g)].map((m) => m[1]);
    assert.equal(lowers.length ? lowers.join(':').split(':').length : 0, 3, mi);
    for (const l of lowers.join(':').split(':')) assert.ok(l.startsWith(layersDir), l);
    // the image's StopSignal is what stop sends first
    const c = JSON.parse(ok(tsbox(root, ['inspect', cid]), 'inspect'))[0];
    assert.equal(c.Config.StopSignal, 10, 'podman shows the number');
    assert.equal(c.Spec.stopSignal, 'SIGUSR1');
    assert.equal(c.Spec.imageId, id);
  } finally {
    tsbox(root, ['rm', '-f', cid]);
  }

  // a second pull downloads nothing: the stored layers stay the same directories
  const before = fs.readdirSync(layersDir).map((n) => `${n}:${fs.statSync(path.join(layersDir, n)).ino}`).sort();
  assert.equal(ok(tsbox(root, ['pull', ref]), 'second pull').trim(), id);
  assert.deepEqual(fs.readdirSync(layersDir).map((n) => `${n}:${fs.statSync(path.join(layersDir, n)).ino}`).sort(), before);

  // another image with the base layer: stored once, shown as shared
  ok(tsbox(root, ['pull', `${reg.host}/test/other:1`]), 'pull other');
  assert.equal(fs.readdirSync(layersDir).filter((n) => /^[a-f0-9]{64}$/.test(n)).length, 3, 'its two layers are the first image\'s: stored once');
  const list = JSON.parse(ok(tsbox(root, ['images', '--format', 'json']), 'images json'));
  assert.ok(list.some((i: any) => i.name === ref && i.kind === 'oci'));
  assert.match(ok(tsbox(root, ['images']), 'images'), /SHARED/);
});

test('run pulls a missing image through the search registries; --pull=never refuses, newer falls back; rmi refuses an image in use; prune frees its layers', opts, async () => {
  const r2 = makeRoot('tsbox-reg-pull-');
  const env = { TSBOX_REGISTRIES: reg.host };
  try {
    refused(tsbox(r2, ['run', '--rm', '--pull=never', 'test/app:1', 'true'], { env }), /not here, and --pull=never/, 'never');
    assert.equal(ok(tsbox(r2, ['run', '--rm', '-u', '0', 'test/app:1', 'cat /etc/app.conf'], { env }), 'run pulls'), 'layer 3\n');
    const ps = ok(tsbox(r2, ['create', '--name', 'user1', 'test/app:1', 'true'], { env }), 'create');
    assert.ok(ps.trim());
    assert.match(ok(tsbox(r2, ['ps', '-a'], { env }), 'ps'), new RegExp(`${reg.host.replace(/\./g, '\\.')}/test/app:1`), 'ps shows the full reference');
    refused(tsbox(r2, ['rmi', 'test/app:1'], { env }), /in use by container\(s\) user1/, 'rmi in use');
    // --pull=newer asks the registry; one that is down is a warning while the image is here, as podman's (always: an error)
    assert.equal(ok(tsbox(r2, ['run', '--rm', '--pull=newer', '-u', '0', 'test/app:1', 'cat /etc/app.conf'], { env }), 'newer'), 'layer 3\n');
    const down = `127.0.0.1:${await freePort()}/gone/app:1`;
    ok(tsbox(r2, ['image', 'tag', 'test/app:1', down], { env }), 'tag at a registry that is down');
    const newer = tsbox(r2, ['run', '--rm', '--pull=newer', down, 'true'], { env });
    assert.equal(newer.code, 0, newer.stderr);
    assert.match(newer.stderr, /warning: could not check .* for a newer version \(.*not reachable.*\); running the one here/);
    refused(tsbox(r2, ['run', '--rm', '--pull=always', down, 'true'], { env }), /is not reachable/, 'always with the registry down');
    ok(tsbox(r2, ['rmi', down], { env }), 'untag');
    ok(tsbox(r2, ['image', 'tag', 'test/app:1', 'mine:2'], { env }), 'tag');
    assert.match(ok(tsbox(r2, ['images'], { env }), 'images'), /localhost\/mine:2/);
    assert.match(ok(tsbox(r2, ['image', 'history', 'localhost/mine:2'], { env }), 'history'), /ID +CREATED/);
    ok(tsbox(r2, ['rmi', '-f', 'test/app:1'], { env }), 'rmi -f');
    assert.doesNotMatch(ok(tsbox(r2, ['images'], { env }), 'images'), /mine:2|test\/app/, 'rmi -f removes the image with all its names');
    assert.match(ok(tsbox(r2, ['ps', '-a'], { env }), 'ps'), /^CONTAINER[^\n]*\n$/, 'rmi -f removed the container');
    ok(tsbox(r2, ['image', 'prune'], { env }), 'prune');
    assert.deepEqual(fs.readdirSync(path.join(r2, 'data/layers')).filter((n) => !n.startsWith('.')), [], 'no layer left');
  } finally {
    cleanupRoot(r2);
  }
});

test('each failure of a pull says which, exits 125 and leaves no image', opts, async () => {
  const r3 = makeRoot('tsbox-reg-fail-');
  const noImage = () => {
    assert.equal(JSON.parse(tsbox(r3, ['images', '--format', 'json']).stdout).length, 1, 'only the built-in image');
    const l = path.join(r3, 'data/layers');
    if (fs.existsSync(l)) assert.deepEqual(fs.readdirSync(l).filter((n) => n.startsWith('.tmp')), [], 'no staging dir left');
  };
  try {
    refused(tsbox(r3, ['pull', `${reg.host}/test/app:nope`]), /no such image in 127\.0\.0\.1:\d+ \(MANIFEST_UNKNOWN/, 'unknown tag');
    refused(tsbox(r3, ['pull', `${reg.host}/nothing/here`]), /no such image/, 'unknown repository');
    refused(tsbox(r3, ['pull', 'Bad//Name']), /invalid image reference/, 'bad reference');
    const down = `127.0.0.1:${await freePort()}`;
    refused(tsbox(r3, ['pull', `${down}/x:1`]), /is not reachable: .*ECONNREFUSED/, 'registry down');
    refused(tsbox(r3, ['pull', '--platform', 'linux/s390x', `${reg.host}/test/app:1`]), /is for linux\/amd64, not linux\/s390x/, 'platform of a single image');
    noImage();

    // a blob damaged in the registry's storage is refused
    const bad = path.join(work, 'bad.tar');
    writeTar(bad, [{ name: 'etc/', type: 'dir' }, { name: 'etc/victim', body: 'x'.repeat(5000) }]);
    buildImage(layout, 'bad', [bad]);
    push(reg, `${layout}:bad`, 'test/bad:1');
    const idx = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'));
    const mdesc = idx.manifests.find((m: any) => m.annotations?.['org.opencontainers.image.ref.name'] === 'bad');
    const manifest = JSON.parse(fs.readFileSync(path.join(layout, 'blobs/sha256', mdesc.digest.slice(7)), 'utf8'));
    const blob = blobFile(reg, manifest.layers[0].digest);
    const bytes = fs.readFileSync(blob);
    bytes[bytes.length - 20] ^= 0xff; // same size, other bytes
    fs.writeFileSync(blob, bytes);
    refused(tsbox(r3, ['pull', `${reg.host}/test/bad:1`]), /does not match its digest/, 'digest mismatch');
    noImage();

    // a download cut halfway (a proxy that closes the connection mid-blob)
    const proxyPort = await freePort();
    const proxy = http.createServer((req, res) => {
      const up = http.request({ host: '127.0.0.1', port: Number(reg.host.split(':')[1]), path: req.url, method: req.method, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        if (!/\/blobs\//.test(req.url ?? '') || Number(ur.headers['content-length'] ?? 0) < 100000) return ur.pipe(res);
        let sent = 0;
        ur.on('data', (c: Buffer) => {
          if (sent > 50000) return res.socket?.destroy();
          sent += c.length;
          res.write(c);
        });
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(proxyPort, '127.0.0.1', () => r()));
    try {
      const cut = await tsboxAsync(r3, ['pull', `127.0.0.1:${proxyPort}/test/app:1`]);
      refused(cut, /was cut after \d+ of \d+ bytes/, 'interrupted');
    } finally {
      proxy.close();
    }
    noImage();
    assert.match(ok(tsbox(r3, ['pull', `${reg.host}/test/app:1`]), 'the same pull, not cut'), /^[a-f0-9]{64}\n$/);
  } finally {
    cleanupRoot(r3);
  }
});

test('a full disk (a small tmpfs as --root) fails the pull clearly and leaves nothing', opts, async () => {
  const big = path.join(work, 'big.tar');
  writeTar(big, [{ name: 'blob', body: crypto.randomBytes(12 << 20) }]);
  buildImage(layout, 'big', [big]);
  push(reg, `${layout}:big`, 'test/big:1');
  const mnt = tmpdir('tsbox-reg-tmpfs');
  run('mount', ['-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'tsbox-test', mnt]);
  try {
    refused(tsbox(mnt, ['pull', `${reg.host}/test/big:1`]), /No space left on device[\s\S]*disk that holds tsbox's store is full/, 'ENOSPC');
    assert.deepEqual(fs.readdirSync(path.join(mnt, 'data/layers')), [], 'no layer, no staging dir');
    assert.equal(fs.existsSync(path.join(mnt, 'data/oci')), false, 'no image');
  } finally {
    run('umount', [mnt]);
    fs.rmdirSync(mnt);
  }
});

test('hostile layers (../, absolute paths, a symlink then a write through it, a hard link to /etc/shadow) leave the host untouched', opts, () => {
  const r4 = makeRoot('tsbox-reg-hostile-');
  const victim = tmpdir('tsbox-reg-victim');
  const shadow = fs.statSync('/etc/shadow');
  const shadowText = fs.readFileSync('/etc/shadow');
  // the precondition: these host paths exist and a write as root would land
  assert.ok(fs.existsSync(victim) && fs.existsSync('/etc/shadow'));
  const cases: Array<{ name: string; items: Parameters<typeof writeTar>[1] }> = [
    { name: 'dotdot', items: [{ name: `../../../../../../..${victim}/dotdot`, body: 'x' }] },
    { name: 'absolute', items: [{ name: `${victim}/absolute`, body: 'x' }] },
    { name: 'symlink-write', items: [{ name: 'esc', type: 'symlink', link: victim }, { name: 'esc/through-symlink', body: 'x' }] },
    { name: 'symlink-root', items: [{ name: 'up', type: 'symlink', link: '../../../../../../..' }, { name: `up${victim}/through-dotdot-link`, body: 'x' }] },
    { name: 'hardlink-shadow', items: [{ name: 'etc/', type: 'dir' }, { name: 'etc/stolen', type: 'hardlink', link: '/etc/shadow' }] },
    { name: 'hardlink-dotdot', items: [{ name: 'stolen2', type: 'hardlink', link: '../../../../../../../etc/shadow' }] },
  ];
  try {
    for (const c of cases) {
      const t = path.join(work, `hostile-${c.name}.tar`);
      writeTar(t, c.items);
      buildImage(layout, `h-${c.name}`, [layerTars[0], t]);
      push(reg, `${layout}:h-${c.name}`, `hostile/${c.name}:1`);
      const r = tsbox(r4, ['pull', `${reg.host}/hostile/${c.name}:1`]);
      assert.ok(r.code === 0 || r.code === 125, `${c.name}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /internal error/);
      if (r.code === 0) {
        // what the layer said landed inside the layer, if anywhere
        const out = tsbox(r4, ['run', '--rm', '-u', '0', `${reg.host}/hostile/${c.name}:1`, 'cat /etc/stolen /stolen2 2>/dev/null | head -c 1000; true']);
        assert.doesNotMatch(out.stdout, /^root:/m, `${c.name}: the host's /etc/shadow is not in the image`);
      }
    }
    assert.deepEqual(fs.readdirSync(victim), [], 'nothing landed in the host directory');
    const now = fs.statSync('/etc/shadow');
    assert.equal(now.nlink, shadow.nlink, '/etc/shadow has no new hard link');
    assert.equal(now.ino, shadow.ino);
    assert.deepEqual(fs.readFileSync('/etc/shadow'), shadowText);
  } finally {
    cleanupRoot(r4);
    fs.rmSync(victim, { recursive: true, force: true });
  }
});

test('basic auth: 401 without credentials, login saves them 0600 in auth.json, pull works, logout removes them', opts, async () => {
  const authReg = await startRegistry({ basic: 'tsuser:tspass' });
  const r5 = makeRoot('tsbox-reg-auth-');
  try {
    push(authReg, `${layout}:other`, 'private/img:1');
    const ref = `${authReg.host}/private/img:1`;
    refused(tsbox(r5, ['pull', ref]), /needs credentials for private\/img \(401 Unauthorized\)[\s\S]*tsbox login/, '401');
    refused(tsbox(r5, ['pull', '--creds', 'tsuser:wrong', ref]), /refused the credentials/, 'wrong creds');
    refused(tsbox(r5, ['login', '-u', 'tsuser', '--password-stdin', authReg.host], { input: 'wrong\n' }), /refused the credentials/, 'login with a wrong password');
    ok(tsbox(r5, ['login', '-u', 'tsuser', '--password-stdin', authReg.host], { input: 'tspass\n' }), 'login');
    const file = path.join(r5, 'run/auth.json');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const auth = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(Buffer.from(auth.auths[authReg.host].auth, 'base64').toString(), 'tsuser:tspass', "podman's auth.json format");
    ok(tsbox(r5, ['pull', ref]), 'pull with saved credentials');
    ok(tsbox(r5, ['logout', authReg.host]), 'logout');
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')).auths, {});
    refused(tsbox(r5, ['logout', authReg.host]), /not logged in/, 'logout twice');
  } finally {
    cleanupRoot(r5);
    await authReg.stop();
  }
});

test('TLS with a CA of its own: refused untrusted, pulled with --cert-dir, and with --tls-verify=false', opts, async () => {
  const tlsReg = await startRegistry({ tls: true });
  const r6 = makeRoot('tsbox-reg-tls-');
  try {
    push(tlsReg, `${layout}:other`, 'secure/img:1');
    const ref = `${tlsReg.host}/secure/img:1`;
    refused(tsbox(r6, ['pull', ref]), /TLS certificate is not trusted[\s\S]*certs\.d/, 'untrusted');
    ok(tsbox(r6, ['pull', '--cert-dir', tlsReg.caDir!, ref]), 'pull with the CA');
    ok(tsbox(r6, ['rmi', ref]), 'rmi');
    ok(tsbox(r6, ['pull', '--tls-verify=false', ref]), 'pull without verification');
  } finally {
    cleanupRoot(r6);
    await tlsReg.stop();
  }
});

test('anonymous Bearer tokens (WWW-Authenticate challenge, token server), zstd layers, and a multi-platform index', opts, async () => {
  const tokReg = (await startRegistry({ token: true })) as Registry & { tokenRequests: () => string[] };
  const r7 = makeRoot('tsbox-reg-token-');
  try {
    push(tokReg, `${layout}:other`, 'tok/img:1', ['--dest-compress', '--dest-compress-format', 'zstd']);
    const ref = `${tokReg.host}/tok/img:1`;
    ok(tsbox(r7, ['pull', ref]), 'pull with a token');
    assert.ok(tokReg.tokenRequests().some((q) => q.includes('scope=repository%3Atok%2Fimg%3Apull')), tokReg.tokenRequests().join(' '));
    const layer = JSON.parse(fs.readFileSync(path.join(r7, 'data/oci', fs.readdirSync(path.join(r7, 'data/oci'))[0], 'manifest.json'), 'utf8')).layers[0];
    assert.match(layer.mediaType, /zstd/, 'the layers were zstd');
    assert.equal(ok(tsbox(r7, ['run', '--rm', '-u', '0', ref, '/bin/cat', '/etc/app.conf']), 'run'), 'layer 3\n');

    // an index of two platforms: this host's and arm64
    buildImage(layout, 'arm', [layerTars[2]], ['--architecture', 'arm64']);
    const idx = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'));
    const byName = (n: string) => idx.manifests.find((m: any) => m.annotations?.['org.opencontainers.image.ref.name'] === n);
    const multi = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [
      { ...byName('other'), annotations: undefined, platform: { os: 'linux', architecture: 'amd64' } },
      { ...byName('arm'), annotations: undefined, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ] };
    const body = Buffer.from(JSON.stringify(multi));
    const d = crypto.createHash('sha256').update(body).digest('hex');
    fs.writeFileSync(path.join(layout, 'blobs/sha256', d), body);
    idx.manifests.push({ mediaType: multi.mediaType, digest: `sha256:${d}`, size: body.length, annotations: { 'org.opencontainers.image.ref.name': 'multi' } });
    fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify(idx));
    push(tokReg, `${layout}:multi`, 'tok/multi:1', ['--all']);
    const mref = `${tokReg.host}/tok/multi:1`;
    ok(tsbox(r7, ['pull', mref]), 'pull the index');
    assert.equal(JSON.parse(ok(tsbox(r7, ['image', 'inspect', mref]), 'inspect'))[0].Architecture, 'amd64');
    ok(tsbox(r7, ['pull', '--platform', 'linux/arm64', mref]), 'pull arm64');
    assert.equal(JSON.parse(ok(tsbox(r7, ['image', 'inspect', mref]), 'inspect'))[0].Architecture, 'arm64');
    refused(tsbox(r7, ['pull', '--platform', 'linux/ppc64le', mref]), /has no image for linux\/ppc64le: it has linux\/amd64, linux\/arm64\/v8/, 'no matching platform');
  } finally {
    cleanupRoot(r7);
    await tokReg.stop();
  }
});
