// The device allowlist (src/engine/devices.ts, native/devices.c) on the real
// kernel, through the real CLI. A container given CAP_MKNOD makes nodes for
// devices outside the list (/dev/kmsg, 1:11; /dev/loop0, 7:0) and tries to
// open them; a privileged container, which has no allowlist, opens the same
// nodes, which proves the refusal is the allowlist's doing and not the
// kernel's or this VM's. On this hybrid host both mechanisms are checked: the
// v1 devices cgroup, and the BPF program on the container's cgroup v2 alone
// (with the v1 devices hierarchy unmounted in a private mount namespace).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, cleanupRoot, inspect, makeRoot, tsbox } from '../lib/cli.js';
import { detectLayout } from '../../src/probe/cgroup-layout.js';
import { DEFAULT_DEVICE_RULES } from '../../src/engine/devices.js';
import { readDeviceAccess } from '../../src/probe/devices.js';
import { attempt } from '../lib/programs.js';

const root = makeRoot();
after(() => cleanupRoot(root));
const layout = detectLayout();
const notRoot = process.getuid?.() !== 0 && 'needs root';

// Opening is what the allowlist checks: dd with count=0 opens and reads nothing.
const PROBE = [
  'mknod /dev/kmsg-x c 1 11 && mknod /dev/loop-x b 7 0 || exit 9',
  'for d in /dev/kmsg-x /dev/loop-x /dev/null /dev/zero; do',
  '  if dd if=$d of=/dev/null count=0 2>/dev/null; then echo "$d open"; else echo "$d refused"; fi',
  'done',
].join('\n');
const REFUSED = '/dev/kmsg-x refused\n/dev/loop-x refused\n/dev/null open\n/dev/zero open\n';
const OPEN = '/dev/kmsg-x open\n/dev/loop-x open\n/dev/null open\n/dev/zero open\n';

test('a container may make any device node but open only the allowed ones', { skip: notRoot }, () => {
  const limited = tsbox(root, ['run', '--rm', '--cap-add', 'MKNOD', 'host', 'sh', '-c', PROBE]);
  assert.equal(limited.code, 0, limited.stderr);
  assert.equal(limited.stdout, REFUSED);
  const privileged = tsbox(root, ['run', '--rm', '--privileged', 'host', 'sh', '-c', PROBE]);
  assert.equal(privileged.code, 0, privileged.stderr);
  assert.equal(privileged.stdout, OPEN);
});

test('the v1 devices cgroup holds exactly the allowlist; a privileged one everything', { skip: notRoot || (!layout.v1.devices && 'no v1 devices hierarchy') }, () => {
  const dir = (name: string) => (inspect(root, name).Cgroups as string[]).find((p) => p.startsWith(`${layout.v1.devices}/`))!;
  for (const [name, flags] of [['dev-limited', []], ['dev-privileged', ['--privileged']]] as const) {
    const r = tsbox(root, ['run', '-d', '--name', name, ...flags, 'host', 'sleep', '100']);
    assert.equal(r.code, 0, r.stderr);
  }
  try {
    const limited = fs.readFileSync(path.join(dir('dev-limited'), 'devices.list'), 'utf8');
    assert.deepEqual(limited.trim().split('\n'), [...DEFAULT_DEVICE_RULES]);
    assert.equal(fs.readFileSync(path.join(dir('dev-privileged'), 'devices.list'), 'utf8').trim(), 'a *:* rwm');
    // the dashboard's probe reads the same
    assert.deepEqual(readDeviceAccess(inspect(root, 'dev-limited').Cgroups), { kind: 'list', rules: [...DEFAULT_DEVICE_RULES] });
    assert.deepEqual(readDeviceAccess(inspect(root, 'dev-privileged').Cgroups), { kind: 'list', rules: ['a *:* rwm'] });
  } finally {
    tsbox(root, ['rm', '-f', 'dev-limited', 'dev-privileged']);
  }
});

test('on cgroup v2 the BPF device program alone enforces the allowlist', { skip: notRoot || (!layout.v2Root && 'no cgroup v2 hierarchy') }, () => {
  // Hide the v1 devices hierarchy, if any: the engine then sees none, and
  // only the program on the container's v2 cgroup stands between it and the nodes.
  const hide = layout.v1.devices ? `umount ${layout.v1.devices} && ` : '';
  const run = (flags: string) =>
    attempt('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `${hide}exec "$@"`, 'sh', process.execPath, BIN, '--root', root, 'run', '--rm', ...flags.split(' ').filter(Boolean), 'host', 'sh', '-c', PROBE]);
  const limited = run('--cap-add MKNOD');
  assert.equal(limited.exitCode, 0, limited.stderr);
  assert.equal(limited.stdout, REFUSED);
  const privileged = run('--privileged');
  assert.equal(privileged.exitCode, 0, privileged.stderr);
  assert.equal(privileged.stdout, OPEN);
});

test('inspect shows the allowlist in the OCI config', { skip: notRoot }, () => {
  for (const [name, flags] of [['oci-limited', []], ['oci-privileged', ['--privileged']]] as const) {
    assert.equal(tsbox(root, ['create', '--name', name, ...flags, 'host', 'true']).code, 0);
  }
  try {
    const devices = (name: string) => inspect(root, name).OCIConfig.linux.resources.devices;
    const limited = devices('oci-limited');
    assert.deepEqual(limited[0], { allow: false, access: 'rwm' });
    assert.deepEqual(limited[3], { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' });
    assert.equal(limited.length, DEFAULT_DEVICE_RULES.length + 1);
    assert.deepEqual(devices('oci-privileged'), [{ allow: true, access: 'rwm' }]);
  } finally {
    tsbox(root, ['rm', '-f', 'oci-limited', 'oci-privileged']);
  }
});

test('on cgroup v2 alone, a --device node is usable through the BPF program (with the access asked for) and one not added gets EPERM', { skip: notRoot || (!layout.v2Root && 'no cgroup v2 hierarchy') }, () => {
  const hide = layout.v1.devices ? `umount ${layout.v1.devices} && ` : '';
  const probe = [
    'mknod /dev/loop-x b 7 0 || exit 9',
    'dd if=/dev/lc of=/dev/null count=0 2>&1 && echo "lc read"',
    '(: > /dev/lc) 2>&1 && echo "lc written"',
    'dd if=/dev/loop-x of=/dev/null count=0 2>&1 && echo "loop open"',
    'true',
  ].join('\n');
  const r = attempt('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `${hide}exec "$@"`, 'sh', process.execPath, BIN, '--root', root, 'run', '--rm', '--cap-add', 'MKNOD',
    '--device', '/dev/loop-control:/dev/lc:r', 'host', 'sh', '-c', probe]);
  assert.equal(r.exitCode, 0, r.stderr);
  const out = r.stdout;
  assert.match(out, /^lc read$/m, out);
  assert.doesNotMatch(out, /lc written/, out);
  assert.match(out, /lc.*Operation not permitted/, `r only: writing is the program's EPERM: ${out}`);
  assert.doesNotMatch(out, /loop open/, out);
  assert.match(out, /loop-x.*Operation not permitted/, `EPERM from the program: ${out}`);
  // the precondition: in the same private view, with no allowlist (--privileged), the same nodes open
  const priv = attempt('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `${hide}exec "$@"`, 'sh', process.execPath, BIN, '--root', root, 'run', '--rm', '--privileged',
    '--device', '/dev/loop-control:/dev/lc:r', 'host', 'sh', '-c', probe]);
  assert.equal(priv.exitCode, 0, priv.stderr);
  assert.match(priv.stdout, /^lc written$/m, priv.stdout);
  assert.match(priv.stdout, /^loop open$/m, priv.stdout);
});
