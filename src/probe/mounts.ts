// Every mount in a process's mount namespace, from /proc/PID/mountinfo, with
// its propagation named as mount(8) would: what the Mounts tab lists.
import fs from 'node:fs';
import { parseMountinfo, type MountinfoEntry } from './cgroupfiles.js';

export interface MountRow {
  mountPoint: string;
  fsType: string;
  source: string;
  /** the directory of the filesystem that is mounted ("/" unless a bind mount) */
  root: string;
  /** private, shared:N, slave:N (master N), unbindable; several joined by ", " */
  propagation: string;
  /** per-mount options, then the filesystem's own (duplicates left out) */
  options: string[];
}

/** The optional fields of a mountinfo line as a propagation word (proc(5)). */
export function propagationOf(optional: string[]): string {
  const out: string[] = [];
  for (const f of optional) {
    if (f.startsWith('shared:')) out.push(f);
    else if (f.startsWith('master:')) out.push(`slave:${f.slice(7)}`);
    else if (f.startsWith('propagate_from:')) out.push(`from:${f.slice(15)}`);
    else if (f === 'unbindable') out.push('unbindable');
  }
  return out.length ? out.join(', ') : 'private';
}

export function mountRow(e: MountinfoEntry): MountRow {
  const options = [...e.mountOptions];
  for (const o of e.superOptions) if (!options.includes(o)) options.push(o);
  return { mountPoint: e.mountPoint, fsType: e.fsType, source: e.source, root: e.root, propagation: propagationOf(e.optional), options };
}

/** The mounts `pid` sees, in the kernel's order (parents first); null when the process is gone. */
export function readMounts(pid: number): MountRow[] | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
  } catch {
    return null;
  }
  return parseMountinfo(text).map(mountRow);
}
