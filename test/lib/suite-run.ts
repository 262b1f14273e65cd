// What one run of the suite made, so that test/zz/leftovers.test.ts judges
// the suite by its own leftovers and not by the containers of others on the
// same machine. A run is one `node --test` process: its test files are its
// children, and they share a directory named by its pid (RUN). test/aa makes
// it and starts test/lib/cgroup-recorder.ts; test/zz stops that and removes it.
//
//   paths  every temp dir and state root the tests made (tempDir, notePath)
//   ids    the containers whose cgroups were made in one of those roots
//          (written by the recorder as the cgroups appear)
//
// Outside a run (a test file on its own) there is no such directory, and
// nothing is noted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The files of a run kept in DIR. */
export function runFiles(dir: string) {
  return {
    dir,
    paths: path.join(dir, 'paths'),
    ids: path.join(dir, 'ids'),
    recorderPid: path.join(dir, 'recorder.pid'),
    recorderReady: path.join(dir, 'recorder.ready'),
  };
}

/** The run this test file is part of. */
export const RUN = runFiles(path.join(os.tmpdir(), `tsbox-test-run-${process.ppid}`));

/** Note P as made by this run: test/zz checks that it is gone and that nothing left running or mounted names it. */
export function notePath(p: string): void {
  try {
    fs.appendFileSync(RUN.paths, `${p}\n`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // not in a run
  }
}

/** A new empty directory `<base>/<prefix>XXXXXX` (mode 0700), noted as this run's. */
export function tempDir(prefix: string, base: string = os.tmpdir()): string {
  const dir = fs.mkdtempSync(path.join(base, prefix));
  notePath(dir);
  return dir;
}

export function readLines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export const notedPaths = (): string[] => [...new Set(readLines(RUN.paths))];
export const recordedIds = (): string[] => [...new Set(readLines(RUN.ids))];

/** Does TEXT name path P (P itself or something below it, not a longer name that starts like it)? */
export function mentions(text: string, p: string): boolean {
  for (let i = text.indexOf(p); i >= 0; i = text.indexOf(p, i + 1)) {
    const next = text[i + p.length];
    if (next === undefined || !/[\w.-]/.test(next)) return true;
  }
  return false;
}
