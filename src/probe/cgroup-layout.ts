// Which cgroup hierarchies this host has, from /proc/self/mountinfo: pure v2
// (one cgroup2 mount), pure v1 (one cgroup mount per controller or group of
// controllers), or hybrid (v1 controllers plus a cgroup2 mount, as systemd's
// "hybrid" mode sets up at /sys/fs/cgroup/unified).
import fs from 'node:fs';
import { UserError } from '../common/errors.js';
import { parseMountinfo, type MountinfoEntry } from './cgroupfiles.js';

export interface CgroupLayout {
  kind: 'v1' | 'v2' | 'hybrid';
  /** mount point of the cgroup2 hierarchy (v2 and hybrid) */
  v2Root?: string;
  /** v1 controller -> mount point (controllers co-mounted, e.g. cpu,cpuacct, share one) */
  v1: Record<string, string>;
  /** controllers the v2 hierarchy offers (its root's cgroup.controllers) */
  v2Controllers: string[];
}

/** The controllers a v1 `cgroup` mount can carry; other super options
 *  (rw, name=systemd, xattr, ...) are not controllers. */
const V1_CONTROLLER_NAMES = new Set([
  'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'blkio',
  'perf_event', 'net_prio', 'hugetlb', 'pids', 'rdma', 'misc',
]);

const cache = new Map<string, CgroupLayout>();

/** The host's layout, read once per mountinfo path. */
export function detectLayout(mountinfoPath = '/proc/self/mountinfo'): CgroupLayout {
  let layout = cache.get(mountinfoPath);
  if (!layout) {
    layout = layoutFromMountinfo(fs.readFileSync(mountinfoPath, 'utf8'), readV2Controllers);
    cache.set(mountinfoPath, layout);
  }
  return layout;
}

function readV2Controllers(v2Root: string): string[] {
  try {
    return fs.readFileSync(`${v2Root}/cgroup.controllers`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** The layout seen by a process with this mountinfo. Only mounts that path
 *  lookups can reach count: a tmpfs mounted over /sys/fs/cgroup/unified hides
 *  the cgroup2 mount although mountinfo still lists it. */
export function layoutFromMountinfo(text: string, v2ControllersOf: (v2Root: string) => string[]): CgroupLayout {
  const mounts = visibleMounts(parseMountinfo(text));
  const v1: Record<string, string> = {};
  let v2Root: string | undefined;
  // Prefer mounts of a hierarchy's root ("/"): inside a cgroup namespace or a
  // bind mount of a sub-cgroup the mount shows only part of the hierarchy.
  const ordered = [...mounts].sort((a, b) => Number(b.root === '/') - Number(a.root === '/'));
  for (const m of ordered) {
    if (m.fsType === 'cgroup2') {
      v2Root ??= m.mountPoint;
    } else if (m.fsType === 'cgroup') {
      for (const opt of m.superOptions) if (V1_CONTROLLER_NAMES.has(opt)) v1[opt] ??= m.mountPoint;
    }
  }
  const hasV1 = Object.keys(v1).length > 0;
  if (!hasV1 && v2Root === undefined) {
    throw new UserError(
      'no cgroup filesystem is mounted, so containers cannot get resource limits or stats',
      125,
      'Mount cgroup2 at /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup).',
    );
  }
  const kind = !hasV1 ? 'v2' : v2Root === undefined ? 'v1' : 'hybrid';
  return { kind, v2Root, v1, v2Controllers: v2Root === undefined ? [] : v2ControllersOf(v2Root) };
}

/** Mounts reachable by path lookup. A mount is hidden when another one is
 *  stacked on it (child at the same mount point), or when a sibling is mounted
 *  on one of its ancestor directories (that sibling came later and covers it),
 *  or when its parent cannot be reached. */
function visibleMounts(all: MountinfoEntry[]): MountinfoEntry[] {
  const byId = new Map(all.map((m) => [m.id, m]));
  const children = new Map<number, MountinfoEntry[]>();
  for (const m of all) {
    const list = children.get(m.parent) ?? [];
    list.push(m);
    children.set(m.parent, list);
  }
  const under = (dir: string, path: string) => path.startsWith(dir === '/' ? '/' : dir + '/');
  const stackedOn = (m: MountinfoEntry) => (children.get(m.id) ?? []).some((c) => c.mountPoint === m.mountPoint);
  const coveredBySibling = (m: MountinfoEntry) =>
    m.parent !== m.id &&
    (children.get(m.parent) ?? []).some((s) => s !== m && under(s.mountPoint, m.mountPoint));
  // reachable: path lookup arrives at m's mount point (something may still sit on top of it)
  const memo = new Map<number, boolean>();
  const reachable = (m: MountinfoEntry): boolean => {
    const known = memo.get(m.id);
    if (known !== undefined) return known;
    memo.set(m.id, false); // a cycle in corrupt input must not recurse forever
    const p = byId.get(m.parent);
    let ok = !coveredBySibling(m);
    if (ok && p && p !== m) ok = p.mountPoint === m.mountPoint ? reachable(p) : reachable(p) && !stackedOn(p);
    memo.set(m.id, ok);
    return ok;
  };
  return all.filter((m) => reachable(m) && !stackedOn(m));
}
