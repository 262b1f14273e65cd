// How the dashboard uses the stats sweep (src/probe/stats.ts) with hundreds
// of containers: the rows on screen are read every second, the rest every
// few seconds, so the files of containers not read this time stay open
// (keepOpen), and the limits of those nobody looks at are re-read less often
// (current). Against copies of the cgroup v2 fixture tree (this hybrid
// machine has no v2 memory/cpu/pids files; see test/fixtures/cgroupv2), since
// what is checked is which files are opened and read again, not the kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sweepStats } from '../../src/probe/stats.js';
import { tempDir } from '../lib/suite-run.js';

const RUNNING = fileURLToPath(new URL('../../../test/fixtures/cgroupv2/root/tsbox/9f2c4e7a1b3d5c6e8f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e', import.meta.url));
const MiB = 1024 * 1024;

/** Container cgroup directories copied from the fixture, removed after the test (with every file the sweeps keep open). */
function cgroups(t: { after: (fn: () => void) => void }, ...ids: string[]): Record<string, string> {
  const root = tempDir('tsbox-sweep-');
  t.after(() => {
    sweepStats([]);
    fs.rmSync(root, { recursive: true, force: true });
  });
  return Object.fromEntries(
    ids.map((id) => {
      const dir = path.join(root, id);
      fs.cpSync(RUNNING, dir, { recursive: true });
      return [id, dir];
    }),
  );
}

const target = (id: string, dir: string) => ({ id, pid: 0, cgroupPaths: [dir] });

test('keepOpen: a container not read this time keeps its files; others are closed', (t) => {
  const dirs = cgroups(t, 'x', 'y');
  const [x, y] = [target('x', dirs.x), target('y', dirs.y)];
  assert.deepEqual([...sweepStats([x, y]).keys()], ['x', 'y']);
  // y is off screen this time: its files stay open...
  sweepStats([x], undefined, { keepOpen: new Set(['y']) });
  fs.rmSync(dirs.y, { recursive: true });
  // ...so it is read from them although its directory is gone now
  assert.equal(sweepStats([x, y]).get('y')?.memLimit, 256 * MiB);
  // not named: closed, and gone for good
  sweepStats([x]);
  assert.equal(sweepStats([x, y]).has('y'), false);
});

test('a container whose cgroups moved is read from the new ones', (t) => {
  const dirs = cgroups(t, 'a', 'b');
  fs.writeFileSync(path.join(dirs.b, 'pids.current'), '7\n');
  assert.equal(sweepStats([target('x', dirs.a)]).get('x')?.pids, 5);
  assert.equal(sweepStats([target('x', dirs.b)]).get('x')?.pids, 7);
  // the same directories in a new array (a record read again): the same files
  assert.equal(sweepStats([{ id: 'x', pid: 0, cgroupPaths: [`${dirs.b}`] }]).get('x')?.pids, 7);
});

test('current: limits are re-read after 2 s on screen, after 30 s in the background', (t) => {
  const dirs = cgroups(t, 'x');
  const x = target('x', dirs.x);
  let clock = 1_000_000;
  /** the limit a sweep at time NOW reads */
  const at = (now: number, current?: ReadonlySet<string>) => {
    clock = now;
    return sweepStats([x], undefined, { now: () => now, current }).get('x')?.memLimit;
  };
  assert.equal(at(clock), 256 * MiB);
  // the open file is rewritten in place, as the kernel regenerates it
  fs.writeFileSync(path.join(dirs.x, 'memory.max'), `${128 * MiB}\n`);
  const onScreen = new Set(['x']);
  assert.equal(at(clock + 1999, onScreen), 256 * MiB, 'on screen, within 2 s: the limit as read');
  assert.equal(at(clock + 1, new Set()), 256 * MiB, 'in the background at 2 s: not yet');
  assert.equal(at(clock, onScreen), 128 * MiB, 'on screen at 2 s: read again');
  fs.writeFileSync(path.join(dirs.x, 'memory.max'), `${64 * MiB}\n`);
  assert.equal(at(clock + 29_999, new Set()), 128 * MiB, 'in the background, within 30 s: not yet');
  assert.equal(at(clock + 1, new Set()), 64 * MiB, 'in the background at 30 s: read again');
  // a caller that names no current set: every container is on screen
  fs.writeFileSync(path.join(dirs.x, 'memory.max'), `${32 * MiB}\n`);
  assert.equal(at(clock + 1999), 64 * MiB);
  assert.equal(at(clock + 1), 32 * MiB);
});
