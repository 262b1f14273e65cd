// What scripts parse (issue 16, "Formats scripts parse"), and the flags
// that were parsed with no effect until now: Go templates in --format for
// ps, inspect, images, volume ls and stats, podman's JSON keys, ps --filter
// label=, --shm-size (checked in the container's mountinfo and statfs), and
// the flags tsbox refuses by name.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { cleanupRoot, inspect, makeRoot, tsbox } from '../lib/cli.js';
import { makeBusyboxRootfs, tmpdir, removeTree } from '../lib/busybox.js';

const root = makeRoot();
let rootfs = '';
before(() => {
  assert.equal(process.getuid?.(), 0, 'these tests start containers: they need root');
  rootfs = tmpdir('tsbox-formats-rootfs');
  makeBusyboxRootfs(rootfs);
  const r = tsbox(root, ['image', 'import', rootfs, '--name', 'bb']);
  assert.equal(r.code, 0, r.stderr);
});
after(() => {
  cleanupRoot(root);
  removeTree(rootfs);
});

const ok = (args: string[]) => {
  const r = tsbox(root, args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

test('--label, ps --filter label= and Go templates on ps and inspect', (t) => {
  ok(['run', '-d', '--name', 'web', '-l', 'app=web', '-l', 'tier=front', 'bb', 'sleep', '1000']);
  ok(['run', '-d', '--name', 'db', '--label', 'app=db', 'bb', 'sleep', '1000']);
  t.after(() => tsbox(root, ['rm', '-f', 'web', 'db']));
  const names = (...filters: string[]) => ok(['ps', ...filters.flatMap((f) => ['--filter', f]), '--format', '{{.Names}}']).split('\n').filter(Boolean).sort();
  assert.deepEqual(names('label=app'), ['db', 'web']);
  assert.deepEqual(names('label=app=web'), ['web']);
  // every label filter must match, as podman's
  assert.deepEqual(names('label=app', 'label=tier=front'), ['web']);
  assert.deepEqual(names('label=app=db', 'label=tier'), []);
  assert.equal(tsbox(root, ['ps', '--filter', 'label=']).code, 125);

  const pid = inspect(root, 'web').State.Pid as number;
  assert.ok(fs.existsSync(`/proc/${pid}`), 'the pid inspect shows is a live process');
  assert.equal(ok(['inspect', '--format', '{{.State.Pid}}', 'web']).trim(), String(pid));
  assert.equal(ok(['inspect', '-f', '{{.Config.Labels}} {{.Config.Labels.app}} {{json .HostConfig.RestartPolicy}}', 'web']).trim(), 'map[app:web tier:front] web {"Name":"","MaximumRetryCount":0}');
  assert.equal(ok(['inspect', '--format', '{{.Name}}', 'web', 'db']), 'web\ndb\n');

  const table = ok(['ps', '--format', 'table {{.ID}}\t{{.Names}}\t{{.Status}}', '--filter', 'name=web']).split('\n');
  assert.match(table[0], /^CONTAINER ID\s+NAMES\s+STATUS$/);
  assert.match(table[1], /^[0-9a-f]{12}\s+web\s+Up .* ago$/);
  const [j] = JSON.parse(ok(['ps', '--format', 'json', '--filter', 'name=web']));
  assert.deepEqual(j.Names, ['web']);
  assert.deepEqual(j.Labels, { app: 'web', tier: 'front' });
  assert.equal(j.Pid, pid);
  assert.equal(typeof j.Created, 'number');
  assert.ok(Math.abs(j.Created - Date.now() / 1000) < 600, 'Created is a Unix time');
  assert.equal(j.ExitedAt, -62135596800, "Go's zero time while running");

  // a template Go would refuse is refused before anything runs
  const bad = tsbox(root, ['ps', '--format', '{{.Names']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /unclosed action/);
});

test('inspect of a missing name prints what it found, then the error (125), as podman', () => {
  ok(['create', '--name', 'here', 'bb', 'true']);
  try {
    const r = tsbox(root, ['inspect', 'here', 'nothere']);
    assert.equal(r.code, 125);
    const out = JSON.parse(r.stdout);
    assert.equal(out.length, 1);
    assert.equal(out[0].Name, 'here');
    assert.match(r.stderr, /no such object: "nothere"/);
  } finally {
    tsbox(root, ['rm', 'here']);
  }
});

test('images -q and templates; volume ls templates and podman keys; stats templates', (t) => {
  const ids = ok(['images', '-q']).split('\n').filter(Boolean);
  assert.ok(ids.includes('host') && ids.length === 2, ids.join(','));
  assert.match(ok(['images', '--format', '{{.Repository}}:{{.Tag}}']), /^localhost\/bb:latest$/m);
  // an imported image is named as podman names one: localhost/NAME:latest
  const [img] = JSON.parse(ok(['images', '--format', 'json'])).filter((i: { name: string }) => i.name === 'localhost/bb:latest');
  assert.deepEqual(img.RepoTags, ['localhost/bb:latest']);
  assert.equal(typeof img.Created, 'number');

  ok(['volume', 'create', 'fmtvol']);
  t.after(() => tsbox(root, ['volume', 'rm', '-f', 'fmtvol']));
  const [line] = ok(['volume', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Mountpoint}}']).split('\n');
  const [name, driver, mountpoint] = line.split(' ');
  assert.deepEqual([name, driver], ['fmtvol', 'local']);
  assert.ok(fs.statSync(mountpoint).isDirectory(), 'Mountpoint is the volume\'s directory on the host');
  const [v] = JSON.parse(ok(['volume', 'inspect', 'fmtvol']));
  assert.equal(v.Name, 'fmtvol');
  assert.equal(v.Mountpoint, mountpoint);

  ok(['run', '-d', '--name', 'st', '--memory', '32m', 'bb', 'sleep', '1000']);
  t.after(() => tsbox(root, ['rm', '-f', 'st']));
  const rows = ok(['stats', '--no-stream', '--format', 'table {{.Name}}\t{{.MemUsage}}', 'st']).split('\n');
  assert.match(rows[0], /^NAME\s+MEM USAGE \/ LIMIT$/);
  assert.match(rows[1], /^st\s+.* \/ 32MiB$/);
  const [s] = JSON.parse(ok(['stats', '--no-stream', '--format', 'json', 'st']));
  assert.equal(s.name, 'st');
  assert.match(s.mem_usage, / \/ 32MiB$/);
});

test('--shm-size sizes /dev/shm (statfs and mountinfo in the container); the default is 64 MiB; a wrong size is refused', () => {
  const blocks = (args: string[]) => {
    const out = ok(['run', '--rm', ...args, 'bb', 'sh', '-c', 'stat -f -c "%S %b" /dev/shm; grep " /dev/shm " /proc/self/mountinfo']);
    const [first, mi] = out.split('\n');
    const [bsize, n] = first.split(' ').map(Number);
    return { bytes: bsize * n, mi };
  };
  const small = blocks(['--shm-size', '1m']);
  assert.equal(small.bytes, 1024 * 1024);
  assert.match(small.mi, /size=1024k/);
  assert.equal(blocks([]).bytes, 64 * 1024 * 1024);
  const bad = tsbox(root, ['run', '--rm', '--shm-size', 'lots', 'bb', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /invalid --shm-size 'lots'/);
  assert.deepEqual(JSON.parse(ok(['ps', '-a', '--format', 'json'])), [], 'nothing left');
});

test('--health-cmd is refused by name, as a podman flag tsbox does not support yet', () => {
  const r = tsbox(root, ['run', '--rm', '--health-cmd', 'true', 'bb', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /--health-cmd is a podman flag tsbox does not support yet/);
  assert.deepEqual(JSON.parse(ok(['ps', '-a', '--format', 'json'])), []);
});
