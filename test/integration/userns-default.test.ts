// containers.conf's `[containers] userns = "auto"` (podman's setting):
// root's containers get a user namespace of their own unless a run says
// otherwise, so container root is not host root; read from the kernel
// (/proc/PID/uid_map), and by tsbox audit. tsbox info says which default is
// in force and, while it is the host's, what to change.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupRoot, inspect, makeRoot, tsbox } from '../lib/cli.js';

const skip = process.getuid?.() !== 0 && 'needs root';
const root = makeRoot('tsbox-userns-default-');
fs.chmodSync(root, 0o711); // host uid 100000+ passes through it
after(() => cleanupRoot(root));
const conf = path.join(root, 'containers.conf');

const uidMap = (name: string) => fs.readFileSync(`/proc/${inspect(root, name).State.Pid}/uid_map`, 'utf8').trim().split(/\s+/).map(Number);
const info = () => JSON.parse(tsbox(root, ['info', '--format', 'json']).stdout).host.userNamespaces.containers;

test('without the setting: the host\'s user namespace, and tsbox info says how to change it', { skip }, () => {
  assert.equal(tsbox(root, ['run', '-d', '--name', 'before', 'host', 'sleep', '1000']).code, 0);
  assert.deepEqual(uidMap('before'), [0, 0, 4294967295]);
  const i = info();
  assert.match(i.default, /^host/);
  assert.equal(i.config, conf);
  assert.match(i.advice, /userns = "auto" under \[containers\]/);
  assert.match(i.advice, /:idmap/);
});

test('userns = "auto": each container a range of its own; --userns=host and --uidmap still win; audit agrees', { skip }, () => {
  fs.writeFileSync(conf, '# podman keys are left alone\n[engine]\nevents_logger = "file"\n[containers]\nlog_size_max = -1\nuserns = "auto"  # no host root\n');
  assert.equal(tsbox(root, ['run', '-d', '--name', 'a1', 'host', 'sleep', '1000']).code, 0);
  assert.equal(tsbox(root, ['run', '-d', '--name', 'a2', 'host', 'sleep', '1000']).code, 0);
  const [in1, out1, n1] = uidMap('a1');
  const [, out2] = uidMap('a2');
  assert.equal(in1, 0);
  assert.ok(out1 > 0 && n1 >= 1, `container root is host uid ${out1}`);
  assert.ok(out2 >= out1 + n1 || out2 + n1 <= out1, 'the two ranges do not overlap');
  assert.equal(tsbox(root, ['run', '-d', '--name', 'h', '--userns=host', 'host', 'sleep', '1000']).code, 0);
  assert.deepEqual(uidMap('h'), [0, 0, 4294967295]);
  assert.equal(tsbox(root, ['run', '-d', '--name', 'm', '--uidmap', '0:400000:65536', 'host', 'sleep', '1000']).code, 0);
  assert.deepEqual(uidMap('m'), [0, 400000, 65536]);
  const audits = JSON.parse(tsbox(root, ['audit', '--format', 'json', 'a1', 'h']).stdout) as Array<{ name: string; findings: Array<{ id: string }> }>;
  const has = (n: string) => audits.find((a) => a.name === n)!.findings.some((f) => f.id === 'root-is-host-root');
  assert.equal(has('a1'), false);
  assert.equal(has('h'), true);
  assert.match(info().default, /^auto/);
});

test('a value tsbox does not have: exit 125 naming the file and line, nothing created', { skip }, () => {
  fs.writeFileSync(conf, '[containers]\nuserns = "keep-id"\n');
  const before = fs.readdirSync(path.join(root, 'data', 'containers'));
  const r = tsbox(root, ['run', '--rm', 'host', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, new RegExp(`${conf.replace(/[.]/g, '\\.')}:2: userns = "keep-id" is not a setting tsbox has`));
  assert.match(r.stderr, /userns = "auto"/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.deepEqual(fs.readdirSync(path.join(root, 'data', 'containers')), before);
  // a run that says --userns does not need the file
  assert.equal(tsbox(root, ['run', '--rm', '--userns=host', 'host', 'true']).code, 0);
  fs.rmSync(conf);
});
