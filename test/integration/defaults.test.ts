// Defaults that match podman's and Docker's (issue 13): the inheritable
// capability set is empty, and the kernel interfaces both mask or make
// read-only are masked or read-only. Checked from outside (the container's
// /proc/PID/status and mountinfo) and from inside, with the attack each one
// stops performed for real.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupRoot, inspect, makeRoot, tsbox, type CliResult } from '../lib/cli.js';
import { removeTree, tmpdir } from '../lib/busybox.js';
import { DEFAULT_CAPS } from '../../src/engine/capabilities.js';
import { CAPABILITIES } from '../../src/common/capabilities.js';
import { canRun, run } from '../lib/programs.js';

const hasGcc = canRun('gcc');
const hasSetfattr = canRun('setfattr');
const skip = process.getuid?.() !== 0 ? 'needs root' : false;
const SRC = new URL('../../../test/integration/defaults/', import.meta.url).pathname;

const root = makeRoot('tsbox-defaults-');
// a container with a user namespace (host uid 100000+) must pass through it
fs.chmodSync(root, 0o711);
const work = tmpdir('tsbox-defaults-work');
fs.chmodSync(work, 0o755);
after(() => {
  cleanupRoot(root);
  removeTree(work);
});

function ok(args: string[]): string {
  const r: CliResult = tsbox(root, args);
  assert.equal(r.code, 0, `tsbox ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function procStatus(pid: number | string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

function statusText(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

function mask(names: readonly string[]): string {
  let m = 0n;
  for (const n of names) m |= 1n << BigInt(CAPABILITIES.indexOf(n));
  return m.toString(16).padStart(16, '0');
}

const NONE = '0000000000000000';

// ------------------------------------------------------- inheritable set

test('CapInh and CapAmb are empty in run and exec, for uid 0 and others, with --cap-add too', { skip }, () => {
  const cases: Array<{ name: string; flags: string[]; caps: readonly string[]; uid: number }> = [
    { name: 'inh-root', flags: [], caps: DEFAULT_CAPS, uid: 0 },
    { name: 'inh-user', flags: ['-u', '1000:1000'], caps: DEFAULT_CAPS, uid: 1000 },
    { name: 'inh-add', flags: ['--cap-add', 'NET_ADMIN', '--cap-add', 'SYS_PTRACE'], caps: [...DEFAULT_CAPS, 'CAP_NET_ADMIN', 'CAP_SYS_PTRACE'], uid: 0 },
    { name: 'inh-add-user', flags: ['--cap-add', 'NET_ADMIN', '-u', '1000'], caps: [...DEFAULT_CAPS, 'CAP_NET_ADMIN'], uid: 1000 },
  ];
  try {
    for (const c of cases) {
      ok(['run', '-d', '--name', c.name, ...c.flags, 'host', 'sleep', '1000']);
      const s = procStatus(inspect(root, c.name).State.Pid);
      assert.equal(s.CapInh, NONE, `${c.name}: inheritable`);
      assert.equal(s.CapAmb, NONE, `${c.name}: ambient`);
      assert.equal(s.CapBnd, mask(c.caps), `${c.name}: bounding is the mask`);
      assert.equal(s.CapEff, c.uid === 0 ? mask(c.caps) : NONE, `${c.name}: effective`);
      for (const asUser of [[], ['-u', '0'], ['-u', '1000']]) {
        const e = statusText(ok(['exec', ...asUser, c.name, 'cat', '/proc/self/status']));
        const uid = asUser.length ? Number(asUser[1]) : c.uid;
        assert.equal(e.CapInh, NONE, `${c.name} exec ${asUser.join(' ')}: inheritable`);
        assert.equal(e.CapAmb, NONE, `${c.name} exec ${asUser.join(' ')}: ambient`);
        assert.equal(e.CapEff, uid === 0 ? mask(c.caps) : NONE, `${c.name} exec ${asUser.join(' ')}: effective`);
      }
    }
  } finally {
    tsbox(root, ['rm', '-f', ...cases.map((c) => c.name)]);
  }
});

// CVE-2022-24769: root's inheritable set survives setuid, and a file with
// inheritable file capabilities then grants them to a non-root program.
const CAP_NET_BIND_SERVICE = 10;
const capsDir = path.join(work, 'caps');

before(() => {
  if (skip || !hasGcc || !hasSetfattr) return;
  fs.mkdirSync(capsDir, { mode: 0o755 });
  for (const name of ['drop-to-user', 'show-caps']) {
    run('gcc', ['-O2', '-static', '-Wall', '-Werror', '-o', path.join(capsDir, name), path.join(SRC, `${name}.c`)]);
  }
  // security.capability, VFS_CAP_REVISION_2 with the effective flag:
  // permitted 0, inheritable CAP_NET_BIND_SERVICE (setcap cap_net_bind_service=ei)
  const xattr = Buffer.alloc(20);
  xattr.writeUInt32LE(0x02000001, 0);
  xattr.writeUInt32LE(1 << CAP_NET_BIND_SERVICE, 8);
  run('setfattr', ['-n', 'security.capability', '-v', `0x${xattr.toString('hex')}`, path.join(capsDir, 'show-caps')]);
});

function showCaps(out: string): { uid: number; prm: bigint; eff: bigint; bind80: string } {
  const m = /uid=(\d+) .*CapPrm:([0-9a-f]+) CapEff:([0-9a-f]+) .*bind80=(.*)$/m.exec(out);
  assert.ok(m, `show-caps output: ${out}`);
  return { uid: Number(m[1]), prm: BigInt(`0x${m[2]}`), eff: BigInt(`0x${m[3]}`), bind80: m[4] };
}

test('a root CMD dropping to uid 1000 cannot pass a file its inheritable capabilities (CVE-2022-24769)', { skip: skip || (!hasGcc && 'needs gcc') || (!hasSetfattr && 'needs setfattr (attr)') }, () => {
  const vol = ['-v', `${capsDir}:/caps:ro`];
  const bit = 1n << BigInt(CAP_NET_BIND_SERVICE);
  // The precondition: with the inheritable set holding the container's
  // capabilities (what the helper set before), the kernel grants the file's
  // inheritable capability to uid 1000: it may bind port 80.
  const raised = showCaps(ok(['run', '--rm', ...vol, 'host', '/caps/drop-to-user', '--raise', '1000', '/caps/show-caps']));
  assert.equal(raised.uid, 1000);
  assert.ok((raised.eff & bit) !== 0n, `with an inheritable set the file's capability is granted (CapEff ${raised.eff.toString(16)})`);
  assert.equal(raised.bind80, 'ok');
  // The attack, in run and in exec: nothing is granted.
  const viaRun = showCaps(ok(['run', '--rm', ...vol, 'host', '/caps/drop-to-user', '1000', '/caps/show-caps']));
  ok(['run', '-d', '--name', 'inh-cve', ...vol, 'host', 'sleep', '1000']);
  try {
    const viaExec = showCaps(ok(['exec', 'inh-cve', '/caps/drop-to-user', '1000', '/caps/show-caps']));
    for (const [how, r] of [['run', viaRun], ['exec', viaExec]] as const) {
      assert.equal(r.uid, 1000, how);
      assert.equal(r.prm, 0n, `${how}: uid 1000 gets no permitted capability`);
      assert.equal(r.eff, 0n, `${how}: nor an effective one`);
      assert.equal(r.bind80, 'Permission denied', `${how}: and may not bind port 80`);
    }
  } finally {
    tsbox(root, ['rm', '-f', 'inh-cve']);
  }
});

// --------------------------------------------------------- masked paths

interface MountEntry {
  root: string;
  point: string;
  options: string[];
  fstype: string;
}

function mountinfo(pid: number): MountEntry[] {
  return fs
    .readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [pre, post] = l.split(' - ');
      const f = pre.split(' ');
      return { root: f[3], point: f[4], options: f[5].split(','), fstype: post.split(' ')[0] };
    });
}

/** The mount on POINT that is seen there: the last one mounted on it. */
function topMount(mounts: MountEntry[], point: string): MountEntry | undefined {
  return mounts.filter((m) => m.point === point).at(-1);
}

/** Whether PATH exists inside the container (its /proc is the host kernel's; its /sys the kernel's sysfs). */
function inContainer(name: string, p: string): boolean {
  return tsbox(root, ['exec', name, 'test', '-e', p]).code === 0;
}

for (const [label, flags] of [
  ['a new network namespace (sysfs mounted)', []],
  ["the host's network (a read-only copy of the host's /sys)", ['--network', 'host']],
  ['a user namespace', ['--userns', 'auto']],
] as const) {
  test(`masked and read-only paths, with ${label}: mountinfo matches config.json`, { skip }, () => {
    const name = `mask-${label.split(' ')[2]}`;
    ok(['run', '-d', '--name', name, ...flags, 'host', 'sleep', '1000']);
    try {
      const info = inspect(root, name);
      const mounts = mountinfo(info.State.Pid);
      const { maskedPaths, readonlyPaths } = info.OCIConfig.linux as { maskedPaths: string[]; readonlyPaths: string[] };
      for (const p of ['/proc/acpi', '/proc/asound', '/proc/latency_stats', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap', '/proc/kcore', '/proc/keys', '/proc/timer_list']) {
        assert.ok(maskedPaths.includes(p), `config.json masks ${p}`);
      }
      for (const p of ['/proc/fs', '/proc/bus', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']) assert.ok(readonlyPaths.includes(p), `config.json: ${p} read-only`);
      let checked = 0;
      for (const p of maskedPaths) {
        const m = topMount(mounts, p);
        if (!m) {
          // only what this kernel does not have may be left unmasked
          assert.ok(!inContainer(name, p), `${p} exists in the container but is not masked`);
          continue;
        }
        checked++;
        assert.ok(m.options.includes('ro'), `${p} is read-only: ${m.options}`);
        // a directory: an empty tmpfs; a file: /dev/null
        if (m.root === '/') assert.equal(m.fstype, 'tmpfs', `${p}: an empty tmpfs`);
        else assert.equal(m.root, '/null', `${p}: /dev/null`);
      }
      assert.ok(checked >= 4, `${checked} masked paths exist here`);
      for (const p of readonlyPaths) {
        const m = topMount(mounts, p);
        if (!m) {
          assert.ok(!inContainer(name, p), `${p} exists in the container but is not read-only`);
          continue;
        }
        assert.equal(m.fstype, 'proc', p);
        assert.equal(m.root, p.slice('/proc'.length), `${p}: a copy of its own tree`);
        assert.ok(m.options.includes('ro'), `${p} is read-only: ${m.options}`);
      }
    } finally {
      tsbox(root, ['rm', '-f', name]);
    }
  });
}

test('inside: /sys/firmware is empty, /proc/sys and the masks refuse writes, masked files read as empty', { skip }, () => {
  // The preconditions: the host's /sys/firmware lists its firmware
  // interfaces and /proc/timer_list has the timers of every CPU.
  assert.ok(fs.readdirSync('/sys/firmware').length > 0, "the host's /sys/firmware is not empty");
  assert.ok(fs.readFileSync('/proc/timer_list').length > 0, "the host's /proc/timer_list is not empty");
  for (const flags of [[], ['--network', 'host'], ['--userns', 'auto']]) {
    const r = tsbox(root, [
      'run', '--rm', ...flags, 'host', 'sh', '-c',
      'echo "firmware=[$(ls -A /sys/firmware)]"; echo "timers=$(wc -c < /proc/timer_list)";' +
        ' (echo tsbox > /proc/sys/kernel/hostname) 2>&1 && echo sys=written;' +
        ' touch /sys/firmware/x 2>&1 && echo firmware=written; true',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^firmware=\[\]$/m, `${flags.join(' ')}: ${r.stdout}`);
    assert.match(r.stdout, /^timers=0$/m, `${flags.join(' ')}: ${r.stdout}`);
    // the mount refuses them (EROFS), not a permission check
    assert.match(r.stdout, /\/proc\/sys\/kernel\/hostname: Read-only file system$/m, `${flags.join(' ')}: ${r.stdout}`);
    assert.match(r.stdout, /\/sys\/firmware\/x'?: Read-only file system$/m, `${flags.join(' ')}: ${r.stdout}`);
    assert.doesNotMatch(r.stdout, /=written/);
  }
});
