// Flags of `run` and `create`, and turning them into a ContainerSpec. All
// validation happens here, before anything is created: a bad value is a
// UserError (exit 125) that says which flag and what would be accepted.
import fs from 'node:fs';
import { parseArgs, bool, list, str, type FlagSpec, type Parsed } from './args.js';
import { UserError } from '../common/errors.js';
import { mergeEnv } from '../engine/env.js';
import type { Engine } from '../engine/engine.js';
import { HOST_IMAGE } from '../engine/images.js';
import { NAMESPACE_TYPES, type ContainerRecord, type ContainerSpec, type NamespaceMode, type NamespaceType } from '../engine/types.js';
import { RESOURCE_FLAGS, parseResourceFlags } from './resource-flags.js';
import { SECURITY_FLAGS, parseSecurityFlags } from './security-flags.js';
import { VOLUME_FLAGS, checkIdmapVolumes, parseVolumeFlags } from './volume-flags.js';
import { VolumeStore } from '../engine/volumes.js';
import { allocateLevel, containerLabels, levelOf, parseLabelOpts, selinuxSetting, selinuxState } from '../engine/selinux.js';
import { checkRelabelable } from '../engine/labels.js';
import { isRootless } from '../engine/paths.js';
import { planUserNamespace } from '../engine/rootless.js';
import { defaultUserns, usernsFromFlags } from './userns-flags.js';
import { readConfig } from '../engine/config.js';
import { readFileInRoot } from '../engine/read-in-root.js';
import { LOG_FLAGS, parseLogOpts } from './log-flags.js';
import { PROCESS_FLAGS, parseProcessFlags, resolveGroupAdd } from './process-flags.js';
import { DEVICE_FLAGS, parseDeviceFlags } from './device-flags.js';
import { TMPFS_FLAGS, parseTmpfsFlags } from './tmpfs-flags.js';
import { checkSysctls } from '../engine/sysctl.js';
import { checkProcessLimits } from '../engine/process-limits.js';
import { PULL_FLAGS } from './pull-flags.js';
import { applyImageConfig } from './image-config.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const NS_FLAGS: Array<{ flag: string; type: NamespaceType; help: string }> = [
  { flag: 'network', type: 'net', help: 'network namespace: private (only loopback; also "none"), host, or container:NAME' },
  { flag: 'ipc', type: 'ipc', help: 'IPC namespace: private, host, or container:NAME' },
  { flag: 'pid', type: 'pid', help: 'PID namespace: private, host, or container:NAME' },
  { flag: 'uts', type: 'uts', help: 'UTS (hostname) namespace: private, host, or container:NAME' },
  { flag: 'cgroupns', type: 'cgroup', help: 'cgroup namespace: private, host, or container:NAME' },
  { flag: 'timens', type: 'time', help: 'time namespace: private, host, or container:NAME' },
];

export const RUN_FLAGS: FlagSpec[] = [
  { name: 'detach', short: 'd', type: 'bool', help: 'run in the background and print the container id' },
  { name: 'rm', type: 'bool', help: 'remove the container when it exits' },
  { name: 'name', type: 'string', arg: 'NAME', help: 'name of the container (default: generated)' },
  { name: 'env', short: 'e', type: 'list', arg: 'K=V', help: 'set an environment variable (K alone takes it from here)' },
  { name: 'workdir', short: 'w', type: 'string', arg: 'DIR', help: 'working directory inside the container (default /)' },
  { name: 'user', short: 'u', type: 'string', arg: 'USER[:GROUP]', help: 'user (name or uid) and group to run as' },
  { name: 'hostname', type: 'string', arg: 'NAME', help: 'hostname inside the container (default: the container name)' },
  { name: 'interactive', short: 'i', type: 'bool', help: 'keep stdin open' },
  { name: 'tty', short: 't', type: 'bool', help: 'allocate a new pseudo-terminal inside the container' },
  { name: 'entrypoint', type: 'string', arg: 'CMD', help: "the command to run instead of the image's ENTRYPOINT (a string, or a JSON array); it also drops the image's CMD" },
  { name: 'pull', type: 'string', arg: 'POLICY', help: 'pull the image: missing (default: when it is not here), always, never, newer' },
  ...PULL_FLAGS,
  ...NS_FLAGS.map((n) => ({ name: n.flag, type: 'string' as const, arg: 'MODE', help: n.help })),
  { name: 'net', type: 'string', arg: 'MODE', help: 'alias of --network' },
  { name: 'userns', type: 'string', arg: 'MODE', help: 'user namespace: host (default for root), auto, keep-id (rootless), or container:NAME' },
  { name: 'uidmap', type: 'list', arg: 'CONTAINER:HOST:SIZE', help: 'map container uids to host uids (puts the container in a user namespace)' },
  { name: 'gidmap', type: 'list', arg: 'CONTAINER:HOST:SIZE', help: 'map container gids to host gids' },
  ...RESOURCE_FLAGS,
  ...SECURITY_FLAGS,
  ...VOLUME_FLAGS,
  ...TMPFS_FLAGS,
  ...DEVICE_FLAGS,
  ...PROCESS_FLAGS,
  ...LOG_FLAGS,
];

function parseNsMode(flag: string, value: string, engine: Engine): NamespaceMode {
  if (value === 'private' || value === 'none' || value === '') return { kind: 'private' };
  if (value === 'host') return { kind: 'host' };
  if (value.startsWith('container:')) {
    const other = engine.get(value.slice('container:'.length));
    return { kind: 'container', container: other.id };
  }
  throw new UserError(`invalid --${flag} '${value}'`, 125, `Use private, host, or container:NAME.`);
}

/** Where -u looks names up: the text of the tree's /etc/passwd or /etc/group (undefined: there is none), and whose files they are, for messages. */
export interface UserDb {
  read(file: 'passwd' | 'group'): string | undefined;
  /** "the image's", "the container's" */
  whose: string;
}

/** /etc/passwd or /etc/group as fields per line. */
function entries(text: string | undefined): string[][] {
  return (text ?? '')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

/**
 * Resolve USER[:GROUP]. A file is read only for what is not numeric: a
 * name, or the primary group of a uid given without one.
 */
export function resolveUser(spec: string | undefined, db: UserDb): ContainerSpec['user'] {
  if (!spec) return { uid: 0, gid: 0, groups: [], spec: '' };
  const [u, g] = spec.split(':', 2);
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(u)) uid = Number(u);
  else {
    const p = entries(db.read('passwd')).find((p) => p[0] === u);
    if (!p) throw new UserError(`unknown user '${u}' in ${db.whose} /etc/passwd`, 125, 'Give a numeric uid, or the name of a user listed there.');
    uid = Number(p[2]);
    gid = Number(p[3]);
  }
  if (g !== undefined) {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const gr = entries(db.read('group')).find((x) => x[0] === g);
      if (!gr) throw new UserError(`unknown group '${g}' in ${db.whose} /etc/group`, 125, 'Give a numeric gid, or the name of a group listed there.');
      gid = Number(gr[2]);
    }
  }
  gid ??= Number(entries(db.read('passwd')).find((p) => Number(p[2]) === uid)?.[3] ?? uid);
  if (!(uid <= 0xfffffffe && gid <= 0xfffffffe)) throw new UserError(`invalid user '${spec}'`, 125, 'Give a user and group that exist in the image, or numbers below 4294967295.');
  return { uid, gid, groups: [], spec };
}

/** The image's user database, read inside its tree (or the host's own /etc for the built-in image). */
export function imageUserDb(engine: Engine, image: string): UserDb {
  if (image === HOST_IMAGE) return { whose: "the host's", read: (f) => readIfExists(`/etc/${f}`) };
  // A layered image: the topmost layer that has the file (a whiteout there, a
  // 0/0 character device, means a layer deleted it). Symlinks between layers
  // and opaque directories above are not followed: /etc/passwd and
  // /etc/group are plain files in the images that have them.
  const dirs = engine.images.lowerDirs(engine.images.get(image));
  return {
    whose: "the image's",
    read: (f) => {
      for (const dir of dirs) {
        try {
          const text = readFileInRoot(engine.helperPath, { dir }, `/etc/${f}`, `the image's /etc/${f}`);
          if (text !== undefined) return text;
        } catch (e) {
          if (dirs.length > 1 && /a character device/.test((e as Error).message)) return undefined;
          throw e;
        }
      }
      return undefined;
    },
  };
}

/**
 * A running container's own user database (exec -u): its /etc as its init
 * sees it now, through /proc/PID/root, with users it may have added since.
 */
export function containerUserDb(engine: Engine, rec: ContainerRecord): UserDb {
  return {
    whose: "the container's",
    read: (f) => {
      if (rec.state !== 'running') throw new UserError(`container ${rec.name} is ${rec.state}, not running`, 125, `Start it first: tsbox start ${rec.name}`);
      return readFileInRoot(engine.helperPath, { pid: rec.pid, pidStart: rec.pidStart }, `/etc/${f}`, `the container's /etc/${f}`);
    },
  };
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function parseEnv(values: string[]): string[] {
  return values.map((e) => {
    if (e.includes('=')) {
      if (e.startsWith('=')) throw new UserError(`invalid --env '${e}': the variable name is empty`);
      return e;
    }
    const v = process.env[e];
    return v === undefined ? '' : `${e}=${v}`;
  }).filter(Boolean);
}

export interface RunRequest {
  name?: string;
  spec: ContainerSpec;
  detach: boolean;
}

/** Everything after `run`/`create` (flags, IMAGE, CMD...) to a validated request. */
export function buildRunRequest(p: Parsed, engine: Engine): RunRequest {
  const [imageArg, ...command] = p.positionals;
  if (!imageArg) throw new UserError('an image is required', 125, 'Usage: tsbox run [FLAGS] IMAGE [CMD...]; the built-in image is "host".');
  const imageRec = engine.images.get(imageArg);
  // a layered image by its full name (what ps and inspect show) and its id (what the rootfs is made of)
  const image = imageRec.kind === 'oci' ? imageRec.names?.find((n) => engine.images.fullNames(imageArg).includes(n)) ?? imageRec.names?.[0] ?? imageRec.id : imageArg;
  const fromImage = applyImageConfig(imageRec.config?.config, { command, entrypoint: str(p, 'entrypoint') });
  const resources = parseResourceFlags(p);
  const security = parseSecurityFlags(p);
  const volumes = [...parseVolumeFlags(p, { cwd: process.cwd(), store: new VolumeStore(engine.paths) }), ...parseTmpfsFlags(p)];
  const dup = volumes.find((v, i) => volumes.findIndex((w) => w.destination === v.destination) !== i);
  if (dup) throw new UserError(`two mounts at ${dup.destination}`, 125, 'Give each destination once.');
  const knobs = parseProcessFlags(p);
  const devices = parseDeviceFlags(p);
  const namespaces = Object.fromEntries(NAMESPACE_TYPES.map((t) => [t, { kind: 'private' } as NamespaceMode])) as Record<NamespaceType, NamespaceMode>;
  namespaces.user = { kind: 'host' };
  for (const n of NS_FLAGS) {
    const v = n.flag === 'network' ? (str(p, 'network') ?? str(p, 'net')) : str(p, n.flag);
    if (v !== undefined) namespaces[n.type] = parseNsMode(n.flag, v, engine);
  }
  const userns = planUserNamespace({
    userns: usernsFromFlags(
      str(p, 'userns') ?? defaultUserns(list(p, 'uidmap').length + list(p, 'gidmap').length > 0, isRootless(), () => readConfig(engine.options.root)),
      list(p, 'uidmap'),
      list(p, 'gidmap'),
    ),
    rootless: isRootless(),
    uid: process.getuid!(),
    gid: process.getgid!(),
    containerId: (ref) => engine.get(ref).id,
    mapsInUse: () => engine.list({ all: true }).map((r) => ({ uidMap: r.spec.uidMap, gidMap: r.spec.gidMap })),
    imageRootfs: image === HOST_IMAGE ? undefined : engine.images.lowerDirs(imageRec),
    imageName: image,
  });
  for (const w of userns.warnings) process.stderr.write(`warning: ${w}\n`);
  namespaces.user = userns.mode;
  checkIdmapVolumes(volumes, namespaces.user, isRootless());
  // In another container's user namespace, a new time namespace is made by a
  // fork of the container's first process (native/PROTOCOL.md, --join-ns);
  // in a joined pid namespace that fork would be adopted by that namespace's
  // init, not by the monitor. So there the time namespace follows the pid one.
  if (namespaces.user.kind === 'container' && namespaces.pid.kind === 'container') {
    if (str(p, 'timens') === undefined) namespaces.time = { kind: 'container', container: namespaces.pid.container };
    else if (namespaces.time.kind === 'private') {
      throw new UserError(
        '--timens private cannot be combined with --userns container:NAME and --pid container:NAME',
        125,
        'Use --timens container:NAME (the default here) or --timens host, or give the container a pid namespace of its own.',
      );
    }
  }
  const { uidMap, gidMap } = userns;
  const user =
    str(p, 'user') === undefined && userns.defaultUser
      ? { ...userns.defaultUser, groups: [], spec: `${userns.defaultUser.uid}:${userns.defaultUser.gid}` }
      : resolveUser(str(p, 'user') ?? fromImage.user, imageUserDb(engine, imageArg));
  const tty = bool(p, 'tty');
  const workdir = str(p, 'workdir') ?? fromImage.workdir ?? '/';
  if (!workdir.startsWith('/')) throw new UserError(`--workdir must be an absolute path, not '${workdir}'`);
  const hostname = str(p, 'hostname') ?? '';
  if (hostname && !/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/.test(hostname)) throw new UserError(`invalid --hostname '${hostname}'`, 125, 'Use up to 63 letters, digits, "." and "-".');
  if (namespaces.uts.kind !== 'private' && hostname) throw new UserError('--hostname needs a private UTS namespace', 125, 'Drop --uts or --hostname.');
  checkSysctls(knobs.sysctls, namespaces, hostname);
  checkProcessLimits(knobs);
  const groupAdd = list(p, 'group-add');
  if (groupAdd.length) user.groups = resolveGroupAdd(groupAdd, () => imageUserDb(engine, imageArg).read('group'), image === HOST_IMAGE ? "the host's" : "the image's");
  const home = user.uid === 0 ? '/root' : '/';
  const env = [`PATH=${DEFAULT_PATH}`, `HOME=${home}`, 'container=tsbox', ...(tty ? ['TERM=xterm'] : []), ...fromImage.env, ...parseEnv(list(p, 'env'))];
  const sel = selinuxState(selinuxSetting(engine.options.selinux));
  const labelOpts = parseLabelOpts(security.labelOpts);
  let labels: ContainerSpec['labels'] = { disabled: labelOpts.disabled || !sel.labeling };
  if (!labels.disabled) {
    if (sel.note) process.stderr.write(`note: ${sel.note}\n`);
    const inUse = engine.list({ all: true }).map((r) => levelOf(r.spec.labels.mount ?? '')).filter((l): l is string => !!l);
    const level = labelOpts.level ?? allocateLevel(inUse);
    labels = { ...containerLabels(level, labelOpts), disabled: false };
    // refuse system directories now, not at start, so no container is left half-made
    checkRelabelable(volumes.filter((v) => v.type !== 'volume')); // named volumes are ours, made at start
  }
  const spec: ContainerSpec = {
    image,
    ...(imageRec.kind === 'oci' ? { imageId: imageRec.id } : {}),
    ...(fromImage.stopSignal ? { stopSignal: fromImage.stopSignal } : {}),
    ...(fromImage.labels ? { imageLabels: fromImage.labels } : {}),
    ...(fromImage.exposedPorts.length ? { exposedPorts: fromImage.exposedPorts } : {}),
    command: fromImage.command,
    env: mergeEnv(env, []),
    workdir,
    user,
    hostname,
    tty,
    interactive: bool(p, 'interactive'),
    autoRemove: bool(p, 'rm'),
    namespaces,
    uidMap,
    gidMap,
    capabilities: security.capabilities,
    privileged: security.privileged,
    noNewPrivileges: security.noNewPrivileges,
    seccomp: security.seccomp,
    ...(security.seccompProfile ? { seccompProfile: security.seccompProfile } : {}),
    readOnlyRoot: security.readOnlyRoot,
    volumes,
    resources,
    labels,
    logMaxSize: parseLogOpts(list(p, 'log-opt')),
    // the knobs are recorded only when given (records of older versions have none)
    ...(devices.devices.length ? { devices: devices.devices } : {}),
    ...(devices.deviceCgroupRules.length ? { deviceCgroupRules: devices.deviceCgroupRules } : {}),
    ...(Object.keys(knobs.sysctls).length ? { sysctls: knobs.sysctls } : {}),
    ...(security.maskPaths.length ? { maskPaths: security.maskPaths } : {}),
    ...(security.unmaskPaths.length ? { unmaskPaths: security.unmaskPaths } : {}),
    ...(knobs.ulimits.length ? { ulimits: knobs.ulimits } : {}),
    ...(knobs.init ? { init: true } : {}),
    ...(knobs.oomScoreAdj !== undefined ? { oomScoreAdj: knobs.oomScoreAdj } : {}),
  };
  return { name: str(p, 'name'), spec, detach: bool(p, 'detach') };
}

/** For code that builds containers from argv arrays (tsbox demo). */
export function runFlagsToCreateOptions(argv: string[], engine: Engine): RunRequest {
  return buildRunRequest(parseArgs(argv, RUN_FLAGS, { stopAtPositional: true }), engine);
}
