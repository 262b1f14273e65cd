// SELinux labels on real files. The kernel here has no SELinux, but as root
// ext4 keeps the security.selinux xattr, so relabeling and restoring are
// checked on real files, through tsbox-helper and independently with
// getfattr. The containers are made-up ContainerRecords (only the fields the
// label code reads matter): starting real containers is the engine's test.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../src/common/errors.js';
import { helperPath } from '../../src/engine/helper.js';
import { readLabel, relabelVolumes, restoreLabels, volumeLabelReport, pathLabelReport, recordedOriginal } from '../../src/engine/labels.js';
import { resolvePaths, type Paths } from '../../src/engine/paths.js';
import { allocateLevel, containerLabels, SHARED_FILE_LABEL } from '../../src/engine/selinux.js';
import type { ContainerRecord, ContainerState, VolumeSpec } from '../../src/engine/types.js';
import { closeVolumeSources, openVolumeSources } from '../../src/engine/volumes.js';
import { parseArgs } from '../../src/cli/args.js';
import { captureOutput } from '../../src/cli/output.js';
import { notePath, tempDir } from '../lib/suite-run.js';
import { attempt, howItEnded, run } from '../lib/programs.js';

const XATTR = 'security.selinux';
let helper = '';

before(() => {
  assert.equal(process.getuid?.(), 0, 'these tests write security.* xattrs and need root');
  helper = helperPath();
});

/** The raw xattr bytes as getfattr sees them (hex, so NULs and all compare exactly), or null when absent. */
function getfattr(p: string): string | null {
  // latin1: the value's bytes, one char each
  const r = attempt('getfattr', ['-h', '-n', XATTR, '--only-values', p], { encoding: 'latin1' });
  if (r.exitCode !== 0) {
    assert.match(r.stderr, /No such attribute/, howItEnded(r));
    return null;
  }
  return Buffer.from(r.stdout, 'latin1').toString('hex');
}
const hex = (s: string) => Buffer.from(s).toString('hex');

function setfattr(p: string, value: string): void {
  run('setfattr', ['-h', '-n', XATTR, '-v', value, p]);
}

/** A scratch tree on ext4 (/var/tmp) plus a tsbox root; removed after the test. */
function scratch(t: { after: (fn: () => void) => void }): { dir: string; paths: Paths; tree: (name: string) => string } {
  const dir = tempDir('tsbox-labels-', '/var/tmp');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const paths = resolvePaths(path.join(dir, 'root'));
  const tree = (name: string) => {
    const root = path.join(dir, name);
    fs.mkdirSync(path.join(root, 'sub', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a.txt'), 'a');
    fs.writeFileSync(path.join(root, 'sub', 'b.txt'), 'b');
    fs.writeFileSync(path.join(root, 'sub', 'deeper', 'c.txt'), 'c');
    fs.symlinkSync('/etc/hostname', path.join(root, 'link'));
    return root;
  };
  return { dir, paths, tree };
}

function filesOf(root: string): string[] {
  const out = [root];
  for (const name of fs.readdirSync(root)) {
    const p = path.join(root, name);
    if (fs.lstatSync(p).isDirectory()) out.push(...filesOf(p));
    else out.push(p);
  }
  return out;
}

const vol = (source: string, relabel: '' | 'z' | 'Z', extra: Partial<VolumeSpec> = {}): VolumeSpec => ({
  source,
  destination: '/data',
  readOnly: false,
  relabel,
  chown: false,
  type: 'bind',
  ...extra,
});

let counter = 0;
/**
 * A made-up container record with only what the label code reads (id, name,
 * state, spec.volumes, spec.labels); the cast says the rest is absent.
 */
function container(name: string, level: string | null, volumes: VolumeSpec[], state: ContainerState = 'running'): ContainerRecord {
  const labels = level === null ? { disabled: true } : { ...containerLabels(level), disabled: false };
  const id = `${(++counter).toString(16).padStart(4, '0')}${'0'.repeat(60)}`;
  return { id, name, state, spec: { volumes, labels } } as unknown as ContainerRecord;
}

/** As the engine's start does: the sources opened once, relabeled through those fds. */
async function relabel(c: ContainerRecord, paths: Paths, others: ContainerRecord[] = []) {
  const sources = openVolumeSources(c.spec.volumes);
  try {
    return await relabelVolumes(c, c.spec.volumes, c.spec.labels.mount ?? '', { paths, others, helper, sources });
  } finally {
    closeVolumeSources(sources);
  }
}

test(':Z gives each container its own category pair, on every file, read the same by the helper and getfattr', async (t) => {
  const { paths, tree } = scratch(t);
  const [srcA, srcB] = [tree('a'), tree('b')];
  const levelA = allocateLevel([]);
  const levelB = allocateLevel([levelA]);
  assert.notEqual(levelA, levelB);
  const a = container('alpha', levelA, [vol(srcA, 'Z')]);
  const b = container('beta', levelB, [vol(srcB, 'Z')]);
  const hostnameBefore = getfattr('/etc/hostname');
  assert.deepEqual((await relabel(a, paths)).warnings, []);
  assert.deepEqual((await relabel(b, paths)).warnings, []);
  for (const [src, c] of [[srcA, a], [srcB, b]] as const) {
    for (const f of filesOf(src)) {
      assert.equal(getfattr(f), hex(c.spec.labels.mount!), f);
      assert.equal(readLabel(f, helper), c.spec.labels.mount, f);
    }
  }
  assert.equal(readLabel(srcA, helper), `system_u:object_r:container_file_t:${levelA}`);
  assert.equal(getfattr('/etc/hostname'), hostnameBefore, 'the symlink was labeled itself, its target left alone');
});

test('a tree of 1000 files, odd names included, is relabeled and restored whole', async (t) => {
  const { dir, paths } = scratch(t);
  const src = path.join(dir, 'big');
  for (let d = 0; d < 20; d++) {
    fs.mkdirSync(path.join(src, `d${d}`), { recursive: true });
    for (let f = 0; f < 50; f++) fs.writeFileSync(path.join(src, `d${d}`, f === 7 ? `name with\nnewline ${f}` : `f${f}`), '');
  }
  setfattr(path.join(src, 'd3', 'f1'), 'system_u:object_r:user_home_t:s0');
  const c = container('big', allocateLevel([]), [vol(src, 'Z')]);
  await relabel(c, paths);
  const files = filesOf(src);
  assert.equal(files.length, 1 + 20 + 1000);
  for (const f of files) assert.equal(getfattr(f), hex(c.spec.labels.mount!), f);
  const r = await restoreLabels(src, { paths, helper });
  assert.equal(r.restored, files.length);
  assert.equal(getfattr(path.join(src, 'd3', 'f1')), hex('system_u:object_r:user_home_t:s0'));
  for (const f of files) if (!f.endsWith(path.join('d3', 'f1'))) assert.equal(getfattr(f), null, f);
});

test(':z gives container_file_t:s0 without categories', async (t) => {
  const { paths, tree } = scratch(t);
  const src = tree('shared');
  const c = container('gamma', allocateLevel([]), [vol(src, 'z')]);
  await relabel(c, paths);
  for (const f of filesOf(src)) assert.equal(getfattr(f), hex(SHARED_FILE_LABEL), f);
  assert.equal(SHARED_FILE_LABEL, 'system_u:object_r:container_file_t:s0');
});

test('volumes without z/Z, and tmpfs, are not touched', async (t) => {
  const { paths, tree } = scratch(t);
  const src = tree('plain');
  const c = container('delta', allocateLevel([]), [vol(src, ''), vol('', '', { type: 'tmpfs', destination: '/t' })]);
  assert.deepEqual((await relabel(c, paths)).warnings, []);
  for (const f of filesOf(src)) assert.equal(getfattr(f), null, f);
  assert.equal(fs.existsSync(path.join(paths.labels, 'records')), false, 'nothing recorded');
});

test('system directories are refused with exit 125 before anything changes', async (t) => {
  const { dir, paths, tree } = scratch(t);
  const ok = tree('fine');
  const watched = ['/usr', '/etc', '/', '/var', '/home', '/tmp', '/root'];
  const before = watched.map(getfattr);
  for (const bad of ['/usr', '/etc', '/', '/var', '/home', '/root', '/usr/share', dir.replace(/\/[^/]+$/, '') /* /var/tmp */, process.env.HOME ?? '/root']) {
    const c = container('epsilon', allocateLevel([]), [vol(ok, 'Z'), vol(bad, 'z', { destination: '/bad' })]);
    await assert.rejects(
      () => relabel(c, paths),
      (e: unknown) => e instanceof UserError && e.code === 125 && /refusing to relabel/.test(e.message) && /label=disable/.test(e.hint ?? ''),
      bad,
    );
  }
  for (const f of filesOf(ok)) assert.equal(getfattr(f), null, `${f} unchanged: the check came first`);
  assert.deepEqual(watched.map(getfattr), before);
  assert.equal(fs.existsSync(path.join(paths.labels, 'records')), false, 'nothing recorded');
});

test(':Z over a path a live container uses with other categories warns and names it', async (t) => {
  const { paths, tree } = scratch(t);
  const src = tree('contested');
  const first = container('first', allocateLevel([]), [vol(src, 'Z')]);
  await relabel(first, paths);
  const inner = container('inner', allocateLevel([first.spec.labels.process!]), [vol(path.join(src, 'sub'), '', { destination: '/x' })]);
  const stopped = container('stopped', allocateLevel([]), [vol(src, 'Z')], 'exited');
  const unconfined = container('unconfined', null, [vol(src, '')]);
  const second = container('second', allocateLevel([first.spec.labels.process!, inner.spec.labels.process!]), [vol(src, 'Z')]);
  const { warnings } = await relabel(second, paths, [first, inner, stopped, unconfined, second]);
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0], /container first \([0-9a-f]{12}, s0:c\d+,c\d+\) also mounts it and has just lost access/);
  assert.match(warnings[1], new RegExp(`container inner .* also mounts ${src}/sub`));
  for (const w of warnings) assert.ok(w.includes(second.spec.labels.mount!.split(':').slice(3).join(':')), 'names the new level');
  assert.equal(readLabel(src, helper), second.spec.labels.mount);

  // :z takes nobody's access away (s0 is within every pair): no warning
  const third = container('third', allocateLevel([]), [vol(src, 'z')]);
  assert.deepEqual((await relabel(third, paths, [first, second])).warnings, []);
});

test('restore puts back the originals byte for byte, absent ones included, keeping the first original', async (t) => {
  const { paths, tree } = scratch(t);
  const src = tree('restore');
  setfattr(src, 'unconfined_u:object_r:user_tmp_t:s0');
  setfattr(path.join(src, 'a.txt'), 'system_u:object_r:var_t:s0:c5');
  setfattr(path.join(src, 'sub', 'b.txt'), SHARED_FILE_LABEL); // already right for :z, wrong for :Z
  // sub/, sub/deeper/, c.txt and the link have no label
  const files = filesOf(src);
  const before = new Map(files.map((f) => [f, getfattr(f)]));

  const one = container('one', allocateLevel([]), [vol(src, 'Z')]);
  const two = container('two', allocateLevel([one.spec.labels.process!]), [vol(src, 'Z')]);
  await relabel(one, paths);
  await relabel(two, paths); // relabeled twice: the original is still the first one
  for (const f of files) assert.equal(getfattr(f), hex(two.spec.labels.mount!), f);
  assert.equal(recordedOriginal(path.join(src, 'a.txt'), paths), 'system_u:object_r:var_t:s0:c5');
  assert.equal(recordedOriginal(path.join(src, 'sub', 'deeper'), paths), null);

  // restoring a subtree restores only that subtree
  const sub = await restoreLabels(path.join(src, 'sub'), { paths, helper });
  assert.equal(sub.restored, 4); // sub, b.txt, deeper, c.txt
  assert.equal(getfattr(path.join(src, 'a.txt')), hex(two.spec.labels.mount!));

  const all = await restoreLabels(src, { paths, helper });
  assert.equal(all.restored, files.length - 4);
  assert.deepEqual(all.skipped, []);
  for (const f of files) assert.equal(getfattr(f), before.get(f), `${f} is back as it was`);
  assert.equal(recordedOriginal(path.join(src, 'a.txt'), paths), undefined, 'records are dropped once restored');
  assert.deepEqual(await restoreLabels(src, { paths, helper }), { restored: 0, restoredPaths: [], skipped: [], gone: 0 });
});

test('restore leaves alone a label someone changed after tsbox, and counts deleted files', async (t) => {
  const { paths, tree } = scratch(t);
  const src = tree('changed');
  const c = container('zeta', allocateLevel([]), [vol(src, 'z')]);
  await relabel(c, paths);
  setfattr(path.join(src, 'a.txt'), 'system_u:object_r:admin_chose_t:s0');
  fs.rmSync(path.join(src, 'sub', 'deeper'), { recursive: true });
  const r = await restoreLabels(src, { paths, helper });
  assert.deepEqual(r.skipped, [{ path: path.join(src, 'a.txt'), label: 'system_u:object_r:admin_chose_t:s0' }]);
  assert.equal(r.gone, 2);
  assert.equal(getfattr(path.join(src, 'a.txt')), hex('system_u:object_r:admin_chose_t:s0'));
  assert.equal(getfattr(path.join(src, 'sub', 'b.txt')), null);
});

test('volumeLabelReport: current and needed labels, agreement, who else mounts it', async (t) => {
  const { paths, tree } = scratch(t);
  const src = tree('report');
  const plain = tree('plain');
  const a = container('reader', allocateLevel([]), [vol(src, 'Z'), vol(plain, '', { destination: '/p', readOnly: true }), vol('', '', { type: 'tmpfs', destination: '/t' })]);
  const b = container('thief', allocateLevel([a.spec.labels.process!]), [vol(src, 'Z', { destination: '/stolen' })]);
  await relabel(a, paths);
  let rows = volumeLabelReport(a, [a, b], { helper });
  assert.equal(rows.length, 2, 'tmpfs has no host path');
  assert.deepEqual(rows[0], {
    source: src,
    destination: '/data',
    mode: 'rw',
    relabel: 'Z',
    current: a.spec.labels.mount,
    expected: a.spec.labels.mount,
    agrees: true,
    exists: true,
    sharedWith: [{ name: 'thief', state: 'running', label: b.spec.labels.mount }],
    warnings: [],
  });
  assert.equal(rows[1].mode, 'ro');
  assert.equal(rows[1].current, null);
  assert.equal(rows[1].expected, null);
  assert.equal(rows[1].agrees, false, 'an unlabeled path is not usable by a confined container');
  assert.match(rows[1].warnings[0], /add :z or :Z/);

  await relabel(b, paths, [a]);
  rows = volumeLabelReport(a, [a, b], { helper });
  assert.equal(rows[0].current, b.spec.labels.mount);
  assert.equal(rows[0].agrees, false);
  assert.match(rows[0].warnings[0], /relabeled for container thief/);

  const show = pathLabelReport(src, [a, b], { paths, helper });
  assert.equal(show.current, b.spec.labels.mount);
  assert.equal(show.original, null);
  assert.deepEqual(
    show.mounts.map((m) => [m.container, m.agrees]),
    [['reader', false], ['thief', true]],
  );

  // each report reads every label in one run of the helper (the Volumes tab asks every few seconds)
  const runs = path.join(paths.data, 'helper-runs');
  const counting = path.join(paths.data, 'counting-helper');
  fs.writeFileSync(counting, `#!/bin/sh\necho run >> ${runs}\nexec ${helper} "$@"\n`, { mode: 0o755 });
  assert.equal(volumeLabelReport(a, [a, b], { helper: counting }).length, 2);
  pathLabelReport(src, [a, b], { paths, helper: counting });
  assert.equal(fs.readFileSync(runs, 'utf8'), 'run\nrun\n');
});

test('tsbox label show / restore (CLI)', async (t) => {
  // loaded here: the command pulls in the whole engine
  const { label: labelCmd } = await import('../../src/cli/commands/label.js');
  const { dir, tree } = scratch(t);
  const src = tree('cli');
  const root = path.join(dir, 'root');
  setfattr(path.join(src, 'a.txt'), 'system_u:object_r:user_tmp_t:s0');
  const c = container('cli', allocateLevel([]), [vol(src, 'Z')]);
  await relabel(c, resolvePaths(root));

  const out: string[] = [];
  const err: string[] = [];
  const ewrite = process.stderr.write.bind(process.stderr);
  const cli = async (argv: string[]) => {
    const restore = captureOutput(out);
    process.stderr.write = ((s: string) => (err.push(s), true)) as typeof process.stderr.write;
    try {
      return await labelCmd.run(parseArgs(argv, labelCmd.flags), { root });
    } finally {
      restore();
      process.stderr.write = ewrite;
    }
  };
  assert.equal(await cli(['show', '--format', 'json', path.join(src, 'a.txt')]), 0);
  const shown = JSON.parse(out.join(''));
  assert.deepEqual(shown, [{ path: path.join(src, 'a.txt'), current: c.spec.labels.mount, original: 'system_u:object_r:user_tmp_t:s0', mounts: [] }]);
  out.length = 0;
  assert.equal(await cli(['show', src]), 0);
  assert.match(out.join(''), new RegExp(`label: +${c.spec.labels.mount}`));
  assert.match(out.join(''), /original: \(none\)/);
  out.length = 0;
  assert.equal(await cli(['restore', src]), 0);
  assert.match(out.join(''), /restored 7 label\(s\)/);
  assert.equal(getfattr(path.join(src, 'a.txt')), hex('system_u:object_r:user_tmp_t:s0'));
  assert.equal(getfattr(src), null);
  await assert.rejects(cli(['restore']), (e: unknown) => e instanceof UserError && /one path/.test(e.message));
  await assert.rejects(cli(['show', path.join(src, 'nope')]), (e: unknown) => e instanceof UserError && /does not exist/.test(e.message));
  await assert.rejects(cli(['frobnicate']), (e: unknown) => e instanceof UserError && /unknown label command/.test(e.message));
});

// ------------------------------------------------------------ end to end
// Through the CLI with real containers (the built-in host image). Seccomp is
// left out (seccomp=unconfined) to keep these about labels; it has its own tests.

const BIN = path.resolve(import.meta.dirname, '../../../bin/tsbox.js');

function tsboxCli(root: string, args: string[], env: Record<string, string> = {}) {
  const r = attempt(process.execPath, [BIN, '--root', root, ...args], { timeout: 30000, env: { ...process.env, ...env } });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

function e2e(t: { after: (fn: () => void) => void }) {
  const dir = tempDir('tsbox-labels-e2e-', '/var/tmp');
  const root = path.join(dir, 'root');
  notePath(root);
  const names: string[] = [];
  t.after(() => {
    for (const n of names) tsboxCli(root, ['rm', '-f', n]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const mk = (name: string) => {
    const p = path.join(dir, name);
    fs.mkdirSync(p);
    fs.writeFileSync(path.join(p, 'f'), name);
    return p;
  };
  const run = (name: string, args: string[], env?: Record<string, string>) => {
    names.push(name);
    return tsboxCli(root, ['run', '-d', '--name', name, '--security-opt', 'seccomp=unconfined', ...args, 'host', 'sleep', '60'], env);
  };
  const inspect = (name: string) => {
    const r = tsboxCli(root, ['inspect', name]);
    assert.equal(r.code, 0, r.stderr);
    const [info] = JSON.parse(r.stdout);
    return { process: info.ProcessLabel as string, mount: info.MountLabel as string };
  };
  return { dir, root, mk, run, inspect };
}

test('e2e: :Z gives each running container its own pair, the one inspect shows; a third warns naming the first', (t) => {
  const { mk, run, inspect } = e2e(t);
  const [a, b] = [mk('a'), mk('b')];
  for (const [name, src] of [['one', a], ['two', b]]) {
    const r = run(name, ['-v', `${src}:/data:Z`], { TSBOX_SELINUX: 'on' });
    assert.equal(r.code, 0, r.stderr);
  }
  const [one, two] = [inspect('one'), inspect('two')];
  assert.match(one.process, /^system_u:system_r:container_t:s0:c\d+,c\d+$/);
  assert.equal(one.mount, one.process.replace('system_r:container_t', 'object_r:container_file_t'));
  assert.notEqual(one.mount, two.mount);
  for (const f of [a, path.join(a, 'f')]) assert.equal(getfattr(f), hex(one.mount), f);
  for (const f of [b, path.join(b, 'f')]) assert.equal(getfattr(f), hex(two.mount), f);

  const r = run('three', ['-v', `${a}:/data:Z`], { TSBOX_SELINUX: 'on' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`warning: .*container one \\([0-9a-f]{12}, ${one.mount.split(':').slice(3).join(':')}\\) also mounts it and has just lost access`));
  assert.equal(getfattr(a), hex(inspect('three').mount));
});

test('e2e: label=disable, and the default auto on a kernel without SELinux, change no label', (t) => {
  const { mk, run, inspect } = e2e(t);
  const src = mk('untouched');
  const r1 = run('disabled', ['--security-opt', 'label=disable', '-v', `${src}:/data:Z`], { TSBOX_SELINUX: 'on' });
  assert.equal(r1.code, 0, r1.stderr);
  assert.deepEqual(inspect('disabled'), { process: '', mount: '' });
  const r2 = run('auto', ['-v', `${src}:/data:z`], { TSBOX_SELINUX: '' });
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(inspect('auto'), { process: '', mount: '' });
  for (const f of [src, path.join(src, 'f')]) assert.equal(getfattr(f), null, f);
});

test('e2e: relabeling a system directory is refused with exit 125', (t) => {
  const { run } = e2e(t);
  const before = getfattr('/usr');
  const r = run('greedy', ['-v', '/usr:/u:z'], { TSBOX_SELINUX: 'on' });
  assert.equal(r.code, 125);
  assert.match(r.stderr, /refusing to relabel \/usr: it is a system directory/);
  assert.equal(getfattr('/usr'), before);
});
