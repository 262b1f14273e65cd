// Shared data shapes of the engine. Plain data only: the CLI prints these,
// the dashboard's store holds them, and they are what lives on disk.

import type { IdMapEntry, NamespaceType } from '../common/namespaces.js';
import type { SeccompProfile } from './seccomp-profile.js';

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
  /** :idmap: shown through the container's user namespace (an idmapped mount), so host owners stay as they are */
  idmap?: boolean;
  /** 'bind' | 'volume' | 'tmpfs' */
  type: 'bind' | 'volume' | 'tmpfs';
  /** named volume name, when type === 'volume' */
  name?: string;
  /** tmpfs (--tmpfs DST:OPTS): its mount options, checked (tmpfs.ts); none: nosuid,nodev,mode=1777 */
  tmpfsOptions?: string[];
}

/** --device HOST[:CONTAINER[:rwm]]: a host device node, made in the container */
export interface DeviceSpec {
  /** the host's node, symlinks resolved (as podman does: /dev/disk/by-id/... works) */
  hostPath: string;
  /** where it is made in the container */
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  /** what the device cgroup allows of it: some of r, w, m */
  access: string;
}

/** --ulimit NAME=SOFT[:HARD]; -1 is unlimited */
export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
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
  /** as the user named it, made full (docker.io/library/alpine:latest) for pulled images */
  image: string;
  /** the id of a layered image (the name may move to another image; the container keeps its layers) */
  imageId?: string;
  /** the image's StopSignal, or --stop-signal */
  stopSignal?: string;
  /** the image's Labels and ExposedPorts, shown by inspect */
  imageLabels?: Record<string, string>;
  exposedPorts?: string[];
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
  /** the profile read from that path at create (seccomp-file.ts); the filter is compiled from it */
  seccompProfile?: SeccompProfile;
  readOnlyRoot: boolean;
  volumes: VolumeSpec[];
  resources: ResourceLimits;
  labels: { process?: string; mount?: string; disabled: boolean };
  /** cap of the log file in bytes (--log-opt max-size; logfile.ts); records of an older tsbox lack it: the default */
  logMaxSize?: number;
  // The knobs below are absent from records of older tsbox versions: absent means the default.
  /** --device */
  devices?: DeviceSpec[];
  /** --device-cgroup-rule, in the devices.allow syntax ('c 1:11 rwm') */
  deviceCgroupRules?: string[];
  /** --sysctl, keys in dotted form, each of a namespace the container has of its own (sysctl.ts) */
  sysctls?: Record<string, string>;
  /** --security-opt mask=: paths hidden besides the defaults */
  maskPaths?: string[];
  /** --security-opt unmask=: default masked or read-only paths left alone (exact paths; ALL for all) */
  unmaskPaths?: string[];
  /** --ulimit */
  ulimits?: Ulimit[];
  /** --init: pid 1 is tsbox's small init, CMD its child */
  init?: boolean;
  /** --oom-score-adj */
  oomScoreAdj?: number;
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
}

export interface ImageRecord {
  name: string;
  id: string;
  created: string;
  /** 'host' for the built-in image, 'rootfs' for an imported tree, 'oci' for layers (pulled or loaded) */
  kind: 'host' | 'rootfs' | 'oci';
  size: number;
  source: string;
  /** oci: every name the image has (full references); `name` is the first */
  names?: string[];
  /** oci: REGISTRY/REPO@sha256:... of the manifest it was pulled by */
  repoDigests?: string[];
  /** oci: the manifest's digest */
  digest?: string;
  /** oci: the layers' blob digests, the lowest first */
  layers?: string[];
  /** oci: the image config (the OCI image-spec config.json, as the registry had it) */
  config?: OciImageConfig;
}

/** The parts of an OCI image config that tsbox reads (image-spec config.md). */
export interface OciImageConfig {
  created?: string;
  author?: string;
  architecture?: string;
  os?: string;
  variant?: string;
  config?: {
    User?: string;
    ExposedPorts?: Record<string, object>;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Volumes?: Record<string, object>;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
  };
  rootfs?: { type: string; diff_ids: string[] };
  history?: Array<{ created?: string; created_by?: string; author?: string; comment?: string; empty_layer?: boolean }>;
}
