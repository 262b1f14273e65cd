import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { CAPABILITIES, capsHex, capsToMask, maskToCaps, normalizeCapName } from '../../src/common/capabilities.js';
import { DEFAULT_CAPS, boundingCaps, resolveCaps } from '../../src/engine/capabilities.js';
import { UserError } from '../../src/common/errors.js';
import { canRun, run } from '../lib/programs.js';

const HEADER = '/usr/include/linux/capability.h';

test('CAPABILITIES matches the numbers in the kernel header', { skip: !existsSync(HEADER) && `${HEADER} not installed` }, () => {
  const defs = [...readFileSync(HEADER, 'utf8').matchAll(/^#define\s+(CAP_[A-Z_]+)\s+(\d+)\s*$/gm)]
    .map((m) => [m[1], Number(m[2])] as const)
    .filter(([name]) => name !== 'CAP_LAST_CAP');
  assert.ok(defs.length >= 38, 'the header defines the capabilities');
  for (const [name, n] of defs) assert.equal(CAPABILITIES[n], name, `capability ${n}`);
  assert.equal(CAPABILITIES.length, 41);
  assert.equal(CAPABILITIES[40], 'CAP_CHECKPOINT_RESTORE');
});

test('the table covers what this kernel knows (cap_last_cap)', () => {
  const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  assert.ok(last <= CAPABILITIES.length - 1, `kernel knows capabilities up to ${last}`);
});

test('DEFAULT_CAPS is podman’s set of eleven', () => {
  assert.deepEqual(
    [...DEFAULT_CAPS].sort(),
    ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT'],
  );
  for (const c of DEFAULT_CAPS) assert.ok(CAPABILITIES.includes(c));
});

test('names: any case, with or without CAP_, ALL', () => {
  assert.equal(normalizeCapName('net_admin'), 'CAP_NET_ADMIN');
  assert.equal(normalizeCapName('CAP_NET_ADMIN'), 'CAP_NET_ADMIN');
  assert.equal(normalizeCapName('Cap_Sys_Time'), 'CAP_SYS_TIME');
  assert.equal(normalizeCapName('all'), 'ALL');
});

test('an unknown name is a UserError that says where valid names are listed', () => {
  assert.throws(
    () => normalizeCapName('NET_ADMN'),
    (e: unknown) =>
      e instanceof UserError &&
      e.message.includes("'NET_ADMN'") &&
      e.message.includes('CAP_NET_ADMIN') && // the suggestion
      /capabilities\(7\)/.test(e.hint ?? ''),
  );
  assert.throws(() => normalizeCapName('bogus'), UserError);
});

test('masks: bit N is capability N, and back', () => {
  assert.equal(capsToMask(['CAP_CHOWN']), 1n);
  assert.equal(capsToMask(['CHECKPOINT_RESTORE']), 1n << 40n);
  assert.equal(capsToMask(['ALL']), (1n << 41n) - 1n);
  assert.deepEqual(maskToCaps(0n), []);
  assert.deepEqual(maskToCaps((1n << 41n) - 1n), CAPABILITIES);
  // a bit newer than our table keeps a name instead of vanishing
  assert.deepEqual(maskToCaps((1n << 41n) | 1n), ['CAP_CHOWN', 'CAP_41']);
  for (let i = 0; i < CAPABILITIES.length; i++) assert.deepEqual(maskToCaps(capsToMask([CAPABILITIES[i]])), [CAPABILITIES[i]]);
});

test('capsHex is the /proc/PID/status style 16-digit mask', () => {
  assert.equal(capsHex([]), '0000000000000000');
  assert.equal(capsHex(['CAP_SYS_ADMIN']), (1n << 21n).toString(16).padStart(16, '0'));
  assert.match(capsHex([...DEFAULT_CAPS]), /^[0-9a-f]{16}$/);
});

test('our masks decode to the same names with libcap (capsh --decode)', { skip: !canRun('capsh', ['--help']) && 'capsh not installed' }, () => {
  for (const caps of [[...DEFAULT_CAPS], ['CAP_NET_ADMIN', 'CAP_SYS_PTRACE'], [...CAPABILITIES]]) {
    const names = run('capsh', [`--decode=0x${capsHex(caps)}`]).trim().split('=')[1].split(',').map((s) => s.toUpperCase());
    assert.deepEqual(names.sort(), [...caps].sort());
  }
});

const ALL_HELD = CAPABILITIES; // a bounding set holding everything, for rules that do not depend on the host

test('resolveCaps: defaults, add, drop, in capability order', () => {
  assert.deepEqual(resolveCaps({ add: [], drop: [], privileged: false, bounding: ALL_HELD }), CAPABILITIES.filter((c) => DEFAULT_CAPS.includes(c)));
  const r = resolveCaps({ add: ['net_admin', 'CAP_SYS_TIME'], drop: ['CHOWN', 'kill'], privileged: false, bounding: ALL_HELD });
  assert.ok(r.includes('CAP_NET_ADMIN') && r.includes('CAP_SYS_TIME'));
  assert.ok(!r.includes('CAP_CHOWN') && !r.includes('CAP_KILL'));
  assert.deepEqual(r, [...r].sort((a, b) => CAPABILITIES.indexOf(a) - CAPABILITIES.indexOf(b)));
  // podman also takes comma-separated lists
  assert.deepEqual(
    resolveCaps({ add: ['net_raw,net_admin'], drop: ['ALL'], privileged: false, bounding: ALL_HELD }),
    ['CAP_NET_ADMIN', 'CAP_NET_RAW'],
  );
});

test('resolveCaps: ALL and privileged mean everything held, minus drops', () => {
  const held = CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE');
  assert.deepEqual(resolveCaps({ add: ['ALL'], drop: [], privileged: false, bounding: held }), held);
  assert.deepEqual(resolveCaps({ add: [], drop: [], privileged: true, bounding: held }), held);
  assert.deepEqual(
    resolveCaps({ add: [], drop: ['sys_admin'], privileged: true, bounding: held }),
    held.filter((c) => c !== 'CAP_SYS_ADMIN'),
  );
  assert.deepEqual(resolveCaps({ add: [], drop: ['ALL'], privileged: false, bounding: held }), []);
  assert.deepEqual(resolveCaps({ add: ['CHOWN'], drop: ['ALL'], privileged: true, bounding: held }), ['CAP_CHOWN']);
});

test('resolveCaps refuses contradictions, unknown names, and capabilities we do not hold', () => {
  assert.throws(() => resolveCaps({ add: ['NET_ADMIN'], drop: ['cap_net_admin'], privileged: false, bounding: ALL_HELD }), /both added and dropped/);
  assert.throws(() => resolveCaps({ add: ['ALL'], drop: ['ALL'], privileged: false, bounding: ALL_HELD }), UserError);
  assert.throws(() => resolveCaps({ add: ['NOPE'], drop: [], privileged: false, bounding: ALL_HELD }), UserError);
  const held = CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE');
  assert.throws(
    () => resolveCaps({ add: ['SYS_RESOURCE'], drop: [], privileged: false, bounding: held }),
    (e: unknown) => e instanceof UserError && /CAP_SYS_RESOURCE/.test(e.message) && /bounding set/.test(e.message),
  );
});

test('boundingCaps is what the kernel shows for this process', () => {
  const line = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))!;
  assert.deepEqual([...boundingCaps()], maskToCaps(BigInt(`0x${line[1]}`)));
  // and the default resolution only uses those
  for (const c of resolveCaps({ add: [], drop: [], privileged: true })) assert.ok(boundingCaps().includes(c));
});
