// tsbox demo --no-dashboard over a private root: every demo container runs
// and shows what it is there for (checked against the kernel), and
// --clean removes all of it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { cleanupRoot, inspect, makeRoot, tsbox } from '../lib/cli.js';
import { run } from '../lib/programs.js';
import { DEMO_CONTAINERS, DEMO_VOLUME } from '../../src/cli/commands/demo.js';

const root = makeRoot();
fs.chmodSync(root, 0o711); // demo-userns's root is a subordinate uid
after(() => {
  tsbox(root, ['demo', '--clean']);
  cleanupRoot(root);
});

const pidOf = (name: string) => (inspect(root, name) as { State: { Pid: number } }).State.Pid;

test('the demo starts every container, each showing what it is for; --clean removes them and the volume', () => {
  const up = tsbox(root, ['demo', '--no-dashboard']);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /started demo-web, demo-db, demo-vol, demo-userns, demo-weak/);
  const ps = tsbox(root, ['ps']).stdout;
  for (const d of DEMO_CONTAINERS) assert.match(ps, new RegExp(`Up .*${d.name}`));

  // demo-db shares demo-web's net and ipc namespaces
  for (const ns of ['net', 'ipc']) assert.equal(fs.readlinkSync(`/proc/${pidOf('demo-db')}/ns/${ns}`), fs.readlinkSync(`/proc/${pidOf('demo-web')}/ns/${ns}`), ns);

  // demo-userns: container root is not host root, and its worker is uid 1000 inside
  const map = fs.readFileSync(`/proc/${pidOf('demo-userns')}/uid_map`, 'utf8').trim().split(/\s+/).map(Number);
  assert.equal(map[0], 0);
  assert.notEqual(map[1], 0, 'root inside is an unprivileged host uid');
  let rows: Array<{ uid: number; hostUid: number }> = [];
  for (let i = 0; i < 50 && !rows.some((r) => r.uid === 1000); i++) {
    rows = JSON.parse(tsbox(root, ['top', '--format', 'json', 'demo-userns']).stdout);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  assert.ok(rows.some((r) => r.uid === 1000 && r.hostUid === map[1] + 1000), JSON.stringify(rows));

  // demo-vol's :Z volume is labeled, here where nothing enforces it
  const mountpoint = (JSON.parse(tsbox(root, ['volume', 'inspect', DEMO_VOLUME]).stdout) as Array<{ mountpoint: string }>)[0].mountpoint;
  const label = run('getfattr', ['--only-values', '-n', 'security.selinux', mountpoint]);
  assert.match(label, /^system_u:object_r:container_file_t:s0:c\d+,c\d+/);

  // demo-weak is weak for real: the host's pid namespace and CAP_SYS_PTRACE, and audit says so
  const weak = pidOf('demo-weak');
  assert.equal(fs.readlinkSync(`/proc/${weak}/ns/pid`), fs.readlinkSync('/proc/self/ns/pid'), "the host's (this test's)");
  const audit = tsbox(root, ['audit']).stdout;
  assert.match(audit, /demo-weak .*grade [D-F]/);
  assert.match(audit, /host-pid-namespace/);
  assert.match(audit, /dangerous-capability/);

  const clean = tsbox(root, ['demo', '--clean']);
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(tsbox(root, ['ps', '-a', '-q']).stdout, '');
  assert.match(clean.stdout, /removed volume demo-data/);
});
