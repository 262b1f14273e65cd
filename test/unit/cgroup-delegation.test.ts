// Rootless cgroups on v2: finding the cgroup delegated to the caller, and
// creating the container's cgroup below it. Directory trees in /tmp stand in
// for cgroupfs: they show which directory is chosen and which control files
// are written, not what the kernel does with them. That, with a real
// delegated cgroup2 subtree, is test/integration/rootless-cgroups.test.ts
// (whose hierarchy has no memory, cpu or pids controller: the limits below
// are written to plain files only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { findDelegation, v2CgroupOf } from '../../src/engine/cgroups/delegation.js';
import { createContainerCgroups } from '../../src/engine/cgroups/create.js';
import type { CgroupLayout } from '../../src/probe/cgroup-layout.js';
import { UserError } from '../../src/common/errors.js';
import { tempDir } from '../lib/suite-run.js';

const MiB = 1024 * 1024;
const OTHER = 4242; // a uid that is not ours: the test must tell owners apart

function tree(t: { after: (fn: () => void) => void }): string {
  const root = tempDir('tsbox-deleg-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}

/** A cgroup-like directory with the control files delegation looks at. */
function cgroup(dir: string, owner: number, controllers = ''): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, text] of [['cgroup.procs', ''], ['cgroup.subtree_control', ''], ['cgroup.controllers', controllers]]) fs.writeFileSync(path.join(dir, f), text);
  for (const p of [dir, path.join(dir, 'cgroup.procs'), path.join(dir, 'cgroup.subtree_control')]) fs.chownSync(p, owner, owner);
}

test('v2CgroupOf reads the 0:: line of /proc/PID/cgroup', () => {
  assert.equal(v2CgroupOf('9:name=systemd:/\n0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope\n'), '/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope');
  assert.equal(v2CgroupOf('4:memory:/\n'), undefined);
});

test('the topmost cgroup on the way to ours that belongs to us is the delegated one', (t) => {
  const root = tree(t);
  cgroup(path.join(root, 'user.slice/user-4242.slice'), 0);
  cgroup(path.join(root, 'user.slice/user-4242.slice/user@4242.service'), OTHER, 'cpu memory pids');
  cgroup(path.join(root, 'user.slice/user-4242.slice/user@4242.service/app.slice/term.scope'), OTHER);
  const found = findDelegation(root, '/user.slice/user-4242.slice/user@4242.service/app.slice/term.scope', OTHER);
  assert.deepEqual(found, { delegation: { dir: path.join(root, 'user.slice/user-4242.slice/user@4242.service'), controllers: ['cpu', 'memory', 'pids'] } });
  // a login session's scope is root's: nothing above it is ours either
  cgroup(path.join(root, 'user.slice/user-4242.slice/session-3.scope'), 0);
  const none = findDelegation(root, '/user.slice/user-4242.slice/session-3.scope', OTHER);
  assert.ok('why' in none);
  assert.match(none.why, new RegExp(`your cgroup ${root}/user.slice/user-4242.slice/session-3.scope is not delegated to you`));
});

const delegated = (dir: string, controllers: string[]) => ({ delegation: { dir, controllers } });
const v2 = (root: string): CgroupLayout => ({ kind: 'v2', v2Root: root, v1: {}, v2Controllers: ['cpu', 'memory', 'pids'] });

test('rootless create: <delegated>/tsbox/<id>, delegated controllers enabled on the way, limits written there', (t) => {
  const root = tree(t);
  const d = path.join(root, 'user@4242.service');
  cgroup(d, 0, 'cpu memory pids');
  const paths = createContainerCgroups('c1', { memory: 32 * MiB, pidsLimit: 10 }, { layout: v2(root), rootless: true, delegation: delegated(d, ['memory', 'pids']) });
  const dir = path.join(d, 'tsbox', 'c1');
  assert.deepEqual(paths, [dir]);
  assert.equal(fs.readFileSync(path.join(d, 'cgroup.subtree_control'), 'utf8'), '+memory +pids', 'only what was delegated');
  assert.equal(fs.readFileSync(path.join(d, 'tsbox', 'cgroup.subtree_control'), 'utf8'), '+memory +pids');
  assert.equal(fs.readFileSync(path.join(dir, 'memory.max'), 'utf8'), String(32 * MiB));
  assert.equal(fs.readFileSync(path.join(dir, 'pids.max'), 'utf8'), '10');
  assert.ok(!fs.existsSync(path.join(root, 'tsbox')), 'nothing at the hierarchy root');
  // a limit whose controller was not delegated is refused, with the reason
  assert.throws(
    () => createContainerCgroups('c2', { cpuQuota: 50000, cpuPeriod: 100000 }, { layout: v2(root), rootless: true, delegation: delegated(d, ['memory', 'pids']) }),
    (e: unknown) => e instanceof UserError && /refused: --cpus\/--cpu-quota because the cpu controller is not delegated to this user/.test(e.message),
  );
});

test('rootless create: a delegated cgroup with processes of its own passes no new controller down unless a limit needs one', (t) => {
  const root = tree(t);
  const d = path.join(root, 'shell.scope');
  cgroup(d, 0, 'memory pids');
  fs.writeFileSync(path.join(d, 'cgroup.procs'), `${process.pid}\n`);
  fs.writeFileSync(path.join(d, 'cgroup.subtree_control'), 'pids\n');
  createContainerCgroups('c1', {}, { layout: v2(root), rootless: true, delegation: delegated(d, ['memory', 'pids']) });
  assert.equal(fs.readFileSync(path.join(d, 'cgroup.subtree_control'), 'utf8'), 'pids\n', 'left as it was');
  assert.equal(fs.readFileSync(path.join(d, 'tsbox', 'cgroup.subtree_control'), 'utf8'), '+pids');
});

test('rootless without a delegated cgroup: no cgroup, and limits refused naming the cgroup and the fix', (t) => {
  const root = tree(t);
  const why = { why: `your cgroup ${root}/session-3.scope is not delegated to you` };
  assert.deepEqual(createContainerCgroups('c1', {}, { layout: v2(root), rootless: true, delegation: why }), []);
  assert.throws(
    () => createContainerCgroups('c1', { memory: 32 * MiB }, { layout: v2(root), rootless: true, delegation: why }),
    (e: unknown) =>
      e instanceof UserError &&
      e.message === `refused: --memory because rootless containers get cgroup limits only below a cgroup delegated to the user, and your cgroup ${root}/session-3.scope is not delegated to you` &&
      /systemd-run --user --scope/.test(e.hint ?? ''),
  );
  assert.deepEqual(fs.readdirSync(root), [], 'nothing made');
});
