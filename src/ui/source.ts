// The dashboard's only door to the engine and the probes. The store and the
// components never do I/O; they get a DashboardSource, which tests replace
// with a fake. What a probe cannot read turns into a plain "not available"
// in its tab instead of a broken dashboard.
//
// The probes are imported statically: in the dashboard's bundle they are
// then part of ui.js, where loading them as separate modules cost ~20 ms of
// the time to the first frame.
import os from 'node:os';
import { visible } from '../common/visible.js';
import { Engine, type EngineOptions } from '../engine/engine.js';
import { listSnapshot } from './launch.js';
import type { EngineWarning } from '../engine/events.js';
import { errorText } from '../common/errors.js';
import { parseLogLine } from '../common/cri-log.js';
import { readLog } from '../engine/logfile.js';
import { volumeLabelReport } from '../engine/labels.js';
import { readSubIds } from '../engine/subid.js';
import { readIdMaps, toContainer, toHost } from '../probe/idmap.js';
import { classifyNamespaces, compactNsColumn } from '../probe/namespaces.js';
import { readDeviceAccess } from '../probe/devices.js';
import { readProcessSecurity } from '../probe/process.js';
import { sweepStats } from '../probe/stats.js';
import { readEnviron } from '../probe/environ.js';
import { readMounts } from '../probe/mounts.js';
import { scanProcesses } from '../probe/processes.js';
import { classifyInodes, readNamespaceInodes, type NsInodes } from '../probe/namespaces.js';
import { gatherFacts, type ContainerFacts } from '../engine/audit-facts.js';
import { readDevicePrograms } from '../engine/device-program.js';
import { auditContainer, gradeOf } from '../engine/audit-rules.js';
import { engineDirs } from '../engine/audit.js';
import type { AuditFinding } from './state.js';
import {
  na,
  ok,
  type ActionKind,
  type Avail,
  type ContainerRecord,
  type ContainerStats,
  type EnvData,
  type MountRow,
  type ProcessSample,
  type IdMapEntry,
  type LogCursor,
  type LogLine,
  type NamespaceView,
  type ProcessSecurity,
  type Snapshot,
  type UsersData,
  type VolumeRow,
} from './model.js';
import { isLive } from './records.js';

export interface LogChunk {
  lines: LogLine[];
  cursor: LogCursor;
  /** true when the lines replace what was shown (first read, or the file was truncated) */
  reset: boolean;
}

/** What one refresh reads besides the container list. */
export interface SnapshotScope {
  /** statistics of the current containers only, or of every running one */
  stats: 'current' | 'all';
  /** the containers whose figures show: the rows on screen and the selected one */
  current: ReadonlySet<string>;
  /** false leaves the namespaces unread: the first frame does not wait for 8 links per container */
  namespaces: boolean;
}

export interface DashboardSource {
  /** one refresh: containers, stats and namespaces in one sweep (every container's when no scope is given) */
  snapshot(scope?: SnapshotScope): Snapshot;
  security(r: ContainerRecord): Avail<ProcessSecurity>;
  users(r: ContainerRecord): Avail<UsersData>;
  volumes(r: ContainerRecord, all: ContainerRecord[]): Avail<VolumeRow[]>;
  config(r: ContainerRecord): Avail<string[]>;
  /** the processes of its pid namespace; CPU % from the previous read of the same container */
  processes(r: ContainerRecord): Avail<ProcessSample>;
  /** its command's environment */
  env(r: ContainerRecord): Avail<EnvData>;
  /** every mount of its mount namespace */
  mounts(r: ContainerRecord): Avail<MountRow[]>;
  readLogs(r: ContainerRecord, cursor: LogCursor | null): Avail<LogChunk>;
  /** "container 0 = host 100000" both ways, for the Users tab */
  translateUid(maps: { uid: IdMapEntry[] }, id: number): string;
  act(kind: ActionKind, r: ContainerRecord): Promise<void>;
  /** argv of a shell in the container, to spawn with the terminal inherited */
  execShell(r: ContainerRecord): { file: string; args: string[] };
  /**
   * `tsbox audit`'s rules for the grade column and the Security tab, in two
   * steps so the audit cache (audit-cache.ts) can spread the work: one
   * container's kernel facts (null: its process is gone), then the findings
   * of every container from all their facts (some rules compare containers).
   */
  auditFacts?(r: ContainerRecord): ContainerFacts | null;
  auditJudge?(all: readonly ContainerFacts[]): Record<string, { grade: string; findings: AuditFinding[] }>;
  /** the engine's warnings (a volume it could not relabel...) as they come; returns the unsubscribe */
  onWarning?(listener: (w: EngineWarning) => void): () => void;
}

/** How much of an existing log the Logs tab reads first. */
const LOG_TAIL_BYTES = 256 * 1024;

/** CRI records to lines: P records joined to the F that ends them, control characters made visible (src/common/visible.ts). */
function parseCri(text: string, cursor: LogCursor): LogLine[] {
  const out: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    const rec = parseLogLine(raw);
    if (!rec) {
      // Not CRI: show it as it is rather than drop it.
      out.push({ time: '', stream: 'stdout', text: visible(raw) });
      continue;
    }
    if (rec.partial) {
      // A P record is the start of a long line; F ends it.
      cursor.pending = { time: cursor.pending?.time ?? rec.time, stream: rec.stream, text: (cursor.pending?.text ?? '') + rec.text };
      continue;
    }
    out.push({ time: cursor.pending?.time ?? rec.time, stream: rec.stream, text: visible((cursor.pending?.text ?? '') + rec.text) });
    cursor.pending = null;
  }
  return out;
}

export async function createEngineSource(options: EngineOptions): Promise<DashboardSource> {
  return new EngineSource(Engine.open(options));
}

class EngineSource implements DashboardSource {
  private prevStats = new Map<string, ContainerStats>();
  private nsKey = '';
  private nsViews: Record<string, NamespaceView[]> = {};
  private nsColumn: Record<string, string> = {};
  private lastProcesses: { id: string; pid: number; sample: ProcessSample } | null = null;
  /** tsbox's own namespaces: a container in one of them shares the host's (read once: they do not change) */
  private hostNs: NsInodes | null = null;

  constructor(private readonly engine: Engine) {}

  snapshot(scope?: SnapshotScope): Snapshot {
    const first = listSnapshot(this.engine);
    if (!first.containers.ok) return first;
    const live = first.containers.value.filter((r) => isLive(r) && r.pid > 0);
    const stats = this.sweep(live, scope);
    if (scope && !scope.namespaces) return { ...first, stats };
    return { ...first, stats, namespaces: this.classify(live), nsColumn: this.nsColumn };
  }

  private sweep(live: ContainerRecord[], scope: SnapshotScope | undefined): Avail<Record<string, ContainerStats>> {
    const partial = scope?.stats === 'current';
    try {
      const m = sweepStats(
        // records are stats targets: id, pid, cgroupPaths
        partial ? live.filter((r) => scope.current.has(r.id)) : live,
        this.prevStats,
        // the live containers not read this time keep their files open for
        // the next full sweep; those not on screen re-read their limits less often
        partial ? { keepOpen: new Set(live.map((r) => r.id)) } : { current: scope?.current },
      );
      // keep the last sample of containers not swept this time: the next
      // CPU % of each is then the average since its own last sample
      // (a full sweep also forgets removed containers)
      if (!partial) this.prevStats = m;
      else for (const [id, st] of m) this.prevStats.set(id, st);
      return ok(Object.fromEntries(m));
    } catch (e) {
      return na(`reading cgroup statistics failed: ${errorText(e)}`);
    }
  }

  private classify(live: ContainerRecord[]): Avail<Record<string, NamespaceView[]>> {
    // Namespaces are fixed for a process's life, so classify again only when
    // the set of running processes changed: that saves 8 readlinks per
    // container per tick.
    const key = live.map((r) => `${r.id}:${r.pid}:${r.name}`).join(',');
    if (key !== this.nsKey) {
      try {
        const m = classifyNamespaces(live.map((r) => ({ id: r.id, name: r.name, pid: r.pid })));
        this.nsViews = Object.fromEntries(m);
        this.nsColumn = Object.fromEntries([...m].map(([id, v]) => [id, compactNsColumn(v)]));
        this.nsKey = key;
      } catch (e) {
        return na(`reading namespaces failed: ${errorText(e)}`);
      }
    }
    return ok(this.nsViews);
  }

  security(r: ContainerRecord): Avail<ProcessSecurity> {
    const s = readProcessSecurity(r.pid);
    return s ? ok({ ...s, devices: readDeviceAccess(r.cgroupPaths) }) : na(`/proc/${r.pid}/status cannot be read (the process is gone)`);
  }

  users(r: ContainerRecord): Avail<UsersData> {
    const maps = readIdMaps(r.pid);
    if (!maps) return na(`/proc/${r.pid}/uid_map cannot be read (the process is gone)`);
    let subids: UsersData['subids'];
    // The ranges come from the user running tsbox: that is whose ranges
    // newuidmap lets the engine map.
    const me = os.userInfo();
    try {
      subids = ok({ user: me.username, ...readSubIds({ name: me.username, uid: me.uid }) });
    } catch (e) {
      subids = na(errorText(e));
    }
    return ok({ maps, subids });
  }

  volumes(r: ContainerRecord, all: ContainerRecord[]): Avail<VolumeRow[]> {
    try {
      return ok(volumeLabelReport(r, all, { helper: this.engine.helperPath }));
    } catch (e) {
      return na(errorText(e));
    }
  }

  config(r: ContainerRecord): Avail<string[]> {
    try {
      return ok(JSON.stringify(this.engine.inspect(r.id), null, 2).split('\n'));
    } catch (e) {
      return na(errorText(e));
    }
  }

  processes(r: ContainerRecord): Avail<ProcessSample> {
    // one previous sample, of the container last shown: CPU % needs two
    const prev = this.lastProcesses?.id === r.id && this.lastProcesses.pid === r.pid ? this.lastProcesses.sample : null;
    const sample = scanProcesses(r, prev);
    if (!sample) return na(`/proc/${r.pid} cannot be read (the process is gone)`);
    this.lastProcesses = { id: r.id, pid: r.pid, sample };
    return ok(sample);
  }

  env(r: ContainerRecord): Avail<EnvData> {
    const vars = readEnviron(r.pid);
    return vars ? ok({ vars, source: 'live' }) : na(`/proc/${r.pid}/environ cannot be read (the process is gone)`);
  }

  mounts(r: ContainerRecord): Avail<MountRow[]> {
    const m = readMounts(r.pid);
    return m ? ok(m) : na(`/proc/${r.pid}/mountinfo cannot be read (the process is gone)`);
  }

  auditFacts(r: ContainerRecord): ContainerFacts | null {
    this.hostNs ??= readNamespaceInodes('self');
    const helper = this.engine.helperPath;
    // a volume's label agrees or not by this container's own spec: the other containers only name who else uses it
    return gatherFacts([r], { hostNs: this.hostNs, volumeLabels: (x) => volumeLabelReport(x, [x], { helper }), devicePrograms: (dir) => readDevicePrograms(helper, dir) })[0] ?? null;
  }

  auditJudge(all: readonly ContainerFacts[]): Record<string, { grade: string; findings: AuditFinding[] }> {
    this.hostNs ??= readNamespaceInodes('self');
    // facts were gathered one container at a time: who shares a namespace with whom is worked out across all of them, as audit() does
    const views = classifyInodes(all.map((f) => ({ id: f.id, name: f.name, inodes: f.ns })), this.hostNs);
    const facts = all.map((f) => ({ ...f, namespaces: views.get(f.id) ?? f.namespaces }));
    const dirs = engineDirs(this.engine);
    const out: Record<string, { grade: string; findings: AuditFinding[] }> = {};
    for (const f of facts) {
      const findings = auditContainer({ facts: f, all: facts, dirs });
      out[f.id] = { grade: gradeOf(findings), findings: findings.map((x) => ({ id: x.id, level: x.level, title: x.title, evidence: x.evidence, fix: x.fix })) };
    }
    return out;
  }

  readLogs(r: ContainerRecord, cursor: LogCursor | null): Avail<LogChunk> {
    try {
      const file = cursor?.path ?? this.engine.logPath(r.id);
      // ctr.log and, rotated, ctr.log.1 (src/engine/logfile.ts), from where the last read stopped
      const chunk = readLog(file, cursor && { file: cursor.file, offset: cursor.offset }, LOG_TAIL_BYTES);
      const next: LogCursor = { path: file, ...chunk.pos, pending: chunk.reset ? null : (cursor?.pending ?? null) };
      return ok({ lines: parseCri(chunk.data.toString('utf8'), next), cursor: next, reset: chunk.reset });
    } catch (e) {
      return na(errorText(e));
    }
  }

  translateUid(maps: { uid: IdMapEntry[] }, id: number): string {
    const h = toHost(maps.uid, id);
    const c = toContainer(maps.uid, id);
    const a = h === null ? `container uid ${id} is not mapped` : `container uid ${id} = host uid ${h}`;
    const b = c === null ? `host uid ${id} is not mapped (shows as 65534 inside)` : `host uid ${id} = container uid ${c}`;
    return `${a};  ${b}`;
  }

  async act(kind: ActionKind, r: ContainerRecord): Promise<void> {
    const e = this.engine;
    switch (kind) {
      case 'start':
        await e.start(r.id);
        return;
      case 'stop':
        await e.stop(r.id);
        return;
      case 'restart':
        await e.restart(r.id);
        return;
      case 'kill':
        await e.kill(r.id, 'SIGKILL');
        return;
      case 'pause':
        await e.pause(r.id);
        return;
      case 'unpause':
        await e.unpause(r.id);
        return;
      case 'remove':
        await e.remove(r.id, { force: isLive(r) });
        return;
    }
  }

  execShell(r: ContainerRecord): { file: string; args: string[] } {
    return this.engine.execCommand(r.id, ['/bin/sh'], { tty: true, interactive: true });
  }

  onWarning(listener: (w: EngineWarning) => void): () => void {
    this.engine.events.on('warning', listener);
    return () => this.engine.events.off('warning', listener);
  }
}
