// How many times the kernel's OOM killer killed a process of the container.
import path from 'node:path';
import { keyedValue } from '../../probe/cgroupfiles.js';
import { readCgroupFile } from './cgroupfs.js';

/** v2 memory.events `oom_kill`, v1 memory.oom_control `oom_kill`; 0 without a memory cgroup. */
export function oomKillCount(paths: string[]): number {
  for (const dir of paths) {
    const text = readCgroupFile(path.join(dir, 'memory.events')) ?? readCgroupFile(path.join(dir, 'memory.oom_control'));
    if (text !== undefined) return keyedValue(text, 'oom_kill') ?? 0;
  }
  return 0;
}
