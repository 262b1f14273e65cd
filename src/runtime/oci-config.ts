// A bundle's config.json (runtime-spec 1.0-1.3) turned into the plan the
// helper runs: its argv, plus what the runtime itself does around it
// (cgroups, id maps, seccomp program, hooks). Never a second isolation: every
// field maps onto a helper option, or onto the engine's cgroups, or it is
// refused with an error naming the field (OciConfigError) — nothing is
// silently ignored. Pure: the caller reads the file and the host facts.
import path from 'node:path';
import { CAP_NUMBER, normalizeCapName } from '../common/capabilities.js';
import type { ResourceLimits } from '../engine/types.js';

/** A field of config.json tsbox-runtime cannot honour, or a malformed one. */
export class OciConfigError extends Error {
  constructor(
    readonly field: string,
    why: string,
  ) {
    super(`config.json ${field}: ${why}`);
    this.name = 'OciConfigError';
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** One process of the container (process of config.json, or exec's --process). */
export interface ProcessPlan {
  /** helper options for it: env, cwd, uid/gid/groups, caps, rlimits, NNP, oom, label */
  args: string[];
  argv: string[];
  terminal: boolean;
  noNewPrivileges: boolean;
  /** what the seccomp filter may be asked to allow (refusedHelperSyscalls) */
  caps: string[];
}

export interface OciPlan {
  rootfs: string;
  /** helper run options, without the process's, cgroups, seccomp or status fd */
  runArgs: string[];
  process: ProcessPlan;
  namespaces: string[]; // helper names (net, mnt...), new or joined: exec joins these
  joined: Record<string, string>; // helper name -> path
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  /** cgroup parent and name below each hierarchy's root */
  cgroup: { parent: string; name: string };
  limits: ResourceLimits;
  /** v1 devices.allow lines (after a deny of all) */
  deviceRules: string[];
  /** /sys/fs/cgroup asked for: the container's own cgroups, read-only */
  cgroupMount?: { ro: boolean };
  seccomp?: Obj;
  hooks: { prestart: Hook[]; createRuntime: Hook[]; poststart: Hook[]; poststop: Hook[] };
  annotations: Record<string, string>;
}

const NS_NAMES: Record<string, string> = {
  pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time',
};

/** The mounts the helper makes itself in every container (native/PROTOCOL.md, "What the container sees"). */
const HELPER_MOUNTS: Record<string, string[]> = {
  '/proc': ['proc'],
  '/dev': ['tmpfs'],
  '/dev/pts': ['devpts'],
  '/dev/shm': ['tmpfs'],
  '/dev/mqueue': ['mqueue'],
  '/sys': ['sysfs'],
};

/** The helper's default masked and read-only paths (native/mounts.c): what the config does not list is unmasked. */
export const HELPER_MASKED = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap', '/sys/fs/selinux', '/sys/dev/block'];
export const HELPER_READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const RLIMITS: Record<string, string> = {
  RLIMIT_AS: 'as', RLIMIT_CORE: 'core', RLIMIT_CPU: 'cpu', RLIMIT_DATA: 'data', RLIMIT_FSIZE: 'fsize', RLIMIT_LOCKS: 'locks',
  RLIMIT_MEMLOCK: 'memlock', RLIMIT_MSGQUEUE: 'msgqueue', RLIMIT_NICE: 'nice', RLIMIT_NOFILE: 'nofile', RLIMIT_NPROC: 'nproc',
  RLIMIT_RSS: 'rss', RLIMIT_RTPRIO: 'rtprio', RLIMIT_RTTIME: 'rttime', RLIMIT_SIGPENDING: 'sigpending', RLIMIT_STACK: 'stack',
};

const BIND_FLAGS = new Set(['nosuid', 'nodev', 'noexec']);
/** options of a bind that say what the helper does anyway: every bind is recursive and private */
const BIND_NOOPS = new Set(['bind', 'rbind', 'rw', 'private', 'rprivate', 'suid', 'dev', 'exec', 'relatime', 'norelatime', 'atime', 'strictatime']);
const TMPFS_OPTS = /^(ro|rw|nosuid|suid|nodev|dev|noexec|exec|noatime|atime|strictatime|relatime|size=\d+[kmg%]?|nr_blocks=\d+|nr_inodes=\d+|mode=[0-7]+|uid=\d+|gid=\d+)$/;

class Reader {
  obj(v: Json | undefined, field: string): Obj {
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new OciConfigError(field, 'expected an object');
    return v;
  }
  list(v: Json | undefined, field: string): Json[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new OciConfigError(field, 'expected a list');
    return v;
  }
  strings(v: Json | undefined, field: string): string[] {
    return this.list(v, field).map((s, i) => this.str(s, `${field}[${i}]`));
  }
  str(v: Json | undefined, field: string): string {
    if (typeof v !== 'string') throw new OciConfigError(field, 'expected a string');
    return v;
  }
  int(v: Json | undefined, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new OciConfigError(field, `expected an integer from ${min} to ${max}`);
    return v;
  }
  /** refuse every key of O not in KNOWN */
  only(o: Obj, field: string, known: string[]): void {
    for (const k of Object.keys(o)) {
      if (!known.includes(k)) throw new OciConfigError(field ? `${field}.${k}` : k, 'not supported by tsbox-runtime');
    }
  }
  /** a field that must be absent (null, empty, or false count as absent) */
  absent(v: Json | undefined, field: string, why: string): void {
    if (v === undefined || v === null || v === false || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) return;
    throw new OciConfigError(field, why);
  }
}

const r = new Reader();

/** config.json of BUNDLE to the plan. FACTS: what the host has. */
export function translateConfig(text: string, bundle: string, id: string): OciPlan {
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (e) {
    throw new OciConfigError('', `not valid JSON (${(e as Error).message})`);
  }
  const c = r.obj(json, '(top level)');
  r.only(c, '', ['ociVersion', 'root', 'mounts', 'process', 'hostname', 'domainname', 'linux', 'hooks', 'annotations']);
  const version = r.str(c.ociVersion, 'ociVersion');
  if (!/^1\.[0-3]\.\d+/.test(version)) throw new OciConfigError('ociVersion', `${JSON.stringify(version)}: tsbox-runtime reads runtime-spec 1.0 to 1.3`);

  const root = r.obj(c.root, 'root');
  r.only(root, 'root', ['path', 'readonly']);
  const rootfs = path.resolve(bundle, r.str(root.path, 'root.path'));
  const runArgs: string[] = ['--rootfs', rootfs];
  if (root.readonly === true) runArgs.push('--ro-root');

  const linux = r.obj(c.linux, 'linux');
  r.only(linux, 'linux', ['namespaces', 'uidMappings', 'gidMappings', 'sysctl', 'resources', 'cgroupsPath', 'maskedPaths', 'readonlyPaths', 'seccomp', 'devices', 'rootfsPropagation', 'mountLabel', 'timeOffsets', 'personality']);
  const { namespaces, joined } = translateNamespaces(linux, runArgs);
  const uidMappings = mappings(linux.uidMappings, 'linux.uidMappings');
  const gidMappings = mappings(linux.gidMappings, 'linux.gidMappings');
  if ((uidMappings.length > 0 || gidMappings.length > 0) && !namespaces.includes('user')) throw new OciConfigError('linux.uidMappings', 'id mappings need a user namespace in linux.namespaces');
  if (namespaces.includes('user') && !joined.user && (uidMappings.length === 0 || gidMappings.length === 0)) throw new OciConfigError('linux.uidMappings', 'a new user namespace needs uidMappings and gidMappings');

  if (c.hostname !== undefined && c.hostname !== '') {
    if (!namespaces.includes('uts')) throw new OciConfigError('hostname', 'setting the hostname needs a uts namespace of the container (it would rename the host)');
    runArgs.push('--hostname', r.str(c.hostname, 'hostname'));
  }
  if (c.domainname !== undefined && c.domainname !== '') {
    if (!namespaces.includes('uts')) throw new OciConfigError('domainname', 'setting the domain name needs a uts namespace of the container');
    runArgs.push('--sysctl', `kernel.domainname=${r.str(c.domainname, 'domainname')}`);
  }

  for (const [k, v] of Object.entries(r.obj(linux.sysctl, 'linux.sysctl'))) runArgs.push('--sysctl', `${k}=${r.str(v, `linux.sysctl.${k}`)}`);

  const prop = linux.rootfsPropagation;
  if (prop !== undefined && prop !== '' && prop !== 'private' && prop !== 'rprivate') {
    throw new OciConfigError('linux.rootfsPropagation', `${JSON.stringify(prop)}: tsbox-helper makes every mount of the container private (only "private" and "rprivate")`);
  }
  if (linux.mountLabel) runArgs.push('--mount-label', r.str(linux.mountLabel, 'linux.mountLabel'));
  r.absent(linux.timeOffsets, 'linux.timeOffsets', 'time namespace offsets are not supported');
  const pers = r.obj(linux.personality, 'linux.personality');
  if (Object.keys(pers).length) {
    r.only(pers, 'linux.personality', ['domain', 'flags']);
    if (pers.domain !== 'LINUX' || r.list(pers.flags, 'linux.personality.flags').length) throw new OciConfigError('linux.personality', 'only domain LINUX without flags (the host\'s own) is supported');
  }
  const devices = r.list(linux.devices, 'linux.devices');
  devices.forEach((d, i) => {
    const dev = r.obj(d, `linux.devices[${i}]`);
    const p = r.str(dev.path, `linux.devices[${i}].path`);
    if (!['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty'].includes(p)) {
      throw new OciConfigError(`linux.devices[${i}]`, `${p}: only the devices tsbox-helper makes in every container (null, zero, full, random, urandom, tty) are supported`);
    }
  });

  const mountPlan = translateMounts(r.list(c.mounts, 'mounts'), runArgs);
  translateMasks(linux, runArgs);

  const res = translateResources(r.obj(linux.resources, 'linux.resources'), 'linux.resources');
  const cgroup = cgroupName(linux.cgroupsPath, id);

  const process = translateProcess(r.obj(c.process, 'process'), 'process', linux.seccomp !== undefined && linux.seccomp !== null);
  if (!process.argv.length) throw new OciConfigError('process.args', 'the container needs a command');

  const hooks = translateHooks(r.obj(c.hooks, 'hooks'));
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.obj(c.annotations, 'annotations'))) annotations[k] = r.str(v, `annotations.${k}`);

  let seccomp: Obj | undefined;
  if (linux.seccomp !== undefined && linux.seccomp !== null) {
    seccomp = r.obj(linux.seccomp, 'linux.seccomp');
    if (seccomp.listenerPath) throw new OciConfigError('linux.seccomp.listenerPath', 'a seccomp agent (SECCOMP_RET_USER_NOTIF) is not supported');
  }

  return {
    rootfs, runArgs, process, namespaces, joined, uidMappings, gidMappings, cgroup,
    limits: res.limits, deviceRules: res.deviceRules, cgroupMount: mountPlan.cgroupMount, seccomp, hooks, annotations,
  };
}

function translateNamespaces(linux: Obj, runArgs: string[]): { namespaces: string[]; joined: Record<string, string> } {
  const namespaces: string[] = [];
  const joined: Record<string, string> = {};
  r.list(linux.namespaces, 'linux.namespaces').forEach((n, i) => {
    const f = `linux.namespaces[${i}]`;
    const ns = r.obj(n, f);
    r.only(ns, f, ['type', 'path']);
    const type = r.str(ns.type, `${f}.type`);
    const name = NS_NAMES[type];
    if (!name) throw new OciConfigError(`${f}.type`, `unknown namespace type ${JSON.stringify(type)}`);
    if (namespaces.includes(name)) throw new OciConfigError(`${f}.type`, `${type} given twice`);
    namespaces.push(name);
    if (ns.path !== undefined && ns.path !== '') {
      const p = r.str(ns.path, `${f}.path`);
      if (name === 'mnt') throw new OciConfigError(`${f}.path`, 'joining a mount namespace is not supported: the container\'s mount namespace is always new');
      if (!path.isAbsolute(p)) throw new OciConfigError(`${f}.path`, 'must be absolute');
      joined[name] = p;
      runArgs.push('--join-ns', `${name}:${p}`);
    } else if (name !== 'mnt') {
      runArgs.push('--ns', name);
    }
  });
  if (!namespaces.includes('mnt')) throw new OciConfigError('linux.namespaces', 'a mount namespace is required (tsbox-helper always makes the container its own)');
  return { namespaces, joined };
}

function mappings(v: Json | undefined, field: string): IdMapping[] {
  return r.list(v, field).map((m, i) => {
    const o = r.obj(m, `${field}[${i}]`);
    r.only(o, `${field}[${i}]`, ['containerID', 'hostID', 'size']);
    return {
      containerID: r.int(o.containerID, `${field}[${i}].containerID`, 0, 2 ** 32 - 1),
      hostID: r.int(o.hostID, `${field}[${i}].hostID`, 0, 2 ** 32 - 1),
      size: r.int(o.size, `${field}[${i}].size`, 1, 2 ** 32),
    };
  });
}

function translateMounts(mounts: Json[], runArgs: string[]): { cgroupMount?: { ro: boolean } } {
  let cgroupMount: { ro: boolean } | undefined;
  mounts.forEach((m, i) => {
    const f = `mounts[${i}]`;
    const o = r.obj(m, f);
    r.only(o, f, ['destination', 'type', 'source', 'options', 'uidMappings', 'gidMappings']);
    const dst = r.str(o.destination, `${f}.destination`);
    if (!path.isAbsolute(dst)) throw new OciConfigError(`${f}.destination`, 'must be absolute');
    const options = r.strings(o.options, `${f}.options`);
    const type = o.type === undefined ? (options.some((x) => x === 'bind' || x === 'rbind') ? 'bind' : '') : r.str(o.type, `${f}.type`);
    r.absent(o.uidMappings, `${f}.uidMappings`, 'id-mapped mounts are not supported by tsbox-runtime');
    r.absent(o.gidMappings, `${f}.gidMappings`, 'id-mapped mounts are not supported by tsbox-runtime');
    const dest = path.posix.normalize(dst);
    if (HELPER_MOUNTS[dest]?.includes(type)) {
      // made by the helper in every container, with the options runc's and
      // podman's configs give (its own /dev, proc, sysfs, devpts, shm, mqueue)
      return;
    }
    if (dest === '/sys/fs/cgroup' && (type === 'cgroup' || type === 'cgroup2')) {
      cgroupMount = { ro: options.includes('ro') };
      return;
    }
    if (type === 'bind' || options.includes('bind') || options.includes('rbind')) {
      const src = r.str(o.source, `${f}.source`);
      if (!path.isAbsolute(src)) throw new OciConfigError(`${f}.source`, 'a bind source must be absolute');
      const flags: string[] = [];
      let ro = false;
      for (const opt of options) {
        if (opt === 'ro') ro = true;
        else if (BIND_FLAGS.has(opt)) flags.push(opt);
        else if (!BIND_NOOPS.has(opt)) throw new OciConfigError(`${f}.options`, `${JSON.stringify(opt)} is not supported on a bind (tsbox-helper's binds are recursive and private; supported: ro, nosuid, nodev, noexec)`);
      }
      runArgs.push(ro ? '--bind-ro' : '--bind', `${src}:${dest}`);
      if (flags.length) runArgs.push('--bind-flags', flags.join(','));
      return;
    }
    if (type === 'tmpfs') {
      const bad = options.find((x) => !TMPFS_OPTS.test(x));
      if (bad) throw new OciConfigError(`${f}.options`, `${JSON.stringify(bad)} is not a tmpfs option tsbox-helper takes`);
      // relatime is the kernel's default; the helper's list has no word for it
      const opts = options.filter((x) => x !== 'relatime');
      runArgs.push('--tmpfs', opts.length ? `${dest}:${opts.join(',')}` : dest);
      return;
    }
    throw new OciConfigError(`${f}.type`, `a ${JSON.stringify(type)} mount at ${dest} is not supported (binds, tmpfs, and the helper's own /proc, /sys, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys/fs/cgroup)`);
  });
  return { cgroupMount };
}

function translateMasks(linux: Obj, runArgs: string[]): void {
  const masked = r.strings(linux.maskedPaths, 'linux.maskedPaths');
  const ro = r.strings(linux.readonlyPaths, 'linux.readonlyPaths');
  masked.concat(ro).forEach((p, i) => {
    if (!path.isAbsolute(p)) throw new OciConfigError(i < masked.length ? `linux.maskedPaths[${i}]` : `linux.readonlyPaths[${i - masked.length}]`, 'must be absolute');
  });
  // The helper's defaults, each made exactly what the config asks: what it
  // does not list stays visible and writable, as in runc.
  for (const p of HELPER_MASKED) {
    if (masked.includes(p)) continue;
    runArgs.push('--unmask', p);
    if (ro.includes(p)) runArgs.push('--readonly', p);
  }
  for (const p of HELPER_READONLY) {
    if (masked.includes(p)) runArgs.push('--mask', p);
    else if (!ro.includes(p)) runArgs.push('--unmask', p);
  }
  for (const p of masked) if (!HELPER_MASKED.includes(p) && !HELPER_READONLY.includes(p)) runArgs.push('--mask', p);
  for (const p of ro) if (!HELPER_MASKED.includes(p) && !HELPER_READONLY.includes(p)) runArgs.push('--readonly', p);
}

function num(v: Json | undefined, field: string, min = -1): number | undefined {
  if (v === undefined || v === null) return undefined;
  return r.int(v, field, min);
}

/** linux.resources (also `update --resources`) to the engine's limits and a devices allowlist. */
export function translateResources(res: Obj, f: string): { limits: ResourceLimits; deviceRules: string[] } {
  r.only(res, f, ['memory', 'cpu', 'pids', 'blockIO', 'devices', 'hugepageLimits', 'network', 'rdma', 'unified']);
  const limits: ResourceLimits = {};
  const mem = r.obj(res.memory, `${f}.memory`);
  r.only(mem, `${f}.memory`, ['limit', 'reservation', 'swap', 'disableOOMKiller', 'useHierarchy', 'checkBeforeUpdate']);
  for (const k of ['disableOOMKiller', 'useHierarchy', 'checkBeforeUpdate']) if (mem[k] !== undefined && mem[k] !== false) throw new OciConfigError(`${f}.memory.${k}`, 'not supported by tsbox-runtime');
  const limit = num(mem.limit, `${f}.memory.limit`);
  if (limit !== undefined && limit > 0) limits.memory = limit;
  const resv = num(mem.reservation, `${f}.memory.reservation`);
  if (resv !== undefined && resv > 0) limits.memoryReservation = resv;
  const swap = num(mem.swap, `${f}.memory.swap`);
  if (swap !== undefined && swap !== 0) limits.memorySwap = swap;
  const cpu = r.obj(res.cpu, `${f}.cpu`);
  r.only(cpu, `${f}.cpu`, ['shares', 'quota', 'period', 'cpus', 'mems', 'realtimeRuntime', 'realtimePeriod', 'idle', 'burst']);
  for (const k of ['mems', 'realtimeRuntime', 'realtimePeriod', 'idle', 'burst']) r.absent(cpu[k], `${f}.cpu.${k}`, 'not supported by tsbox-runtime');
  const shares = num(cpu.shares, `${f}.cpu.shares`, 0);
  if (shares) limits.cpuShares = shares;
  const quota = num(cpu.quota, `${f}.cpu.quota`);
  if (quota !== undefined && quota > 0) limits.cpuQuota = quota;
  const period = num(cpu.period, `${f}.cpu.period`, 0);
  if (period) limits.cpuPeriod = period;
  if (cpu.cpus) limits.cpusetCpus = r.str(cpu.cpus, `${f}.cpu.cpus`);
  const pids = r.obj(res.pids, `${f}.pids`);
  r.only(pids, `${f}.pids`, ['limit']);
  const pl = num(pids.limit, `${f}.pids.limit`);
  if (pl !== undefined && pl > 0) limits.pidsLimit = pl;
  const bio = r.obj(res.blockIO, `${f}.blockIO`);
  r.only(bio, `${f}.blockIO`, ['weight']);
  const w = num(bio.weight, `${f}.blockIO.weight`, 0);
  if (w) limits.blkioWeight = w;
  r.absent(res.hugepageLimits, `${f}.hugepageLimits`, 'hugepage limits are not supported by tsbox-runtime');
  r.absent(res.network, `${f}.network`, 'network classes/priorities are not supported by tsbox-runtime');
  r.absent(res.rdma, `${f}.rdma`, 'rdma limits are not supported by tsbox-runtime');
  r.absent(res.unified, `${f}.unified`, 'raw cgroup v2 files are not supported by tsbox-runtime (this host\'s controllers are v1)');

  const deviceRules: string[] = [];
  r.list(res.devices, `${f}.devices`).forEach((d, i) => {
    const df = `${f}.devices[${i}]`;
    const o = r.obj(d, df);
    r.only(o, df, ['allow', 'type', 'major', 'minor', 'access']);
    const type = o.type === undefined || o.type === null ? 'a' : r.str(o.type, `${df}.type`);
    const access = o.access === undefined ? 'rwm' : r.str(o.access, `${df}.access`);
    if (!/^[abc]$/.test(type) || !/^[rwm]{1,3}$/.test(access)) throw new OciConfigError(df, 'type must be a, b or c and access of r, w, m');
    const major = o.major === undefined || o.major === null || o.major === -1 ? '*' : String(r.int(o.major, `${df}.major`));
    const minor = o.minor === undefined || o.minor === null || o.minor === -1 ? '*' : String(r.int(o.minor, `${df}.minor`));
    if (o.allow !== true) {
      // the allowlist starts from nothing: only a deny of everything, first
      if (i !== 0 || type !== 'a' || major !== '*' || minor !== '*') throw new OciConfigError(df, 'only a first rule that denies every device is supported (an allowlist)');
      return;
    }
    if (i === 0) throw new OciConfigError(df, 'the rules must start with a deny of every device (an allowlist)');
    deviceRules.push(type === 'a' ? 'a *:* ' + access : `${type} ${major}:${minor} ${access}`);
  });
  return { limits, deviceRules };
}

function cgroupName(v: Json | undefined, id: string): { parent: string; name: string } {
  if (v === undefined || v === null || v === '') return { parent: 'tsbox-runtime', name: id };
  const p = r.str(v, 'linux.cgroupsPath');
  if (p.includes(':')) throw new OciConfigError('linux.cgroupsPath', `${JSON.stringify(p)} is a systemd slice:prefix:name; tsbox-runtime manages cgroupfs directly (drop --systemd-cgroup / use cgroupfs)`);
  const parts = p.split('/').filter(Boolean);
  const ok = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
  if (parts.length < 1 || parts.length > 2 || !parts.every((x) => ok.test(x))) {
    throw new OciConfigError('linux.cgroupsPath', `${JSON.stringify(p)}: tsbox-runtime takes NAME or /PARENT/NAME (letters, digits, _ . -)`);
  }
  return parts.length === 1 ? { parent: 'tsbox-runtime', name: parts[0] } : { parent: parts[0], name: parts[1] };
}

/** process of config.json, or the --process file of exec. */
export function translateProcess(p: Obj, f: string, hasSeccomp = false): ProcessPlan {
  r.only(p, f, ['terminal', 'consoleSize', 'user', 'args', 'env', 'cwd', 'capabilities', 'rlimits', 'noNewPrivileges', 'apparmorProfile', 'selinuxLabel', 'oomScoreAdj', 'scheduler', 'ioPriority', 'execCPUAffinity', 'commandLine']);
  void hasSeccomp;
  const args: string[] = [];
  const argv = r.strings(p.args, `${f}.args`);
  const env = r.strings(p.env, `${f}.env`);
  env.forEach((e, i) => {
    if (!e.includes('=')) throw new OciConfigError(`${f}.env[${i}]`, `${JSON.stringify(e)} is not NAME=VALUE`);
    args.push('--env', e);
  });
  const cwd = p.cwd === undefined ? '/' : r.str(p.cwd, `${f}.cwd`);
  if (!path.isAbsolute(cwd)) throw new OciConfigError(`${f}.cwd`, 'must be absolute');
  args.push('--cwd', cwd);
  const user = r.obj(p.user, `${f}.user`);
  r.only(user, `${f}.user`, ['uid', 'gid', 'additionalGids', 'umask', 'username']);
  const uid = user.uid === undefined ? 0 : r.int(user.uid, `${f}.user.uid`, 0, 2 ** 32 - 2);
  const gid = user.gid === undefined ? 0 : r.int(user.gid, `${f}.user.gid`, 0, 2 ** 32 - 2);
  if (user.umask !== undefined && user.umask !== null && user.umask !== 0o22) throw new OciConfigError(`${f}.user.umask`, 'only 0022 (18), the umask tsbox-helper gives the command, is supported');
  r.absent(user.username, `${f}.user.username`, 'a Windows user name');
  args.push('--uid', String(uid), '--gid', String(gid));
  const groups = r.list(user.additionalGids, `${f}.user.additionalGids`).map((g, i) => r.int(g, `${f}.user.additionalGids[${i}]`, 0, 2 ** 32 - 2));
  args.push('--groups', groups.join(','));

  const caps = translateCaps(r.obj(p.capabilities, `${f}.capabilities`), `${f}.capabilities`, uid);
  args.push('--caps', caps.mask);
  for (const [i, l] of r.list(p.rlimits, `${f}.rlimits`).entries()) {
    const o = r.obj(l, `${f}.rlimits[${i}]`);
    r.only(o, `${f}.rlimits[${i}]`, ['type', 'soft', 'hard']);
    const name = RLIMITS[r.str(o.type, `${f}.rlimits[${i}].type`)];
    if (!name) throw new OciConfigError(`${f}.rlimits[${i}].type`, `unknown rlimit ${JSON.stringify(o.type)}`);
    const lim = (v: Json | undefined, k: string) => {
      const n = r.int(v, `${f}.rlimits[${i}].${k}`, 0, Number.MAX_SAFE_INTEGER);
      return n >= 2 ** 53 - 1 ? 'unlimited' : String(n);
    };
    args.push('--rlimit', `${name}=${lim(o.soft, 'soft')}:${lim(o.hard, 'hard')}`);
  }
  const nnp = p.noNewPrivileges === true;
  if (nnp) args.push('--no-new-privs');
  if (p.oomScoreAdj !== undefined && p.oomScoreAdj !== null) args.push('--oom-score-adj', String(r.int(p.oomScoreAdj, `${f}.oomScoreAdj`, -1000, 1000)));
  if (p.apparmorProfile) throw new OciConfigError(`${f}.apparmorProfile`, 'AppArmor is not supported by tsbox-helper (and this kernel has no AppArmor); remove the field');
  // Applied when SELinux enforces, as runc does; this kernel has none.
  if (p.selinuxLabel) args.push('--process-label', r.str(p.selinuxLabel, `${f}.selinuxLabel`));
  r.absent(p.scheduler, `${f}.scheduler`, 'not supported by tsbox-runtime');
  r.absent(p.ioPriority, `${f}.ioPriority`, 'not supported by tsbox-runtime');
  r.absent(p.execCPUAffinity, `${f}.execCPUAffinity`, 'not supported by tsbox-runtime');
  r.absent(p.commandLine, `${f}.commandLine`, 'a Windows command line');
  const terminal = p.terminal === true;
  if (p.consoleSize !== undefined && p.consoleSize !== null) {
    const cs = r.obj(p.consoleSize, `${f}.consoleSize`);
    if (!terminal) throw new OciConfigError(`${f}.consoleSize`, 'needs process.terminal');
    r.absent(cs.height || cs.width ? cs : null, `${f}.consoleSize`, 'setting the initial console size is not supported (the caller sets it on the pty master it receives)');
  }
  return { args, argv, terminal, noNewPrivileges: nnp, caps: caps.names };
}

/**
 * The helper keeps one mask in the bounding, permitted and effective sets,
 * and empty inheritable and ambient sets; non-root users end with none.
 * Configs that ask for something else are refused, naming the set.
 */
function translateCaps(c: Obj, f: string, uid: number): { mask: string; names: string[] } {
  r.only(c, f, ['bounding', 'effective', 'permitted', 'inheritable', 'ambient']);
  const set = (k: string) => {
    const names = r.strings(c[k], `${f}.${k}`).map((n, i) => {
      const norm = normalizeCapName(n);
      if (!CAP_NUMBER.has(norm)) throw new OciConfigError(`${f}.${k}[${i}]`, `unknown capability ${JSON.stringify(n)}`);
      return norm;
    });
    return [...new Set(names)].sort();
  };
  const bounding = set('bounding');
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (uid === 0) {
    for (const k of ['effective', 'permitted']) if (!same(set(k), bounding)) throw new OciConfigError(`${f}.${k}`, 'must equal bounding for uid 0 (tsbox-helper keeps one set for the three)');
    // uid 0's execve gains its whole bounding set anyway: an ambient set within it changes nothing
    const amb = set('ambient');
    if (amb.some((x) => !bounding.includes(x))) throw new OciConfigError(`${f}.ambient`, 'an ambient capability outside the bounding set');
  } else {
    for (const k of ['effective', 'permitted', 'ambient']) r.absent(set(k), `${f}.${k}`, 'a non-root user gets no capabilities from tsbox-helper (only the bounding set is kept)');
  }
  r.absent(set('inheritable'), `${f}.inheritable`, 'inheritable capabilities are always empty in tsbox (CVE-2022-24769)');
  let mask = 0n;
  for (const n of bounding) mask |= 1n << BigInt(CAP_NUMBER.get(n)!);
  return { mask: mask.toString(16), names: bounding };
}

function translateHooks(h: Obj): OciPlan['hooks'] {
  r.only(h, 'hooks', ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']);
  r.absent(h.createContainer, 'hooks.createContainer', 'hooks run in the container\'s mount namespace are not supported (createRuntime and prestart are)');
  r.absent(h.startContainer, 'hooks.startContainer', 'hooks run in the container\'s namespaces are not supported (poststart is)');
  const list = (k: string): Hook[] =>
    r.list(h[k], `hooks.${k}`).map((x, i) => {
      const f = `hooks.${k}[${i}]`;
      const o = r.obj(x, f);
      r.only(o, f, ['path', 'args', 'env', 'timeout']);
      const p = r.str(o.path, `${f}.path`);
      if (!path.isAbsolute(p)) throw new OciConfigError(`${f}.path`, 'must be absolute');
      return { path: p, args: o.args === undefined ? undefined : r.strings(o.args, `${f}.args`), env: o.env === undefined ? undefined : r.strings(o.env, `${f}.env`), timeout: o.timeout === undefined ? undefined : r.int(o.timeout, `${f}.timeout`, 1) };
    });
  return { prestart: list('prestart'), createRuntime: list('createRuntime'), poststart: list('poststart'), poststop: list('poststop') };
}
