// The checks of `tsbox audit`, in one table: id, level, the lists it comes
// from, why it matters (one sentence), the flag that fixes it, and a test
// of the kernel's facts (audit-facts.ts) that returns the evidence, one line
// per thing found. The CLI and the dashboard render the same findings.
//
// Levels say how close the container is to the host:
//   critical  one step from host root: no isolation left to break
//   high      a known way out once one more thing goes wrong (one bug, one capability)
//   medium    a layer the benchmarks require is missing
//   low       hardening the stricter lists (CIS, Pod Security "restricted") ask for
// The grade is the worst level: none A, low B, medium C, high D, critical F.
//
// Sources: CIS Docker Benchmark v1.6 section 5 ("CIS 5.n"), Kubernetes Pod
// Security Standards ("PSS baseline" / "PSS restricted"), and tsbox's own.
// Devices: devices.list on v1; on v2 the device programs, run on the host's
// devices (device-program.ts). Not checked here: host ports (not checked until networks, issue 12, land),
// AppArmor/SELinux process labels (this kernel has no LSM that labels
// processes; volume labels are xattrs, and are checked).
import { NAMESPACE_TYPES, type NamespaceType } from '../common/namespaces.js';
import { DEFAULT_CAPS } from './capabilities.js';
import { DEFAULT_DEVICE_RULES } from './devices.js';
import { coveringMount, type AuditMount, type ContainerFacts } from './audit-facts.js';
import type { IdMapEntry } from './types.js';

export const LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof LEVELS)[number];
export const GRADES: Record<Level | 'none', string> = { none: 'A', low: 'B', medium: 'C', high: 'D', critical: 'F' };

/** Where tsbox keeps its state (engine paths): a container's own and named volumes are expected, the rest is tsbox's. */
export interface EngineDirs {
  data: string;
  run: string;
  containers: string;
  volumes: string;
  images: string;
}

export interface AuditInput {
  facts: ContainerFacts;
  all: readonly ContainerFacts[];
  dirs: EngineDirs;
}

export interface Rule {
  id: string;
  level: Level;
  title: string;
  refs: string[];
  why: string;
  fix: string;
  /** the evidence, one line per thing found; empty: the check passes */
  check(input: AuditInput): string[];
}

export interface Finding {
  id: string;
  level: Level;
  title: string;
  refs: string[];
  evidence: string[];
  why: string;
  fix: string;
}

/** Capabilities that alone reach past the container (mounts, other processes' memory, raw devices, kernel modules, ...). */
const DANGEROUS_CAPS = new Set([
  'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_DAC_READ_SEARCH', 'CAP_NET_ADMIN', 'CAP_BPF',
  'CAP_PERFMON', 'CAP_SYS_BOOT', 'CAP_SYS_TIME', 'CAP_MAC_ADMIN', 'CAP_MAC_OVERRIDE', 'CAP_SYSLOG', 'CAP_MKNOD', 'CAP_LINUX_IMMUTABLE',
]);

const within = (p: string, dir: string) => p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);

/** Host directories whose contents belong to the host's system (CIS 5.5 names /, /boot, /dev, /etc, /lib, /proc, /sys, /usr). */
const SYSTEM_DIRS = ['/', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/sys', '/usr', '/bin', '/sbin', '/root', '/var', '/run', '/var/run', '/var/lib', '/home'];
/** Of those, the ones whose subtrees are also the host's secrets or kernel interfaces. */
const SYSTEM_TREES = ['/boot', '/etc', '/proc', '/sys', '/root', '/dev'];
/** Read-only, these only show binaries and libraries anyone can read (the `host` image binds them). */
const PUBLIC_DIRS = ['/usr', '/lib', '/lib32', '/lib64', '/libx32', '/bin', '/sbin', '/etc/alternatives'];

/** The nodes every container gets; in a user namespace (no mknod) the helper binds the host's. */
const DEFAULT_NODES = ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty'];

const ENGINE_SOCKET = /\/(docker|podman|containerd|crio|cri-dockerd|buildkitd|dockershim|tsbox)\.sock$/;

type MountKind = 'own' | 'volume' | 'engine-state' | 'engine-socket' | 'system' | 'host';

function mountKind(m: AuditMount, input: AuditInput): MountKind {
  const hp = m.hostPath;
  if (hp === null) return 'own';
  const { dirs, facts } = input;
  if (within(hp, `${dirs.containers}/${facts.id}`) || within(hp, dirs.images) || DEFAULT_NODES.includes(hp)) return 'own';
  // its own cgroups, the /sys/fs/cgroup it is shown (as podman's containers are)
  if (facts.cgroupPaths.some((c) => within(hp, c))) return 'own';
  if (within(hp, dirs.volumes)) return 'volume';
  if (ENGINE_SOCKET.test(hp) || ['/run/containerd', '/var/run/docker', '/run/podman'].some((d) => within(hp, d))) return 'engine-socket';
  if (within(hp, dirs.data) || within(hp, dirs.run) || within(dirs.data, hp) || within(dirs.run, hp)) {
    // the host's / holds tsbox's state too, but is worse for being /: judged as a system directory
    if (!SYSTEM_DIRS.includes(hp)) return 'engine-state';
  }
  if (SYSTEM_DIRS.includes(hp) || SYSTEM_TREES.some((d) => within(hp, d))) return 'system';
  return 'host';
}

function hostMounts(input: AuditInput, kinds: MountKind[], pred: (m: AuditMount) => boolean = () => true): string[] {
  const all = input.facts.mounts;
  return all
    .filter((m) => !m.submount && kinds.includes(mountKind(m, input)) && pred(m))
    .map((m) => {
      const under = all.filter((s) => s.submount && s.mountPoint.startsWith(`${m.mountPoint}/`)).length;
      return `${m.hostPath} of the host at ${m.mountPoint} (${m.readOnly ? 'ro' : 'rw'}${under ? `, with the ${under} mounts under it` : ''})`;
    });
}

const isPublic = (m: AuditMount) => m.hostPath !== null && PUBLIC_DIRS.some((d) => within(m.hostPath!, d));

function nsHost(input: AuditInput, type: NamespaceType): string[] {
  const v = input.facts.namespaces.find((n) => n.type === type);
  return v?.sharing === 'host' ? [`/proc/${input.facts.pid}/ns/${type} is ${type}:[${v.inode}], the host's`] : [];
}

function mapText(map: readonly IdMapEntry[]): string {
  return map.map((e) => `${e.container} ${e.host} ${e.size}`).join(', ') || '(empty)';
}

const isIdentity = (map: readonly IdMapEntry[]) => map.some((e) => e.container === 0 && e.host === 0);

function toContainerId(map: readonly IdMapEntry[], hostId: number): number | null {
  const e = map.find((m) => hostId >= m.host && hostId < m.host + m.size);
  return e ? e.container + (hostId - e.host) : null;
}

const caps = (f: ContainerFacts) => f.status.capBnd;
const extraCaps = (f: ContainerFacts) => caps(f).filter((c) => !DEFAULT_CAPS.includes(c));

/** Finds of one namespace type shared with the host: the CIS/PSS item, and the level of what the shared one reaches. */
const NS_RULES: Record<NamespaceType, { level: Level; refs: string[]; why: string; fix: string } | null> = {
  mnt: { level: 'critical', refs: ['tsbox'], why: "the host's mount table is the container's: every host file is reachable", fix: 'never run a container in the host mount namespace' },
  pid: { level: 'high', refs: ['CIS 5.16', 'PSS baseline: hostPID'], why: "the container sees every host process, their environments and /proc/PID/root, and can signal or trace them with its capabilities", fix: 'drop --pid host' },
  net: { level: 'high', refs: ['CIS 5.10', 'PSS baseline: hostNetwork'], why: "the container binds the host's ports, reaches services on the host's loopback and abstract unix sockets (containerd's was an escape)", fix: 'drop --network host' },
  ipc: { level: 'medium', refs: ['CIS 5.17', 'PSS baseline: hostIPC'], why: "the container reads and writes the host's shared memory segments and message queues", fix: 'drop --ipc host' },
  uts: { level: 'low', refs: ['CIS 5.21'], why: "the container may rename the host (with CAP_SYS_ADMIN) and sees its hostname", fix: 'drop --uts host' },
  user: null, // container-root-is-host-root says more
  cgroup: { level: 'low', refs: ['tsbox'], why: "the container sees the host's cgroup paths in /proc/self/cgroup, and a cgroup it mounts is the host's whole hierarchy", fix: 'drop --cgroupns host' },
  time: { level: 'low', refs: ['tsbox'], why: "the container's monotonic and boot clocks are the host's, which tells it the host's uptime", fix: 'drop --timens host' },
};

export const RULES: readonly Rule[] = [
  {
    id: 'privileged',
    level: 'critical',
    title: 'privileged: every capability',
    refs: ['CIS 5.4', 'PSS baseline: privileged'],
    why: 'with every capability root in the container is root on the host: it can load modules, mount the host disk and write /sys',
    fix: 'drop --privileged; --cap-add only what the program needs',
    check: ({ facts: f }) => (f.status.privileged ? [`/proc/${f.pid}/status CapBnd holds all ${f.status.capBnd.length} capabilities tsbox has`] : []),
  },
  {
    id: 'dangerous-capability',
    level: 'high',
    title: 'a capability that reaches past the container',
    refs: ['CIS 5.3', 'PSS baseline: capabilities'],
    why: 'each of these capabilities alone has been a way out (mounting, tracing, raw devices, kernel memory or the network stack of the namespace)',
    fix: '--cap-drop the capability named, or run without --cap-add of it',
    check: ({ facts: f }) => (f.status.privileged ? [] : extraCaps(f).filter((c) => DANGEROUS_CAPS.has(c)).map((c) => `/proc/${f.pid}/status CapBnd has ${c}${f.status.capEff.includes(c) ? ' (effective)' : ''}`)),
  },
  {
    id: 'added-capability',
    level: 'medium',
    title: "capabilities beyond podman's default",
    refs: ['CIS 5.3', 'PSS baseline: capabilities'],
    why: 'each capability added widens what root in the container may ask of the kernel',
    fix: '--cap-drop the capability named',
    check: ({ facts: f }) => (f.status.privileged ? [] : extraCaps(f).filter((c) => !DANGEROUS_CAPS.has(c)).map((c) => `/proc/${f.pid}/status CapBnd has ${c}`)),
  },
  {
    id: 'capabilities-not-dropped',
    level: 'low',
    title: 'capabilities not dropped',
    refs: ['PSS restricted: capabilities drop ALL'],
    why: 'a program that needs no capability keeps none, so that a bug in it gives nothing',
    fix: '--cap-drop ALL (and --cap-add NET_BIND_SERVICE if it binds a low port)',
    check: ({ facts: f }) => {
      const kept = caps(f).filter((c) => c !== 'CAP_NET_BIND_SERVICE');
      return f.status.privileged || kept.length === 0 ? [] : [`/proc/${f.pid}/status CapBnd keeps ${kept.length}: ${kept.map((c) => c.slice(4)).join(' ')}`];
    },
  },
  {
    id: 'seccomp-off',
    level: 'high',
    title: 'no seccomp filter',
    refs: ['CIS 5.22', 'PSS baseline: seccomp'],
    why: 'without a filter every syscall reaches the kernel, including the rarely used ones most kernel escapes go through (io_uring, keyctl, new mount API)',
    fix: 'drop --security-opt seccomp=unconfined (or give a profile: seccomp=FILE)',
    check: ({ facts: f }) => (f.status.seccomp === 'filter' || f.status.seccomp === 'strict' ? [] : [`/proc/${f.pid}/status Seccomp: ${f.status.seccomp === 'disabled' ? '0' : '?'} (${f.status.seccomp})`]),
  },
  {
    id: 'seccomp-own-profile',
    level: 'low',
    title: "a seccomp profile of one's own",
    refs: ['PSS restricted: seccomp RuntimeDefault or Localhost'],
    why: "a hand-written profile may allow what the default refuses; the filter in force is the file's",
    fix: 'compare it with `tsbox seccomp default`, or drop --security-opt seccomp=FILE',
    check: ({ facts: f }) => (f.status.seccomp === 'filter' && f.config.seccomp !== 'default' && f.config.seccomp !== 'unconfined' ? [`Seccomp: 2 with ${f.config.seccomp}`] : []),
  },
  {
    id: 'no-new-privileges-off',
    level: 'low',
    title: 'no_new_privs not set',
    refs: ['CIS 5.26', 'PSS restricted: allowPrivilegeEscalation'],
    why: 'a set-user-ID or file-capability program in the image can raise a process back to root and capabilities',
    fix: '--security-opt no-new-privileges',
    check: ({ facts: f }) => (f.status.noNewPrivs ? [] : [`/proc/${f.pid}/status NoNewPrivs: 0`]),
  },
  {
    id: 'root-is-host-root',
    level: 'medium',
    title: 'container root is host root',
    refs: ['CIS 2.10 (user namespaces)', 'tsbox'],
    why: 'without a user namespace, root in the container is uid 0 of the host: any way out of the other layers is a way to host root, and files it writes on volumes are root-owned',
    fix: '--userns=auto (or --uidmap), so that container root is an unprivileged host uid',
    check: ({ facts: f }) => (isIdentity(f.uidMap) ? [`/proc/${f.pid}/uid_map: ${mapText(f.uidMap)}`] : []),
  },
  {
    id: 'runs-as-root',
    level: 'low',
    title: 'runs as root in the container',
    refs: ['CIS 4.1', 'PSS restricted: runAsNonRoot'],
    why: "uid 0 owns the container's files and may use its capabilities without asking",
    fix: '--user UID:GID',
    check: ({ facts: f }) => {
      const euid = f.status.uid[1];
      const inside = euid === undefined ? null : toContainerId(f.uidMap, euid);
      return inside === 0 ? [`/proc/${f.pid}/status Uid (effective) ${euid} on the host, 0 in the container`] : [];
    },
  },
  ...NAMESPACE_TYPES.flatMap((type): Rule[] => {
    const r = NS_RULES[type];
    return r ? [{ id: `host-${type}-namespace`, title: `the host's ${type} namespace`, ...r, check: (input) => nsHost(input, type) }] : [];
  }),
  {
    id: 'uid-map-overlap',
    level: 'medium',
    title: "uid map overlaps another container's",
    refs: ['tsbox'],
    why: 'host uids mapped into two containers let root of one own the files and signal the processes of the other',
    fix: '--userns=auto gives each container a range of its own',
    check: ({ facts: f, all }) => {
      if (isIdentity(f.uidMap)) return [];
      const out: string[] = [];
      for (const o of all) {
        if (o.id === f.id || isIdentity(o.uidMap) || o.ns.user === f.ns.user) continue;
        for (const a of f.uidMap) {
          for (const b of o.uidMap) {
            const lo = Math.max(a.host, b.host);
            const hi = Math.min(a.host + a.size, b.host + b.size);
            if (lo < hi) out.push(`host uids ${lo}-${hi - 1} are in /proc/${f.pid}/uid_map and in ${o.name}'s (/proc/${o.pid}/uid_map)`);
          }
        }
      }
      return out;
    },
  },
  {
    id: 'engine-socket',
    level: 'critical',
    title: "a container engine's socket or state is mounted",
    refs: ['CIS 5.32'],
    why: 'whoever talks to the engine starts a privileged container with the host mounted; whoever writes its state changes what it starts',
    fix: 'remove the -v of the socket or of the engine directory',
    check: (input) => hostMounts(input, ['engine-socket', 'engine-state']),
  },
  {
    id: 'host-system-dir-writable',
    level: 'critical',
    title: 'a host system directory mounted read-write',
    refs: ['CIS 5.5', 'PSS baseline: hostPath'],
    why: "writing the host's /, /etc, /usr, /boot, /dev, /proc or /sys is writing the host: a cron job, a library, a device",
    fix: 'remove the -v, or mount a narrower directory, read-only (:ro)',
    check: (input) => hostMounts(input, ['system'], (m) => !m.readOnly),
  },
  {
    id: 'host-root-dir',
    level: 'high',
    title: "the host's / mounted",
    refs: ['CIS 5.5', 'PSS baseline: hostPath'],
    why: "read-only still shows every secret of the host (/etc/shadow, keys, other containers' files)",
    fix: 'remove the -v of /, or mount only the directory needed',
    check: (input) => hostMounts(input, ['system'], (m) => m.readOnly && m.hostPath === '/'),
  },
  {
    id: 'host-system-dir',
    level: 'medium',
    title: 'a host system directory mounted read-only',
    refs: ['CIS 5.5', 'PSS baseline: hostPath'],
    why: "the host's configuration, keys or kernel interfaces are readable, which tells an attacker where to go next",
    fix: 'remove the -v, or mount only the file needed',
    check: (input) => hostMounts(input, ['system'], (m) => m.readOnly && m.hostPath !== '/' && !isPublic(m)),
  },
  {
    id: 'host-binaries',
    level: 'low',
    title: "the host's binaries and libraries, read-only",
    refs: ['CIS 5.5'],
    why: "the container runs the host's programs (the `host` image): it sees their versions, and a host upgrade changes it underneath",
    fix: 'use an image of its own (tsbox image import) instead of `host`',
    check: (input) => hostMounts(input, ['system'], (m) => m.readOnly && isPublic(m)),
  },
  {
    id: 'host-path',
    level: 'low',
    title: 'a host directory mounted',
    refs: ['PSS baseline: hostPath'],
    why: 'a host directory ties the container to this host and lets it change files the host uses',
    fix: 'use a named volume (-v NAME:/path), or :ro',
    check: (input) => hostMounts(input, ['host']),
  },
  {
    id: 'idmapped-volume',
    level: 'medium',
    title: 'a volume idmapped: container root writes there as host root',
    refs: ['tsbox'],
    why: "through the idmap container uid N is host uid N on this volume: a set-user-ID file its root leaves there is host root's for whoever runs it on the host",
    fix: 'drop :idmap where the host does not need its own owners on the files (or mount it :ro)',
    check: ({ facts: f }) => f.mounts.filter((m) => m.idmapped && !m.readOnly && m.hostPath !== null && !m.submount).map((m) => `${m.hostPath} of the host at ${m.mountPoint} (rw,idmapped in mountinfo)`),
  },
  {
    id: 'mount-propagation-shared',
    level: 'medium',
    title: 'shared mount propagation',
    refs: ['CIS 5.20'],
    why: "mounts the host makes there appear in the container, and (shared:) the container's appear on the host",
    fix: 'drop :shared / :rshared / :slave from the -v',
    check: ({ facts: f }) => f.mounts.filter((m) => m.shared).map((m) => `${m.mountPoint} is ${m.shared}, the peer group of the host's ${m.hostPeer} (mountinfo)`),
  },
  {
    id: 'root-writable',
    level: 'low',
    title: 'root filesystem writable',
    refs: ['CIS 5.13'],
    why: 'a program that is broken into can change its own binaries and configuration, and what it leaves stays for the next start',
    fix: '--read-only (with --tmpfs for the directories it writes)',
    check: ({ facts: f }) => {
      const r = coveringMount(f.mounts, '/');
      return r && !r.readOnly ? [`/ is mounted rw (mountinfo)`] : [];
    },
  },
  {
    id: 'proc-sys-writable',
    level: 'high',
    title: 'kernel settings writable (/proc/sys, /proc/sysrq-trigger)',
    refs: ['tsbox', 'PSS baseline: procMount'],
    why: "most of /proc/sys is the host's kernel, not the container's: core_pattern, modprobe and the like run programs as host root",
    fix: 'drop --privileged and --security-opt unmask=',
    check: ({ facts: f }) => f.writableReadonly.map((p) => `${p} is writable (mountinfo: ${coveringMount(f.mounts, p)?.mountPoint} rw)`),
  },
  {
    id: 'sys-writable',
    level: 'high',
    title: '/sys writable',
    refs: ['tsbox'],
    why: "sysfs is the host's devices and kernel: uevent helpers, firmware, power",
    fix: 'drop --privileged',
    check: ({ facts: f }) => f.mounts.filter((m) => m.fsType === 'sysfs' && !m.readOnly).map((m) => `sysfs at ${m.mountPoint} is rw (mountinfo)`),
  },
  {
    id: 'paths-unmasked',
    level: 'medium',
    title: 'kernel interfaces not masked',
    refs: ['tsbox', 'PSS baseline: procMount'],
    why: 'these files show kernel addresses, keys or hardware of the host, which kernel exploits need',
    fix: 'drop --security-opt unmask= (and --privileged)',
    check: ({ facts: f }) => (f.unmasked.length ? [`reachable in the container: ${f.unmasked.join(' ')}`] : []),
  },
  {
    id: 'cgroup-release-agent',
    level: 'critical',
    title: 'cgroup v1 release_agent reachable',
    refs: ['tsbox (CVE-2022-0492)'],
    why: "the release_agent of a v1 hierarchy's root is a program the host's kernel runs as host root",
    fix: 'drop --privileged and --cap-add SYS_ADMIN, or keep a user namespace (--userns=auto)',
    check: ({ facts: f }) => {
      // (mountinfo shows a cgroup's root as seen from tsbox's cgroup namespace, the host's: '/' is the hierarchy's root)
      const out = f.mounts.filter((m) => m.fsType === 'cgroup' && !m.readOnly && m.root === '/').map((m) => `the root of a v1 hierarchy is mounted rw at ${m.mountPoint} (mountinfo)`);
      if (f.status.capEff.includes('CAP_SYS_ADMIN') && isIdentity(f.uidMap) && f.namespaces.find((n) => n.type === 'cgroup')?.sharing === 'host') {
        out.push(`CapEff has CAP_SYS_ADMIN in the host's user and cgroup namespaces (/proc/${f.pid}/status, /proc/${f.pid}/ns): it can mount a v1 hierarchy and write release_agent`);
      }
      return out;
    },
  },
  {
    id: 'host-devices-all',
    level: 'critical',
    title: 'every host device allowed',
    refs: ['CIS 5.18', 'PSS baseline: privileged'],
    why: "with every device the container can open the host's disks and write them below the filesystem",
    fix: 'drop --privileged; --device only the nodes needed',
    check: ({ facts: f }) => {
      if (f.devices?.kind === 'list') return f.devices.rules.some((r) => /^a \*:\* rwm$/.test(r)) ? ['devices.list: a *:* rwm'] : [];
      // v2: no program, or one that allows numbers no device has. In a user namespace of its own the
      // container cannot make device nodes (the kernel refuses mknod there), so only nodes bound in reach it.
      const p = f.devicePrograms;
      if (!p || 'unreadable' in p || !p.every || f.namespaces.find((n) => n.type === 'user')?.sharing !== 'host') return [];
      return [`${f.devices?.kind === 'bpf' ? f.devices.cgroup : 'its cgroup'}: the device programs in force allow every device (b and c *:* rw)`];
    },
  },
  {
    id: 'host-devices',
    level: 'medium',
    title: 'host devices added',
    refs: ['CIS 5.18'],
    why: "a host device node is the host's hardware or a kernel driver, shared with the host",
    fix: 'remove the --device or --device-cgroup-rule, or narrow it to r',
    check: ({ facts: f }) => {
      if (f.devices?.kind === 'list') return f.devices.rules.some((r) => /^a /.test(r)) ? [] : f.devices.rules.filter((r) => !DEFAULT_DEVICE_RULES.includes(r)).map((r) => `devices.list: ${r}`);
      const p = f.devicePrograms;
      return p && !('unreadable' in p) && !p.every ? p.extra.map((r) => `device program: ${r}`) : [];
    },
  },
  {
    id: 'device-access-unknown',
    level: 'low',
    title: 'device access not readable',
    refs: ['CIS 5.18'],
    why: 'on cgroup v2 the allowed devices are BPF programs the kernel shows only to root: without them the audit cannot say which host devices the container may open',
    fix: 'run tsbox audit as root',
    check: ({ facts: f }) => (f.devicePrograms && 'unreadable' in f.devicePrograms ? [f.devicePrograms.unreadable] : []),
  },
  {
    id: 'volume-label',
    level: 'medium',
    title: 'a volume without the label its container needs',
    refs: ['tsbox'],
    why: 'where SELinux enforces, the container cannot use the volume; a label another container gave it means that one relabeled it away, or that both share it',
    fix: 'restart the container (tsbox restart) to relabel it with :z or :Z, or add :z to share it',
    check: ({ facts: f }) =>
      f.labelMismatches.map(
        (v) => `${v.source}: security.selinux is ${v.current ?? 'absent'}, ${v.expected ? `:${v.relabel} gives ${v.expected}` : `which ${v.mountLabel ?? 'its label'} cannot use`}`,
      ),
  },
  {
    id: 'no-memory-limit',
    level: 'low',
    title: 'no memory limit',
    refs: ['CIS 5.11'],
    why: 'the container can take all of the host\'s memory and set the OOM killer on other programs',
    fix: '--memory SIZE',
    check: ({ facts: f }) => (f.limits.memory && f.limits.memory.value === null ? [`${f.limits.memory.file}: ${f.limits.memory.text}`] : []),
  },
  {
    id: 'no-cpu-limit',
    level: 'low',
    title: 'no CPU limit',
    refs: ['CIS 5.12'],
    why: "the container can take every core from the host's other work",
    fix: '--cpus N',
    check: ({ facts: f }) => (f.limits.cpu && f.limits.cpu.value === null ? [`${f.limits.cpu.file}: ${f.limits.cpu.text}`] : []),
  },
  {
    id: 'no-pids-limit',
    level: 'medium',
    title: 'no pids limit',
    refs: ['CIS 5.29'],
    why: 'a fork bomb in the container exhausts the host\'s process table',
    fix: '--pids-limit N',
    check: ({ facts: f }) => (f.limits.pids && f.limits.pids.value === null ? [`${f.limits.pids.file}: ${f.limits.pids.text}`] : []),
  },
  {
    id: 'private-label-shared',
    level: 'medium',
    title: 'a :Z volume another container also uses',
    refs: ['tsbox'],
    why: ':Z relabels the volume for this container alone; the other container loses access under SELinux, or both are given one label',
    fix: 'use :z (shared) on both, or give each its own volume',
    check: ({ facts: f, all }) =>
      f.config.privateLabelSources.flatMap((src) =>
        all.filter((o) => o.id !== f.id).flatMap((o) => o.mounts.filter((m) => m.hostPath !== null && (within(m.hostPath, src) || within(src, m.hostPath))).map((m) => `${src} (:Z here) is mounted in ${o.name} at ${m.mountPoint}`)),
      ),
  },
];

export const levelRank = (l: Level) => LEVELS.indexOf(l);

/** The findings of one container, worst first. */
export function auditContainer(input: AuditInput): Finding[] {
  const out: Finding[] = [];
  for (const r of RULES) {
    const evidence = r.check(input);
    if (evidence.length) out.push({ id: r.id, level: r.level, title: r.title, refs: r.refs, evidence, why: r.why, fix: r.fix });
  }
  return out.sort((a, b) => levelRank(b.level) - levelRank(a.level));
}

export function gradeOf(findings: readonly Finding[]): string {
  return GRADES[findings[0]?.level ?? 'none'];
}
