import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseStatus, securityFromStatus } from '../../src/probe/process.js';

// A 4.19 kernel's status of a docker container process (uid 1000, docker's default
// caps in the bounding set, no Seccomp_filters line: that arrived in 5.9). This
// machine's kernel cannot produce that shape, so it is a fixture.
const OLD_KERNEL_STATUS = readFileSync(new URL('../../../test/fixtures/proc-status-4.19.txt', import.meta.url), 'utf8');

test('parseStatus splits on the first colon and trims', () => {
  const s = parseStatus(OLD_KERNEL_STATUS);
  assert.equal(s['Name'], 'sleep');
  assert.equal(s['Uid'], '1000\t1000\t1000\t1000');
  assert.equal(s['Speculation_Store_Bypass'], 'thread force mitigated');
  assert.equal(s['Groups'], '1000');
  assert.equal(s['CapBnd'], '00000000a80425fb');
});

test('parseStatus reads this machine’s own status', () => {
  const s = parseStatus(readFileSync('/proc/self/status', 'utf8'));
  assert.equal(Number(s['Pid']), process.pid);
  assert.match(s['CapEff'], /^[0-9a-f]{16}$/);
});

test('securityFromStatus: an old kernel, a confined unprivileged process', () => {
  const p = securityFromStatus(4242, parseStatus(OLD_KERNEL_STATUS), null);
  assert.deepEqual(p.uid, [1000, 1000, 1000, 1000]);
  assert.deepEqual(p.gid, [1000, 1000, 1000, 1000]);
  assert.deepEqual(p.capEff, []);
  assert.deepEqual(p.capPrm, []);
  assert.deepEqual(p.capBnd, [
    'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP',
    'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT', 'CAP_MKNOD', 'CAP_AUDIT_WRITE', 'CAP_SETFCAP',
  ]);
  assert.equal(p.seccomp, 'filter');
  assert.equal(p.seccompFilters, null, 'not reported by this kernel: null, not 0');
  assert.equal(p.noNewPrivs, true);
  assert.equal(p.privileged, false);
});

test('securityFromStatus: missing lines are unknown, not defaults', () => {
  const p = securityFromStatus(1, { Uid: '0\t0\t0\t0' }, 'unconfined');
  assert.equal(p.seccomp, 'unknown');
  assert.equal(p.seccompFilters, null);
  assert.equal(p.label, 'unconfined');
  assert.equal(p.privileged, false, 'no CapBnd line: nothing shows it is privileged');
  assert.equal(securityFromStatus(1, { Seccomp: '7' }, null).seccomp, 'unknown');
  assert.equal(securityFromStatus(1, { Seccomp: '0' }, null).seccomp, 'disabled');
  assert.equal(securityFromStatus(1, { Seccomp: '1' }, null).seccomp, 'strict');
});

test('privileged means: the bounding set holds everything this process holds', () => {
  const own = parseStatus(readFileSync('/proc/self/status', 'utf8'))['CapBnd'];
  assert.equal(securityFromStatus(1, { CapBnd: own }, null).privileged, true);
  assert.equal(securityFromStatus(1, { CapBnd: 'ffffffffffffffff' }, null).privileged, true);
  const lessOne = (BigInt(`0x${own}`) & ~(1n << 21n)).toString(16); // without CAP_SYS_ADMIN
  assert.equal(securityFromStatus(1, { CapBnd: lessOne }, null).privileged, false);
});
