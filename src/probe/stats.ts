// Live resource statistics of many containers in one sweep, read straight
// from cgroup and /proc files with no process spawned.
//
// Speed (target: 200 containers in <= 20 ms; 7-10 ms on a 2-core VM):
// - each container's files stay open between sweeps and are re-read with one
//   pread at offset 0, which makes the kernel generate the contents afresh
//   (cgroup and /proc files are seq_files): one syscall per file instead of
//   open+read+close. They are closed when a sweep no longer lists the container.
// - limits are re-read every SETTINGS_TTL_MS, not every sweep;
// - containers sharing a network namespace read its counters once.
import fs from 'node:fs';
import { detectLayout, type CgroupLayout } from './cgroup-layout.js';
import { keyedValue, parseBlkioServiceBytes, parseCpuList, parseCpuMax, parseIoStat, parseLimit, parseNetDev } from './cgroupfiles.js';

export interface ContainerStats {
  id: string;
  /** when the sample was taken, ms since the epoch (fractional) */
  at: number;
  /** CPU time used since the container started, nanoseconds */
  cpuNs: number;
  /** docker's meaning: 100 = one core busy; null on the first sample */
  cpuPercent: number | null;
  /** share of the container's own CPU limit (quota, or a cpuset narrower than
   *  the host); null without such a limit or on the first sample */
  cpuPercentOfLimit: number | null;
  /** memory usage minus inactive page cache (what docker and podman show) */
  memUsed: number;
  memLimit: number | null;
  /** memUsed of memLimit; null without a limit */
  memPercent: number | null;
  pids: number;
  pidsLimit: number | null;
  blkRead: number;
  blkWrite: number;
  /** bytes over every interface but lo in the container's network namespace */
  netRx: number;
  netTx: number;
  oomKills: number;
}

export interface StatsTarget {
  id: string;
  /** the container's init on the host; 0 when unknown (no network counters then) */
  pid: number;
  cgroupPaths: string[];
}

type Group = { version: 1 | 2; fds: number[] };

/** Limits as last read, with when. */
interface Settings {
  readAt: number;
  limitCores: number | null;
  memLimit: number | null;
  pidsLimit: number | null;
}

/** The open files of one container, chosen once. */
interface Probe {
  pid: number;
  /** the cgroup directories the files were opened in (see sameTarget) */
  paths: readonly string[];
  opened: number[];
  cpuUsage?: Group;
  memory?: Group;
  pids?: Group;
  io?: Group;
  cpuLimit?: Group;
  cpuset?: Group;
  memLimit?: Group;
  pidsLimit?: Group;
  net?: { fd: number; ns: string };
  settings?: Settings;
}

/**
 * Which files give each statistic, by cgroup version, and the v1 controller
 * whose hierarchy has them. Counters are read at every sweep; settings (the
 * limits) change only through `tsbox update`, so they are read again only
 * when older than SETTINGS_TTL_MS: that saves 5 of the 12 reads per container.
 */
const COUNTERS = {
  cpuUsage: { controller: 'cpuacct', v1: ['cpuacct.usage'], v2: ['cpu.stat'] },
  memory: { controller: 'memory', v1: ['memory.usage_in_bytes', 'memory.stat', 'memory.oom_control'], v2: ['memory.current', 'memory.stat', 'memory.events'] },
  pids: { controller: 'pids', v1: ['pids.current'], v2: ['pids.current'] },
  io: { controller: 'blkio', v1: ['blkio.throttle.io_service_bytes_recursive'], v2: ['io.stat'] },
} as const;
const SETTINGS = {
  cpuLimit: { controller: 'cpu', v1: ['cpu.cfs_quota_us', 'cpu.cfs_period_us'], v2: ['cpu.max'] },
  cpuset: { controller: 'cpuset', v1: ['cpuset.effective_cpus'], v2: ['cpuset.cpus.effective'] },
  memLimit: { controller: 'memory', v1: ['memory.limit_in_bytes'], v2: ['memory.max'] },
  pidsLimit: { controller: 'pids', v1: ['pids.max'], v2: ['pids.max'] },
} as const;
const SETTINGS_TTL_MS = 2000;
/** For containers a caller reads in the background only (see SweepOptions.current). */
const BACKGROUND_SETTINGS_TTL_MS = 30_000;

const probes = new Map<string, Probe>();
const buf = Buffer.allocUnsafe(64 * 1024);

function readFd(fd: number): string | undefined {
  try {
    return buf.toString('latin1', 0, fs.readSync(fd, buf, 0, buf.length, 0));
  } catch {
    return undefined; // ENODEV: the cgroup was removed; ESRCH/EINVAL: the process is gone
  }
}

function layoutOrNone(): CgroupLayout | undefined {
  try {
    return detectLayout();
  } catch {
    return undefined;
  }
}

/** Mount points (ending in '/') with what each is: 'v2' or its v1 controllers. */
type Mounts = Array<[prefix: string, what: 'v2' | string[]]>;
const mountsOf = new WeakMap<CgroupLayout, Mounts>();

function mountList(layout: CgroupLayout): Mounts {
  let m = mountsOf.get(layout);
  if (!m) {
    const slash = (mount: string) => (mount.endsWith('/') ? mount : mount + '/');
    const v1 = new Map<string, string[]>();
    for (const [c, mount] of Object.entries(layout.v1)) v1.set(slash(mount), [...(v1.get(slash(mount)) ?? []), c]);
    m = [...v1];
    if (layout.v2Root) m.unshift([slash(layout.v2Root), 'v2']);
    mountsOf.set(layout, m);
  }
  return m;
}

/** 'v2', the v1 controllers of the hierarchy, or undefined for a directory
 *  outside every mounted hierarchy (then its files decide). */
function hierarchyOf(dir: string, layout: CgroupLayout | undefined): 'v2' | string[] | undefined {
  if (!layout) return undefined;
  const controllers: string[] = [];
  for (const [prefix, what] of mountList(layout)) {
    if (!dir.startsWith(prefix)) continue;
    if (what === 'v2') return 'v2';
    controllers.push(...what);
  }
  return controllers.length > 0 ? controllers : undefined;
}

type Source = { controller: string; v1: readonly string[]; v2: readonly string[] };

function buildProbe(c: StatsTarget): Probe {
  const probe: Probe = { pid: c.pid, paths: c.cgroupPaths, opened: [] };
  const layout = layoutOrNone();
  const dirs = c.cgroupPaths.map((d) => ({ d, h: hierarchyOf(d, layout) }));
  const openAll = (dir: string, files: readonly string[]): number[] | undefined => {
    const fds: number[] = [];
    for (const f of files) {
      try {
        fds.push(fs.openSync(`${dir}/${f}`, 'r'));
      } catch {
        fds.forEach((fd) => fs.closeSync(fd));
        return undefined;
      }
    }
    probe.opened.push(...fds);
    return fds;
  };
  const pick = (src: Source): Group | undefined => {
    // the v1 hierarchy that carries the controller, then v2, then directories
    // outside any known mount under either naming
    for (const { d, h } of dirs) {
      if (Array.isArray(h) && h.includes(src.controller)) {
        const fds = openAll(d, src.v1);
        if (fds) return { version: 1, fds };
      }
    }
    for (const { d, h } of dirs) {
      if (h === 'v2' || h === undefined) {
        const fds = openAll(d, src.v2);
        if (fds) return { version: 2, fds };
      }
    }
    for (const { d, h } of dirs) {
      if (h === undefined) {
        const fds = openAll(d, src.v1);
        if (fds) return { version: 1, fds };
      }
    }
    return undefined;
  };
  for (const k of Object.keys(COUNTERS) as Array<keyof typeof COUNTERS>) probe[k] = pick(COUNTERS[k]);
  for (const k of Object.keys(SETTINGS) as Array<keyof typeof SETTINGS>) probe[k] = pick(SETTINGS[k]);
  if (c.pid > 0) {
    try {
      // the namespace lets containers that share one read its counters once per sweep
      const ns = fs.readlinkSync(`/proc/${c.pid}/ns/net`);
      const fd = fs.openSync(`/proc/${c.pid}/net/dev`, 'r');
      probe.opened.push(fd);
      probe.net = { fd, ns };
    } catch {
      // the process is gone: no network counters
    }
  }
  return probe;
}

function closeProbe(p: Probe): void {
  for (const fd of p.opened) fs.closeSync(fd);
}

let onlineCpus: number | undefined;
function hostCpuCount(): number {
  if (onlineCpus === undefined) {
    let text = '';
    try {
      text = fs.readFileSync('/sys/devices/system/cpu/online', 'latin1');
    } catch {
      // no sysfs: a cpuset is then never taken for a limit
    }
    onlineCpus = parseCpuList(text)?.length || Infinity;
  }
  return onlineCpus;
}

/** Every file of a group read; undefined when one read fails (the cgroup is gone). */
function texts(g: Group): string[] | undefined {
  const out: string[] = [];
  for (const fd of g.fds) {
    const t = readFd(fd);
    if (t === undefined) return undefined;
    out.push(t);
  }
  return out;
}

function readSettings(p: Probe, now: number): Settings | undefined {
  const s: Settings = { readAt: now, limitCores: null, memLimit: null, pidsLimit: null };
  if (p.cpuLimit) {
    const t = texts(p.cpuLimit);
    if (!t) return undefined;
    const { quota, period } = p.cpuLimit.version === 1 ? { quota: parseLimit(t[0]), period: Number(t[1]) } : parseCpuMax(t[0]);
    if (quota !== null && quota > 0 && period > 0) s.limitCores = quota / period;
  }
  if (p.cpuset) {
    const t = texts(p.cpuset);
    if (!t) return undefined;
    const n = parseCpuList(t[0])?.length;
    if (n && n < hostCpuCount()) s.limitCores = Math.min(s.limitCores ?? Infinity, n);
  }
  if (p.memLimit) {
    const t = texts(p.memLimit);
    if (!t) return undefined;
    s.memLimit = parseLimit(t[0]);
  }
  if (p.pidsLimit) {
    const t = texts(p.pidsLimit);
    if (!t) return undefined;
    s.pidsLimit = parseLimit(t[0]);
  }
  return s;
}

/** One sample; undefined when the container's cgroups are gone. */
function sample(
  id: string,
  p: Probe,
  previous: ContainerStats | undefined,
  netByNs: Map<string, { rx: number; tx: number }>,
  settingsTtl: number,
  now: () => number,
): ContainerStats | undefined {
  // none of its counter files could be opened: its cgroups are gone
  if (!p.cpuUsage && !p.memory && !p.pids && !p.io) return undefined;
  const at = now();
  if (!p.settings || at - p.settings.readAt >= settingsTtl) {
    p.settings = readSettings(p, at);
    if (!p.settings) return undefined;
  }
  const { limitCores, memLimit, pidsLimit } = p.settings;
  const s: ContainerStats = {
    id, at, cpuNs: 0, cpuPercent: null, cpuPercentOfLimit: null, memUsed: 0, memLimit, memPercent: null,
    pids: 0, pidsLimit, blkRead: 0, blkWrite: 0, netRx: 0, netTx: 0, oomKills: 0,
  };

  if (p.cpuUsage) {
    const t = texts(p.cpuUsage);
    if (!t) return undefined;
    s.cpuNs = p.cpuUsage.version === 1 ? Number(t[0]) : (keyedValue(t[0], 'usage_usec') ?? 0) * 1000;
  }
  if (previous && s.cpuNs >= previous.cpuNs && s.at > previous.at) {
    s.cpuPercent = ((s.cpuNs - previous.cpuNs) / ((s.at - previous.at) * 1e6)) * 100;
    if (limitCores !== null) s.cpuPercentOfLimit = s.cpuPercent / limitCores;
  }
  if (p.memory) {
    const t = texts(p.memory);
    if (!t) return undefined;
    const inactive = keyedValue(t[1], p.memory.version === 1 ? 'total_inactive_file' : 'inactive_file') ?? 0;
    s.memUsed = Math.max(0, Number(t[0]) - inactive);
    if (memLimit) s.memPercent = (s.memUsed / memLimit) * 100;
    s.oomKills = keyedValue(t[2], 'oom_kill') ?? 0;
  }
  if (p.pids) {
    const t = texts(p.pids);
    if (!t) return undefined;
    s.pids = Number(t[0]) || 0;
  }
  if (p.io) {
    const t = texts(p.io);
    if (!t) return undefined;
    const io = p.io.version === 1 ? parseBlkioServiceBytes(t[0]) : parseIoStat(t[0]);
    s.blkRead = io.read;
    s.blkWrite = io.write;
  }
  if (p.net) {
    let net = netByNs.get(p.net.ns);
    if (!net) {
      const t = readFd(p.net.fd);
      if (t !== undefined) {
        net = parseNetDev(t);
        netByNs.set(p.net.ns, net);
      }
    }
    if (net) {
      s.netRx = net.rx;
      s.netTx = net.tx;
    }
  }
  return s;
}

/** The probe's files are still the target's: same process, same cgroups. */
function sameTarget(p: Probe, c: StatsTarget): boolean {
  if (p.pid !== c.pid) return false;
  // callers usually pass the same array again (a cached record): no compare
  if (p.paths === c.cgroupPaths) return true;
  if (p.paths.length !== c.cgroupPaths.length || p.paths.some((d, i) => d !== c.cgroupPaths[i])) return false;
  p.paths = c.cgroupPaths;
  return true;
}

export interface SweepOptions {
  /**
   * Containers not sampled this time whose files stay open: a caller that
   * samples only some containers (the dashboard reads the rows on screen)
   * names the rest here, so that their next sample reuses the open files
   * instead of opening about 14 again. Files of other containers not
   * sampled are closed.
   */
  keepOpen?: ReadonlySet<string>;
  /**
   * The containers whose figures are shown as they are read (the
   * dashboard's rows on screen). When given, the limits of the others are
   * re-read every BACKGROUND_SETTINGS_TTL_MS instead of SETTINGS_TTL_MS:
   * nobody looks at them, and a container that comes into view is in this
   * set at its next sample.
   */
  current?: ReadonlySet<string>;
  /** the clock samples are taken by, ms since the epoch (tests set their own) */
  now?: () => number;
}

const wallClock = () => performance.timeOrigin + performance.now();

/**
 * Sample every container. `previous` (the last sweep's result) gives the CPU
 * percentages. Containers whose cgroups are gone are left out of the result.
 * Limits may lag a `tsbox update` by up to SETTINGS_TTL_MS.
 */
export function sweepStats(containers: StatsTarget[], previous?: Map<string, ContainerStats>, opts: SweepOptions = {}): Map<string, ContainerStats> {
  const out = new Map<string, ContainerStats>();
  const listed = new Set<string>();
  const netByNs = new Map<string, { rx: number; tx: number }>();
  for (const c of containers) {
    listed.add(c.id);
    let probe = probes.get(c.id);
    if (probe && !sameTarget(probe, c)) {
      closeProbe(probe);
      probe = undefined;
    }
    probe ??= buildProbe(c);
    const ttl = opts.current && !opts.current.has(c.id) ? BACKGROUND_SETTINGS_TTL_MS : SETTINGS_TTL_MS;
    const s = sample(c.id, probe, previous?.get(c.id), netByNs, ttl, opts.now ?? wallClock);
    if (s) {
      probes.set(c.id, probe);
      out.set(c.id, s);
    } else {
      closeProbe(probe);
      probes.delete(c.id);
    }
  }
  for (const [id, probe] of probes) {
    if (!listed.has(id) && !opts.keepOpen?.has(id)) {
      closeProbe(probe);
      probes.delete(id);
    }
  }
  return out;
}
