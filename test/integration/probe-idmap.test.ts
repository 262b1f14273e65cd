// A real user namespace whose maps this test writes (as root), and a process
// inside it with a chosen uid/gid: the probe's translation must agree with the
// credentials the kernel shows for that process from outside.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readIdMaps, toContainer, toHost } from '../../src/probe/idmap.js';
import { parseStatus } from '../../src/probe/process.js';
import { readNamespaceInodes } from '../../src/probe/namespaces.js';
import { start, type Started } from '../lib/programs.js';

const skip = process.getuid?.() !== 0 ? 'needs root to write id maps' : false;

const started: Started[] = [];
after(async () => {
  for (const c of started) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    }
  }
});

async function startSleeping(cmd: string, args: string[]): Promise<number> {
  const c = start(cmd, [...args, 'sleep', '30'], { stdio: 'ignore' });
  started.push(c);
  for (let i = 0; i < 500; i++) {
    try {
      if (readFileSync(`/proc/${c.pid}/comm`, 'utf8').trim() === 'sleep') return c.pid!;
    } catch {
      /* not there yet */
    }
    await sleep(10);
  }
  throw new Error(`${cmd} never ran sleep`);
}

test('maps of a new user namespace, and translation checked against the kernel', { skip }, async () => {
  const owner = await startSleeping('unshare', ['--user']);
  // Not written yet: the namespace exists but maps nothing.
  assert.deepEqual(readIdMaps(owner), { uid: [], gid: [] });

  writeFileSync(`/proc/${owner}/uid_map`, '0 100000 65536\n');
  writeFileSync(`/proc/${owner}/gid_map`, '0 200000 1000\n1000 300000 10\n');
  const maps = readIdMaps(owner)!;
  assert.deepEqual(maps.uid, [{ container: 0, host: 100000, size: 65536 }]);
  assert.deepEqual(maps.gid, [
    { container: 0, host: 200000, size: 1000 },
    { container: 1000, host: 300000, size: 10 },
  ]);

  // A process inside as uid 5, gid 1003: the kernel shows its host ids from out here.
  const inside = await startSleeping('nsenter', [`--target=${owner}`, '--user', '--setuid=5', '--setgid=1003']);
  assert.equal(readNamespaceInodes(inside).user, readNamespaceInodes(owner).user);
  assert.notEqual(readNamespaceInodes(inside).user, readNamespaceInodes('self').user);
  const status = parseStatus(readFileSync(`/proc/${inside}/status`, 'utf8'));
  const hostUid = Number(status['Uid'].split('\t')[0]);
  const hostGid = Number(status['Gid'].split('\t')[0]);
  assert.equal(toHost(maps.uid, 5), hostUid);
  assert.equal(toHost(maps.gid, 1003), hostGid);
  assert.equal(toContainer(maps.uid, hostUid), 5);
  assert.equal(toContainer(maps.gid, hostGid), 1003);
  // our own uid 0 is not mapped in there (it shows as the overflow id inside)
  assert.equal(toContainer(maps.uid, 0), null);
  assert.deepEqual(readIdMaps(inside), maps, 'same namespace, same maps');
});

test('the initial user namespace maps every id to itself', { skip }, (t) => {
  // The initial user namespace has a fixed inode (PROC_USER_INIT_INO, include/linux/proc_ns.h).
  if (readNamespaceInodes('self').user !== 0xeffffffd) {
    t.skip('the tests do not run in the initial user namespace');
    return;
  }
  const maps = readIdMaps(process.pid)!;
  assert.deepEqual(maps.uid, [{ container: 0, host: 0, size: 4294967295 }]);
  assert.equal(toHost(maps.uid, 1234), 1234);
});

test('a process that is gone gives null', async () => {
  const c = start('true');
  await new Promise((r) => c.once('exit', r));
  assert.equal(readIdMaps(c.pid!), null);
});
