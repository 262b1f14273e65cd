// tsbox audit on cgroup v2 reads a container's device access from the
// kernel: the BPF programs in force on its cgroup, which the helper reads
// back (tsbox-helper device-programs) and the engine runs on the host's
// devices (src/engine/device-program.ts). On this hybrid host v2 is there
// beside the v1 devices hierarchy; unmounting that hierarchy in a private
// mount namespace leaves the programs alone in charge, as on a pure v2 host
// (devices.test.ts shows they enforce). Containers, audit and removal all
// run in that one view, by a shell script that removes its containers on
// any exit.
import { test, after } from 'node:test';
import path from 'node:path';
import assert from 'node:assert/strict';
import { BIN, REPO, cleanupRoot, makeRoot } from '../lib/cli.js';
import { attempt } from '../lib/programs.js';
import { detectLayout } from '../../src/probe/cgroup-layout.js';
import { DEFAULT_DEVICE_RULES } from '../../src/engine/devices.js';
import { decodeProgram, hostDevices, programsAllow, rulesAllow } from '../../src/engine/device-program.js';

const HELPER = path.join(REPO, 'native', 'tsbox-helper');
const layout = detectLayout();
const skip = process.getuid?.() !== 0 ? 'needs root' : !layout.v2Root ? 'no cgroup v2 hierarchy' : false;
const root = makeRoot('tsbox-auditdev-');
after(() => cleanupRoot(root));

const ADDED = ['c 10:237 r', 'b 7:* rw']; // /dev/loop-control read-only, and every loop device

interface Finding {
  id: string;
  evidence: string[];
}
interface Audit {
  name: string;
  grade: string;
  findings: Finding[];
}

/** Start the three containers in a view with no v1 devices hierarchy, audit them, read the added one's programs, remove them. */
function inV2View(): { audits: Audit[]; programs: string } {
  const script = `
    set -e
    ${layout.v1.devices ? `umount ${layout.v1.devices}` : ':'}
    t() { "$NODE" "$BIN" --root "$ROOT" "$@"; }
    trap 't rm -f dv-default dv-added dv-priv >/dev/null 2>&1' EXIT
    t run -d --name dv-default host sleep 1000 >/dev/null
    t run -d --name dv-added --device /dev/loop-control:/dev/lc:r --device-cgroup-rule "$RULE" host sleep 1000 >/dev/null
    t run -d --name dv-priv --privileged host sleep 1000 >/dev/null
    t audit --format json dv-default dv-added dv-priv
    echo ---
    pid=$(t inspect --format '{{.State.Pid}}' dv-added)
    "$HELPER" device-programs "$V2$(sed -n 's/^0:://p' /proc/$pid/cgroup)"
  `;
  const r = attempt('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
    env: { ...process.env, NODE: process.execPath, BIN, ROOT: root, RULE: ADDED[1], HELPER, V2: layout.v2Root! },
    timeout: 120_000,
  });
  assert.equal(r.exitCode, 0, r.stderr);
  const [audit, programs] = r.stdout.split('---\n');
  return { audits: JSON.parse(audit) as Audit[], programs };
}

test('on cgroup v2 the audit reads the device programs from the kernel: added devices by number and name, a privileged one as every device, a default one clean', { skip }, () => {
  const { audits, programs } = inV2View();
  const of = (name: string) => {
    const a = audits.find((x) => x.name === name);
    assert.ok(a, `${name} audited`);
    return a;
  };
  const evidence = (name: string, id: string) => of(name).findings.find((f) => f.id === id)?.evidence;

  assert.equal(evidence('dv-default', 'host-devices'), undefined);
  assert.equal(evidence('dv-default', 'host-devices-all'), undefined);
  assert.equal(evidence('dv-default', 'device-access-unknown'), undefined);

  const added = evidence('dv-added', 'host-devices') ?? [];
  assert.ok(added.includes('device program: c 10:237 r (/dev/loop-control)'), added.join('\n'));
  if (hostDevices().some((d) => d.type === 'b' && d.major === 7)) assert.ok(added.includes('device program: b 7:* rw'), added.join('\n'));
  assert.equal(evidence('dv-added', 'host-devices-all'), undefined);

  const priv = evidence('dv-priv', 'host-devices-all') ?? [];
  assert.equal(priv.length, 1, JSON.stringify(of('dv-priv').findings.map((f) => f.id)));
  assert.match(priv[0], /the device programs in force allow every device/);
  assert.equal(of('dv-priv').grade, 'F');

  // The interpreter against the rules the program was built from, on the kernel's own copy of it
  // (as the verifier left it): every host device and a few numbers no device has, each access alone.
  const progs = programs.split('\n').filter(Boolean).map((l) => decodeProgram(l.split(' ')[1]));
  assert.ok(progs.length >= 1, `the added container has a device program: ${programs}`);
  const rules = [...DEFAULT_DEVICE_RULES, ...ADDED];
  const probes = [...hostDevices(), { type: 'c' as const, major: 4094, minor: 1 }, { type: 'b' as const, major: 7, minor: 999 }, { type: 'c' as const, major: 136, minor: 77 }, { type: 'c' as const, major: 5, minor: 1 }];
  for (const d of probes) {
    assert.equal(programsAllow(progs, d.type, d.major, d.minor), rulesAllow(rules, d.type, d.major, d.minor), `${d.type} ${d.major}:${d.minor}`);
  }
});

test('device-programs refuses what is not a cgroup v2 directory, naming it', { skip }, () => {
  const r = attempt(HELPER, ['device-programs', '/tmp']);
  assert.equal(r.exitCode, 125);
  assert.match(r.stderr, /`\/tmp` is not a cgroup v2 directory/);
  const none = attempt(HELPER, ['device-programs', '/nonexistent/x']);
  assert.equal(none.exitCode, 125);
  assert.match(none.stderr, /open `\/nonexistent\/x`/);
});
