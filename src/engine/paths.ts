// Where tsbox keeps its state. Root: /var/lib/tsbox (persistent) and
// /run/tsbox (runtime, emptied at boot). Rootless: $XDG_DATA_HOME/tsbox and
// $XDG_RUNTIME_DIR/tsbox, with the XDG defaults when those are unset (see
// rootlessDirs). `--root DIR` / TSBOX_ROOT puts both under DIR (tests).
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import { os } from './lazy.js';

export interface Paths {
  /** persistent: containers/, images/, volumes/, labels/ */
  data: string;
  /** runtime: pid and exit files; emptied at reboot */
  run: string;
  containers: string;
  /** name -> id symlinks (names.ts) */
  names: string;
  images: string;
  volumes: string;
  labels: string;
  /** the file lock that serializes state changes */
  lock: string;
}

let initialUserns: boolean | undefined;

/** Are we in the host's user namespace? Its uid_map is the identity over all ids. */
function inInitialUserNamespace(): boolean {
  if (initialUserns === undefined) {
    try {
      initialUserns = /^\s*0\s+0\s+4294967295\s*$/.test(fs.readFileSync('/proc/self/uid_map', 'utf8'));
    } catch {
      initialUserns = true; // no /proc: nothing says otherwise
    }
  }
  return initialUserns;
}

/**
 * Not real root: another uid, or uid 0 of a user namespace (inside
 * `tsbox unshare`), which owns no host state and cannot create cgroups.
 */
export function isRootless(): boolean {
  return process.getuid?.() !== 0 || !inInitialUserNamespace();
}

/**
 * The runtime directory must be ours alone: it holds exit files that decide
 * a container's fate. $XDG_RUNTIME_DIR is set up that way by the login
 * manager; the fallback in a shared /tmp is created here and refused when
 * someone else made it first.
 */
function privateTmpDir(dir: string, uid: number): string {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new UserError(
      `${dir} is not a private directory of uid ${uid} (${st.isDirectory() ? `owner ${st.uid}, mode ${(st.mode & 0o777).toString(8)}` : 'not a directory'}), so tsbox will not keep its runtime state there`,
      125,
      'Set XDG_RUNTIME_DIR to a directory only you can write (a login session sets it to /run/user/UID), or remove that path.',
    );
  }
  return dir;
}

/** XDG base directories, as the spec says: only absolute values count. */
function xdg(name: 'XDG_DATA_HOME' | 'XDG_RUNTIME_DIR'): string | undefined {
  const v = process.env[name];
  return v && path.isAbsolute(v) ? v : undefined;
}

/** Per-user state like podman's: data under $XDG_DATA_HOME (default ~/.local/share), runtime under $XDG_RUNTIME_DIR (default /run/user/UID when it is ours, else a private dir in $TMPDIR). */
export function rootlessDirs(uid = process.getuid!()): { data: string; run: string } {
  const data = path.join(xdg('XDG_DATA_HOME') ?? path.join(os().homedir(), '.local/share'), 'tsbox');
  let runtime = xdg('XDG_RUNTIME_DIR');
  if (!runtime) {
    const session = `/run/user/${uid}`;
    try {
      const st = fs.statSync(session);
      if (st.isDirectory() && st.uid === uid) runtime = session;
    } catch {
      /* no login session */
    }
  }
  const run = runtime ? path.join(runtime, 'tsbox') : privateTmpDir(path.join(os().tmpdir(), `tsbox-run-${uid}`), uid);
  return { data, run };
}

export function resolvePaths(root?: string): Paths {
  const explicit = root ?? process.env.TSBOX_ROOT;
  let data: string;
  let run: string;
  if (explicit) {
    data = path.resolve(explicit, 'data');
    run = path.resolve(explicit, 'run');
  } else if (!isRootless()) {
    data = '/var/lib/tsbox';
    run = '/run/tsbox';
  } else {
    ({ data, run } = rootlessDirs());
  }
  return {
    data,
    run,
    containers: path.join(data, 'containers'),
    names: path.join(data, 'names'),
    images: path.join(data, 'images'),
    volumes: path.join(data, 'volumes'),
    labels: path.join(data, 'labels'),
    lock: path.join(data, 'lock'),
  };
}
