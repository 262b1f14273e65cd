// Planning user namespaces: every --userns mode, --uidmap/--gidmap, the
// single-mapping fallback, auto allocation, keep-id, the image owner check
// and the map report. /etc/subuid, /etc/subgid, /etc/passwd and the sysctl
// files are fixtures here (paths are injectable): this machine has user
// namespaces enabled and no AppArmor, so "disabled" can only be a fixture.
// The real files, newuidmap and the kernel are exercised in
// test/integration/rootless.test.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseIdMapFlag, parseUsernsFlag, usernsFromFlags } from '../../src/cli/userns-flags.js';
import { idMapReport } from '../../src/engine/idmap-report.js';
import { allocateRange, checkMap, composeMaps, keepIdInner } from '../../src/engine/idmaps.js';
import { DEFAULT_AUTO_POOL, callerNamespace, imageOwners, planUserNamespace, usernsHost, type UsernsHost, type UsernsRequest } from '../../src/engine/rootless.js';
import { findInPath, usernsUnavailable } from '../../src/engine/userns.js';
import { UserError } from '../../src/common/errors.js';
import type { ContainerRecord, IdMapEntry } from '../../src/engine/types.js';
import { tempDir } from '../lib/suite-run.js';

const dir = tempDir('tsbox-rootless-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const UID = 1001;
const GID = 1001;
let n = 0;

/** A fixture host: its own subuid/subgid/passwd/sysctl files, and fake newuidmap paths. */
function fixture(opts: { subuid?: string; subgid?: string; sysctl?: Partial<Record<'max' | 'apparmor' | 'clone', string>>; tools?: boolean } = {}): UsernsHost {
  const d = path.join(dir, `host${n++}`);
  fs.mkdirSync(d);
  const w = (name: string, text: string | undefined) => {
    const p = path.join(d, name);
    if (text !== undefined) fs.writeFileSync(p, text);
    return p;
  };
  const sub = opts.subuid ?? 'alice:100000:65536\n';
  return usernsHost({
    subids: { uid: w('subuid', sub), gid: w('subgid', opts.subgid ?? sub) },
    passwd: w('passwd', `root:x:0:0::/root:/bin/sh\nalice:x:${UID}:${GID}::/home/alice:/bin/sh\n`),
    sysctls: {
      maxUserNamespaces: w('max_user_namespaces', opts.sysctl?.max ?? '15000\n'),
      apparmorRestrict: w('apparmor_restrict_unprivileged_userns', opts.sysctl?.apparmor),
      unprivilegedClone: w('unprivileged_userns_clone', opts.sysctl?.clone),
    },
    tools: opts.tools === false ? { newuidmap: null, newgidmap: null } : { newuidmap: '/usr/bin/newuidmap', newgidmap: '/usr/bin/newgidmap' },
  });
}

/** A request as `run` makes one from these flags (src/cli/userns-flags.ts). */
type Flags = { userns?: string; uidmap?: string[]; gidmap?: string[] };

function req(over: Partial<Omit<UsernsRequest, 'userns'>> & Flags & { hostFix?: UsernsHost } = {}): UsernsRequest {
  const { hostFix, userns, uidmap, gidmap, ...rest } = over;
  return {
    userns: usernsFromFlags(userns, uidmap ?? [], gidmap ?? []),
    rootless: true,
    uid: UID,
    gid: GID,
    containerId: (ref) => `id-of-${ref}`,
    host: hostFix ?? fixture(),
    ...rest,
  };
}

const userError = (re: RegExp) => (e: unknown) => e instanceof UserError && re.test(`${e.message}\n${e.hint ?? ''}`);

test('parseUsernsFlag accepts podman’s modes and names the accepted ones otherwise', () => {
  assert.deepEqual(parseUsernsFlag(undefined), { kind: 'default' });
  assert.deepEqual(parseUsernsFlag(''), { kind: 'default' });
  assert.deepEqual(parseUsernsFlag('host'), { kind: 'host' });
  assert.deepEqual(parseUsernsFlag('container:web'), { kind: 'container', ref: 'web' });
  assert.deepEqual(parseUsernsFlag('auto'), { kind: 'auto', size: undefined });
  assert.deepEqual(parseUsernsFlag('auto:size=1000'), { kind: 'auto', size: 1000 });
  assert.deepEqual(parseUsernsFlag('keep-id'), { kind: 'keep-id', uid: undefined, gid: undefined });
  assert.deepEqual(parseUsernsFlag('keep-id:uid=200,gid=300'), { kind: 'keep-id', uid: 200, gid: 300 });
  assert.throws(() => parseUsernsFlag('private'), userError(/invalid --userns 'private'[\s\S]*auto:size=N/));
  assert.throws(() => parseUsernsFlag('auto:size=0'), userError(/size must be 1 or more/));
  assert.throws(() => parseUsernsFlag('auto:uidmapping=0:1:2'), userError(/Options of auto are size=N/));
  assert.throws(() => parseUsernsFlag('keep-id:uid=x'), userError(/Options of keep-id are uid=N, gid=N/));
  assert.throws(() => parseUsernsFlag('container:'), userError(/invalid --userns/));
});

test('parseIdMapFlag takes CONTAINER:HOST:SIZE within the id space', () => {
  assert.deepEqual(parseIdMapFlag('uidmap', '0:100000:65536'), { container: 0, host: 100000, size: 65536 });
  for (const bad of ['0:1', '0:1:0', 'a:1:2', '0:4294967295:1', '4294967290:0:10', '-1:0:1']) {
    assert.throws(() => parseIdMapFlag('uidmap', bad), userError(/invalid --uidmap/), bad);
  }
});

test('composeMaps goes through the caller’s ranges, splitting where they end', () => {
  const own: IdMapEntry[] = [
    { container: 0, host: 1001, size: 1 },
    { container: 1, host: 100000, size: 10 },
    { container: 11, host: 500000, size: 10 },
  ];
  assert.deepEqual(composeMaps([{ container: 0, host: 0, size: 1 }], own), [{ container: 0, host: 1001, size: 1 }]);
  assert.deepEqual(composeMaps([{ container: 0, host: 5, size: 10 }], own), [
    { container: 0, host: 100004, size: 6 },
    { container: 6, host: 500000, size: 4 },
  ]);
  assert.deepEqual(composeMaps([{ container: 0, host: 15, size: 10 }], own), { unmapped: 21 });
});

test('checkMap refuses what the kernel would refuse with a bare EINVAL', () => {
  checkMap([{ container: 0, host: 1001, size: 1 }, { container: 1, host: 100000, size: 65536 }], 'uid', 'x');
  assert.throws(
    () => checkMap([{ container: 0, host: 100000, size: 10 }, { container: 5, host: 200000, size: 10 }], 'uid', 'x'),
    userError(/overlapping container ranges 0:100000:10 and 5:200000:10/),
  );
  assert.throws(
    () => checkMap([{ container: 0, host: 100000, size: 10 }, { container: 10, host: 100005, size: 10 }], 'gid', 'x'),
    userError(/gid map of x has overlapping host ranges/),
  );
  assert.throws(() => checkMap([{ container: 1, host: 100000, size: 10 }], 'uid', 'x'), userError(/does not map container uid 0/));
  const many = Array.from({ length: 341 }, (_, i) => ({ container: i, host: 100000 + i, size: 1 }));
  assert.throws(() => checkMap(many, 'uid', 'x'), userError(/341 ranges; the kernel takes at most 340/));
});

test('allocateRange picks the lowest free range inside the pool', () => {
  const pool = [{ start: 100000, count: 1000 }];
  assert.equal(allocateRange(pool, [], 100), 100000);
  assert.equal(allocateRange(pool, [{ start: 100000, count: 100 }], 100), 100100);
  // a hole between two used ranges that is big enough
  assert.equal(allocateRange(pool, [{ start: 100000, count: 100 }, { start: 100300, count: 100 }], 200), 100100);
  // ... and one that is not
  assert.equal(allocateRange(pool, [{ start: 100000, count: 100 }, { start: 100150, count: 100 }], 100), 100250);
  assert.equal(allocateRange(pool, [{ start: 100000, count: 950 }], 100), null);
  // the next pool range is used when the first is full
  assert.equal(allocateRange([...pool, { start: 900000, count: 500 }], [{ start: 100000, count: 1000 }], 100), 900000);
});

test('keepIdInner puts the caller at their own uid, the subuids around it', () => {
  assert.deepEqual(keepIdInner(1000, 65536), [
    { container: 0, host: 1, size: 1000 },
    { container: 1000, host: 0, size: 1 },
    { container: 1001, host: 1001, size: 64536 },
  ]);
  assert.deepEqual(keepIdInner(0, 10), [
    { container: 0, host: 0, size: 1 },
    { container: 1, host: 1, size: 10 },
  ]);
  assert.deepEqual(keepIdInner(100, 10), [
    { container: 0, host: 1, size: 10 },
    { container: 100, host: 0, size: 1 },
  ]);
});

test('root stays in the host user namespace unless asked', () => {
  for (const userns of [undefined, '', 'host']) {
    const p = planUserNamespace(req({ rootless: false, uid: 0, gid: 0, userns }));
    assert.deepEqual(p, { mode: { kind: 'host' }, uidMap: [], gidMap: [], warnings: [] });
  }
  const c = planUserNamespace(req({ userns: 'container:web' }));
  assert.deepEqual(c.mode, { kind: 'container', container: 'id-of-web' });
});

test('rootless by default: your uid is 0, your subuid ranges follow from 1', () => {
  const host = fixture({ subuid: 'alice:100000:65536\nalice:300000:100\n', subgid: '1001:200000:65536\n' });
  for (const userns of [undefined, 'host']) {
    const p = planUserNamespace(req({ hostFix: host, userns }));
    assert.deepEqual(p.mode, { kind: 'private' });
    assert.deepEqual(p.uidMap, [
      { container: 0, host: UID, size: 1 },
      { container: 1, host: 100000, size: 65536 },
      { container: 65537, host: 300000, size: 100 },
    ]);
    assert.deepEqual(p.gidMap, [
      { container: 0, host: GID, size: 1 },
      { container: 1, host: 200000, size: 65536 },
    ]);
    assert.deepEqual(p.warnings, []);
  }
});

test('without a range, or without newuidmap, rootless falls back to one id with a warning that says how to fix it', () => {
  const noRange = planUserNamespace(req({ hostFix: fixture({ subuid: 'bob:100000:65536\n', subgid: 'alice:100000:65536\n' }) }));
  assert.deepEqual(noRange.uidMap, [{ container: 0, host: UID, size: 1 }]);
  assert.deepEqual(noRange.gidMap, [{ container: 0, host: GID, size: 1 }]);
  assert.equal(noRange.warnings.length, 1);
  assert.match(noRange.warnings[0], /alice has no range in \S*subuid: using a single mapping/);
  // the suggested range avoids bob's
  assert.match(noRange.warnings[0], /usermod --add-subuids 165536-231071 --add-subgids 165536-231071 alice/);
  assert.match(noRange.warnings[0], /alice:165536:65536 to both \/etc\/subuid and \/etc\/subgid/);

  const noTools = planUserNamespace(req({ hostFix: fixture({ tools: false }) }));
  assert.deepEqual(noTools.uidMap, [{ container: 0, host: UID, size: 1 }]);
  assert.match(noTools.warnings[0], /newuidmap and newgidmap were not found in PATH/);
  assert.match(noTools.warnings[0], /apt-get install uidmap/);
});

test('--uidmap/--gidmap: as root taken as given; rootless counted in your own namespace', () => {
  const root = planUserNamespace(req({ rootless: false, uid: 0, gid: 0, uidmap: ['0:300000:1000'] }));
  assert.deepEqual(root.uidMap, [{ container: 0, host: 300000, size: 1000 }]);
  assert.deepEqual(root.gidMap, root.uidMap, 'without --gidmap the uid map serves for gids too (podman)');
  const both = planUserNamespace(req({ rootless: false, uid: 0, gid: 0, uidmap: ['0:300000:10'], gidmap: ['0:400000:10'] }));
  assert.deepEqual(both.gidMap, [{ container: 0, host: 400000, size: 10 }]);

  const rl = planUserNamespace(req({ uidmap: ['0:1:10', '10:0:1'] }));
  assert.deepEqual(rl.uidMap, [
    { container: 0, host: 100000, size: 10 },
    { container: 10, host: UID, size: 1 },
  ]);
  assert.throws(() => planUserNamespace(req({ uidmap: ['0:1:70000'] })), userError(/--uidmap refers to uid 65537 of your own namespace, which has only uids 0, 1-65536/));
  assert.throws(() => planUserNamespace(req({ userns: 'auto', uidmap: ['0:1:10'] })), userError(/cannot be combined/));
  assert.throws(() => planUserNamespace(req({ rootless: false, uid: 0, uidmap: ['1:300000:10'] })), userError(/does not map container uid 0/));
});

test('--userns=auto as root takes a free range from the containers user, or from the documented default pool', () => {
  const host = fixture({ subuid: 'alice:100000:65536\ncontainers:1000000:150000\n', subgid: 'containers:2000000:150000\n' });
  const inUse = [{ uidMap: [{ container: 0, host: 1000000, size: 65536 }], gidMap: [{ container: 0, host: 2000000, size: 65536 }] }];
  const p = planUserNamespace(req({ hostFix: host, rootless: false, uid: 0, gid: 0, userns: 'auto', mapsInUse: () => inUse }));
  assert.deepEqual(p.uidMap, [{ container: 0, host: 1065536, size: 65536 }]);
  assert.deepEqual(p.gidMap, [{ container: 0, host: 2065536, size: 65536 }]);
  const small = planUserNamespace(req({ hostFix: host, rootless: false, uid: 0, gid: 0, userns: 'auto:size=1000', mapsInUse: () => [...inUse, p] }));
  assert.deepEqual(small.uidMap, [{ container: 0, host: 1131072, size: 1000 }]);
  assert.throws(
    () => planUserNamespace(req({ hostFix: host, rootless: false, uid: 0, gid: 0, userns: 'auto', mapsInUse: () => [...inUse, p, small] })),
    userError(/no 65536 free uids are left in the ranges of 'containers'[\s\S]*tsbox rm/),
  );

  // no `containers` entry: the default pool, minus every range given to anyone
  const plain = fixture({ subuid: `alice:${DEFAULT_AUTO_POOL.start}:100\n` });
  const d = planUserNamespace(req({ hostFix: plain, rootless: false, uid: 0, gid: 0, userns: 'auto' }));
  assert.deepEqual(d.uidMap, [{ container: 0, host: DEFAULT_AUTO_POOL.start + 100, size: 65536 }]);
  assert.deepEqual(d.gidMap, [{ container: 0, host: DEFAULT_AUTO_POOL.start + 100, size: 65536 }]);
});

test('--userns=auto rootless allocates inside your own range, ignoring containers that share your uid', () => {
  const shared = planUserNamespace(req({})); // a default rootless container: holds the whole range
  const a = planUserNamespace(req({ userns: 'auto:size=1000', mapsInUse: () => [shared] }));
  assert.deepEqual(a.uidMap, [{ container: 0, host: 100000, size: 1000 }]);
  const b = planUserNamespace(req({ userns: 'auto:size=1000', mapsInUse: () => [shared, a] }));
  assert.deepEqual(b.uidMap, [{ container: 0, host: 101000, size: 1000 }]);
  assert.throws(() => planUserNamespace(req({ userns: 'auto', hostFix: fixture({ subuid: '' }) })), userError(/--userns=auto needs more than your own id, but alice has no range/));
});

test('--userns=keep-id: your uid inside is your uid outside, and CMD runs as you', () => {
  const p = planUserNamespace(req({ userns: 'keep-id' }));
  assert.deepEqual(p.uidMap, [
    { container: 0, host: 100000, size: 1001 },
    { container: 1001, host: UID, size: 1 },
    { container: 1002, host: 101001, size: 64535 },
  ]);
  assert.deepEqual(p.defaultUser, { uid: UID, gid: GID });
  const other = planUserNamespace(req({ userns: 'keep-id:uid=0,gid=0' }));
  assert.deepEqual(other.uidMap, [
    { container: 0, host: UID, size: 1 },
    { container: 1, host: 100000, size: 65536 },
  ]);
  assert.throws(() => planUserNamespace(req({ rootless: false, uid: 0, gid: 0, userns: 'keep-id' })), userError(/keep-id is for rootless users/));
  assert.throws(() => planUserNamespace(req({ userns: 'keep-id', hostFix: fixture({ tools: false }) })), userError(/keep-id needs more than your own id, but newuidmap/));
});

test('user namespaces disabled by sysctl are refused with the file at fault and the fix (fixtures)', () => {
  const max0 = fixture({ sysctl: { max: '0\n' } });
  for (const rootless of [true, false]) {
    assert.throws(
      () => planUserNamespace(req({ hostFix: max0, rootless, uid: rootless ? UID : 0, userns: rootless ? undefined : 'auto' })),
      userError(/user namespaces are disabled on this host: \S*max_user_namespaces is 0[\s\S]*sysctl -w user.max_user_namespaces=/),
    );
  }
  // root in the host namespace never needs one, so nothing is checked
  assert.equal(planUserNamespace(req({ hostFix: max0, rootless: false, uid: 0 })).mode.kind, 'host');

  const apparmor = fixture({ sysctl: { apparmor: '1\n' } });
  assert.throws(() => planUserNamespace(req({ hostFix: apparmor })), userError(/AppArmor restricts unprivileged user namespaces[\s\S]*apparmor_restrict_unprivileged_userns=0/));
  assert.equal(usernsUnavailable(false, apparmor.sysctls), undefined, 'root is not restricted by AppArmor');
  const clone0 = fixture({ sysctl: { clone: '0\n' } });
  assert.throws(() => planUserNamespace(req({ hostFix: clone0 })), userError(/only root create user namespaces[\s\S]*unprivileged_userns_clone=1/));
  // missing knobs (kernels without them) mean "allowed"
  assert.equal(usernsUnavailable(true, fixture().sysctls), undefined);
});

test('an image with files of ids the container cannot map is refused, naming the id, the file and the fix', { skip: process.getuid?.() !== 0 && 'chown needs root' }, () => {
  const rootfs = path.join(dir, 'img', 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(rootfs, 'etc/shadow'), '');
  fs.chownSync(path.join(rootfs, 'etc/shadow'), 0, 42);
  const root = (userns: string) => req({ rootless: false, uid: 0, gid: 0, userns, imageRootfs: rootfs, imageName: 'img' });
  assert.throws(
    () => planUserNamespace(root('auto:size=10')),
    userError(/potentially insufficient GIDs: \/etc\/shadow in image 'img' is owned by gid 42, but the container's user namespace maps only gids 0-9[\s\S]*--userns=auto:size=43/),
  );
  assert.throws(() => planUserNamespace(req({ rootless: false, uid: 0, gid: 0, uidmap: ['0:300000:10'], imageRootfs: rootfs })), userError(/gid 42[\s\S]*Extend --gidmap/));

  fs.mkdirSync(path.join(rootfs, 'home/nobody'), { recursive: true });
  fs.chownSync(path.join(rootfs, 'home/nobody'), 65534, 65534);
  const owners = imageOwners(rootfs);
  assert.equal(owners.gids.get(42), '/etc/shadow');
  assert.equal(owners.uids.get(65534), '/home/nobody');
  assert.equal(owners.uids.get(0), '/');
  assert.throws(() => planUserNamespace(root('auto:size=1000')), userError(/insufficient UIDs: \/home\/nobody .* uid 65534[\s\S]*auto:size=65535/));
  assert.equal(planUserNamespace(root('auto:size=65535')).uidMap[0].size, 65535);

  // rootless: the image holds host ids of the caller's namespace (uid, subuids)
  const mine = path.join(dir, 'mine', 'rootfs');
  fs.mkdirSync(path.join(mine, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(mine, 'etc/shadow'), '');
  for (const p of [path.join(dir, 'mine'), mine, path.join(mine, 'etc')]) fs.chownSync(p, UID, GID);
  fs.chownSync(path.join(mine, 'etc/shadow'), UID, 100041); // gid 42 of alice's namespace
  assert.deepEqual(planUserNamespace(req({ imageRootfs: mine })).warnings, []);
  assert.throws(
    () => planUserNamespace(req({ imageRootfs: mine, userns: 'auto:size=10' })),
    userError(/etc\/shadow in image 'mine' is owned by gid 42, but .* maps only gids 0-9/),
  );
  // the range is gone: nothing of alice's can map host gid 100041 any more
  assert.throws(
    () => planUserNamespace(req({ imageRootfs: mine, hostFix: fixture({ subuid: '' }) })),
    userError(/owned by host gid 100041, which is neither yours nor in your range in \/etc\/subgid/),
  );
  // keep-id with fewer subuids than your uid: view id 10 has no container id
  fs.chownSync(path.join(mine, 'etc/shadow'), UID, 100009);
  assert.throws(
    () => planUserNamespace(req({ imageRootfs: mine, userns: 'keep-id', hostFix: fixture({ subuid: 'alice:100000:10\n' }) })),
    userError(/owned by gid 10, but the container's user namespace maps only gids 0-9, 1001[\s\S]*usermod --add-subgids 100010-165545 alice/),
  );
  fs.chownSync(path.join(mine, 'etc/shadow'), UID, 100041);
  // no newuidmap: the range exists but cannot be mapped now
  assert.throws(
    () => planUserNamespace(req({ imageRootfs: mine, hostFix: fixture({ tools: false }) })),
    userError(/owned by gid 42, but the container's user namespace maps only gids 0[\s\S]*apt-get install uidmap/),
  );
});

test('idMapReport says where each range comes from, for a container and for the caller', () => {
  const host = fixture({ subuid: 'containers:1000000:200000\n', subgid: 'containers:1000000:200000\n' });
  const rec = {
    id: 'abc',
    name: 'web',
    state: 'created',
    pid: 0,
    spec: {
      namespaces: { user: { kind: 'private' } },
      uidMap: [{ container: 0, host: 1065536, size: 65536 }],
      gidMap: [{ container: 0, host: 3000000, size: 10 }],
    },
  } as unknown as ContainerRecord;
  const r = idMapReport(rec, { rootless: false, host });
  assert.equal(r.source, 'spec');
  assert.equal(r.uidMap[0].from, `${host.subids.uid} containers:1000000:200000`);
  assert.equal(r.gidMap[0].from, `not in ${host.subids.gid}`);
  const hostRec = { ...rec, spec: { ...rec.spec, namespaces: { user: { kind: 'host' } } } } as unknown as ContainerRecord;
  assert.deepEqual(idMapReport(hostRec, { rootless: false, host }).uidMap, [{ container: 0, host: 0, size: 4294967295, from: 'the host (no user namespace)' }]);
  // the caller's own namespace, as root: the host's
  assert.equal(idMapReport(undefined, { rootless: false, host }).userns, 'host');
  const me = callerNamespace(true, UID, GID, fixture());
  assert.deepEqual(me.uidMap, [
    { container: 0, host: UID, size: 1 },
    { container: 1, host: 100000, size: 65536 },
  ]);
});

test('findInPath finds executables like execvp, ignoring relative entries and non-executables', () => {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'newuidmap'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'newgidmap'), '', { mode: 0o644 });
  assert.equal(findInPath('newuidmap', `relative:${bin}`), path.join(bin, 'newuidmap'));
  assert.equal(findInPath('newuidmap', 'relative'), null);
  assert.equal(findInPath('nothing-here', bin), null);
  assert.equal(findInPath('newgidmap', bin), null, 'no x bit: not executable, even for root');
});
