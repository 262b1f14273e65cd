// The engine's plan for tsbox-helper (src/engine/helper-argv.ts) against the
// protocol it is written for: every option the builder emits is in
// native/PROTOCOL.md's option tables, with the arity written there (an option
// documented with a value is followed by one, and argv ends in `-- CMD`), and
// every option those tables list for run and exec is emitted by some plan
// here, but for the few the builder leaves to others, each named with why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CAPS } from '../../src/engine/capabilities.js';
import { execArgv, runArgv, type ExecPlan, type RunPlan } from '../../src/engine/helper-argv.js';
import type { ContainerSpec, NamespaceMode, NamespaceType, VolumeSpec } from '../../src/engine/types.js';
import { NAMESPACE_TYPES } from '../../src/common/namespaces.js';
import { REPO } from '../lib/cli.js';

/** option -> whether it takes a value, from the first column of a `## \`NAME\` options` table. */
function documentedOptions(section: 'run' | 'exec', inherit?: Map<string, boolean>): Map<string, boolean> {
  const doc = fs.readFileSync(path.join(REPO, 'native/PROTOCOL.md'), 'utf8');
  const heading = `## \`${section}\` options\n`;
  const start = doc.indexOf(heading);
  assert.ok(start >= 0, `PROTOCOL.md has a ${section} options section`);
  const rest = doc.slice(start + heading.length);
  const end = rest.search(/^#/m); // the next heading
  const body = end < 0 ? rest : rest.slice(0, end);
  const out = new Map<string, boolean>();
  for (const row of body.split('\n').filter((l) => /^\| `--/.test(l))) {
    const cell = row.split('|')[1];
    for (const [, name, arg] of cell.matchAll(/`(--[a-z-]+)( [^`]+)?`/g)) {
      // "as for run": the arity is run's
      const takes = arg !== undefined ? true : (inherit?.get(name) ?? false);
      out.set(name, takes);
    }
  }
  assert.ok(out.size > 10, `${section}: only ${out.size} options found in PROTOCOL.md`);
  return out;
}

const RUN = documentedOptions('run');
const EXEC = documentedOptions('exec', RUN);

/** Walk argv as the helper parses it: documented options with their values, then `-- CMD`. Returns the options seen and CMD. */
function walk(argv: string[], sub: 'run' | 'exec', table: Map<string, boolean>): { seen: Map<string, string[]>; cmd: string[] } {
  assert.equal(argv[0], sub);
  const seen = new Map<string, string[]>();
  for (let i = 1; i < argv.length; i++) {
    const opt = argv[i];
    if (opt === '--') return { seen, cmd: argv.slice(i + 1) };
    assert.ok(table.has(opt), `${sub} emits ${opt}, which native/PROTOCOL.md's ${sub} options do not list`);
    const values = seen.get(opt) ?? [];
    if (table.get(opt)) {
      assert.ok(i + 1 < argv.length, `${opt} needs its value`);
      values.push(argv[++i]);
    }
    seen.set(opt, values);
  }
  assert.fail(`${sub} argv has no -- before CMD: ${argv.join(' ')}`);
}

function spec(over: Partial<ContainerSpec> = {}): ContainerSpec {
  const namespaces = Object.fromEntries(NAMESPACE_TYPES.map((t) => [t, { kind: 'private' } as NamespaceMode])) as Record<NamespaceType, NamespaceMode>;
  return {
    image: 'host',
    command: ['/bin/sh', '-c', '--not-an-option'],
    env: ['PATH=/bin', 'A=--b'],
    workdir: '/srv',
    user: { uid: 1000, gid: 1000, groups: [10, 20], spec: '1000:1000' },
    hostname: 'box',
    tty: true,
    interactive: true,
    autoRemove: false,
    namespaces,
    uidMap: [],
    gidMap: [],
    capabilities: [...DEFAULT_CAPS],
    privileged: false,
    noNewPrivileges: true,
    seccomp: 'default',
    readOnlyRoot: true,
    volumes: [],
    resources: {},
    labels: { process: 'system_u:system_r:container_t:s0:c1,c2', mount: 'system_u:object_r:container_file_t:s0:c1,c2', disabled: false },
    logMaxSize: 65536,
    ...over,
  };
}

const vol = (destination: string, over: Partial<VolumeSpec> = {}): VolumeSpec => ({ source: `/src${destination}`, destination, readOnly: false, relabel: '', chown: false, type: 'bind', ...over });

function plan(over: Partial<RunPlan> = {}): RunPlan {
  return {
    spec: spec(),
    log: '/d/ctr.log',
    exitFile: '/r/exit.json',
    events: { file: '/d/events.log', head: '"ID":"x","Type":"container",' },
    attach: false,
    rootfs: { rootfs: '/d/rootfs', binds: [{ source: '/usr', destination: '/usr', readOnly: true }, { source: '/d/etc/hosts', destination: '/etc/hosts', readOnly: false }] },
    joined: {},
    cgroupPaths: ['/sys/fs/cgroup/memory/tsbox/x', '/sys/fs/cgroup/unified/tsbox/x'],
    cgroupMounts: [{ dir: '/sys/fs/cgroup/memory/tsbox/x', name: 'memory' }, { dir: '/sys/fs/cgroup/unified/tsbox/x', name: 'unified' }],
    onExit: ['/usr/bin/node', '/pkg/bin/tsbox.js', 'container', 'cleanup', 'x'],
    deviceRules: ['c 1:3 rwm', 'c 136:* rwm'],
    volumeFd: () => 10,
    seccompFd: 20,
    ...over,
  };
}

test('run: every option emitted is documented with its arity, and argv ends in -- CMD', () => {
  const vols = [vol('/data/sub', { readOnly: true }), vol('/data'), { ...vol('/scratch'), source: '', type: 'tmpfs' as const }];
  const fdOf = new Map(vols.map((v, i) => [v, 30 + i]));
  const p = plan({ spec: spec({ volumes: vols }), volumeFd: (v) => fdOf.get(v)! });
  const { args, fds } = runArgv(p);
  const { seen, cmd } = walk(args, 'run', RUN);
  assert.deepEqual(cmd, p.spec.command, 'CMD after --, options-looking words and all');
  // the fds passed, numbered from 4 on in the order given: volume sources (parents first), then seccomp
  assert.deepEqual(fds, [31, 30, 20]);
  assert.deepEqual(seen.get('--bind-fd'), ['4:/data']);
  assert.deepEqual(seen.get('--bind-ro-fd'), ['5:/data/sub']);
  assert.deepEqual(seen.get('--seccomp-fd'), ['6']);
  assert.deepEqual(seen.get('--tmpfs'), ['/scratch']);
  assert.ok(args.indexOf('--bind-fd') < args.indexOf('--bind-ro-fd'), '/data is mounted before /data/sub');
  assert.deepEqual(seen.get('--status-fd'), ['3']);
  assert.deepEqual(seen.get('--ns'), [...NAMESPACE_TYPES]);
  assert.deepEqual(seen.get('--env'), ['PATH=/bin', 'A=--b']);
  assert.deepEqual(seen.get('--groups'), ['10,20']);
  assert.match(seen.get('--caps')![0], /^[0-9a-f]{16}$/);
  assert.deepEqual(seen.get('--log-max'), ['65536']);
  assert.deepEqual(seen.get('--bind-ro'), ['/usr:/usr']);
  assert.deepEqual(seen.get('--bind'), ['/d/etc/hosts:/etc/hosts']);
  assert.deepEqual(seen.get('--device-rule'), ['c 1:3 rwm', 'c 136:* rwm']);
  assert.deepEqual(seen.get('--cgroup-mount'), ['/sys/fs/cgroup/memory/tsbox/x:memory', '/sys/fs/cgroup/unified/tsbox/x:unified']);
  assert.deepEqual(seen.get('--on-exit'), ['/usr/bin/node']);
  assert.deepEqual(seen.get('--on-exit-arg'), ['/pkg/bin/tsbox.js', 'container', 'cleanup', 'x']);
  assert.ok(!seen.has('--cgroup-mount-rw'), 'read-only unless privileged');
  assert.ok(walk(runArgv(plan({ spec: spec({ privileged: true }) })).args, 'run', RUN).seen.has('--cgroup-mount-rw'), 'privileged: read-write, as podman');
  assert.ok(seen.has('--detach') && seen.has('--ro-root') && seen.has('--no-new-privs') && seen.has('--tty') && seen.has('--stdin'));
});

test("run: --hostname only for a UTS namespace of the container's own (the helper refuses it in the host's or another's)", () => {
  const own = walk(runArgv(plan()).args, 'run', RUN).seen;
  assert.deepEqual(own.get('--hostname'), ['box']);
  const hostUts = { ...spec().namespaces, uts: { kind: 'host' } } as ContainerSpec['namespaces'];
  assert.ok(!walk(runArgv(plan({ spec: spec({ namespaces: hostUts }) })).args, 'run', RUN).seen.has('--hostname'));
  const joinedUts = { ...spec().namespaces, uts: { kind: 'container', container: 'other' } } as ContainerSpec['namespaces'];
  assert.ok(!walk(runArgv(plan({ spec: spec({ namespaces: joinedUts }), joined: { uts: 7 } })).args, 'run', RUN).seen.has('--hostname'));
});

test('run: joined, host and unconfined containers, overlays, attached', () => {
  const namespaces = { ...spec().namespaces, net: { kind: 'container', container: 'other' }, pid: { kind: 'host' } } as ContainerSpec['namespaces'];
  const p = plan({
    spec: spec({ namespaces, seccomp: 'unconfined', tty: false, interactive: false, readOnlyRoot: false, noNewPrivileges: false, labels: { disabled: true }, user: { uid: 0, gid: 0, groups: [], spec: '' } }),
    joined: { net: 4242 },
    attach: true,
    rootfs: { rootfs: '/d/rootfs', overlay: { lower: '/img/rootfs', upper: '/d/upper', work: '/d/work' }, binds: [] },
    deviceRules: [],
    cgroupMounts: [],
    onExit: undefined,
    seccompFd: undefined,
  });
  const { args, fds } = runArgv(p);
  const { seen } = walk(args, 'run', RUN);
  assert.deepEqual(fds, []);
  assert.deepEqual(seen.get('--join-ns'), ['net:/proc/4242/ns/net']);
  assert.ok(!seen.get('--ns')!.includes('pid') && !seen.get('--ns')!.includes('net'), 'host and joined namespaces are not new ones');
  assert.deepEqual(seen.get('--overlay'), ['/img/rootfs:/d/upper:/d/work']);
  for (const o of ['--detach', '--seccomp-fd', '--process-label', '--mount-label', '--groups', '--tty', '--stdin', '--ro-root', '--no-new-privs', '--device-rule', '--cgroup-mount', '--on-exit']) assert.ok(!seen.has(o), o);
  // a plan the engine did not finish is a bug, not a container without its filter or namespace
  assert.throws(() => runArgv(plan({ seccompFd: undefined })), /seccomp program/);
  assert.throws(() => runArgv({ ...p, joined: {} }), /no pid for the net namespace/);
});

function execPlan(over: Partial<ExecPlan> = {}): ExecPlan {
  return {
    pid: 4242,
    pidStart: 777,
    join: ['mnt', 'pid', 'net'],
    cgroupPaths: ['/sys/fs/cgroup/unified/tsbox/x'],
    spec: spec(),
    cmd: ['/bin/sh', '--', '-x'],
    env: ['PATH=/bin'],
    user: { uid: 0, gid: 0, groups: [5] },
    workdir: '/',
    tty: true,
    interactive: true,
    seccompFile: '/d/seccomp.bpf',
    ...over,
  };
}

test('exec: every option emitted is documented with its arity, and argv ends in -- CMD', () => {
  const p = execPlan();
  const { seen, cmd } = walk(execArgv(p), 'exec', EXEC);
  assert.deepEqual(cmd, p.cmd);
  assert.deepEqual(seen.get('--pid'), ['4242']);
  assert.deepEqual(seen.get('--pid-start'), ['777']);
  assert.deepEqual(seen.get('--ns'), ['mnt', 'pid', 'net']);
  assert.deepEqual(seen.get('--seccomp-file'), ['/d/seccomp.bpf']);
  const bare = walk(execArgv(execPlan({ spec: spec({ seccomp: 'unconfined', labels: { disabled: true }, noNewPrivileges: false }), seccompFile: undefined, tty: false, interactive: false })), 'exec', EXEC).seen;
  for (const o of ['--seccomp-file', '--process-label', '--no-new-privs', '--tty', '--stdin']) assert.ok(!bare.has(o), o);
});

/** Documented, and not emitted by the builder on purpose. */
const LEFT_TO_OTHERS = {
  run: {
    // spawnHelper (helper.ts) puts it in: the pipe is made where the helper is spawned
    '--userns-block-fd': 'helper.ts',
    '--signal-fd': 'helper.ts',
    // exec's: a run gets its program as an fd, so no path is opened after the namespaces are made
    '--seccomp-file': 'exec only',
    // tsbox-runtime's (src/runtime/commands.ts), tested in oci-runtime.test.ts
    '--inherit-stdio': 'src/runtime',
    '--no-monitor': 'src/runtime',
    '--start-fifo': 'src/runtime',
    '--console-socket': 'src/runtime',
    '--bind-flags': 'src/runtime',
    '--readonly': 'src/runtime',
  },
  exec: {
    // the caller spawns exec with its own stdio and no pipes: the program by path, errors on stderr
    '--seccomp-fd': 'run only',
    '--status-fd': 'run only',
    // the relay pipe, as for run
    '--signal-fd': 'helper.ts',
    '--inherit-stdio': 'src/runtime',
    '--no-monitor': 'src/runtime',
    '--console-socket': 'src/runtime',
  },
};

test('every run and exec option PROTOCOL.md lists is emitted by some plan, or left to another place on purpose', () => {
  const emitted = (argvs: string[][], sub: 'run' | 'exec', table: Map<string, boolean>) => new Set(argvs.flatMap((a) => [...walk(a, sub, table).seen.keys()]));
  const joinedNs = { ...spec().namespaces, net: { kind: 'container', container: 'other' } } as ContainerSpec['namespaces'];
  const runs = [
    runArgv(plan({ spec: spec({ volumes: [vol('/a'), vol('/b', { readOnly: true }), vol('/i', { idmap: true }), { ...vol('/t'), source: '', type: 'tmpfs' }] }) })).args,
    runArgv(plan({ spec: spec({ namespaces: joinedNs }), joined: { net: 1 }, rootfs: { rootfs: '/r', overlay: { lower: '/l', upper: '/u', work: '/w' }, binds: [] } })).args,
    runArgv(plan({ spec: spec({ privileged: true, shmSize: 1 << 20 }) })).args,
    // the knobs of issue 13
    runArgv(
      plan({
        spec: spec({
          devices: [{ hostPath: '/dev/net/tun', path: '/dev/net/tun', type: 'c', major: 10, minor: 200, access: 'rwm' }],
          sysctls: { 'net.ipv4.ip_forward': '1' },
          maskPaths: ['/proc/interrupts'],
          unmaskPaths: ['/proc/keys'],
          init: true,
          ulimits: [{ name: 'nofile', soft: 100, hard: 200 }],
          oomScoreAdj: 500,
        }),
        deviceFds: [40],
      }),
    ).args,
    // rootless layers: the overlay with userxattr
    runArgv(plan({ rootfs: { rootfs: '/r', overlay: { lower: '/l', upper: '/u', work: '/w', userxattr: true }, binds: [] } })).args,
  ];
  const execs = [execArgv(execPlan()), execArgv(execPlan({ spec: spec({ ulimits: [{ name: 'nofile', soft: 100, hard: 200 }], oomScoreAdj: 500 }) }))];
  for (const [sub, table, argvs] of [['run', RUN, runs], ['exec', EXEC, execs]] as const) {
    const got = emitted(argvs, sub, table);
    const left = LEFT_TO_OTHERS[sub] as Record<string, string>;
    for (const o of Object.keys(left)) assert.ok(table.has(o), `${o} (left to ${left[o]}) is no longer in PROTOCOL.md's ${sub} options: drop it from LEFT_TO_OTHERS`);
    const missing = [...table.keys()].filter((o) => !got.has(o) && !(o in left));
    assert.deepEqual(missing, [], `${sub} options in native/PROTOCOL.md that the engine never emits`);
    for (const o of Object.keys(left)) assert.ok(!got.has(o), `${sub} emits ${o} after all: drop it from LEFT_TO_OTHERS`);
  }
});
