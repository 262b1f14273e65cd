// The grade column and the Security tab's findings: `tsbox audit`'s rules
// (src/engine/audit-rules.ts, through the source), kept off the refresh.
// Auditing a container reads a dozen /proc files and its mount table, and a
// labeled one runs the helper once; that is far more than a refresh may
// cost with hundreds of containers. So:
//  - each container's facts are read once per process (its pid and start)
//    and again when they are STALE_MS old (a container can mount things);
//  - a few at a time (STEP_BUDGET_MS, then the event loop gets its turn:
//    keys and frames come between), starting after the first frame;
//  - when the facts changed, every container is judged again from all of
//    them (some rules compare containers), and only the audits that came
//    out different reach the store.
import type { ContainerFacts } from '../engine/audit-facts.js';
import { errorText } from '../common/errors.js';
import type { ContainerRecord } from './model.js';
import { isLive } from './records.js';
import type { DashboardSource } from './source.js';
import type { AuditView } from './state.js';
import type { DashboardStore } from './store.js';

/** facts older than this are read again */
export const STALE_MS = 60_000;
/** how long one step may read facts before it yields */
const STEP_BUDGET_MS = 8;

export interface AuditCache {
  /** the containers as the last refresh listed them: queue what is new, changed or stale */
  update(list: readonly ContainerRecord[]): void;
  /** no more work until resume (the dashboard stops its refresh while a shell has the terminal) */
  stop(): void;
  resume(): void;
  /** resolves when no work is queued (tests) */
  idle(): Promise<void>;
}

interface Entry {
  /** the process the facts are of */
  key: string;
  facts: ContainerFacts | null;
  at: number;
}

const keyOf = (r: ContainerRecord) => `${r.pid}:${r.pidStart}:${r.startedAt}`;

export function createAuditCache(store: DashboardStore, source: DashboardSource, opts: { now?: () => number; staleMs?: number } = {}): AuditCache | null {
  const gather = source.auditFacts?.bind(source);
  const judge = source.auditJudge?.bind(source);
  if (!gather || !judge) return null;
  const now = opts.now ?? Date.now;
  const staleMs = opts.staleMs ?? STALE_MS;
  const entries = new Map<string, Entry>();
  let live: ContainerRecord[] = [];
  let queue: ContainerRecord[] = [];
  /** some facts changed (or a container went): judge again once the queue is empty */
  let dirty = false;
  let timer: NodeJS.Immediate | null = null;
  let stopped = false;
  let waiters: Array<() => void> = [];

  function kick(): void {
    if (timer || stopped) return;
    timer = setImmediate(step);
  }

  function step(): void {
    timer = null;
    const start = now();
    try {
      while (queue.length > 0 && now() - start < STEP_BUDGET_MS) {
        const r = queue.shift()!;
        const facts = gather!(r);
        entries.set(r.id, { key: keyOf(r), facts, at: now() });
        dirty = true;
      }
      if (queue.length > 0) {
        kick();
        return;
      }
      if (dirty) publish();
    } catch (e) {
      // an audit that cannot be read is not the dashboard's end: say so once, and try again when it is stale
      store.dispatch({ type: 'status', text: `audit failed: ${errorText(e)}`, kind: 'error' });
      queue = [];
      dirty = false;
    }
    if (queue.length === 0) {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    }
  }

  /** Judge every live container from all the facts; dispatch the audits that changed. */
  function publish(): void {
    dirty = false;
    const all = live.map((r) => entries.get(r.id)?.facts).filter((f): f is ContainerFacts => !!f);
    const judged = judge!(all);
    const prev = store.getState().audit;
    const views: Record<string, AuditView> = {};
    for (const f of all) {
      const j = judged[f.id];
      if (!j) continue;
      const old = prev[f.id];
      if (old && old.pid === f.pid && old.grade === j.grade && JSON.stringify(old.findings) === JSON.stringify(j.findings)) continue;
      views[f.id] = { pid: f.pid, grade: j.grade, findings: j.findings, at: now() };
    }
    const liveIds = new Set(all.map((f) => f.id));
    const gone = Object.keys(prev).filter((id) => !liveIds.has(id));
    if (Object.keys(views).length > 0 || gone.length > 0) store.dispatch({ type: 'audit', views, gone });
  }

  return {
    update(list) {
      if (stopped) return;
      live = list.filter((r) => isLive(r) && r.pid > 0);
      const ids = new Set(live.map((r) => r.id));
      for (const id of entries.keys()) {
        if (!ids.has(id)) {
          entries.delete(id);
          dirty = true;
        }
      }
      const queued = new Set(queue.map((r) => r.id));
      const t = now();
      for (const r of live) {
        const e = entries.get(r.id);
        if (queued.has(r.id) || (e && e.key === keyOf(r) && t - e.at < staleMs)) continue;
        queue.push(r);
      }
      if (queue.length > 0 || dirty) kick();
    },
    stop() {
      stopped = true;
      if (timer) clearImmediate(timer);
      timer = null;
    },
    resume() {
      stopped = false;
      if (queue.length > 0 || dirty) kick();
    },
    idle() {
      if (!timer && queue.length === 0 && !dirty) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
