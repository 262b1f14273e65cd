// tsbox cp, as root, against the real CLI and helper: podman's placement
// rules both ways, tar streams (`-`), running and stopped containers, ids
// through a user namespace; and the attacks on the container's side, each
// performed for real: a symlink to /etc (cp out and cp in through it), a
// symlink as the destination's last component, a `..` path, and a symlink
// swapped for a directory while the copy runs. The host's files must stay
// untouched; each attack first shows that the host path it aims at exists.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, cleanupRoot, makeRoot, tsbox, type CliResult } from '../lib/cli.js';
import { makeBusyboxRootfs, removeTree, tmpdir } from '../lib/busybox.js';
import { attempt, run as runProgram } from '../lib/programs.js';

const skip = process.getuid?.() !== 0 ? 'needs root' : false;
const root = makeRoot('tsbox-cp-');
// a container with a user namespace (host uid 100000+) must pass through it
fs.chmodSync(root, 0o711);
const work = tmpdir('tsbox-cp-work');
const IMAGE = 'cpbb';
const tag = crypto.randomBytes(4).toString('hex');
after(() => {
  cleanupRoot(root);
  removeTree(work);
});

before(() => {
  if (skip) return;
  const rootfs = path.join(work, 'rootfs');
  fs.mkdirSync(rootfs);
  makeBusyboxRootfs(rootfs);
  const r = tsbox(root, ['image', 'import', rootfs, '--name', IMAGE]);
  assert.equal(r.code, 0, r.stderr);
});

function run(args: string[], opts: { input?: string } = {}): CliResult {
  return tsbox(root, args, opts);
}

function ok(args: string[], opts: { input?: string } = {}): string {
  const r = run(args, opts);
  assert.equal(r.code, 0, `tsbox ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function fails(args: string[], re: RegExp): void {
  const r = run(args);
  assert.equal(r.code, 125, `tsbox ${args.join(' ')} should fail: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

/** a container running SCRIPT (then sleeping), removed after the test */
function container(t: { after: (fn: () => void) => void }, name: string, script: string, flags: string[] = []): string {
  ok(['run', '-d', '--name', name, ...flags, IMAGE, 'sh', '-c', `${script}\ntouch /ready; exec sleep 600`]);
  t.after(() => void run(['rm', '-f', '-t', '0', name]));
  let ready = false;
  for (let i = 0; i < 100 && !(ready = run(['exec', name, 'test', '-e', '/ready']).code === 0); i++) runProgram('sleep', ['0.05']);
  assert.ok(ready, `container ${name} ran its script`);
  return name;
}

function hostDir(name: string): string {
  const d = path.join(work, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

test('cp out and in of a running container: podman placement, tar streams, errors', { skip }, async (t) => {
  const c = container(t, `cp-run-${tag}`, 'mkdir -p /d/sub; echo one > /d/sub/f; echo top > /d/t; echo data > /data.txt; ln -s t /d/link; echo x > /suid; chown 1000 /suid; chmod 4755 /suid');
  const out = hostDir('out1');

  // a file to a new name, and into an existing directory
  ok(['cp', `${c}:/data.txt`, path.join(out, 'renamed')]);
  assert.equal(fs.readFileSync(path.join(out, 'renamed'), 'utf8'), 'data\n');
  ok(['cp', `${c}:data.txt`, out]); // the leading / is optional, as podman's
  assert.equal(fs.readFileSync(path.join(out, 'data.txt'), 'utf8'), 'data\n');
  // a directory into a directory, as a new name, and its contents (SRC/.)
  ok(['cp', `${c}:/d`, out]);
  assert.equal(fs.readFileSync(path.join(out, 'd/sub/f'), 'utf8'), 'one\n');
  assert.equal(fs.readlinkSync(path.join(out, 'd/link')), 't', 'a symlink is copied as itself');
  ok(['cp', `${c}:/d`, path.join(out, 'dnew')]);
  assert.ok(fs.statSync(path.join(out, 'dnew/sub')).isDirectory());
  const contents = hostDir('out1/contents');
  ok(['cp', `${c}:/d/.`, contents]);
  assert.deepEqual(fs.readdirSync(contents).sort(), ['link', 'sub', 't']);
  // the copy belongs to the caller (root), and a set-uid file of the container's does not become a set-uid root file on the host
  ok(['cp', `${c}:/suid`, out]);
  const suid = fs.statSync(path.join(out, 'suid'));
  assert.equal(suid.uid, 0);
  assert.equal(suid.mode & 0o7777, 0o755, 'set-uid bit dropped');
  // errors: exit 125, a message, nothing made
  fails(['cp', `${c}:/nope`, out], /\/nope: no such file or directory in container/);
  fails(['cp', `${c}:/d`, path.join(out, 'renamed')], /cannot copy a directory onto .*renamed, which is not a directory/);
  fails(['cp', `${c}:/data.txt`, path.join(out, 'missing/x')], /no such directory/);
  fails(['cp', `${c}:/data.txt`, path.join(out, 'missing') + '/'], /no such directory/);
  fails(['cp', 'nosuch-ctr:/x', out], /no container with name or ID "nosuch-ctr" found/);
  fails(['cp', '/etc/hostname', path.join(out, 'x')], /neither .* names a container/);
  fails(['cp', `${c}:/a`, `${c}:/b`], /between two containers is not supported yet/);
  fails(['cp', '--overwrite', `${c}:/a`, out], /--overwrite is a podman flag tsbox does not support yet/);

  // `-`: a tar stream on stdout; GNU tar reads it
  const tarFile = path.join(work, 'd.tar');
  const r = run(['cp', `${c}:/d`, '-']);
  assert.equal(r.code, 0, r.stderr);
  fs.writeFileSync(tarFile, r.stdout, 'latin1');
  const listing = runProgram('tar', ['-tvf', tarFile]);
  assert.match(listing, /^drwx.* 0\/0 .* d\/$/m);
  assert.match(listing, /^-rw-.* 0\/0 .* d\/sub\/f$/m);
  assert.match(listing, /^lrwx.* d\/link -> t$/m);

  // host -> container: a file to a new name, into a directory, a directory, and a tar stream on stdin
  const src = hostDir('src1');
  fs.writeFileSync(path.join(src, 'h.txt'), 'from the host\n');
  fs.mkdirSync(path.join(src, 'tree/deep'), { recursive: true });
  fs.writeFileSync(path.join(src, 'tree/deep/x'), 'x\n');
  ok(['cp', path.join(src, 'h.txt'), `${c}:/new.txt`]);
  ok(['cp', path.join(src, 'h.txt'), `${c}:/d`]);
  ok(['cp', path.join(src, 'tree'), `${c}:/`]);
  ok(['cp', path.join(src, 'tree') + '/.', `${c}:/d/sub`]);
  assert.equal(ok(['exec', c, 'cat', '/new.txt', '/d/h.txt', '/tree/deep/x', '/d/sub/deep/x']), 'from the host\nfrom the host\nx\nx\n');
  runProgram('tar', ['-cf', path.join(work, 'in.tar'), '-C', src, 'h.txt']);
  const viaStdin = tsboxWithStdin(['cp', '-', `${c}:/tmp`], path.join(work, 'in.tar'));
  assert.equal(viaStdin.code, 0, viaStdin.stderr);
  assert.equal(ok(['exec', c, 'cat', '/tmp/h.txt']), 'from the host\n');
  fails(['cp', path.join(src, 'tree'), `${c}:/new.txt`], /cannot copy directory .* not a directory/);
  fails(['cp', path.join(src, 'h.txt'), `${c}:/nodir/x`], /\/nodir: no such directory in container/);
  fails(['cp', path.join(src, 'nope'), `${c}:/`], /nope: no such file or directory/);
});

/** the CLI with FILE as its stdin (a tar stream), through a shell's redirection */
function tsboxWithStdin(args: string[], file: string): CliResult {
  const r = attempt('sh', ['-c', 'f=$1; shift; exec "$@" < "$f"', 'sh', file, process.execPath, BIN, '--root', root, ...args]);
  return { code: r.exitCode ?? 128, stdout: r.stdout, stderr: r.stderr };
}

test('attack: a symlink to /etc in the container, cp out and cp in through it; a symlink as the destination', { skip }, async (t) => {
  const victim = hostDir(`victim-${tag}`);
  fs.writeFileSync(path.join(victim, 'keep'), 'host file\n');
  const c = container(t, `cp-link-${tag}`, `ln -s /etc /evil; ln -s ${victim}/keep /dest; ln -s ${victim} /vdir`);
  // precondition: the paths the links name exist on the host (a resolution on the host would reach them)
  assert.ok(fs.existsSync('/etc/passwd') && fs.existsSync(path.join(victim, 'keep')));
  const hostPasswd = fs.readFileSync('/etc/passwd', 'utf8');

  const r = run(['cp', `${c}:/evil/passwd`, '-']);
  assert.equal(r.code, 0, r.stderr);
  const out = hostDir('out2');
  ok(['cp', `${c}:/evil/passwd`, path.join(out, 'passwd')]);
  const got = fs.readFileSync(path.join(out, 'passwd'), 'utf8');
  assert.equal(got, ok(['exec', c, 'cat', '/etc/passwd']), "the container's /etc/passwd");
  assert.notEqual(got, hostPasswd, "not the host's");
  fails(['cp', `${c}:/vdir/keep`, out], /no such file or directory in container/); // the container has no such dir

  const src = hostDir('src2');
  fs.writeFileSync(path.join(src, `planted-${tag}`), 'planted\n');
  ok(['cp', path.join(src, `planted-${tag}`), `${c}:/evil/`]);
  assert.equal(fs.existsSync(`/etc/planted-${tag}`), false, "nothing in the host's /etc");
  assert.equal(ok(['exec', c, 'cat', `/etc/planted-${tag}`]), 'planted\n', "the container's /etc got it");
  // a destination that is a symlink to a host file: the link is replaced in the container, the host file untouched
  ok(['cp', path.join(src, `planted-${tag}`), `${c}:/dest`]);
  assert.equal(fs.readFileSync(path.join(victim, 'keep'), 'utf8'), 'host file\n');
  assert.equal(ok(['exec', c, 'cat', '/dest']), 'planted\n');
  ok(['cp', path.join(src, `planted-${tag}`), `${c}:/vdir`]);
  assert.deepEqual(fs.readdirSync(victim), ['keep'], 'nothing new in the host directory the link names');
});

test('attack: `..` paths stop at the container root', { skip }, async (t) => {
  const c = container(t, `cp-dots-${tag}`, 'echo mine > /etc/only-here');
  const out = hostDir('out3');
  ok(['cp', `${c}:/../../../../../etc/passwd`, path.join(out, 'p')]);
  assert.equal(fs.readFileSync(path.join(out, 'p'), 'utf8'), ok(['exec', c, 'cat', '/etc/passwd']));
  ok(['cp', `${c}:../../etc/only-here`, path.join(out, 'o')]);
  assert.equal(fs.readFileSync(path.join(out, 'o'), 'utf8'), 'mine\n');
  const src = hostDir('src3');
  fs.writeFileSync(path.join(src, `dots-${tag}`), 'x\n');
  const target = hostDir(`dots-target-${tag}`); // exists on the host, not in the container
  fails(['cp', path.join(src, `dots-${tag}`), `${c}:/../../../../..${target}/`], /no such directory in container/);
  ok(['cp', path.join(src, `dots-${tag}`), `${c}:/../../../../../tmp/`]);
  assert.deepEqual(fs.readdirSync(target), []);
  assert.equal(fs.existsSync(`/tmp/dots-${tag}`), false);
  assert.equal(ok(['exec', c, 'cat', `/tmp/dots-${tag}`]), 'x\n');
});

test('attack: a directory swapped for a symlink to a host directory while cp runs, both ways', { skip }, async (t) => {
  const victim = hostDir(`swap-victim-${tag}`);
  fs.writeFileSync(path.join(victim, 'keep'), 'host\n');
  // the container keeps swapping /sw between a directory and a symlink to the victim's host path (and /etc)
  const swap = `mkdir -p ${victim}; echo decoy > ${victim}/decoy; (while :; do rm -rf /sw; mkdir /sw; echo a > /sw/a; mkdir /sw/in; sleep 0.03; rm -rf /sw; ln -s ${victim} /sw; sleep 0.01; rm -f /sw; ln -s /etc /sw; sleep 0.01; done) &`;
  const c = container(t, `cp-swap-${tag}`, swap);
  const src = hostDir('src4');
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(src, `f${i}`), `payload ${i}\n`);
  let wrote = 0;
  let read = 0;
  const errors = new Set<string>();
  const note = (r: CliResult) => (r.code === 0 ? 1 : (errors.add(r.stderr.split('\n')[0]), 0));
  for (let i = 0; i < 10; i++) {
    // into /sw/in and /sw: fails or lands in the container (its /sw, its /etc, its copy of the victim path)
    wrote += note(run(['cp', src, `${c}:/sw/in`]));
    wrote += note(run(['cp', path.join(src, 'f0'), `${c}:/sw/`]));
    const r = run(['cp', `${c}:/sw/.`, '-']);
    read += note(r);
    assert.doesNotMatch(r.stdout, /host\n/, "the host victim's file never comes out");
  }
  assert.ok(wrote > 0 && read > 0, `copies both ways ran while the container swapped (in ${wrote}, out ${read}; errors: ${[...errors].join(' | ')})`);
  for (const e of errors) assert.match(e, /no such (file or )?directory|not a directory|extraction failed/, 'the copies that failed said why');
  assert.deepEqual(fs.readdirSync(victim), ['keep'], 'the host directory is untouched');
  assert.equal(fs.readFileSync(path.join(victim, 'keep'), 'utf8'), 'host\n');
  for (let i = 0; i < 20; i++) assert.equal(fs.existsSync(`/etc/f${i}`), false);
});

test('cp with a stopped container: its overlay in a namespace of its own, nothing left mounted', { skip }, async (t) => {
  const name = `cp-stopped-${tag}`;
  ok(['run', '--name', name, IMAGE, 'sh', '-c', 'echo before > /made; ln -s /etc /evil']);
  t.after(() => void run(['rm', '-f', name]));
  const out = hostDir('out5');
  ok(['cp', `${name}:/made`, out]);
  assert.equal(fs.readFileSync(path.join(out, 'made'), 'utf8'), 'before\n');
  const src = hostDir('src5');
  fs.writeFileSync(path.join(src, `s-${tag}`), 'while stopped\n');
  ok(['cp', path.join(src, `s-${tag}`), `${name}:/evil/`]);
  assert.equal(fs.existsSync(`/etc/s-${tag}`), false);
  assert.doesNotMatch(fs.readFileSync('/proc/self/mountinfo', 'utf8'), /\.cp-/, 'no mount of the copy left on the host');
  const id = JSON.parse(ok(['inspect', name]))[0].Id as string;
  const dir = path.join(root, 'data', 'containers', id);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('.cp-')), [], 'the mount point is removed');
  assert.ok(fs.existsSync(path.join(dir, 'upper/etc', `s-${tag}`)), 'written to the writable layer');
  ok(['start', name]);
  ok(['wait', name]);
  const r = run(['cp', `${name}:/etc/s-${tag}`, '-']);
  assert.match(r.stdout, /while stopped/);
});

test('cp with a user namespace: owners as the container sees them, both ways', { skip }, async (t) => {
  const c = container(t, `cp-userns-${tag}`, 'echo hi > /mine; chown 7:8 /mine', ['--userns=auto']);
  const r = run(['cp', `${c}:/mine`, '-']);
  assert.equal(r.code, 0, r.stderr);
  fs.writeFileSync(path.join(work, 'mine.tar'), r.stdout, 'latin1');
  assert.match(runProgram('tar', ['-tvf', path.join(work, 'mine.tar')]), / 7\/8 .* mine$/m);
  const hostUid = Number(fs.readFileSync(`/proc/${JSON.parse(ok(['inspect', c]))[0].State.Pid}/uid_map`, 'utf8').trim().split(/\s+/)[1]);
  assert.ok(hostUid >= 100000, `a shifted range (host ${hostUid})`);
  const src = hostDir('src6');
  fs.writeFileSync(path.join(src, 'owned'), 'o\n');
  fs.chownSync(path.join(src, 'owned'), 1234, 1235);
  ok(['cp', path.join(src, 'owned'), `${c}:/tmp/default`]);
  ok(['cp', '--archive=false', path.join(src, 'owned'), `${c}:/tmp/kept`]);
  // as the container sees them: its user, root (podman's --archive), or the source's 1234:1235
  assert.match(ok(['exec', c, 'stat', '-c', '%u:%g', '/tmp/default', '/tmp/kept']), /^0:0\n1234:1235\n$/);
  const pid = JSON.parse(ok(['inspect', c]))[0].State.Pid;
  assert.equal(fs.statSync(`/proc/${pid}/root/tmp/kept`).uid, hostUid + 1234, 'on the host: shifted into the range');
});
