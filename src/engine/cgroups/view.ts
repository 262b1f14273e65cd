// What the container sees at /sys/fs/cgroup: each of its cgroup directories
// under the name its hierarchy has on the host (memory, cpu,cpuacct,
// unified), or the v2 one as /sys/fs/cgroup itself on a pure v2 host. The
// helper mounts them (native/cgroupfs.c, --cgroup-mount).
import path from 'node:path';
import type { CgroupLayout } from '../../probe/cgroup-layout.js';

export interface CgroupView {
  /** the container's cgroup directory on the host */
  dir: string;
  /** its name under /sys/fs/cgroup ('.': /sys/fs/cgroup itself) */
  name: string;
}

export function cgroupViews(dirs: string[], layout: CgroupLayout): CgroupView[] {
  const mounts = [...new Set(Object.values(layout.v1)), ...(layout.v2Root ? [layout.v2Root] : [])];
  const views: CgroupView[] = [];
  for (const dir of dirs) {
    const mount = mounts.filter((m) => dir.startsWith(`${m}/`)).sort((a, b) => b.length - a.length)[0];
    if (!mount) continue;
    const name = mount === '/sys/fs/cgroup' ? '.' : path.basename(mount);
    // a host with two hierarchies of one name elsewhere: the first one shows
    if (views.some((v) => v.name === name || v.name === '.' || name === '.')) continue;
    views.push({ dir, name });
  }
  return views;
}
