// Runs first (the test command takes files in path order): starts this run's
// record (test/lib/suite-run.ts), by which test/zz/leftovers.test.ts judges
// what the suite left behind, and checks that it records what it must: the
// containers of the run's roots, short-lived ones too, and no others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupRoot, makeRoot, tsbox, tsboxAsync } from '../lib/cli.js';
import { RUN, recordedIds } from '../lib/suite-run.js';
import { until } from '../lib/wait.js';
import { start } from '../lib/programs.js';

const RECORDER = fileURLToPath(new URL('../lib/cgroup-recorder.js', import.meta.url));
const skip = process.getuid?.() !== 0 ? 'needs root (as the suite does)' : false;

test('start recording what this run makes', { skip }, async () => {
  fs.rmSync(RUN.dir, { recursive: true, force: true }); // an earlier run's, under the same pid
  fs.mkdirSync(RUN.dir, { mode: 0o700 });
  const recorder = start(process.execPath, [RECORDER, RUN.dir, String(process.ppid)], { detached: true, stdio: 'ignore' });
  recorder.unref();
  fs.writeFileSync(RUN.recorderPid, `${recorder.pid}\n`);
  await until('the cgroup recorder to watch', () => fs.existsSync(RUN.recorderReady));
});

test('the recorder takes the containers of the run’s roots, one of run --rm too, and not those of other roots', { skip }, async () => {
  // stands for another suite's state root: not noted as this run's
  const foreign = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbox-not-this-run-'));
  const root = makeRoot();
  try {
    const other = tsbox(foreign, ['run', '-d', 'host', 'sleep', '300']);
    assert.equal(other.code, 0, other.stderr);
    const d = tsbox(root, ['run', '-d', 'host', 'sleep', '300']);
    assert.equal(d.code, 0, d.stderr);
    const id = d.stdout.trim();
    await until(`${id} to be recorded`, () => recordedIds().includes(id));
    // run --rm: held until it is recorded, then stopped, so that it goes as --rm goes
    const rm = tsboxAsync(root, ['run', '--rm', '--name', 'once', 'host', 'sleep', '300']);
    await until('the run --rm container to be recorded', () => recordedIds().length === 2);
    assert.equal(tsbox(root, ['kill', 'once']).code, 0);
    assert.equal((await rm).code, 137);
    assert.ok(!recordedIds().includes(other.stdout.trim()), 'the other root’s container is not the run’s');
  } finally {
    cleanupRoot(root);
    cleanupRoot(foreign);
  }
});
