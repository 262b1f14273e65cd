// Guards for host paths the engine hands to the helper: which trees must
// never be rewritten (relabel with :z/:Z, chown with :U), and opening a path
// once, as an fd that is checked to be that very path. The helper then works
// beneath that fd (the walk of native/tree.c follows no symlink and enters no
// other filesystem) and binds it: what was checked is what gets changed and
// mounted, whatever is renamed or swapped for a symlink afterwards.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import { os } from './lazy.js';

/** Trees that belong to the system as a whole: neither they, anything in them, nor anything holding them. */
const SYSTEM_TREES = ['/etc', '/usr', '/boot', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/sys', '/dev'];

/**
 * Directories that hold other people's data: they and anything holding them
 * are refused, but a directory made inside them (/tmp/x, /home/me/project)
 * is fine.
 */
const SHARED_DIRS = ['/', '/home', '/var', '/var/lib', '/var/log', '/var/cache', '/var/spool', '/var/tmp', '/tmp', '/run', '/run/user', '/root', '/opt', '/srv', '/mnt', '/media'];

/** Home directories of every account in /etc/passwd, plus the caller's. */
function homeDirs(): string[] {
  const homes = [os().homedir(), process.env.HOME ?? ''];
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const home = line.split(':')[5];
      if (home) homes.push(home);
    }
  } catch {
    // no /etc/passwd: the caller's home is still guarded
  }
  return homes.filter((h) => h.startsWith('/'));
}

/** A path and, when it exists and differs, its canonical form (/bin -> /usr/bin on merged-usr systems). */
function forms(p: string): string[] {
  const out = [path.resolve(p)];
  try {
    const real = fs.realpathSync(p);
    if (real !== out[0]) out.push(real);
  } catch {
    // absent: only its spelling can match
  }
  return out;
}

const isWithin = (child: string, parent: string) => parent === '/' || child === parent || child.startsWith(parent + '/');

/**
 * Throws a UserError (exit 125) when `target` is a system tree, inside one, or
 * holds one or a shared directory. `action` names what was refused, e.g.
 * 'relabel' or 'chown'. The caller resolves `target` with realpath first.
 */
export function refuseProtectedPath(target: string, action: string, hint: string): void {
  const t = path.resolve(target);
  const fail = (why: string) => {
    throw new UserError(`refusing to ${action} ${t}: ${why}`, 125, hint);
  };
  for (const tree of SYSTEM_TREES) {
    for (const f of forms(tree)) {
      if (isWithin(t, f)) fail(t === f ? 'it is a system directory' : `it is inside the system directory ${f}`);
      if (isWithin(f, t)) fail(`it contains the system directory ${f}`);
    }
  }
  const shared = [...SHARED_DIRS.map((d) => ({ dir: d, what: 'a shared system directory' })), ...homeDirs().map((d) => ({ dir: d, what: 'a home directory' }))];
  for (const { dir, what } of shared) {
    for (const f of forms(dir)) {
      if (t === f) fail(`it is ${what}`);
      if (isWithin(f, t)) fail(`it contains ${f}, ${what}`);
    }
  }
}

/** O_PATH: an fd that names a file without opening it (Linux; node's fs.constants lacks it). */
const O_PATH = 0o10000000;

/** An O_PATH fd on `file` as it is now (a final symlink: the link itself), or undefined when there is none. */
export function openPath(file: string): number | undefined {
  try {
    return fs.openSync(file, O_PATH | fs.constants.O_NOFOLLOW); // libuv adds O_CLOEXEC
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** " to TARGET" of a symlink, for messages ('' when it is gone again). */
function linkTarget(file: string): string {
  try {
    return ` to ${fs.readlinkSync(file)}`;
  } catch {
    return '';
  }
}

/** An fd on a host path, and the path it was checked to name. */
export interface OpenedPath {
  fd: number;
  path: string;
}

/**
 * Open `file` once (O_PATH, a final symlink not followed) and check that the
 * fd names `expected` (default: `file`) exactly: the kernel's name for it
 * has no symlink in it, so a component swapped for a symlink since
 * `expected` was recorded shows up as another path. Returns the fd, or what
 * is there instead (`gone`: nothing).
 */
export function openExact(file: string, expected = file): OpenedPath | { changed: string; gone: boolean } {
  const fd = openPath(file);
  if (fd === undefined) return { changed: 'it no longer exists', gone: true };
  let changed = '';
  if (fs.fstatSync(fd).isSymbolicLink()) changed = `it is now a symlink${linkTarget(file)}`;
  else {
    const now = fs.readlinkSync(`/proc/self/fd/${fd}`);
    if (now !== expected) changed = `it now leads to ${now}`;
  }
  if (!changed) return { fd, path: expected };
  fs.closeSync(fd);
  return { changed, gone: false };
}
