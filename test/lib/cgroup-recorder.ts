// Records, as they appear, the container cgroups (<hierarchy>/tsbox/<id>)
// made for containers in this run's state roots (test/lib/suite-run.ts). The
// cgroup is named by the container id alone, and a container of `run --rm`
// is gone by the time its test could look: a cgroup it left behind would name
// nobody. When a cgroup is made, its container's state directory exists (the
// engine makes it at create, before any cgroup, and removes it after them),
// so that is when it can be told whose it is.
//
// Started by test/aa as `node cgroup-recorder.js RUN_DIR RUNNER_PID`, stopped
// by test/zz; if the run ends without that, it removes RUN_DIR and exits.
import fs from 'node:fs';
import path from 'node:path';
import { readLines, runFiles } from './suite-run.js';

const [dir, runner] = process.argv.slice(2);
const run = runFiles(dir);
const CGROUP = '/sys/fs/cgroup';
const ID = /^[0-9a-f]{64}$/;
const ours = new Set<string>();
const parents = new Map<string, fs.FSWatcher>();

/** NAME appeared or went in a cgroup parent: record it if it is a container of one of the run's roots. */
function check(name: string): void {
  if (ours.has(name) || !ID.test(name)) return;
  if (!readLines(run.paths).some((root) => fs.existsSync(path.join(root, 'data/containers', name)))) return;
  ours.add(name);
  fs.appendFileSync(run.ids, `${name}\n`);
}

/** Watch <hierarchy>/tsbox: it is made and removed again over a run (by the engine, and by tests when it is empty). */
function watchParent(hierarchy: string): void {
  const parent = path.join(CGROUP, hierarchy, 'tsbox');
  parents.get(parent)?.close();
  parents.delete(parent);
  try {
    const w = fs.watch(parent, (_event, name) => name && check(name));
    w.on('error', () => {
      w.close();
      parents.delete(parent);
    });
    parents.set(parent, w);
    // those made before the watch was
    for (const name of fs.readdirSync(parent)) check(name);
  } catch (e) {
    // not there: the hierarchy's own watch calls again when it is made
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

for (const h of fs.readdirSync(CGROUP, { withFileTypes: true })) {
  if (!h.isDirectory()) continue; // cpu -> cpu,cpuacct and the like: the same hierarchy
  fs.watch(path.join(CGROUP, h.name), (_event, name) => name === 'tsbox' && watchParent(h.name));
  watchParent(h.name);
}

/** A process's start time (/proc/PID/stat field 22): with the pid, it names one process for good. */
const startTime = (pid: string) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[19];
const runnerStart = startTime(runner);
setInterval(() => {
  try {
    if (startTime(runner) === runnerStart) return;
  } catch {
    /* gone */
  }
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}, 1000);

fs.writeFileSync(run.recorderReady, `${process.pid}\n`);
