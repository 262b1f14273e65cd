// Hooks for `npm run bench`: a synthetic model of N containers and one
// render of it to a string, the work one dashboard frame costs (React
// reconcile, Yoga layout, text output), without a terminal.
import { renderToString } from 'ink';
import { COLOR, type Theme } from '../../components/theme.js';
import { NAMESPACE_TYPES, type ContainerRecord, type NamespaceMode, type NamespaceType } from '../engine/types.js';
import { dashboardElement } from './app.js';
import type { Controller } from './controller.js';
import { ok, type ContainerStats, type Snapshot } from './model.js';
import { initialState, reduce, type UiState } from './state.js';
import { createDashboardStore } from './store.js';

function syntheticRecord(i: number, at: number): ContainerRecord {
  const namespaces = Object.fromEntries(NAMESPACE_TYPES.map((t) => [t, { kind: 'private' } as NamespaceMode])) as Record<NamespaceType, NamespaceMode>;
  const running = i % 10 !== 9;
  return {
    id: i.toString(16).padStart(64, '0'),
    name: `bench-${String(i).padStart(4, '0')}`,
    created: new Date(at - 3_600_000).toISOString(),
    spec: {
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
      uidMap: [],
      gidMap: [],
      capabilities: [],
      privileged: false,
      noNewPrivileges: false,
      seccomp: 'default',
      readOnlyRoot: false,
      volumes: [],
      resources: { memory: 64 << 20, pidsLimit: 50 },
      labels: { disabled: true },
    },
    state: running ? 'running' : 'exited',
    pid: running ? 10_000 + i : 0,
    pidStart: 1,
    monitorPid: running ? 20_000 + i : 0,
    monitorStart: 1,
    bootId: 'bench',
    startedAt: new Date(at - 60_000 * (i + 1)).toISOString(),
    finishedAt: running ? null : new Date(at - 1000).toISOString(),
    exitCode: running ? null : 0,
    oomKilled: false,
    cgroupPaths: [],
    nsInodes: {},
  };
}

/** A model of `n` containers (9 in 10 running, with stats and 60 samples of history), laid out for cols x rows. */
export function benchModel(n: number, cols = 120, rows = 40): UiState {
  const at = Date.now();
  const containers = Array.from({ length: n }, (_, i) => syntheticRecord(i, at));
  const live = containers.filter((r) => r.state === 'running');
  let s = initialState(cols, rows);
  for (let t = 0; t < 60; t++) {
    const stats: Record<string, ContainerStats> = {};
    for (const [i, r] of live.entries()) {
      stats[r.id] = {
        id: r.id, at: at + t * 1000, cpuNs: t * 1e7, cpuPercent: (i * 7 + t) % 100, cpuPercentOfLimit: null,
        memUsed: (i % 60) << 20, memLimit: 64 << 20, memPercent: ((i % 60) / 64) * 100, pids: 1 + (i % 5), pidsLimit: 50,
        blkRead: i * 4096, blkWrite: 0, netRx: i * 100, netTx: i * 50, oomKills: 0,
      };
    }
    const snap: Snapshot = {
      at: at + t * 1000,
      containers: ok(containers),
      stats: ok(stats),
      namespaces: ok({}),
      nsColumn: Object.fromEntries(live.map((r) => [r.id, 'PPPPPPHP'])),
      nsLegend: null,
    };
    s = reduce(s, { type: 'snapshot', snap });
  }
  return s;
}

const idle: Controller = { start() {}, stop() {}, tick() {}, handleKey() {}, idle: async () => {} };

/** Render `model` once at width x height; returns the frame and how long it took. */
export function renderModelOnce(model: UiState, width: number, height: number, theme: Theme = COLOR): { ms: number; frame: string } {
  const sized = reduce(model, { type: 'resize', cols: width, rows: height });
  const store = createDashboardStore(sized);
  const t0 = performance.now();
  const frame = renderToString(dashboardElement(store, idle, theme), { columns: width });
  return { ms: performance.now() - t0, frame };
}
