// The plan handed to tsbox-helper, as argv: a container's spec and the facts
// the engine gathered for it (its files, the rootfs pieces, the pids whose
// namespaces it joins, its cgroups, the fds it passes) in, the helper's
// `run` or `exec` argv out. Pure: nothing here reads the disk or the kernel,
// so the whole translation is tested against native/PROTOCOL.md
// (test/unit/helper-argv.test.ts), option by option.
import { UserError } from '../common/errors.js';
import { capsHex } from '../common/capabilities.js';
import { NAMESPACE_TYPES, type NamespaceType } from '../common/namespaces.js';
import { DEFAULT_LOG_MAX } from './logfile.js';
import type { ContainerSpec, VolumeSpec } from './types.js';

/** What the container's root is made of (rootfs.ts finds out which pieces this host and image have). */
export interface RootfsPlan {
  /** the container's root directory (the overlay's mount point, when there is one) */
  rootfs: string;
  /** an imported image under a per-container upper layer */
  overlay?: { lower: string; upper: string; work: string; userxattr?: boolean };
  /** binds by path: sources only root and tsbox can change (rootfs.ts says why) */
  binds: Array<{ source: string; destination: string; readOnly: boolean }>;
}

export interface RunPlan {
  spec: ContainerSpec;
  /** where the monitor writes the log and the exit */
  log: string;
  exitFile: string;
  /** the events journal the monitor appends oom and died to, and the members its lines start with (journal.ts) */
  events?: { file: string; head: string };
  /** false: the monitor detaches (`run -d`, `start`) */
  attach: boolean;
  rootfs: RootfsPlan;
  /** the host pid whose namespace of each type the container joins (spec: { kind: 'container' }) */
  joined: Partial<Record<NamespaceType, number>>;
  cgroupPaths: string[];
  /** the container's cgroup directories and their names under /sys/fs/cgroup ('.': /sys/fs/cgroup itself); none: an empty /sys/fs/cgroup */
  cgroupMounts?: Array<{ dir: string; name: string }>;
  /** what the monitor runs when the container has exited and nobody is attached (the engine's cleanup) */
  onExit?: string[];
  /** the allowlist the helper enforces on a v2 cgroup (empty: none, or a v1 devices cgroup holds it) */
  deviceRules: readonly string[];
  /** the engine's fd on each volume source (all but tmpfs), checked at start */
  volumeFd: (v: VolumeSpec) => number;
  /** the engine's fd on the seccomp program, unless the spec says unconfined */
  seccompFd?: number;
  /** the engine's O_PATH fd on each of spec.devices' host nodes, in order */
  deviceFds?: number[];
}

/** The fd the helper finds the status pipe on; the fds passed follow from 4 on. */
export const STATUS_FD = 3;

/**
 * `tsbox-helper run` argv, and the engine's fds the helper gets from fd 4 on,
 * in order (helper.ts places them).
 */
export function runArgv(p: RunPlan): { args: string[]; fds: number[] } {
  const s = p.spec;
  const args = ['run', '--status-fd', String(STATUS_FD), '--log', p.log, '--log-max', String(s.logMaxSize ?? DEFAULT_LOG_MAX), '--exit-file', p.exitFile];
  if (p.events) args.push('--event-file', p.events.file, '--event-head', p.events.head);
  if (!p.attach) args.push('--detach');
  args.push('--rootfs', p.rootfs.rootfs);
  const o = p.rootfs.overlay;
  if (o) args.push('--overlay', `${o.lower}:${o.upper}:${o.work}`);
  if (o?.userxattr) args.push('--overlay-userxattr');
  for (const b of p.rootfs.binds) args.push(b.readOnly ? '--bind-ro' : '--bind', `${b.source}:${b.destination}`);
  for (const t of NAMESPACE_TYPES) {
    const m = s.namespaces[t];
    if (m.kind === 'private') args.push('--ns', t);
    else if (m.kind === 'container') {
      const pid = p.joined[t];
      // the engine checks that the other container runs; a plan without its pid is a bug
      if (!pid) throw new Error(`runArgv: no pid for the ${t} namespace of container ${m.container}`);
      args.push('--join-ns', `${t}:/proc/${pid}/ns/${t}`);
    }
  }
  // the host's or another container's UTS namespace keeps its own name (the helper refuses --hostname there)
  if (s.namespaces.uts.kind === 'private') args.push('--hostname', s.hostname);
  if (s.shmSize) args.push('--shm-size', String(s.shmSize));
  for (const e of s.env) args.push('--env', e);
  args.push(...credentials(s.workdir, s.user));
  for (const c of p.cgroupPaths) args.push('--cgroup', c);
  for (const r of p.deviceRules) args.push('--device-rule', r);
  const cgroupMounts = p.cgroupMounts ?? [];
  for (const m of cgroupMounts) args.push('--cgroup-mount', `${m.dir}:${m.name}`);
  // as podman: a privileged container may change its own limits
  if (cgroupMounts.length && s.privileged) args.push('--cgroup-mount-rw');
  if (p.onExit?.length) {
    args.push('--on-exit', p.onExit[0]);
    for (const a of p.onExit.slice(1)) args.push('--on-exit-arg', a);
  }
  const fds: number[] = [];
  const pass = (fd: number) => STATUS_FD + fds.push(fd); // its number in the helper
  args.push(...helperMountArgs(s.volumes, (v) => pass(p.volumeFd(v))));
  (s.devices ?? []).forEach((d, i) => {
    const fd = p.deviceFds?.[i];
    if (fd === undefined) throw new Error(`runArgv: no fd for the device ${d.hostPath}`);
    args.push('--device-fd', `${pass(fd)}:${d.path}`);
  });
  for (const [k, v] of Object.entries(s.sysctls ?? {})) args.push('--sysctl', `${k}=${v}`);
  for (const m of s.maskPaths ?? []) args.push('--mask', m);
  for (const m of s.unmaskPaths ?? []) args.push('--unmask', m);
  if (s.init) args.push('--init');
  if (s.readOnlyRoot) args.push('--ro-root');
  if (s.labels.mount && !s.labels.disabled) args.push('--mount-label', s.labels.mount);
  args.push(...confinement(s));
  if (s.seccomp !== 'unconfined') {
    if (p.seccompFd === undefined) throw new Error('runArgv: a confined container needs its seccomp program');
    args.push('--seccomp-fd', String(pass(p.seccompFd)));
  }
  args.push(...terminal(s), '--', ...s.command);
  return { args, fds };
}

export interface ExecPlan {
  /** the container's init, and its start time (a reused pid is refused) */
  pid: number;
  pidStart: number;
  /** namespace types to join: those the caller is not in already */
  join: NamespaceType[];
  cgroupPaths: string[];
  spec: ContainerSpec;
  cmd: string[];
  /** the whole environment of CMD */
  env: string[];
  user: Credentials;
  workdir: string;
  tty: boolean;
  interactive: boolean;
  /** the container's seccomp program, unless the spec says unconfined */
  seccompFile?: string;
}

/** `tsbox-helper exec` argv; the caller spawns it with its own stdio (no pipes, so the program by path). */
export function execArgv(p: ExecPlan): string[] {
  const args = ['exec', '--pid', String(p.pid), '--pid-start', String(p.pidStart)];
  for (const t of p.join) args.push('--ns', t);
  for (const c of p.cgroupPaths) args.push('--cgroup', c);
  for (const e of p.env) args.push('--env', e);
  args.push(...credentials(p.workdir, p.user), ...confinement(p.spec));
  if (p.spec.seccomp !== 'unconfined') {
    if (p.seccompFile === undefined) throw new Error('execArgv: a confined container needs its seccomp program');
    args.push('--seccomp-file', p.seccompFile);
  }
  args.push(...terminal(p), '--', ...p.cmd);
  return args;
}

/**
 * The volumes, parents before children (the helper mounts in argv order, and
 * /a must be in place before /a/b goes on it). A bind's source is an fd,
 * numbered for the helper by `fdFor`.
 */
export function helperMountArgs(vols: VolumeSpec[], fdFor: (v: VolumeSpec) => number): string[] {
  const depth = (v: VolumeSpec) => v.destination.split('/').filter(Boolean).length;
  const args: string[] = [];
  for (const v of [...vols].sort((a, b) => depth(a) - depth(b))) {
    if (v.type === 'tmpfs') {
      args.push('--tmpfs', v.tmpfsOptions ? `${v.destination}:${v.tmpfsOptions.join(',')}` : v.destination);
      continue;
    }
    // the flags refuse colons in destinations; records from disk are checked again here
    if (v.destination.includes(':')) throw new UserError(`cannot mount ${v.source} at ${v.destination}: the destination contains ':'`);
    args.push(v.readOnly ? '--bind-ro-fd' : '--bind-fd', `${fdFor(v)}:${v.destination}`);
    if (v.idmap) args.push('--idmap', v.destination);
  }
  return args;
}

/** who CMD runs as, inside the container's user namespace */
type Credentials = Pick<ContainerSpec['user'], 'uid' | 'gid' | 'groups'>;

function credentials(workdir: string, user: Credentials): string[] {
  const args = ['--cwd', workdir, '--uid', String(user.uid), '--gid', String(user.gid)];
  if (user.groups.length) args.push('--groups', user.groups.join(','));
  return args;
}

/** Label, capabilities, no_new_privs and the process limits: the same for the init and for what exec runs. */
function confinement(s: ContainerSpec): string[] {
  const args: string[] = [];
  if (s.labels.process && !s.labels.disabled) args.push('--process-label', s.labels.process);
  args.push('--caps', capsHex(s.capabilities));
  if (s.noNewPrivileges) args.push('--no-new-privs');
  for (const u of s.ulimits ?? []) args.push('--rlimit', `${u.name}=${limit(u.soft)}:${limit(u.hard)}`);
  if (s.oomScoreAdj !== undefined) args.push('--oom-score-adj', String(s.oomScoreAdj));
  return args;
}

function limit(n: number): string {
  return n < 0 ? 'unlimited' : String(n);
}

function terminal(t: { tty: boolean; interactive: boolean }): string[] {
  const args: string[] = [];
  if (t.tty) args.push('--tty');
  if (t.interactive) args.push('--stdin');
  return args;
}
