import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from '../../src/cli/args.js';
import { SECURITY_FLAGS, parseSecurityFlags } from '../../src/cli/security-flags.js';
import { DEFAULT_CAPS, boundingCaps } from '../../src/engine/capabilities.js';
import { UserError } from '../../src/common/errors.js';

const parse = (...argv: string[]) => parseSecurityFlags(parseArgs([...argv, 'IMAGE'], SECURITY_FLAGS, { stopAtPositional: true }));

test('no flags: the default set, the default filter, no NNP, writable root', () => {
  const s = parse();
  assert.deepEqual([...s.capabilities].sort(), DEFAULT_CAPS.filter((c) => boundingCaps().includes(c)).sort());
  assert.equal(s.privileged, false);
  assert.equal(s.seccomp, 'default');
  assert.equal(s.noNewPrivileges, false);
  assert.equal(s.readOnlyRoot, false);
  assert.deepEqual(s.labelOpts, []);
});

test('--cap-add/--cap-drop, repeated and with =', () => {
  const s = parse('--cap-add', 'net_admin', '--cap-add=CAP_NET_RAW', '--cap-drop', 'chown');
  assert.ok(s.capabilities.includes('CAP_NET_ADMIN'));
  assert.ok(s.capabilities.includes('CAP_NET_RAW'));
  assert.ok(!s.capabilities.includes('CAP_CHOWN'));
  assert.throws(() => parse('--cap-add', 'flying'), UserError);
});

test('--privileged: every held capability, no filter, labels disabled (podman)', () => {
  const s = parse('--privileged');
  assert.equal(s.privileged, true);
  assert.deepEqual(s.capabilities, [...boundingCaps()]);
  assert.equal(s.seccomp, 'unconfined');
  assert.deepEqual(s.labelOpts, ['disable']);
  // an explicit label wins over the implied disable
  assert.deepEqual(parse('--privileged', '--security-opt', 'label=type:spc_t').labelOpts, ['type:spc_t']);
});

test('--security-opt seccomp', () => {
  assert.equal(parse('--security-opt', 'seccomp=unconfined').seccomp, 'unconfined');
  assert.equal(parse('--security-opt=seccomp:unconfined').seccomp, 'unconfined');
  assert.equal(parse('--security-opt', 'seccomp=default').seccomp, 'default');
  assert.throws(
    () => parse('--security-opt', 'seccomp=/nonexistent/profile.json'),
    (e: unknown) => e instanceof UserError && /no such file/.test(e.message) && /tsbox seccomp default/.test(e.hint ?? ''),
  );
  assert.throws(() => parse('--security-opt', 'seccomp'), UserError);
  // a file: read now, its path absolute, the profile kept
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbox-secflags-'));
  try {
    const file = path.join(dir, 'p.json');
    fs.writeFileSync(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kcmp'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] }));
    const s = parse('--security-opt', `seccomp=${path.relative(process.cwd(), file)}`);
    assert.equal(s.seccomp, file);
    assert.deepEqual(s.seccompProfile, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kcmp'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] });
    // with --privileged, an explicit profile is still applied (podman, Docker)
    assert.equal(parse('--privileged', '--security-opt', `seccomp=${file}`).seccomp, file);
    // the compiler's own refusals come now, not at create
    fs.writeFileSync(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kcmp'], action: 'SCMP_ACT_ERRNO', errnoRet: 5000 }] }));
    assert.throws(() => parse('--security-opt', `seccomp=${file}`), /errnoRet 5000/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('--security-opt mask and unmask', () => {
  const s = parse('--security-opt', 'mask=/proc/interrupts:/sys/kernel/', '--security-opt', 'unmask=/proc/kcore:/sys/firm*');
  assert.deepEqual(s.maskPaths, ['/proc/interrupts', '/sys/kernel']);
  assert.deepEqual(s.unmaskPaths, ['/proc/kcore', '/sys/firmware']);
  assert.deepEqual(parse('--security-opt', 'unmask=/proc/kcore', '--security-opt', 'unmask=ALL').unmaskPaths, ['ALL']);
  // a glob matching defaults: every one it matches
  assert.ok(parse('--security-opt', 'unmask=/proc/*').unmaskPaths.includes('/proc/sysrq-trigger'));
  assert.throws(() => parse('--security-opt', 'unmask=/etc/passwd'), /not a path tsbox masks/);
  assert.throws(() => parse('--security-opt', 'mask=proc/x'), /not an absolute path/);
  assert.throws(() => parse('--security-opt', 'mask=/a/../b'), /\.\./);
  assert.throws(() => parse('--security-opt', 'mask='), /needs paths/);
});

test('--security-opt no-new-privileges', () => {
  assert.equal(parse('--security-opt', 'no-new-privileges').noNewPrivileges, true);
  assert.equal(parse('--security-opt', 'no-new-privileges=true').noNewPrivileges, true);
  assert.equal(parse('--security-opt', 'no-new-privileges:true').noNewPrivileges, true);
  assert.equal(parse('--security-opt', 'no-new-privileges', '--security-opt', 'no-new-privileges=false').noNewPrivileges, false);
  assert.throws(() => parse('--security-opt', 'no-new-privileges=maybe'), /true or false/);
});

test('--security-opt label is checked for shape and passed through', () => {
  assert.deepEqual(
    parse('--security-opt', 'label=level:s0:c1,c2', '--security-opt', 'label=type:container_t').labelOpts,
    ['level:s0:c1,c2', 'type:container_t'],
  );
  assert.deepEqual(parse('--security-opt', 'label=disable').labelOpts, ['disable']);
  assert.throws(() => parse('--security-opt', 'label=colour:blue'), UserError);
  assert.throws(() => parse('--security-opt', 'label=level:'), /needs a value/);
});

test('unknown --security-opt says what is understood', () => {
  assert.throws(
    () => parse('--security-opt', 'apparmor=unconfined'),
    (e: unknown) => e instanceof UserError && /apparmor/.test(e.message) && /seccomp=unconfined/.test(e.hint ?? ''),
  );
});

test('--read-only', () => {
  assert.equal(parse('--read-only').readOnlyRoot, true);
  assert.equal(parse('--read-only=false').readOnlyRoot, false);
});

test('flag specs carry help text', () => {
  for (const f of SECURITY_FLAGS) assert.ok(f.help.length > 10, f.name);
  assert.deepEqual(SECURITY_FLAGS.map((f) => f.name), ['cap-add', 'cap-drop', 'privileged', 'security-opt', 'read-only']);
});
