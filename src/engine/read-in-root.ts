// Files of an image's tree or of a running container, read for the engine
// (their /etc/passwd and /etc/group, for `-u NAME`). Such a tree is its
// owner's: its /etc/passwd may be a symlink to the host's /etc/shadow, to
// /dev/zero or to /proc/self/root/..., which a plain read would follow out
// of it. Node cannot resolve a path inside a root (openat2), so the helper
// reads them: tsbox-helper read-file, native/readfile.c. It is spawned only
// when a name must be looked up; a numeric UID:GID needs no file.
import { childProcess } from './lazy.js';
import { UserError } from '../common/errors.js';

/** An image's tree, or the root of a running container's init (its pid, pinned by its start time). */
export type FileRoot = { dir: string } | { pid: number; pidStart: number };

/** Larger /etc/passwd and /etc/group are refused, not read (real ones are a few KiB; 4 MiB is ~50000 users). */
export const ETC_FILE_MAX = 4 * 1024 * 1024;
/** read-file never waits on the file itself; this bounds a helper stuck anyway (a hung filesystem). */
const TIMEOUT_MS = 10_000;
/** read-file's exit code for a path that does not exist */
const NOT_FOUND = 1;

/** FILE (absolute, inside ROOT) as text, or undefined when there is none. WHAT names it in errors. */
export function readFileInRoot(helper: string, root: FileRoot, file: string, what: string): string | undefined {
  const where = 'dir' in root ? ['--root', root.dir] : ['--pid', String(root.pid), '--pid-start', String(root.pidStart)];
  const r = childProcess().spawnSync(helper, ['read-file', ...where, '--max', String(ETC_FILE_MAX), file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: ETC_FILE_MAX + 1,
    timeout: TIMEOUT_MS,
  });
  if (r.error) {
    const timedOut = (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
    throw new UserError(`cannot read ${what}: ${timedOut ? `no answer within ${TIMEOUT_MS / 1000} s` : r.error.message}`, 125, HINT);
  }
  if (r.status === 0) return r.stdout.toString('utf8');
  if (r.status === NOT_FOUND) return undefined;
  const why = r.stderr.toString().trim().replace(/^tsbox-helper: read-file: /, '');
  throw new UserError(`cannot read ${what}: ${why || `tsbox-helper read-file ended with ${r.status ?? r.signal}`}`, 125, HINT);
}

const HINT = `It is read inside the container's root, and only as a regular file of at most ${ETC_FILE_MAX / 1024 / 1024} MiB. Fix the file, or give a numeric -u UID:GID, which needs no lookup.`;
