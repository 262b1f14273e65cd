// The audit's rules on facts written out by hand, for what real containers
// on this host cannot show (tsbox makes every mount private and keeps /sys
// read-only even when privileged): a v1 hierarchy's root mounted rw, a
// mount in a peer group of the host's, a writable sysfs, tsbox's own state
// mounted. And how host paths come out of two mountinfo files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountinfo } from '../../src/probe/cgroupfiles.js';
import { coveringMount, hostPathOf, type AuditMount, type ContainerFacts } from '../../src/engine/audit-facts.js';
import { auditContainer, gradeOf, RULES, type EngineDirs } from '../../src/engine/audit-rules.js';
import { DEFAULT_CAPS } from '../../src/engine/capabilities.js';

const DIRS: EngineDirs = { data: '/var/lib/tsbox', run: '/run/tsbox', containers: '/var/lib/tsbox/containers', volumes: '/var/lib/tsbox/volumes', images: '/var/lib/tsbox/images' };

function mount(mountPoint: string, extra: Partial<AuditMount> = {}): AuditMount {
  return { mountPoint, root: '/', fsType: 'ext4', readOnly: false, idmapped: false, hostPath: null, submount: false, shared: null, hostPeer: null, ...extra };
}

/** A strict container (no findings) to change one fact of. */
function facts(over: Partial<ContainerFacts> = {}): ContainerFacts {
  return {
    id: 'c1',
    name: 'one',
    pid: 4242,
    status: { pid: 4242, uid: [101000, 101000, 101000, 101000], gid: [101000, 101000, 101000, 101000], capEff: [], capBnd: [], capPrm: [], seccomp: 'filter', seccompFilters: 1, noNewPrivs: true, label: null, privileged: false },
    ns: { user: 11, pid: 12 },
    namespaces: [],
    uidMap: [{ container: 0, host: 100000, size: 65536 }],
    gidMap: [{ container: 0, host: 100000, size: 65536 }],
    mounts: [mount('/', { readOnly: true, hostPath: '/var/lib/tsbox/containers/c1/rootfs' }), mount('/proc', { fsType: 'proc' }), mount('/proc/sys', { fsType: 'proc', readOnly: true }), mount('/sys', { fsType: 'sysfs', readOnly: true })],
    unmasked: [],
    writableReadonly: [],
    labelMismatches: [],
    devices: { kind: 'list', rules: ['c 1:3 rwm'] },
    devicePrograms: undefined,
    cgroupPaths: [],
    limits: { memory: { value: 1e8, file: 'm', text: '100000000' }, cpu: { value: 1, file: 'c', text: '100000' }, pids: { value: 100, file: 'p', text: '100' } },
    config: { seccomp: 'default', privateLabelSources: [] },
    ...over,
  };
}

const run = (f: ContainerFacts, all: ContainerFacts[] = [f]) => auditContainer({ facts: f, all, dirs: DIRS });
const ids = (f: ContainerFacts) => run(f).map((x) => x.id);

test('the strict fixture has no findings, grade A; every rule has a why, a fix and a source', () => {
  assert.deepEqual(run(facts()), []);
  assert.equal(gradeOf([]), 'A');
  const seen = new Set<string>();
  for (const r of RULES) {
    assert.ok(r.why.length > 20 && r.fix.length > 5 && r.refs.length > 0, r.id);
    assert.ok(!seen.has(r.id), `one rule per id: ${r.id}`);
    seen.add(r.id);
  }
});

test('a v1 hierarchy root mounted rw: release_agent reachable (critical); a cgroup below the root is not', () => {
  const f = facts({ mounts: [...facts().mounts, mount('/sys/fs/cgroup/memory', { fsType: 'cgroup', root: '/' })] });
  const found = run(f).find((x) => x.id === 'cgroup-release-agent');
  assert.deepEqual(found?.evidence, ['the root of a v1 hierarchy is mounted rw at /sys/fs/cgroup/memory (mountinfo)']);
  assert.equal(gradeOf(run(f)), 'F');
  assert.deepEqual(ids(facts({ mounts: [...facts().mounts, mount('/sys/fs/cgroup/memory', { fsType: 'cgroup', root: '/tsbox/c1' })] })), []);
  assert.deepEqual(ids(facts({ mounts: [...facts().mounts, mount('/sys/fs/cgroup/memory', { fsType: 'cgroup', root: '/', readOnly: true })] })), []);
});

test("a mount in the host's peer group: shared propagation (medium)", () => {
  const f = facts({ mounts: [...facts().mounts, mount('/data', { hostPath: '/var/lib/tsbox/volumes/v/_data', shared: 'shared:7', hostPeer: '/mnt/pool' })] });
  assert.deepEqual(run(f).find((x) => x.id === 'mount-propagation-shared')?.evidence, ['/data is shared:7, the peer group of the host\'s /mnt/pool (mountinfo)']);
});

test('sysfs rw, tsbox state and an engine socket mounted, a host /etc read-only; a named volume is none of these', () => {
  const f = facts({
    mounts: [
      ...facts().mounts.filter((m) => m.mountPoint !== '/sys'),
      mount('/sys', { fsType: 'sysfs' }),
      mount('/state', { hostPath: '/var/lib/tsbox/containers' }),
      mount('/run/podman/podman.sock', { hostPath: '/run/podman/podman.sock' }),
      mount('/hostetc', { hostPath: '/etc', readOnly: true }),
      mount('/data', { hostPath: '/var/lib/tsbox/volumes/v/_data' }),
    ],
  });
  const found = new Map(run(f).map((x) => [x.id, x.evidence]));
  assert.deepEqual(found.get('sys-writable'), ['sysfs at /sys is rw (mountinfo)']);
  assert.deepEqual(found.get('engine-socket'), ['/var/lib/tsbox/containers of the host at /state (rw)', '/run/podman/podman.sock of the host at /run/podman/podman.sock (rw)']);
  assert.deepEqual(found.get('host-system-dir'), ['/etc of the host at /hostetc (ro)']);
  assert.ok(!found.has('host-path'), 'the named volume is not a host path');
});

test('root in the container: a uid map over host 0 is host root; a non-root user is not flagged', () => {
  const hostRoot = facts({ uidMap: [{ container: 0, host: 0, size: 4294967295 }], status: { ...facts().status, uid: [0, 0, 0, 0] } });
  assert.deepEqual(ids(hostRoot).sort(), ['root-is-host-root', 'runs-as-root']);
  assert.deepEqual(ids(facts({ status: { ...facts().status, uid: [100000, 100000, 100000, 100000] } })), ['runs-as-root']);
});

test("capabilities: podman's default is low, a dangerous one high, another added medium, privileged said once", () => {
  const withCaps = (c: string[]) => facts({ status: { ...facts().status, capBnd: c, capEff: c } });
  assert.deepEqual(ids(withCaps([...DEFAULT_CAPS])), ['capabilities-not-dropped']);
  assert.deepEqual(ids(withCaps(['CAP_NET_BIND_SERVICE'])), [], 'NET_BIND_SERVICE alone is what restricted allows');
  assert.deepEqual(ids(withCaps([...DEFAULT_CAPS, 'CAP_SYS_PTRACE', 'CAP_NET_RAW'])), ['dangerous-capability', 'added-capability', 'capabilities-not-dropped']);
  const priv = facts({ status: { ...facts().status, capBnd: ['CAP_SYS_ADMIN'], privileged: true } });
  assert.deepEqual(ids(priv), ['privileged']);
});

test('host paths from mountinfo: the longest host mount of the same device whose root holds it', () => {
  const host = parseMountinfo(
    '1 0 254:0 / / rw - ext4 /dev/vda rw\n' +
      '2 1 254:0 /srv/data /data rw - ext4 /dev/vda rw\n' +
      '3 1 0:5 / /dev rw - devtmpfs udev rw\n',
  );
  const [root, sub, dev, own] = parseMountinfo(
    '10 9 254:0 / /host rw - ext4 /dev/vda rw\n' +
      '11 10 254:0 /srv/data/x /x rw - ext4 /dev/vda rw\n' +
      '12 10 0:5 /null /dev/null rw - devtmpfs udev rw\n' +
      '13 10 0:99 / /tmp rw - tmpfs tmpfs rw\n',
  );
  assert.equal(hostPathOf(root, host), '/');
  assert.equal(hostPathOf(sub, host), '/data/x');
  assert.equal(hostPathOf(dev, host), '/dev/null');
  assert.equal(hostPathOf(own, host), null);
  const ms = [mount('/'), mount('/proc'), mount('/proc/sys')];
  assert.equal(coveringMount(ms, '/proc/sys/kernel')?.mountPoint, '/proc/sys');
  assert.equal(coveringMount(ms, '/procfoo')?.mountPoint, '/');
});

test('an idmapped volume: rw is a finding (container root writes host root there), ro is not; a volume label the container cannot use', () => {
  const vol = (over: Partial<AuditMount>) => mount('/data', { hostPath: '/var/lib/tsbox/volumes/v/_data', idmapped: true, ...over });
  assert.deepEqual(run(facts({ mounts: [...facts().mounts, vol({})] })).find((x) => x.id === 'idmapped-volume')?.evidence, ['/var/lib/tsbox/volumes/v/_data of the host at /data (rw,idmapped in mountinfo)']);
  assert.deepEqual(ids(facts({ mounts: [...facts().mounts, vol({ readOnly: true })] })), []);
  const lab = facts({ labelMismatches: [{ source: '/srv/d', current: 'system_u:object_r:container_file_t:s0:c1,c2', expected: 'system_u:object_r:container_file_t:s0:c3,c4', relabel: 'Z', mountLabel: null }] });
  assert.deepEqual(run(lab).find((x) => x.id === 'volume-label')?.evidence, ['/srv/d: security.selinux is system_u:object_r:container_file_t:s0:c1,c2, :Z gives system_u:object_r:container_file_t:s0:c3,c4']);
});
