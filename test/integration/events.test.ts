// tsbox events (issue 16) for real: the journal the lifecycle and each
// container's monitor append to, read back and followed through the CLI.
// The monitor's "died" carries the exit code the kernel gave; "oom" comes
// only when the kernel's OOM killer counted a kill in the container's own
// memory cgroup (checked in the cgroup file itself).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, cleanupRoot, inspect, makeRoot, tsbox, tsboxAsync } from '../lib/cli.js';
import { makeBusyboxRootfs, tmpdir, removeTree } from '../lib/busybox.js';
import { until } from '../lib/wait.js';
import { ended, start } from '../lib/programs.js';

const root = makeRoot('tsbox-events-');
let rootfs = '';
before(() => {
  assert.equal(process.getuid?.(), 0, 'these tests start containers: they need root');
  rootfs = tmpdir('tsbox-events-rootfs');
  makeBusyboxRootfs(rootfs);
  const r = tsbox(root, ['image', 'import', rootfs, '--name', 'bb']);
  assert.equal(r.code, 0, r.stderr);
});
after(() => {
  cleanupRoot(root);
  removeTree(rootfs);
});

interface Ev {
  ID: string;
  Name: string;
  Status: string;
  Time: string;
  Type: string;
  Image: string;
  ContainerExitCode?: number;
  Attributes: Record<string, string>;
}

function events(...args: string[]): Ev[] {
  const r = tsbox(root, ['events', '--stream=false', '--format', 'json', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Ev);
}

const statuses = (name: string) => events('--filter', `container=${name}`).map((e) => e.Status);

function ok(args: string[]): string {
  const r = tsbox(root, args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

test('the lifecycle in order: create, start, pause, unpause, rename, kill, died with the exit code, stop, remove', () => {
  const id = ok(['run', '-d', '--name', 'ev-life', '--label', 'app=web', 'bb', 'sleep', '100']);
  ok(['pause', 'ev-life']);
  assert.equal(fs.readFileSync(`/sys/fs/cgroup/freezer/tsbox/${id}/freezer.state`, 'utf8').trim(), 'FROZEN');
  ok(['unpause', 'ev-life']);
  ok(['rename', 'ev-life', 'ev-life2']);
  ok(['kill', '-s', 'KILL', 'ev-life2']);
  ok(['wait', 'ev-life2']);
  ok(['rm', 'ev-life2']);
  const evs = events('--filter', `container=${id}`);
  assert.deepEqual(
    evs.map((e) => e.Status),
    ['create', 'start', 'pause', 'unpause', 'rename', 'kill', 'died', 'remove'],
  );
  for (const e of evs) {
    assert.equal(e.ID, id);
    assert.equal(e.Type, 'container');
    assert.equal(e.Image, 'localhost/bb:latest');
    assert.deepEqual(e.Attributes, { app: 'web' });
    assert.ok(!Number.isNaN(Date.parse(e.Time)));
  }
  const died = evs.find((e) => e.Status === 'died')!;
  assert.equal(died.ContainerExitCode, 137, 'SIGKILL: 128 + 9');
  assert.match(died.Time, /\.\d{9}Z$/, "the monitor's time, in nanoseconds");
  // the monitor wrote it when the container ended, before the engine saw the exit
  assert.ok(Date.parse(died.Time) <= Date.parse(evs.find((e) => e.Status === 'remove')!.Time));
  // the names after the rename
  assert.deepEqual(
    evs.map((e) => e.Name),
    ['ev-life', 'ev-life', 'ev-life', 'ev-life', 'ev-life2', 'ev-life2', 'ev-life', 'ev-life2'],
    "died has the name the container started with (the monitor's), as documented",
  );

  // stop and an attached run's own exit code; exit 0 leaves ContainerExitCode out, as podman
  ok(['run', '-d', '--name', 'ev-stop', 'bb', 'sleep', '100']);
  ok(['stop', '-t', '1', 'ev-stop']);
  assert.deepEqual(statuses('ev-stop'), ['create', 'start', 'died', 'stop']);
  assert.equal(tsbox(root, ['run', '--rm', '--name', 'ev-three', 'bb', 'sh', '-c', 'exit 3']).code, 3);
  assert.equal(tsbox(root, ['run', '--rm', '--name', 'ev-zero', 'bb', 'true']).code, 0);
  const three = events('--filter', 'container=ev-three');
  assert.deepEqual(three.map((e) => e.Status), ['create', 'start', 'died', 'remove']);
  assert.equal(three[2].ContainerExitCode, 3);
  assert.ok(!('ContainerExitCode' in events('--filter', 'container=ev-zero', '--filter', 'event=died')[0]));
  ok(['rm', 'ev-stop']);
});

test('a --rm -d container: died from its monitor, remove from the cleanup its monitor runs, with nobody reading', async () => {
  ok(['run', '-d', '--rm', '--name', 'ev-rmd', 'bb', 'sh', '-c', 'sleep 0.3; exit 4']);
  await until('the monitor and its cleanup to append died and remove', () => statuses('ev-rmd').join() === 'create,start,died,remove', 15_000);
  assert.equal(events('--filter', 'container=ev-rmd', '--filter', 'event=died')[0].ContainerExitCode, 4);
});

test('restart and the restart policy: stop, start, restart; died, start, restart for each policy restart', async () => {
  ok(['run', '-d', '--name', 'ev-re', 'bb', 'sleep', '100']);
  ok(['restart', '-t', '1', 'ev-re']);
  assert.deepEqual(statuses('ev-re'), ['create', 'start', 'died', 'stop', 'start', 'restart']);
  ok(['rm', '-f', '-t', '0', 'ev-re']);
  // (the sleep: a restart line is written once the start returns, and the second died must come after it)
  ok(['run', '-d', '--name', 'ev-pol', '--restart', 'on-failure:1', 'bb', 'sh', '-c', 'sleep 0.5; exit 1']);
  await until('the policy restart and its second exit', () => statuses('ev-pol').join() === 'create,start,died,start,restart,died', 15_000);
  assert.equal(inspect(root, 'ev-pol').RestartCount, 1);
  ok(['rm', 'ev-pol']);
});

test("OOM: an oom event before died when the kernel's OOM killer killed in the container's memory cgroup", async () => {
  const id = ok(['run', '-d', '--name', 'ev-oom', '--memory', '8m', '--memory-swap', '8m', 'bb', 'sh', '-c', 'x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done']);
  await until('the OOM kill', () => statuses('ev-oom').includes('died'), 20_000);
  // the kernel's count, in the container's own cgroup (v1 memory here, or v2)
  const v1 = `/sys/fs/cgroup/memory/tsbox/${id}/memory.oom_control`;
  const v2 = `/sys/fs/cgroup/unified/tsbox/${id}/memory.events`;
  const counts = fs.readFileSync(fs.existsSync(v1) ? v1 : v2, 'utf8');
  assert.ok(Number(/oom_kill (\d+)/.exec(counts)![1]) > 0, counts);
  const evs = events('--filter', 'container=ev-oom');
  assert.deepEqual(evs.map((e) => e.Status), ['create', 'start', 'oom', 'died']);
  assert.equal(evs[3].ContainerExitCode, 137);
  assert.equal(inspect(root, 'ev-oom').State.OOMKilled, true);
  ok(['rm', 'ev-oom']);
  // a container that only exits non-zero has no oom
  assert.equal(tsbox(root, ['run', '--name', 'ev-nooom', '--memory', '8m', 'bb', 'sh', '-c', 'exit 137']).code, 137);
  assert.deepEqual(statuses('ev-nooom'), ['create', 'start', 'died']);
  ok(['rm', 'ev-nooom']);
});

test('concurrent monitors and engines append whole lines: every line of the journal parses', async () => {
  const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => tsboxAsync(root, ['run', '--rm', '--name', `ev-par${i}`, 'bb', 'sh', '-c', `exit ${i}`])));
  runs.forEach((r, i) => assert.equal(r.code, i, r.stderr));
  const text = fs.readFileSync(path.join(root, 'data', 'events.log'), 'utf8');
  for (const line of text.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), line);
  for (let i = 0; i < 8; i++) {
    const died = events('--filter', `container=ev-par${i}`, '--filter', 'event=died');
    assert.equal(died.length, 1);
    assert.equal(died[0].ContainerExitCode ?? 0, i);
  }
});

test('--since/--until, several filters, templates and the text line', () => {
  const all = events();
  assert.ok(all.length > 20);
  const mid = all[Math.floor(all.length / 2)].Time;
  const since = events('--since', mid);
  const untilEvs = events('--until', mid);
  assert.ok(since.every((e) => Date.parse(e.Time) >= Date.parse(mid)) && since.length > 0);
  assert.ok(untilEvs.every((e) => Date.parse(e.Time) <= Date.parse(mid)) && untilEvs.length > 0);
  assert.equal(events('--since', '1h').length, all.length, 'a duration back from now');
  assert.equal(events('--until', '1h').length, 0);
  assert.equal(events('--since', String(Math.floor(Date.now() / 1000) + 60)).length, 0, 'a Unix time');
  const two = events('--filter', 'event=died', '--filter', 'event=remove', '--filter', 'container=ev-three');
  assert.deepEqual(two.map((e) => e.Status), ['died', 'remove']);
  const t = tsbox(root, ['events', '--stream=false', '--filter', 'container=ev-three', '--format', '{{.Status}} {{.Name}} {{.ContainerExitCode}}']);
  assert.equal(t.stdout, 'create ev-three 0\nstart ev-three 0\ndied ev-three 3\nremove ev-three 0\n');
  const text = tsbox(root, ['events', '--stream=false', '--filter', 'container=ev-three', '--filter', 'event=died']);
  assert.match(text.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \+0000 UTC container died [0-9a-f]{64} \(image=localhost\/bb:latest, name=ev-three\)\n$/);
  assert.match(tsbox(root, ['events', '--stream=false', '--no-trunc=false', '--filter', 'container=ev-three']).stdout, / container create [0-9a-f]{12} \(/);
});

test('bad input: 125 and what to do, never a stack trace', () => {
  for (const [args, msg] of [
    [['--filter', 'bogus=1'], /invalid filter 'bogus=1'/],
    [['--filter', 'event=nope'], /records no 'nope' events/],
    [['--since', 'yesterday'], /invalid --since 'yesterday'/],
    [['--until', '10 minutes'], /invalid --until/],
    [['--format', '{{.Nope'], /format/],
    [['extra'], /events takes no arguments/],
    [['--latest'], /unknown flag/],
  ] as const) {
    const r = tsbox(root, ['events', '--stream=false', ...args]);
    assert.equal(r.code, 125, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('following (the default): new events as they are written, until a signal or --until', async () => {
  const child = start(process.execPath, [BIN, '--root', root, 'events', '--format', '{{.Status}} {{.Name}}', '--filter', 'container=ev-follow', '--since', '1s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const exited = ended(child);
  try {
    await new Promise((r) => setTimeout(r, 1500)); // node's start on a loaded host
    assert.equal(tsbox(root, ['run', '--name', 'ev-follow', 'bb', 'sh', '-c', 'exit 2']).code, 2);
    await until('the followed events', () => out.includes('died ev-follow'), 10_000);
    ok(['rm', 'ev-follow']);
    await until('remove', () => out.includes('remove ev-follow'), 10_000);
    assert.equal(out, 'create ev-follow\nstart ev-follow\ndied ev-follow\nremove ev-follow\n');
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal((await exited).exitCode, 0, 'SIGTERM ends following, with 0');
  // --until in the future: it follows until then, and exits 0
  const t0 = Date.now();
  const r = await tsboxAsync(root, ['events', '--until', new Date(Date.now() + 2500).toISOString(), '--filter', 'event=oom']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - t0 >= 2000, 'it waited for --until');
});
