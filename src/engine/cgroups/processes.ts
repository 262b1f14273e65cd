// The processes in a container's cgroups: freeze, thaw, signal.
import path from 'node:path';
import { UserError } from '../../common/errors.js';
import { keyedValue } from '../../probe/cgroupfiles.js';
import { cgroupPids, errnoOf, exists, readCgroupFile, sleepSync, waitFor, writeCgroupFile } from './cgroupfs.js';

type Freezer = { version: 1; dir: string } | { version: 2; dir: string };

/** The v1 freezer cgroup when there is one (hybrid hosts freeze through it,
 *  as their v1 hierarchies are the ones that hold the limits), else v2's core freezer. */
/** Which of a container's cgroup dirs freezes it never changes: the
 *  dashboard asks for every container every second, so remember it. */
const freezers = new Map<string, Freezer>();

function freezerOf(paths: string[]): Freezer | undefined {
  const key = paths.join('\0');
  const known = freezers.get(key);
  if (known) return known;
  const v1 = paths.find((d) => exists(path.join(d, 'freezer.state')));
  const v2 = v1 ? undefined : paths.find((d) => exists(path.join(d, 'cgroup.freeze')));
  const f: Freezer | undefined = v1 ? { version: 1, dir: v1 } : v2 ? { version: 2, dir: v2 } : undefined;
  if (f) freezers.set(key, f);
  return f;
}

function frozenNow(f: Freezer): boolean {
  if (f.version === 1) return (readCgroupFile(path.join(f.dir, 'freezer.state')) ?? '').trim() === 'FROZEN';
  return keyedValue(readCgroupFile(path.join(f.dir, 'cgroup.events')) ?? '', 'frozen') === 1;
}

function requestFreeze(f: Freezer, frozen: boolean): void {
  if (f.version === 1) writeCgroupFile(path.join(f.dir, 'freezer.state'), frozen ? 'FROZEN' : 'THAWED', frozen ? 'pause' : 'unpause');
  else writeCgroupFile(path.join(f.dir, 'cgroup.freeze'), frozen ? '1' : '0', frozen ? 'pause' : 'unpause');
}

const FREEZE_TIMEOUT_MS = 5000;

/** Freeze or thaw every process of the container, and wait until the kernel
 *  reports it done (v1 freezer.state FROZEN, v2 cgroup.events `frozen 1`). */
export async function setFrozen(paths: string[], frozen: boolean): Promise<void> {
  const f = freezerOf(paths);
  if (!f) {
    throw new UserError(`cannot ${frozen ? 'pause' : 'unpause'}: the container has no freezer cgroup (no v1 freezer hierarchy and no cgroup v2 directory)`);
  }
  requestFreeze(f, frozen);
  let polls = 0;
  const done = await waitFor(() => {
    if (frozenNow(f) === frozen) return true;
    // v1 can stay FREEZING when a task is busy in the kernel; asking again
    // retries the tasks that were missed.
    if (frozen && f.version === 1 && ++polls % 10 === 0) requestFreeze(f, true);
    return false;
  }, FREEZE_TIMEOUT_MS);
  if (!done) {
    if (frozen) requestFreeze(f, false); // half frozen is worse than not paused
    throw new UserError(`could not ${frozen ? 'freeze' : 'thaw'} the processes in ${f.dir} within ${FREEZE_TIMEOUT_MS / 1000} s`);
  }
}

export function isFrozen(paths: string[]): boolean {
  const f = freezerOf(paths);
  return f !== undefined && frozenNow(f);
}

/** Guard against a bug handing us a hierarchy root: that would signal every
 *  process on the host. A container's cgroup has a parent cgroup. */
function assertChildCgroup(dir: string): void {
  if (!path.isAbsolute(dir) || !exists(path.join(path.dirname(dir), 'cgroup.procs'))) {
    throw new Error(`refusing to signal the processes of ${dir}: it is not a child cgroup`);
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (e) {
    if (errnoOf(e) !== 'ESRCH') throw e;
  }
}

/**
 * Send `signal` to every process in the container's cgroups. SIGKILL uses v2
 * cgroup.kill where it exists (atomic, so a forking process cannot escape);
 * otherwise a v1 freezer stops the processes while they are listed and
 * signalled. A frozen container is thawed after SIGKILL so the processes can
 * die; other signals wait for unpause, as with docker.
 */
export function killAll(paths: string[], signal: NodeJS.Signals): void {
  const dirs = paths.filter(exists);
  dirs.forEach(assertChildCgroup);
  const pidsOf = () => [...new Set(dirs.flatMap(cgroupPids))];
  if (signal !== 'SIGKILL') {
    for (const pid of pidsOf()) signalPid(pid, signal);
    return;
  }
  const v2 = dirs.find((d) => exists(path.join(d, 'cgroup.kill')));
  if (v2) writeCgroupFile(path.join(v2, 'cgroup.kill'), '1', 'kill');
  const f = freezerOf(dirs);
  if (f?.version === 1 && !v2) {
    requestFreeze(f, true);
    for (let i = 0; i < 1000 && !frozenNow(f); i++) sleepSync(1);
  }
  // with cgroup.kill this only reaches processes outside the v2 cgroup (none, normally)
  for (const pid of pidsOf()) signalPid(pid, 'SIGKILL');
  if (f) requestFreeze(f, false);
}
