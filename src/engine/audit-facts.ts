// What `tsbox audit` judges: the kernel's view of each running container,
// read from outside through the probes (/proc/PID/status, ns links, uid_map,
// mountinfo, the device cgroup and the limit files), never the record's
// intent alone. The record adds only what the kernel cannot say (the name,
// which volumes asked for :Z, where tsbox keeps its own state).
//
// Host paths of mounts: a bind mount shows in mountinfo as the filesystem's
// device and the directory inside it (`root`); the host's own mountinfo
// says where that filesystem is mounted on the host, so the longest host
// mount of the same device whose root holds it gives the host path. That
// is how `-v /:/host` is found whatever the record says.
import fs from 'node:fs';
import path from 'node:path';
import { parseMountinfo, type MountinfoEntry } from '../probe/cgroupfiles.js';
import { readDeviceAccess, type DeviceAccess } from '../probe/devices.js';
import { readIdMaps } from '../probe/idmap.js';
import { readCgroupLimits, type CgroupLimits } from '../probe/limits.js';
import { classifyInodes, readNamespaceInodes, type NamespaceView, type NsInodes } from '../probe/namespaces.js';
import { readProcessSecurity, type ProcessSecurity } from '../probe/process.js';
import { DEFAULT_DEVICE_RULES } from './devices.js';
import { hostDevices, judgePrograms, type DevicePrograms, type HostDevice, type ProgramVerdict } from './device-program.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from './masks.js';
import type { ContainerRecord, IdMapEntry } from './types.js';

export interface AuditMount {
  mountPoint: string;
  /** the directory of the filesystem it shows (for a cgroup: the cgroup, from the host's cgroup namespace) */
  root: string;
  fsType: string;
  readOnly: boolean;
  /** an idmapped mount (mountinfo's `idmapped`): its files show their host owners through the container's user namespace */
  idmapped: boolean;
  /** the host directory or file it shows, when it is one of the host's (a bind); null: the container's own */
  hostPath: string | null;
  /** under a host mount it came with (a recursive bind: -v /:/host brings /host/proc, /host/sys...): said with that one */
  submount: boolean;
  /** shared:N when it is in a peer group with a mount of the host's (mounts and unmounts propagate between them) */
  shared: string | null;
  /** that mount of the host's */
  hostPeer: string | null;
}

export interface ContainerFacts {
  id: string;
  name: string;
  /** the container's init on the host */
  pid: number;
  status: ProcessSecurity;
  ns: NsInodes;
  namespaces: NamespaceView[];
  uidMap: IdMapEntry[];
  gidMap: IdMapEntry[];
  mounts: AuditMount[];
  /** default masked paths the container can reach (no mount over them, and they exist there) */
  unmasked: string[];
  /** default read-only paths the container can write */
  writableReadonly: string[];
  devices: DeviceAccess | undefined;
  /** on cgroup v2: what its device programs allow beyond the default allowlist, run on the host's devices; or why they could not be read */
  devicePrograms: ProgramVerdict | { unreadable: string } | undefined;
  limits: CgroupLimits;
  /** the container's own cgroup directories (its /sys/fs/cgroup shows them, read-only) */
  cgroupPaths: readonly string[];
  /** volumes whose SELinux label (the security.selinux xattr, read now) is not one the container can use */
  labelMismatches: Array<{ source: string; current: string | null; expected: string | null; relabel: string; mountLabel: string | null }>;
  /** from the record: what the kernel cannot tell */
  config: {
    seccomp: string;
    /** host sources of volumes that asked for a private label (:Z) */
    privateLabelSources: string[];
  };
}

export interface AuditContext {
  /** the namespaces a container gets when it shares the host's: tsbox's own (the helper inherits them) */
  hostNs: NsInodes;
  /** the labels of a container's volumes now (labels.ts; one helper run), for containers that run labeled */
  volumeLabels(r: ContainerRecord): Array<{ source: string; current: string | null; expected: string | null; agrees: boolean; relabel: string; exists: boolean }>;
  /** the device programs in force at a cgroup v2 directory (tsbox-helper device-programs) */
  devicePrograms(cgroupDir: string): DevicePrograms;
}

/** Host path of a container's mount, or null when no host mount shows the same filesystem and directory. */
export function hostPathOf(m: MountinfoEntry, host: readonly MountinfoEntry[]): string | null {
  let best: MountinfoEntry | undefined;
  for (const h of host) {
    if (h.device !== m.device) continue;
    const inside = h.root === '/' || m.root === h.root || m.root.startsWith(`${h.root}/`);
    if (inside && (!best || h.root.length > best.root.length)) best = h;
  }
  if (!best) return null;
  const rest = best.root === '/' ? m.root : m.root.slice(best.root.length);
  return rest === '' || rest === '/' ? best.mountPoint : path.posix.join(best.mountPoint, rest);
}

/** The mount that holds PATH in the container: the last (topmost) mount at the longest prefix. */
export function coveringMount<T extends { mountPoint: string }>(mounts: readonly T[], p: string): T | undefined {
  let best: T | undefined;
  for (const m of mounts) {
    const under = m.mountPoint === '/' || p === m.mountPoint || p.startsWith(`${m.mountPoint}/`);
    if (under && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Does the kernel have PATH (a default masked or read-only path of proc or
 * sysfs)? Asked of tsbox's own /proc and /sys, not through
 * /proc/PID/root: the engine follows no path inside a running container
 * (docs/security.md), and what these trees hold is the kernel's, the same
 * in every mount of them (the caller checks that the container's covering
 * mount is proc or sysfs).
 */
function kernelHas(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** A peer group of the container's own (made by its own mount --make-shared) propagates nowhere: only one the host is in counts. */
function hostPeerOf(m: MountinfoEntry, host: readonly MountinfoEntry[]): { shared: string | null; hostPeer: string | null } {
  const tag = m.optional.find((o) => o.startsWith('shared:') || o.startsWith('master:'));
  const peer = tag && host.find((h) => h.optional.includes(tag.replace(/^master:/, 'shared:')));
  return peer ? { shared: tag, hostPeer: peer.mountPoint } : { shared: null, hostPeer: null };
}

function mountsOf(text: string, host: readonly MountinfoEntry[]): AuditMount[] {
  const entries = parseMountinfo(text);
  const mounts = entries.map((m) => ({
    mountPoint: m.mountPoint,
    root: m.root,
    fsType: m.fsType,
    readOnly: m.mountOptions.includes('ro'),
    idmapped: m.mountOptions.includes('idmapped'),
    // the container's own proc and sysfs are judged by what they let it write, not as host paths
    hostPath: (m.fsType === 'proc' && m.mountPoint.startsWith('/proc')) || (m.fsType === 'sysfs' && m.mountPoint.startsWith('/sys')) ? null : hostPathOf(m, host),
    submount: false,
    ...hostPeerOf(m, host),
  }));
  // a host mount whose parent shows the host directory holding it, at the same place below (or stacked on it
  // at the same place, as the host stacks them): both came with one -v
  const byId = new Map(entries.map((m, i) => [m.id, mounts[i]]));
  entries.forEach((e, i) => {
    const m = mounts[i];
    const p = byId.get(e.parent);
    if (m.hostPath === null || !p || p === m || p.hostPath === null || (m.mountPoint !== p.mountPoint && !m.mountPoint.startsWith(`${p.mountPoint === '/' ? '' : p.mountPoint}/`))) return;
    m.submount = path.posix.join(p.hostPath, path.posix.relative(p.mountPoint, m.mountPoint)) === m.hostPath;
  });
  return mounts;
}

/** The programs run on the host's devices, against the default allowlist; an instruction the interpreter refuses makes them unreadable. */
function judged(read: DevicePrograms, devices: readonly HostDevice[] | undefined): ProgramVerdict | { unreadable: string } {
  if ('unreadable' in read) return read;
  try {
    return judgePrograms(read.programs, DEFAULT_DEVICE_RULES, devices ?? []);
  } catch (e) {
    return { unreadable: `its device program cannot be evaluated: ${(e as Error).message}` };
  }
}

/** Default masks and read-only paths the container gets past, judged from its mount table. */
function maskGaps(mounts: readonly AuditMount[]): { unmasked: string[]; writableReadonly: string[] } {
  const kernelFs = (p: string) => {
    const c = coveringMount(mounts, p);
    return c !== undefined && (c.fsType === 'proc' || c.fsType === 'sysfs') ? c : undefined;
  };
  const unmasked = DEFAULT_MASKED_PATHS.filter((p) => !mounts.some((m) => m.mountPoint === p) && kernelFs(p) && kernelHas(p));
  const writableReadonly = DEFAULT_READONLY_PATHS.filter((p) => {
    const c = kernelFs(p);
    return c !== undefined && !c.readOnly && kernelHas(p);
  });
  return { unmasked, writableReadonly };
}

/**
 * The facts of each running container (a container whose process is gone
 * by the time it is read is left out: there is nothing left to audit).
 */
export function gatherFacts(records: readonly ContainerRecord[], ctx: AuditContext): ContainerFacts[] {
  const host = parseMountinfo(readText('/proc/self/mountinfo') ?? '');
  const read = records
    .filter((r) => r.pid > 0)
    .map((r) => ({ r, status: readProcessSecurity(r.pid), ns: readNamespaceInodes(r.pid), maps: readIdMaps(r.pid), mountinfo: readText(`/proc/${r.pid}/mountinfo`) }))
    .filter((x) => x.status && x.maps && x.mountinfo !== undefined && Object.keys(x.ns).length > 0);
  const views = classifyInodes(read.map((x) => ({ id: x.r.id, name: x.r.name, inodes: x.ns })), ctx.hostNs);
  let hostDevs: HostDevice[] | undefined;
  return read.map(({ r, status, ns, maps, mountinfo }) => {
    const mounts = mountsOf(mountinfo!, host);
    const devices = readDeviceAccess(r.cgroupPaths);
    if (devices?.kind === 'bpf') hostDevs ??= hostDevices();
    return {
      id: r.id,
      name: r.name,
      pid: r.pid,
      status: status!,
      ns,
      namespaces: views.get(r.id) ?? [],
      uidMap: maps!.uid,
      gidMap: maps!.gid,
      mounts,
      ...maskGaps(mounts),
      labelMismatches:
        r.spec.labels.disabled || !r.spec.volumes.some((v) => v.type !== 'tmpfs')
          ? []
          : ctx.volumeLabels(r).filter((v) => v.exists && !v.agrees).map((v) => ({ source: v.source, current: v.current, expected: v.expected, relabel: v.relabel, mountLabel: r.spec.labels.mount ?? null })),
      devices,
      devicePrograms: devices?.kind === 'bpf' ? judged(ctx.devicePrograms(devices.cgroup), hostDevs) : undefined,
      limits: readCgroupLimits(r.cgroupPaths),
      cgroupPaths: r.cgroupPaths,
      config: {
        seccomp: r.spec.seccomp,
        privateLabelSources: r.spec.volumes.filter((v) => v.relabel === 'Z' && v.type !== 'tmpfs').map((v) => v.source),
      },
    };
  });
}
