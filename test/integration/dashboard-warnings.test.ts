// Engine warnings while the dashboard is open: they reach its status line,
// never its screen. The engine used to write them to stderr, which under the
// dashboard is the terminal it draws on. The warning here is a real one: a
// container started from the dashboard relabels (:Z) a volume that a running
// container also mounts, taking that one's access away (the labels are real
// xattrs on ext4; the kernel has no SELinux, but the label code runs the same).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tsbox, REPO } from '../lib/cli.js';
import { attempt } from '../lib/programs.js';
import { notePath, tempDir } from '../lib/suite-run.js';

const skip = process.getuid?.() !== 0 && 'needs root (xattrs and containers)';

/** The label as getfattr reads it from the file, or null when there is none. */
function label(file: string): string | null {
  const r = attempt('getfattr', ['-h', '-n', 'security.selinux', '--only-values', file]);
  return r.exitCode === 0 ? r.stdout : null;
}

/** The dashboard's store and controller on the real engine, in a process of its own whose stdout and stderr are the "terminal". */
const DASHBOARD = `
import fs from 'node:fs';
const dist = ${JSON.stringify(path.join(REPO, 'dist/src'))};
const { createEngineSource } = await import(dist + '/ui/source.js');
const { createController } = await import(dist + '/ui/controller.js');
const { createDashboardStore } = await import(dist + '/ui/store.js');
const { initialState, selectedRecord } = await import(dist + '/ui/state.js');
const { statusView } = await import(dist + '/ui/view.js');
const source = await createEngineSource({ root: process.argv[1] });
const store = createDashboardStore(initialState(400, 30));
const ctl = createController(store, source, { intervalMs: 3600_000, onQuit() {}, onExec() {} });
ctl.tick();
const selected = selectedRecord(store.getState())?.name;
ctl.handleKey('s', {}); // start the selected container
await ctl.idle();
const s = store.getState();
fs.writeSync(3, JSON.stringify({ selected, status: statusView(s), state: s.containers.find((c) => c.name === selected)?.state }));
`;

test('a warning while the dashboard starts a container is in its status line, and nothing is written to the terminal', { skip }, (t) => {
  const dir = tempDir('tsbox-dash-warn-', '/var/tmp'); // ext4: xattrs as root
  const root = path.join(dir, 'root');
  notePath(root);
  t.after(() => {
    for (const n of ['zz-running', 'aa-started']) tsbox(root, ['rm', '-f', n]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const vol = path.join(dir, 'shared');
  fs.mkdirSync(vol);
  fs.writeFileSync(path.join(vol, 'f'), 'data');
  const env = { TSBOX_SELINUX: 'on' };
  const flags = ['--security-opt', 'seccomp=unconfined', '-v', `${vol}:/data:Z`];
  const first = tsbox(root, ['run', '-d', '--name', 'zz-running', ...flags, 'host', 'sleep', '60'], { env });
  assert.equal(first.code, 0, first.stderr);
  const before = label(vol);
  assert.match(before ?? '', /container_file_t:s0:c\d+,c\d+/, 'the running container has its volume labeled');
  const made = tsbox(root, ['create', '--name', 'aa-started', ...flags, 'host', 'sleep', '60'], { env });
  assert.equal(made.code, 0, made.stderr);

  const r = attempt(process.execPath, ['--input-type=module', '-e', DASHBOARD, root], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], timeout: 60000 });
  assert.equal(r.exitCode, 0, r.stderr);
  const out = JSON.parse(r.output[3]) as { selected: string; status: { text: string; tone: string }; state: string };
  assert.equal(out.selected, 'aa-started', 'the dashboard started the created container');
  assert.equal(out.state, 'running');
  // the warning is real: the relabel took the running container's label away
  assert.notEqual(label(vol), before);
  assert.match(out.status.text, /^aa-started started; warning: :Z relabels .* container zz-running \([0-9a-f]{12}, s0:c\d+,c\d+\) also mounts it and has just lost access/);
  assert.equal(out.status.tone, 'warn');
  // and it went nowhere else: not over the screen, not into the output
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, '');
});

test('the CLI still prints the same warning on stderr as `warning: ...`', { skip }, (t) => {
  const dir = tempDir('tsbox-cli-warn-', '/var/tmp');
  const root = path.join(dir, 'root');
  notePath(root);
  t.after(() => {
    for (const n of ['one', 'two']) tsbox(root, ['rm', '-f', n]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const vol = path.join(dir, 'shared');
  fs.mkdirSync(vol);
  const flags = ['--security-opt', 'seccomp=unconfined', '-v', `${vol}:/data:Z`, 'host', 'sleep', '60'];
  assert.equal(tsbox(root, ['run', '-d', '--name', 'one', ...flags], { env: { TSBOX_SELINUX: 'on' } }).code, 0);
  const r = tsbox(root, ['run', '-d', '--name', 'two', ...flags], { env: { TSBOX_SELINUX: 'on' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^warning: :Z relabels .* container one \([0-9a-f]{12}, s0:c\d+,c\d+\) also mounts it and has just lost access to it; use :z on both to share it$/m);
});
