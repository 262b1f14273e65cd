// The process security probe against processes whose credentials setpriv(1)
// set (root only). Expectations come from what we asked setpriv for.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readProcessSecurity } from '../../src/probe/process.js';
import { boundingCaps } from '../../src/engine/capabilities.js';
import { start, type Started } from '../lib/programs.js';

const skip = process.getuid?.() !== 0 ? 'needs root to change credentials' : false;

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

/** Start `setpriv ARGS sleep 30` and return its pid once sleep runs (setpriv has applied everything). */
async function setpriv(args: string[]): Promise<number> {
  const c = start('setpriv', [...args, 'sleep', '30'], { stdio: 'ignore' });
  started.push(c);
  for (let i = 0; i < 500; i++) {
    try {
      if (readFileSync(`/proc/${c.pid}/comm`, 'utf8').trim() === 'sleep') return c.pid!;
    } catch {
      /* not there yet */
    }
    await sleep(10);
  }
  throw new Error('setpriv never ran sleep');
}

test('a limited bounding set: exactly those capabilities, not privileged', { skip }, async () => {
  const pid = await setpriv(['--bounding-set=-all,+chown,+kill,+net_bind_service']);
  const s = readProcessSecurity(pid)!;
  const want = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  assert.deepEqual(s.capBnd, want);
  // root's exec: permitted and effective are the bounding set
  assert.deepEqual(s.capPrm, want);
  assert.deepEqual(s.capEff, want);
  assert.equal(s.privileged, false);
  assert.deepEqual(s.uid, [0, 0, 0, 0]);
  assert.equal(s.noNewPrivs, false);
  assert.equal(s.seccomp, 'disabled');
  assert.equal(s.seccompFilters, 0);
});

test('another user with no_new_privs: no effective caps, full bounding set', { skip }, async () => {
  const pid = await setpriv(['--reuid=1234', '--regid=4321', '--clear-groups', '--nnp']);
  const s = readProcessSecurity(pid)!;
  assert.deepEqual(s.uid, [1234, 1234, 1234, 1234]);
  assert.deepEqual(s.gid, [4321, 4321, 4321, 4321]);
  assert.deepEqual(s.capEff, []);
  assert.deepEqual(s.capPrm, []);
  assert.equal(s.noNewPrivs, true);
  // the bounding set is untouched: as with podman --privileged --user 1234
  assert.deepEqual(s.capBnd, [...boundingCaps()]);
  assert.equal(s.privileged, true);
});

test('label: the LSM’s answer, or null where none gives one', { skip }, async () => {
  const pid = await setpriv([]);
  let expected: string | null;
  try {
    expected = readFileSync(`/proc/${pid}/attr/current`, 'utf8').replace(/[\0\n]+$/, '') || null;
  } catch {
    expected = null; // EINVAL: no LSM on this kernel provides attr/current (the case on this test machine)
  }
  assert.equal(readProcessSecurity(pid)!.label, expected);
});

test('a process that is gone gives null', { skip }, async () => {
  const c = start('true');
  await new Promise((r) => c.once('exit', r));
  assert.equal(readProcessSecurity(c.pid!), null);
});
