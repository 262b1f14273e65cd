// `tsbox inspect` and the dashboard's Config tab: a container in podman
// inspect's layout (the field names, types and nesting scripts read:
// State, Config, HostConfig, Mounts, NetworkSettings...), then tsbox's own
// facts under keys podman does not use: the namespaces its init is in now
// (inodes), how each was asked for, its cgroup directories, its spec and
// the OCI config.json it was created with.
import fs from 'node:fs';
import { NAMESPACE_TYPES } from '../common/namespaces.js';
import { DEFAULT_CAPS } from './capabilities.js';
import { readJsonIfExists } from './fsutil.js';
import { DEFAULT_LOG_MAX } from './logfile.js';
import type { RecordStore } from './records.js';
import type { ContainerRecord, ContainerSpec, NamespaceMode, VolumeSpec } from './types.js';

/** Go's zero time, which podman shows for a time that has not come (FinishedAt while running). */
export const ZERO_TIME = '0001-01-01T00:00:00Z';
/** /dev/shm when --shm-size is not given (native/mounts.c) */
export const DEFAULT_SHM_SIZE = 65536 * 1024;
/** podman's default stop timeout */
const STOP_TIMEOUT = 10;

/** podman's names of a namespace mode: private, host, container:ID */
function mode(m: NamespaceMode, privateName = 'private'): string {
  return m.kind === 'private' ? privateName : m.kind === 'host' ? 'host' : `container:${m.container}`;
}

/** The signal number podman shows for Config.StopSignal (SIGTERM: 15). */
const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15, SIGCONT: 18, SIGSTOP: 19, SIGWINCH: 28, SIGPWR: 30 };
export function stopSignalNumber(spec: ContainerSpec): number {
  const s = spec.stopSignal ?? 'SIGTERM';
  return /^\d+$/.test(s) ? Number(s) : (SIGNALS[s] ?? 15);
}

/** podman's Mounts entries. */
export function podmanMounts(vols: VolumeSpec[]): Array<Record<string, unknown>> {
  return vols.map((v) => ({
    Type: v.type,
    ...(v.type === 'volume' ? { Name: v.name ?? '' } : {}),
    Source: v.source,
    Destination: v.destination,
    Driver: v.type === 'volume' ? 'local' : '',
    Mode: v.relabel,
    Options: v.type === 'tmpfs' ? ['nosuid', 'nodev'] : ['rbind'],
    RW: !v.readOnly,
    Propagation: v.propagation ?? (v.type === 'tmpfs' ? '' : 'rprivate'),
  }));
}

/** podman's HostConfig.Binds: SRC:DST:OPTIONS for binds and named volumes. */
function binds(vols: VolumeSpec[]): string[] {
  return vols
    .filter((v) => v.type !== 'tmpfs')
    .map((v) => `${v.type === 'volume' ? v.name : v.source}:${v.destination}:${[v.readOnly ? 'ro' : 'rw', v.propagation ?? 'rprivate', ...(v.type === 'volume' ? ['nosuid', 'nodev'] : []), 'rbind'].join(',')}`);
}

function state(rec: ContainerRecord, running: boolean): Record<string, unknown> {
  return {
    OciVersion: '1.0.2',
    Status: rec.state,
    Running: rec.state === 'running',
    Paused: rec.state === 'paused',
    Restarting: false,
    OOMKilled: rec.oomKilled,
    Dead: false,
    Pid: rec.pid,
    ConmonPid: running ? rec.monitorPid : 0,
    // podman: 0 until there is an exit, and Go's zero time for times not yet come
    ExitCode: rec.exitCode ?? 0,
    Error: rec.error ?? '',
    StartedAt: rec.startedAt ?? ZERO_TIME,
    FinishedAt: running || !rec.finishedAt ? ZERO_TIME : rec.finishedAt,
    // podman's for a container without a health check (tsbox has none yet: --health-cmd is refused)
    Health: { Status: '', FailingStreak: 0, Log: null },
    CgroupPath: rec.cgroupPaths.length ? `/tsbox/${rec.id}` : '',
    CheckpointedAt: ZERO_TIME,
    RestoredAt: ZERO_TIME,
  };
}

function config(rec: ContainerRecord): Record<string, unknown> {
  const s = rec.spec;
  return {
    Hostname: s.hostname,
    Domainname: '',
    User: s.user.spec,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: s.tty,
    OpenStdin: s.interactive,
    StdinOnce: false,
    Env: s.env,
    Cmd: s.command,
    Image: s.image,
    ...(s.exposedPorts?.length ? { ExposedPorts: Object.fromEntries(s.exposedPorts.map((p) => [p, {}])) } : {}),
    Volumes: null,
    WorkingDir: s.workdir,
    Entrypoint: '',
    OnBuild: null,
    // the image's labels, then --label's (podman merges them so)
    Labels: { ...(s.imageLabels ?? {}), ...(s.userLabels ?? {}) },
    Annotations: {},
    StopSignal: stopSignalNumber(s),
    HealthcheckOnFailureAction: 'none',
    Umask: '0022',
    Timeout: 0,
    StopTimeout: s.stopTimeout ?? STOP_TIMEOUT,
  };
}

function hostConfig(rec: ContainerRecord, log: string): Record<string, unknown> {
  const s = rec.spec;
  const r = s.resources;
  const caps = new Set(s.capabilities);
  const period = r.cpuQuota ? (r.cpuPeriod ?? 100000) : (r.cpuPeriod ?? 0);
  const ns = s.namespaces;
  return {
    Binds: binds(s.volumes),
    CgroupManager: 'cgroupfs',
    CgroupMode: mode(ns.cgroup),
    ContainerIDFile: '',
    // Size as podman shows it: the cap of ctr.log (tsbox keeps ctr.log.1 besides)
    LogConfig: { Type: 'k8s-file', Config: null, Path: log, Tag: '', Size: humanBytes(s.logMaxSize ?? DEFAULT_LOG_MAX) },
    // tsbox's private network namespace has loopback only: podman's none
    NetworkMode: mode(ns.net, 'none'),
    PortBindings: {},
    RestartPolicy: { Name: s.restartPolicy?.name ?? '', MaximumRetryCount: s.restartPolicy?.maxRetries ?? 0 },
    AutoRemove: s.autoRemove,
    VolumeDriver: '',
    VolumesFrom: null,
    // relative to the default set, as podman shows them
    CapAdd: s.capabilities.filter((c) => !DEFAULT_CAPS.includes(c)),
    CapDrop: DEFAULT_CAPS.filter((c) => !caps.has(c)),
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: [],
    GroupAdd: s.user.groups.map(String),
    IpcMode: mode(ns.ipc),
    Cgroup: '',
    Cgroups: 'default',
    Links: null,
    OomScoreAdj: s.oomScoreAdj ?? 0,
    PidMode: mode(ns.pid),
    Privileged: s.privileged,
    PublishAllPorts: false,
    ReadonlyRootfs: s.readOnlyRoot,
    SecurityOpt: securityOpts(s),
    // the profile's file ('' for the built-in default)
    SeccompProfilePath: s.seccompProfile ? s.seccomp : s.seccomp === 'unconfined' ? 'unconfined' : '',
    Tmpfs: Object.fromEntries(s.volumes.filter((v) => v.type === 'tmpfs').map((v) => [v.destination, (v.tmpfsOptions ?? ['rw', 'nosuid', 'nodev']).join(',')])),
    UTSMode: mode(ns.uts),
    UsernsMode: ns.user.kind === 'host' ? '' : mode(ns.user),
    ShmSize: s.shmSize ?? DEFAULT_SHM_SIZE,
    Runtime: 'oci',
    ConsoleSize: [0, 0],
    Isolation: '',
    CpuShares: r.cpuShares ?? 0,
    Memory: r.memory ?? 0,
    NanoCpus: r.cpuQuota && period ? Math.round((r.cpuQuota / period) * 1e9) : 0,
    CgroupParent: '',
    BlkioWeight: r.blkioWeight ?? 0,
    BlkioWeightDevice: null,
    BlkioDeviceReadBps: null,
    BlkioDeviceWriteBps: null,
    BlkioDeviceReadIOps: null,
    BlkioDeviceWriteIOps: null,
    CpuPeriod: period,
    CpuQuota: r.cpuQuota ?? 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: r.cpusetCpus ?? '',
    CpusetMems: '',
    Devices: (s.devices ?? []).map((d) => ({ PathOnHost: d.hostPath, PathInContainer: d.path, CgroupPermissions: d.access })),
    DeviceCgroupRules: s.deviceCgroupRules ?? [],
    Sysctls: s.sysctls ?? {},
    DiskQuota: 0,
    KernelMemory: 0,
    MemoryReservation: r.memoryReservation ?? 0,
    MemorySwap: r.memorySwap ?? 0,
    MemorySwappiness: -1,
    OomKillDisable: false,
    PidsLimit: r.pidsLimit ?? 0,
    Ulimits: (s.ulimits ?? []).map((u) => ({ Name: `RLIMIT_${u.name.toUpperCase()}`, Soft: u.soft, Hard: u.hard })),
    Init: s.init ?? false,
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    CgroupConf: null,
  };
}

/** Go's units.HumanSize (decimal, 4 significant digits), as podman prints sizes. */
export function humanBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${+v.toPrecision(4)}${units[i]}`;
}

/** `imageId`: the image's id (podman's Image), when the image is still there. */
export function inspectRecord(rec: ContainerRecord, records: RecordStore, imageId?: string): Record<string, unknown> {
  const dir = records.dir(rec.id);
  const running = rec.state === 'running' || rec.state === 'paused';
  const ns: Record<string, number | null> = {};
  for (const t of NAMESPACE_TYPES) {
    let ino: number | null = null;
    if (running) {
      try {
        ino = fs.statSync(`/proc/${rec.pid}/ns/${t}`).ino;
      } catch {
        /* raced with exit */
      }
    }
    ns[t] = ino;
  }
  const log = records.logFile(rec.id);
  const s = rec.spec;
  const caps = s.user.uid === 0 ? s.capabilities : [];
  return {
    Id: rec.id,
    Created: rec.created,
    Path: s.command[0],
    Args: s.command.slice(1),
    State: state(rec, running),
    Image: imageId ?? s.image,
    ImageName: s.image,
    Rootfs: '',
    Pod: '',
    ResolvConfPath: `${dir}/etc/resolv.conf`,
    HostnamePath: `${dir}/etc/hostname`,
    HostsPath: `${dir}/etc/hosts`,
    StaticDir: dir,
    OCIConfigPath: `${dir}/config.json`,
    OCIRuntime: 'tsbox-helper',
    Name: rec.name,
    RestartCount: rec.restartCount ?? 0,
    Driver: fs.existsSync(`${dir}/upper`) ? 'overlay' : 'vfs',
    MountLabel: s.labels.disabled ? '' : (s.labels.mount ?? ''),
    ProcessLabel: s.labels.disabled ? '' : (s.labels.process ?? ''),
    AppArmorProfile: '',
    // a non-root user's CMD ends with none in effect (native/caps.c), its bounding set keeps them
    EffectiveCaps: caps,
    BoundingCaps: s.capabilities,
    ExecIDs: [],
    GraphDriver: { Name: fs.existsSync(`${dir}/upper`) ? 'overlay' : 'vfs', Data: null },
    Mounts: podmanMounts(s.volumes),
    Dependencies: [],
    // tsbox gives a container loopback only, or the host's or another's network (issue 12 adds more)
    NetworkSettings: {
      EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
      MacAddress: '', Bridge: '', SandboxID: '', HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0,
      Ports: {}, SandboxKey: running && s.namespaces.net.kind !== 'host' ? `/proc/${rec.pid}/ns/net` : '', Networks: {},
    },
    Namespace: '',
    IsInfra: false,
    IsService: false,
    Config: config(rec),
    HostConfig: hostConfig(rec, log),
    // tsbox's own: the kernel's namespaces of the init now, how each was asked for, the cgroups, the spec, the OCI config
    Namespaces: ns,
    NamespaceModes: s.namespaces,
    Cgroups: rec.cgroupPaths,
    LogPath: log,
    Bundle: dir,
    Spec: s,
    OCIConfig: readOciConfig(`${dir}/config.json`),
  };
}

/** --security-opt as podman's inspect lists them */
function securityOpts(s: ContainerRecord['spec']): string[] {
  const out: string[] = [];
  if (s.seccomp !== 'default') out.push(`seccomp=${s.seccomp}`);
  if (s.noNewPrivileges) out.push('no-new-privileges');
  if (s.maskPaths?.length) out.push(`mask=${s.maskPaths.join(':')}`);
  if (s.unmaskPaths?.length) out.push(`unmask=${s.unmaskPaths.join(':')}`);
  if (s.labels.disabled) out.push('label=disable');
  return out;
}

/** config.json, or null when it is missing or torn (it is written without fsync). */
function readOciConfig(file: string): unknown {
  try {
    return readJsonIfExists(file) ?? null;
  } catch {
    return null;
  }
}
