// Shared data shapes of the engine. Plain data only: the CLI prints these,
// the dashboard's store holds them, and they are what lives on disk.

import type { IdMapEntry, NamespaceType } from '../common/namespaces.js';

// The kernel's shapes (src/common, where the probes read them too) are part
// of the records, and those who hold records find them here as well.
export { NAMESPACE_TYPES, type IdMapEntry, type NamespaceType } from '../common/namespaces.js';

/** How a container gets a namespace: a new private one, the host's, or another container's. */
export type NamespaceMode =
  | { kind: 'private' }
  | { kind: 'host' }
  | { kind: 'container'; container: string }; // container id

export type ContainerState = 'created' | 'running' | 'paused' | 'exited' | 'removing';

export interface VolumeSpec {
  /** host path (absolute, resolved) or named volume path */
  source: string;
  destination: string;
  readOnly: boolean;
  /** '' | 'z' | 'Z' */
  relabel: '' | 'z' | 'Z';
  chown: boolean;
  propagation?: string;
  /** 'bind' | 'volume' | 'tmpfs' */
  type: 'bind' | 'volume' | 'tmpfs';
  /** named volume name, when type === 'volume' */
  name?: string;
}

export interface ResourceLimits {
  memory?: number; // bytes
  memorySwap?: number; // bytes, -1 = unlimited
  memoryReservation?: number;
  cpuQuota?: number; // microseconds per period
  cpuPeriod?: number;
  cpuShares?: number; // v1 shares (2..262144)
  cpuWeight?: number; // v2 weight (1..10000)
  cpusetCpus?: string;
  pidsLimit?: number;
  blkioWeight?: number;
}

/** Everything needed to (re)start a container; written at create time. */
export interface ContainerSpec {
  image: string;
  command: string[];
  env: string[];
  workdir: string;
  user: { uid: number; gid: number; groups: number[]; spec: string };
  hostname: string;
  tty: boolean;
  interactive: boolean;
  autoRemove: boolean;
  namespaces: Record<NamespaceType, NamespaceMode>;
  uidMap: IdMapEntry[];
  gidMap: IdMapEntry[];
  /** capability names kept, e.g. CAP_CHOWN */
  capabilities: string[];
  privileged: boolean;
  noNewPrivileges: boolean;
  /** 'default' | 'unconfined' | path of a profile */
  seccomp: string;
  readOnlyRoot: boolean;
  volumes: VolumeSpec[];
  resources: ResourceLimits;
  labels: { process?: string; mount?: string; disabled: boolean };
  /** cap of the log file in bytes (--log-opt max-size; logfile.ts); records of an older tsbox lack it: the default */
  logMaxSize?: number;
  // podman's first-hour flags; records of an older tsbox lack them: the defaults
  /** podman's --label KEY=VALUE: the user's metadata (`labels` above are SELinux's) */
  userLabels?: Record<string, string>;
  /** what stop sends first (--stop-signal; default SIGTERM) */
  stopSignal?: string;
  /** seconds stop waits before SIGKILL (--stop-timeout; default 10) */
  stopTimeout?: number;
  /** --restart: what the monitor's cleanup does when the container exits (default no) */
  restartPolicy?: RestartPolicy;
  /** --health-cmd and friends */
  healthcheck?: Healthcheck;
  /** size of /dev/shm in bytes (--shm-size; default 64 MiB) */
  shmSize?: number;
}

export interface RestartPolicy {
  name: 'no' | 'on-failure' | 'always' | 'unless-stopped';
  /** on-failure:N, 0 = no limit */
  maxRetries: number;
}

export interface Healthcheck {
  /** podman's Test: ['CMD-SHELL', 'cmd'] or ['CMD', argv...] */
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

/** podman's State.Health */
export interface HealthState {
  status: 'starting' | 'healthy' | 'unhealthy';
  failingStreak: number;
  log: Array<{ start: string; end: string; exitCode: number; output: string }>;
}

export interface ContainerRecord {
  id: string;
  name: string;
  created: string; // RFC 3339
  spec: ContainerSpec;
  state: ContainerState;
  pid: number; // 0 when not running
  pidStart: number; // /proc/PID/stat field 22, to detect pid reuse
  monitorPid: number;
  monitorStart: number;
  /** /proc/sys/kernel/random/boot_id when started: a pid from another boot is never ours */
  bootId: string;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  oomKilled: boolean;
  /** host cgroup directories, one per hierarchy (v2: one) */
  cgroupPaths: string[];
  /** namespace inodes observed at start: type -> inode */
  nsInodes: Partial<Record<NamespaceType, number>>;
  error?: string;
  /** restarts by the restart policy since the last start by hand */
  restartCount?: number;
  /** stopped by stop, kill or rm: `always` and `unless-stopped` do not restart it (podman) */
  stoppedByUser?: boolean;
  health?: HealthState;
}

export interface ImageRecord {
  name: string;
  id: string;
  created: string;
  /** 'host' for the built-in image, 'rootfs' for an imported tree */
  kind: 'host' | 'rootfs';
  size: number;
  source: string;
}
