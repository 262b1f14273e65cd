// Plain records and a scriptable source for the dashboard's tests. The
// dashboard itself is tested against the real engine under tmux
// (test/tmux/dashboard.test.ts); these fakes exist so the reducer, the
// controller and the components can be checked at fixed sizes, fast.
import { NAMESPACE_TYPES, type ContainerRecord, type ContainerSpec, type NamespaceMode, type NamespaceType } from '../../src/engine/types.js';
import { na, ok, type ActionKind, type Avail, type ContainerStats, type MountRow, type NamespaceView, type ProcessRow, type Snapshot } from '../../src/ui/model.js';
import type { DashboardSource, LogChunk } from '../../src/ui/source.js';

export const T0 = Date.parse('2024-05-01T12:00:00Z');

export function spec(over: Partial<ContainerSpec> = {}): ContainerSpec {
  const namespaces = Object.fromEntries(NAMESPACE_TYPES.map((t) => [t, { kind: 'private' } as NamespaceMode])) as Record<NamespaceType, NamespaceMode>;
  namespaces.user = { kind: 'host' };
  return {
    image: 'host',
    command: ['sleep', 'infinity'],
    env: [],
    workdir: '/',
    user: { uid: 0, gid: 0, groups: [], spec: '' },
    hostname: '',
    tty: false,
    interactive: false,
    autoRemove: false,
    namespaces,
    uidMap: [{ container: 0, host: 0, size: 4294967295 }],
    gidMap: [{ container: 0, host: 0, size: 4294967295 }],
    capabilities: ['CAP_CHOWN', 'CAP_KILL'],
    privileged: false,
    noNewPrivileges: false,
    seccomp: 'default',
    readOnlyRoot: false,
    volumes: [],
    resources: {},
    labels: { disabled: true },
    ...over,
  };
}

let n = 0;
export function rec(name: string, over: Partial<ContainerRecord> = {}): ContainerRecord {
  n++;
  const id = (over.id ?? `${name}-${n}`.padEnd(12, '0')).replace(/[^a-z0-9]/g, 'a');
  const state = over.state ?? 'running';
  const live = state === 'running' || state === 'paused';
  return {
    id,
    name,
    created: new Date(T0 - 3600_000).toISOString(),
    spec: spec(),
    state,
    pid: live ? 1000 + n : 0,
    pidStart: 1,
    monitorPid: live ? 900 + n : 0,
    monitorStart: 1,
    bootId: 'test-boot',
    startedAt: new Date(T0 - 125_000).toISOString(),
    finishedAt: live ? null : new Date(T0 - 5_000).toISOString(),
    exitCode: live ? null : 0,
    oomKilled: false,
    cgroupPaths: [],
    nsInodes: {},
    ...over,
  };
}

export function stats(id: string, over: Partial<ContainerStats> = {}): ContainerStats {
  return {
    id,
    at: T0,
    cpuNs: 1e9,
    cpuPercent: 12.5,
    cpuPercentOfLimit: null,
    memUsed: 12 * 1024 * 1024,
    memLimit: 64 * 1024 * 1024,
    memPercent: 18.75,
    pids: 3,
    pidsLimit: 50,
    blkRead: 4096,
    blkWrite: 0,
    netRx: 1536,
    netTx: 512,
    oomKills: 0,
    ...over,
  };
}

export function nsViews(over: Partial<Record<NamespaceType, Partial<NamespaceView>>> = {}): NamespaceView[] {
  return NAMESPACE_TYPES.map((type, i) => ({
    type,
    inode: 4026532000 + i,
    sharing: type === 'user' ? 'host' : 'private',
    sharedWith: [],
    ...over[type],
  }));
}

export function snapshot(containers: ContainerRecord[], opts: { at?: number; stats?: Avail<Record<string, ContainerStats>>; ns?: Avail<Record<string, NamespaceView[]>> } = {}): Snapshot {
  const live = containers.filter((r) => r.state === 'running' || r.state === 'paused');
  const st = opts.stats ?? ok(Object.fromEntries(live.map((r) => [r.id, stats(r.id)])));
  const ns = opts.ns ?? ok(Object.fromEntries(live.map((r) => [r.id, nsViews()])));
  const nsColumn = ns.ok ? Object.fromEntries(Object.keys(ns.value).map((id) => [id, 'PPPPPPHP'])) : {};
  return { at: opts.at ?? T0, containers: ok(containers), stats: st, namespaces: ns, nsColumn, nsLegend: 'P private, H host, S shared' };
}

/** A source whose facts the test sets, and which records the actions asked of it. */
export class FakeSource implements DashboardSource {
  containers: ContainerRecord[] = [];
  actions: Array<{ kind: ActionKind; name: string }> = [];
  /** make the next action fail with this message */
  failNext: string | null = null;
  /** hold actions until released (to see the pending state) */
  hold: Promise<void> | null = null;
  logLines: string[] = [];
  execs: string[] = [];
  at = T0;

  snapshot(): Snapshot {
    return snapshot(this.containers, { at: this.at });
  }
  security(r: ContainerRecord) {
    return ok({ capEff: ['CAP_CHOWN', 'CAP_KILL'], capBnd: ['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN'], seccomp: 'filter' as const, noNewPrivs: true, label: null, privileged: r.spec.privileged, uid: [0, 0, 0, 0], gid: [0, 0, 0, 0] });
  }
  users() {
    return ok({
      maps: { uid: [{ container: 0, host: 100000, size: 65536 }], gid: [{ container: 0, host: 100000, size: 65536 }] },
      subids: ok({ user: 'alice', uid: [{ start: 100000, count: 65536 }], gid: [{ start: 100000, count: 65536 }] }),
    });
  }
  volumes() {
    return na<never>('the SELinux label report is not there (fake)');
  }
  config(r: ContainerRecord) {
    return ok(JSON.stringify({ Id: r.id, Name: r.name, State: { Status: r.state } }, null, 2).split('\n'));
  }
  /** what processes(), env() and mounts() give; tests replace them */
  procRows: ProcessRow[] = [
    { hostPid: 4242, pid: 1, ppid: 0, hostPpid: 4200, hostUid: 100000, uid: 0, state: 'S', ticks: 10, startTicks: 1000, cpuPercent: null, rss: 1024 * 1024, command: 'sleep infinity' },
    { hostPid: 4250, pid: 7, ppid: 1, hostPpid: 4242, hostUid: 101000, uid: 1000, state: 'R', ticks: 50, startTicks: 2000, cpuPercent: 42.5, rss: 3 * 1024 * 1024, command: 'sh -c yes' },
  ];
  envVars = ['PATH=/usr/bin:/bin', 'DB_PASSWORD=hunter2', 'GITHUB_TOKEN=ghp_abc123', 'HOME=/root'];
  mountRows: MountRow[] = [
    { mountPoint: '/', fsType: 'overlay', source: 'overlay', root: '/', propagation: 'private', options: ['rw', 'relatime'] },
    { mountPoint: '/proc', fsType: 'proc', source: 'proc', root: '/', propagation: 'private', options: ['rw', 'nosuid', 'nodev', 'noexec'] },
    { mountPoint: '/data', fsType: 'ext4', source: '/dev/vda1', root: '/srv/data', propagation: 'shared:12', options: ['ro', 'relatime'] },
  ];
  processes(r: ContainerRecord) {
    return ok({ at: this.at, rows: this.procRows.map((p, i) => (i === 0 ? { ...p, hostPid: r.pid || p.hostPid } : p)) });
  }
  env() {
    return ok({ vars: this.envVars, source: 'live' as const });
  }
  mounts() {
    return ok(this.mountRows);
  }
  readLogs(_r: ContainerRecord, cursor: LogChunk['cursor'] | null): Avail<LogChunk> {
    const from = cursor?.offset ?? 0;
    const lines = this.logLines.slice(from).map((text, i) => ({ time: new Date(T0 + (from + i) * 1000).toISOString(), stream: 'stdout' as const, text }));
    return ok({ lines, cursor: { path: 'fake', file: '', offset: this.logLines.length, pending: null }, reset: cursor === null });
  }
  translateUid(maps: { uid: { container: number; host: number; size: number }[] }, id: number): string {
    const e = maps.uid[0];
    return `container uid ${id} = host uid ${e.host + id - e.container}`;
  }
  async act(kind: ActionKind, r: ContainerRecord): Promise<void> {
    this.actions.push({ kind, name: r.name });
    if (this.hold) await this.hold;
    if (this.failNext) {
      const m = this.failNext;
      this.failNext = null;
      throw new Error(m);
    }
    // new objects, as the engine gives: the store must not see its state mutated
    const change: Partial<ContainerRecord> | null =
      kind === 'stop' || kind === 'kill'
        ? { state: 'exited', pid: 0, exitCode: kind === 'kill' ? 137 : 0 }
        : kind === 'start' || kind === 'restart' || kind === 'unpause'
          ? { state: 'running', pid: 4242, exitCode: null }
          : kind === 'pause'
            ? { state: 'paused' }
            : null;
    if (kind === 'remove') this.containers = this.containers.filter((c) => c.id !== r.id);
    else if (change) this.containers = this.containers.map((c) => (c.id === r.id ? { ...c, ...change } : c));
  }
  execShell(r: ContainerRecord) {
    this.execs.push(r.name);
    return { file: '/bin/true', args: [] };
  }
}
