// Change a running container's limits in place.
import path from 'node:path';
import type { ResourceLimits } from '../types.js';
import { exists, readCgroupFile, writeCgroupFile } from './cgroupfs.js';
import { planLimitWrites, type LimitController, type Placement } from './limits.js';

/** A file every cgroup of the controller has, told apart by version. */
const MARKERS: Record<LimitController, { v1: string; v2: string }> = {
  memory: { v1: 'memory.limit_in_bytes', v2: 'memory.max' },
  cpu: { v1: 'cpu.shares', v2: 'cpu.weight' },
  cpuset: { v1: 'cpuset.cpus', v2: 'cpuset.cpus' },
  pids: { v1: 'pids.max', v2: 'pids.max' },
  blkio: { v1: 'blkio.reset_stats', v2: 'io.stat' },
};

/** Which of a container's cgroup directories serves each controller, from
 *  the files in them (v2 directories are the ones with cgroup.controllers). */
export function placementFromPaths(paths: string[]): Placement {
  const placement: Placement = {};
  for (const dir of paths) {
    const version = exists(path.join(dir, 'cgroup.controllers')) ? 2 : 1;
    for (const c of Object.keys(MARKERS) as LimitController[]) {
      if (placement[c]) continue;
      const marker = version === 2 ? MARKERS[c].v2 : MARKERS[c].v1;
      if (exists(path.join(dir, marker))) placement[c] = { dir, version };
    }
  }
  return placement;
}

/** Apply `limits` (only the fields set) to the container's cgroups. */
export function updateLimits(paths: string[], limits: ResourceLimits): void {
  const writes = planLimitWrites(limits, placementFromPaths(paths), {
    has: (dir, file) => exists(path.join(dir, file)),
    current: (dir, file) => readCgroupFile(path.join(dir, file)),
  });
  for (const w of writes) writeCgroupFile(w.file, w.value, w.flag);
}
