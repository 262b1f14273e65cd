// The resource limits a container's cgroups hold, read from the limit files
// themselves (not from the record, which `tsbox update` or a hand edit can
// leave behind): memory, CPU quota and pids. Read-only, no spawn.
import fs from 'node:fs';
import path from 'node:path';
import { detectLayout, type CgroupLayout } from './cgroup-layout.js';
import { parseCpuMax, parseLimit } from './cgroupfiles.js';

/** One limit: its value (null: none) and the file it was read from; absent: the container has no such cgroup. */
export interface LimitReading {
  value: number | null;
  file: string;
  /** the file's text, trimmed, for evidence */
  text: string;
}

export interface CgroupLimits {
  memory?: LimitReading;
  /** quota in microseconds per period; value is cores (quota / period) */
  cpu?: LimitReading;
  pids?: LimitReading;
}

const FILES = {
  memory: { v1: 'memory.limit_in_bytes', v2: 'memory.max' },
  cpu: { v1: 'cpu.cfs_quota_us', v2: 'cpu.max' },
  pids: { v1: 'pids.max', v2: 'pids.max' },
} as const;

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'latin1').trim();
  } catch {
    return undefined;
  }
}

/** The container's limits; `cgroupPaths` as recorded (one per hierarchy). */
export function readCgroupLimits(cgroupPaths: readonly string[], layout: CgroupLayout = detectLayout()): CgroupLimits {
  const out: CgroupLimits = {};
  const under = (mount: string | undefined) => (mount === undefined ? undefined : cgroupPaths.find((p) => p.startsWith(`${mount}/`)));
  for (const key of ['memory', 'cpu', 'pids'] as const) {
    const v1 = under(layout.v1[key]);
    const v2 = under(layout.v2Root);
    const dir = v1 ?? v2;
    if (dir === undefined) continue;
    const file = path.join(dir, v1 ? FILES[key].v1 : FILES[key].v2);
    const text = read(file);
    if (text === undefined) continue; // no such controller in that cgroup
    let value: number | null;
    if (key !== 'cpu') value = parseLimit(text);
    else if (v1) {
      const quota = parseLimit(text);
      const period = Number(read(path.join(dir, 'cpu.cfs_period_us')) ?? 100000);
      value = quota === null ? null : quota / period;
    } else {
      const { quota, period } = parseCpuMax(text);
      value = quota === null ? null : quota / period;
    }
    out[key] = { value, file, text };
  }
  return out;
}
