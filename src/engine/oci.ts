// The OCI runtime-spec config.json a container runs with. It is the record of
// what tsbox set up (shown by `tsbox inspect`), and it lets crun or runc run the
// same bundle: `crun run --bundle <containers/ID> NAME`.
import { ociDeviceRules } from './devices.js';
import { pathsInForce } from './masks.js';
import { ociSeccompProfile } from './seccomp.js';
import type { ContainerSpec, NamespaceType } from './types.js';
import { HOST_IMAGE } from './images.js';

const OCI_NS: Record<NamespaceType, string> = {
  cgroup: 'cgroup',
  ipc: 'ipc',
  mnt: 'mount',
  net: 'network',
  pid: 'pid',
  time: 'time',
  user: 'user',
  uts: 'uts',
};

export interface OciContext {
  /** the device allowlist (devices.ts), undefined for every device */
  devices: readonly string[] | undefined;
  rootfs: string;
  imageRootfs?: string;
  etcDir: string;
  cgroupsPath: string;
  /** path of another container's namespace, for shared namespaces */
  nsPath: (type: NamespaceType, container: string) => string;
}

export function ociConfig(spec: ContainerSpec, ctx: OciContext): Record<string, unknown> {
  const mounts: Record<string, unknown>[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  ];
  if (spec.image === HOST_IMAGE) {
    mounts.push({ destination: '/usr', type: 'bind', source: '/usr', options: ['rbind', 'ro'] });
  }
  for (const f of ['hostname', 'hosts', 'resolv.conf']) {
    mounts.push({ destination: `/etc/${f}`, type: 'bind', source: `${ctx.etcDir}/${f}`, options: ['rbind', 'rw'] });
  }
  for (const v of spec.volumes) {
    if (v.type === 'tmpfs') mounts.push({ destination: v.destination, type: 'tmpfs', source: 'tmpfs', options: v.tmpfsOptions ?? ['nosuid', 'nodev', 'mode=1777'] });
    else mounts.push({ destination: v.destination, type: 'bind', source: v.source, options: ['rbind', v.readOnly ? 'ro' : 'rw', ...(v.propagation ? [v.propagation] : []), ...(v.idmap ? ['ridmap'] : [])] });
  }
  const namespaces = Object.entries(spec.namespaces)
    .filter(([, m]) => m.kind !== 'host')
    .map(([t, m]) => {
      const type = OCI_NS[t as NamespaceType];
      return m.kind === 'container' ? { type, path: ctx.nsPath(t as NamespaceType, m.container) } : { type };
    });
  const r = spec.resources;
  const resources: Record<string, unknown> = {};
  if (r.memory !== undefined || r.memorySwap !== undefined || r.memoryReservation !== undefined) {
    resources.memory = { limit: r.memory, swap: r.memorySwap, reservation: r.memoryReservation };
  }
  if (r.cpuQuota !== undefined || r.cpuShares !== undefined || r.cpusetCpus !== undefined || r.cpuWeight !== undefined) {
    resources.cpu = { quota: r.cpuQuota, period: r.cpuPeriod, shares: r.cpuShares, cpus: r.cpusetCpus };
  }
  if (r.pidsLimit !== undefined) resources.pids = { limit: r.pidsLimit };
  if (r.blkioWeight !== undefined) resources.blockIO = { weight: r.blkioWeight };
  resources.devices = ociDeviceRules(ctx.devices);
  const caps = spec.capabilities;
  const paths = pathsInForce(spec.maskPaths, spec.unmaskPaths);
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: spec.tty,
      user: { uid: spec.user.uid, gid: spec.user.gid, additionalGids: spec.user.groups },
      args: spec.command,
      env: spec.env,
      cwd: spec.workdir,
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [] },
      noNewPrivileges: spec.noNewPrivileges,
      ...(spec.ulimits?.length ? { rlimits: spec.ulimits.map((u) => ({ type: `RLIMIT_${u.name.toUpperCase()}`, soft: u.soft < 0 ? 2 ** 64 - 1 : u.soft, hard: u.hard < 0 ? 2 ** 64 - 1 : u.hard })) } : {}),
      ...(spec.oomScoreAdj !== undefined ? { oomScoreAdj: spec.oomScoreAdj } : {}),
      ...(spec.labels.process ? { selinuxLabel: spec.labels.process } : {}),
    },
    root: { path: ctx.rootfs, readonly: spec.readOnlyRoot },
    hostname: spec.hostname,
    mounts,
    linux: {
      namespaces,
      ...(spec.uidMap.length ? { uidMappings: spec.uidMap.map((m) => ({ containerID: m.container, hostID: m.host, size: m.size })) } : {}),
      ...(spec.gidMap.length ? { gidMappings: spec.gidMap.map((m) => ({ containerID: m.container, hostID: m.host, size: m.size })) } : {}),
      cgroupsPath: ctx.cgroupsPath,
      resources,
      ...(spec.labels.mount ? { mountLabel: spec.labels.mount } : {}),
      ...(spec.sysctls ? { sysctl: spec.sysctls } : {}),
      ...(spec.devices?.length
        ? { devices: spec.devices.map((d) => ({ path: d.path, type: d.type, major: d.major, minor: d.minor })) }
        : {}),
      // what native/mounts.c (mask_paths) does; test/integration/defaults.test.ts compares
      maskedPaths: paths.masked,
      readonlyPaths: paths.readonly,
      // the profile in force: the default means the same to libseccomp, in crun or runc, as to tsbox
      // (seccomp-profile.ts); a profile of one's own whose rules with and without args overlap may not
      ...(spec.seccomp !== 'unconfined' ? { seccomp: ociSeccompProfile(process.arch, spec.capabilities, spec.seccompProfile) } : {}),
    },
  };
}
