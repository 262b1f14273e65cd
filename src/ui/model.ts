// Plain data the dashboard shows: the probes' result shapes where they fit
// as they are (type-only imports: nothing is loaded), and views of them
// shaped for the screen otherwise. The adapter in source.ts is the one
// place that calls the probes.
import type { DeviceAccess } from '../probe/devices.js';
/** One sample of a container's cgroup statistics, as src/probe/stats.ts reads it. */
import type { ContainerStats } from '../probe/stats.js';
import type { NamespaceView } from '../probe/namespaces.js';
import type { ProcessSecurity as ProbedSecurity } from '../probe/process.js';
import type { ContainerRecord, IdMapEntry, NamespaceType } from '../engine/types.js';
import type { MountRow } from '../probe/mounts.js';
import type { ProcessRow, ProcessSample } from '../probe/processes.js';

export type { ContainerRecord, ContainerStats, IdMapEntry, MountRow, NamespaceType, NamespaceView, ProcessRow, ProcessSample };

/** The Env tab's variables: the live process's, or the spec's while it is not running. */
export interface EnvData {
  vars: string[];
  source: 'live' | 'configured';
}

/** A value, or the plain reason it cannot be shown. Never a made-up value. */
export type Avail<T> = { ok: true; value: T } | { ok: false; reason: string };

export const ok = <T>(value: T): Avail<T> => ({ ok: true, value });
export const na = <T = never>(reason: string): Avail<T> => ({ ok: false, reason });


/** What the Security tab shows: the fields of the probe's reading it uses, and the devices the cgroups allow. */
export type ProcessSecurity = Pick<ProbedSecurity, 'capEff' | 'capBnd' | 'seccomp' | 'noNewPrivs' | 'label' | 'privileged' | 'uid' | 'gid'> & {
  /** the devices it may open, from its cgroups (probe/devices.ts) */
  devices?: DeviceAccess;
};

export interface IdRange {
  start: number;
  count: number;
}

export interface UsersData {
  /** the live maps of the container's init, from /proc/PID/{uid,gid}_map */
  maps: { uid: IdMapEntry[]; gid: IdMapEntry[] };
  /** the subordinate ranges of the user who owns the container, when known */
  subids: Avail<{ user: string; uid: IdRange[]; gid: IdRange[] }>;
}

export interface VolumeRow {
  source: string;
  destination: string;
  mode: string;
  relabel: string;
  /** null when the label report is not available */
  current: string | null;
  expected: string | null;
  agrees: boolean | null;
  sharedWith: Array<{ name: string; label: string | null }>;
  warnings: string[];
}

export interface LogLine {
  /** RFC 3339 timestamp, as the log file has it */
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Where a log read stopped, so the next read continues from there. */
export interface LogCursor {
  path: string;
  /** which file the log was when read (logfile.ts LogPosition): another one at that path means it was rotated */
  file: string;
  offset: number;
  /** a partial (P) line waiting for the rest */
  pending: LogLine | null;
}

export type ActionKind = 'start' | 'stop' | 'restart' | 'kill' | 'pause' | 'unpause' | 'remove';

/** One refresh's worth of facts, gathered by the source in one sweep. */
export interface Snapshot {
  at: number;
  containers: Avail<ContainerRecord[]>;
  stats: Avail<Record<string, ContainerStats>>;
  namespaces: Avail<Record<string, NamespaceView[]>>;
  /** the 8-character namespace column per container id */
  nsColumn: Record<string, string>;
  /** the probe's legend for that column, null when the probe is missing */
  nsLegend: string | null;
}
