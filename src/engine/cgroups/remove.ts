// Remove a container's cgroups, whatever state its processes are in.
import fs from 'node:fs';
import path from 'node:path';
import { delay } from '../fsutil.js';
import { UserError } from '../../common/errors.js';
import { cgroupPids, errnoOf, exists } from './cgroupfs.js';
import { killAll } from './processes.js';

const RMDIR_ATTEMPTS = 200;
const RMDIR_STEP_MS = 10;

/** Kill what is left (thawing a paused container first), then rmdir each
 *  cgroup and any cgroups the container made below it. Idempotent. */
export async function removeContainerCgroups(paths: string[]): Promise<void> {
  // Usually every process has exited and the container made no cgroups
  // below its own: then one rmdir each is all it takes (a cgroup that still
  // has processes or children refuses rmdir, and gets the full treatment).
  const left = paths.filter((d) => !rmdirIfEmpty(d));
  const present = left.filter(exists);
  if (present.some((d) => cgroupPids(d).length > 0)) killAll(present, 'SIGKILL');
  for (const dir of present) await removeTree(dir);
}

function rmdirIfEmpty(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
    return true;
  } catch (e) {
    return errnoOf(e) === 'ENOENT';
  }
}

async function removeTree(dir: string): Promise<void> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return;
    throw e;
  }
  for (const e of entries) if (e.isDirectory()) await removeTree(path.join(dir, e.name));
  // Killed processes leave their cgroup when they have exited, a moment
  // after the signal: rmdir fails with EBUSY until then.
  for (let attempt = 1; ; attempt++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      const code = errnoOf(e);
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= RMDIR_ATTEMPTS) {
        const pids = cgroupPids(dir);
        throw new UserError(`cannot remove cgroup ${dir}: ${pids.length > 0 ? `processes ${pids.join(', ')} are still in it` : code}`);
      }
      await delay(RMDIR_STEP_MS);
    }
  }
}
