// The rootless tests run the CLI as a throwaway user, who may not be able to
// reach the checkout at all: a clone under /root (mode 0700, as home
// directories are) is closed to everyone else whatever the modes inside it.
// So those tests run a copy of what `tsbox` needs at run time, in a temp dir
// of the run's that anyone may read:
//   bin/              tsbox.js, and package.json that makes it CommonJS
//   dist/cli/         the bundle (it requires only Node's built-ins and its
//                     own files: test/unit/cli-bundle.test.ts) and its V8
//                     code caches, with their times: bin/tsbox.js takes a
//                     cache only if it is not older than the bundle
//   native/           tsbox-helper and tsbox-spawn.node, which the bundle
//                     finds next to it (../../native)
//   dist/src/, dist/test/lib/, package.json (type: module)
//                     for the tests that import the engine or the busybox
//                     fixture as that user
//   node_modules/     dist/test/lib starts programs through execa
//                     (test/lib/programs.ts), which the user's imports load
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './cli.js';
import { tempDir } from './suite-run.js';

const NEEDED = ['package.json', 'bin', 'dist/cli', 'dist/src', 'dist/test/lib', 'native/tsbox-helper', 'node_modules'];
/** built only where Node's headers are installed; without it the bundle starts the helper with child_process */
const OPTIONAL = ['native/tsbox-spawn.node'];

export interface Install {
  /** remove with fs.rmSync(dir, { recursive: true }) */
  dir: string;
  bin: string;
  helper: string;
  /** the copy's dist/, for modules imported as the user */
  dist: string;
}

export function readableInstall(): Install {
  const dir = tempDir('tsbox-install-');
  for (const p of [...NEEDED, ...OPTIONAL.filter((o) => fs.existsSync(path.join(REPO, o)))]) {
    fs.cpSync(path.join(REPO, p), path.join(dir, p), { recursive: true, preserveTimestamps: true });
  }
  openToAll(dir);
  return { dir, bin: path.join(dir, 'bin/tsbox.js'), helper: path.join(dir, 'native/tsbox-helper'), dist: path.join(dir, 'dist') };
}

/** a+rX on the tree: a clone made with umask 077 has files only their owner may read. */
function openToAll(p: string): void {
  const st = fs.lstatSync(p);
  if (st.isSymbolicLink()) return;
  fs.chmodSync(p, st.isDirectory() || st.mode & 0o100 ? 0o755 : 0o644);
  if (st.isDirectory()) for (const e of fs.readdirSync(p)) openToAll(path.join(p, e));
}
