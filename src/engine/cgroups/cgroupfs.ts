// Small I/O helpers for cgroupfs: every failure becomes an error that names
// the file and says what the errno means there.
import fs from 'node:fs';
import { delay } from '../fsutil.js';
import { UserError } from '../../common/errors.js';

export function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

/** What an errno from a cgroup file write usually means, for the message. */
function explainWrite(code: string | undefined): string {
  switch (code) {
    case 'EACCES':
    case 'ENOENT':
      return 'the file does not exist (controller not enabled for this cgroup) or is not writable';
    case 'EINVAL':
      return 'the kernel rejected the value';
    case 'EBUSY':
      return 'the kernel cannot apply it now';
    case 'ENOSPC':
      return 'no CPUs or memory nodes are assigned (empty cpuset)';
    case 'EPERM':
      return 'permission denied';
    default:
      return code ?? 'unknown error';
  }
}

/** Write a cgroup control file. `what` says what the write is for (a flag
 *  name or a step); `hints` maps an errno to advice for the user. */
export function writeCgroupFile(file: string, value: string, what: string, hints: Record<string, string> = {}): void {
  try {
    fs.writeFileSync(file, value);
  } catch (e) {
    const code = errnoOf(e);
    throw new UserError(
      `cannot apply ${what}: writing '${value}' to ${file} failed: ${explainWrite(code)} (${code ?? String(e)})`,
      125,
      code ? hints[code] : undefined,
    );
  }
}

/** mkdir of one cgroup; false when it already existed. */
export function makeCgroupDir(dir: string): boolean {
  // Looked at first: tsbox's parent cgroups exist nearly always, and an
  // EEXIST costs Node an exception with its stack (8 per container on v1).
  if (fs.existsSync(dir)) return false;
  try {
    fs.mkdirSync(dir);
    return true;
  } catch (e) {
    const code = errnoOf(e);
    if (code === 'EEXIST') return false;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied (creating cgroups needs root)' : code === 'EROFS' ? 'the cgroup filesystem is mounted read-only' : String(code ?? e);
    throw new UserError(`cannot create cgroup ${dir}: ${why}`);
  }
}

/** Contents of a cgroup file, or undefined when the file (or its cgroup) is gone. */
export function readCgroupFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch (e) {
    const code = errnoOf(e);
    if (code === 'ENOENT' || code === 'ENODEV' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

export function exists(file: string): boolean {
  return fs.existsSync(file);
}

/** The pids in a cgroup (cgroup.procs), empty when it is gone. */
export function cgroupPids(dir: string): number[] {
  const text = readCgroupFile(`${dir}/cgroup.procs`);
  if (!text) return [];
  return text.split('\n').filter(Boolean).map(Number);
}

/** Poll `done` every few milliseconds until it holds or `timeoutMs` passes. */
export async function waitFor(done: () => boolean, timeoutMs: number, stepMs = 5): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (done()) return true;
    if (Date.now() >= until) return false;
    await delay(stepMs);
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Block the thread for `ms`: for the few synchronous waits the API needs
 *  (killAll freezes a v1 cgroup before signalling it). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}
