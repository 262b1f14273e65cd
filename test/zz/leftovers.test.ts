// Runs last (the test command takes files in path order): the suite must
// leave none of its own container cgroups, mounts, helper processes or temp
// dirs behind. What is its own was recorded from test/aa on
// (test/lib/suite-run.ts); other containers on the machine do not count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { removeEmptyCgroupParents } from '../lib/cli.js';
import { listLeftovers } from '../lib/leftovers.js';
import { RUN, notedPaths, recordedIds } from '../lib/suite-run.js';
import { until } from '../lib/wait.js';

const skip = !fs.existsSync(RUN.dir) ? 'judges a whole run: npm test (test/aa starts the record)' : false;

test('the tests left none of their container cgroups, mounts, helpers or temp dirs behind', { skip }, async () => {
  const recorder = Number(fs.readFileSync(RUN.recorderPid, 'utf8'));
  /** still running (not exited, nor a zombie waiting for init), and still the recorder, not a pid used again */
  const alive = () => {
    try {
      return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${recorder}/stat`, 'utf8')) && fs.readFileSync(`/proc/${recorder}/cmdline`, 'utf8').includes('cgroup-recorder');
    } catch {
      return false;
    }
  };
  try {
    assert.ok(alive(), 'the cgroup recorder ran to the end of the run');
    const ids = recordedIds();
    assert.ok(ids.length > 0, 'the run made containers, and they were recorded');
    // all at once: what one leak leaves is seen together (a container: its cgroups, its monitor, its root)
    assert.deepEqual(listLeftovers({ paths: notedPaths(), ids }), { cgroups: [], mounts: [], helpers: [], paths: [] }, 'what the suite left behind');
  } finally {
    if (alive()) process.kill(recorder, 'SIGTERM');
    await until(`the recorder (pid ${recorder}) to exit`, () => !alive());
    fs.rmSync(RUN.dir, { recursive: true, force: true });
    removeEmptyCgroupParents();
  }
});
