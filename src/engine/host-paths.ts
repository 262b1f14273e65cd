// Guards for operations that rewrite a whole host tree (relabel with :z/:Z,
// chown with :U): which trees must never be touched, and a walk that cannot be
// led out of the tree (no symlinks followed, no other filesystems entered).
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from './errors.js';
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

export interface WalkResult {
  /** every path in the tree, the root first, parents before children */
  paths: string[];
  /** directories where another filesystem is mounted: not entered */
  mountPoints: string[];
}

/**
 * All paths under `root` (itself included), found with lstat: symlinks are
 * listed but never followed, and mount points of other filesystems are not
 * entered, so a bind mount inside the tree cannot lead the walk to /usr.
 */
export function walkTree(root: string): WalkResult {
  const rootStat = fs.lstatSync(root);
  const paths: string[] = [];
  const mountPoints: string[] = [];
  const stack: Array<{ p: string; st: fs.Stats }> = [{ p: root, st: rootStat }];
  while (stack.length > 0) {
    const { p, st } = stack.pop()!;
    if (st.dev !== rootStat.dev) {
      mountPoints.push(p);
      continue;
    }
    paths.push(p);
    if (!st.isDirectory()) continue;
    const names = fs.readdirSync(p).sort().reverse();
    for (const name of names) {
      const child = path.join(p, name);
      stack.push({ p: child, st: fs.lstatSync(child) });
    }
  }
  return { paths, mountPoints };
}
