// Volumes: parsing -v/--mount into VolumeSpecs, opening their sources once
// at start, turning them into helper argv, named volumes kept under tsbox's
// root, and the :U chown.
import fs from 'node:fs';
import path from 'node:path';
import type { FlagSpec, Parsed } from '../cli/args.js';
import { list } from '../cli/args.js';
import { UserError } from '../common/errors.js';
import { writeJsonAtomic, readJsonIfExists } from './fsutil.js';
import { openExact, refuseProtectedPath, type OpenedPath } from './host-paths.js';
import { forgetLabels } from './labels.js';
import { childProcess } from './lazy.js';
import type { Paths } from './paths.js';
import type { IdMapEntry, VolumeSpec } from './types.js';

export const VOLUME_FLAGS: FlagSpec[] = [
  {
    name: 'volume',
    short: 'v',
    type: 'list',
    arg: 'SRC:DST[:OPTS]',
    help: 'bind a host path (absolute or ./relative) or a named volume at DST; OPTS: ro rw z Z U private rprivate',
  },
  {
    name: 'mount',
    type: 'list',
    arg: 'type=bind|volume|tmpfs,...',
    help: 'mount with key=value options: src, dst, ro, relabel=shared|private, U, bind-propagation',
  },
];

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const NAME_HINT = 'A volume name starts with a letter or digit and has only letters, digits, _ . and -.';

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
/** The helper makes every mount of the container private (recursively); other modes cannot be honoured yet. */
const SUPPORTED_PROPAGATIONS = ['private', 'rprivate'];

const VOLUME_OPTS_HINT = 'Options are ro, rw, z, Z, U, private, rprivate, separated by commas: -v /src:/dst:ro,Z';

interface MountOptions {
  readOnly?: boolean;
  relabel?: 'z' | 'Z';
  chown?: boolean;
  propagation?: string;
}

function setOnce<K extends keyof MountOptions>(o: MountOptions, key: K, value: MountOptions[K], what: string, where: string): void {
  if (o[key] !== undefined && o[key] !== value) throw new UserError(`conflicting options in ${where}: ${what}`, 125, 'Give each of ro/rw, z/Z and the propagation once.');
  o[key] = value;
}

function setPropagation(o: MountOptions, value: string, where: string): void {
  if (!PROPAGATIONS.includes(value)) throw new UserError(`unknown bind propagation '${value}' in ${where}`, 125, `Use one of ${PROPAGATIONS.join(', ')}.`);
  if (!SUPPORTED_PROPAGATIONS.includes(value))
    throw new UserError(
      `bind propagation '${value}' in ${where} is not supported: tsbox-helper makes every container mount private`,
      125,
      'Drop the option (mounts are rprivate).',
    );
  setOnce(o, 'propagation', value, `two propagation modes (${o.propagation}, ${value})`, where);
}

/** OPTS of -v SRC:DST:OPTS */
function parseVolumeOpts(text: string, where: string): MountOptions {
  const o: MountOptions = {};
  for (const opt of text.split(',')) {
    if (opt === 'ro' || opt === 'rw') setOnce(o, 'readOnly', opt === 'ro', 'ro and rw', where);
    else if (opt === 'z' || opt === 'Z') setOnce(o, 'relabel', opt, 'z and Z', where);
    else if (opt === 'U') o.chown = true;
    else if (PROPAGATIONS.includes(opt)) setPropagation(o, opt, where);
    else throw new UserError(`unknown volume option '${opt}' in ${where}`, 125, VOLUME_OPTS_HINT);
  }
  return o;
}

/** Absolute, resolved host path of an existing source, or a UserError saying what is wrong. */
function hostSource(src: string, cwd: string, where: string): string {
  const abs = path.resolve(cwd, src);
  try {
    fs.statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new UserError(`the source ${abs} of ${where} does not exist`, 125, `Create it first (mkdir -p ${abs}), or give a named volume instead of a path.`);
    throw new UserError(`cannot use the source ${abs} of ${where}: ${(e as Error).message}`);
  }
  // Resolve symlinks so relabel/chown guards see the real target, and the
  // start can check the source is still this path (openVolumeSources).
  return fs.realpathSync(abs);
}

function destination(dst: string | undefined, where: string): string {
  if (!dst) throw new UserError(`${where} has no destination`, 125, 'Give the path inside the container, e.g. -v /src:/data or --mount type=bind,src=/src,dst=/data.');
  if (!dst.startsWith('/')) throw new UserError(`the destination '${dst}' of ${where} is not an absolute path`, 125, `Give a path inside the container that starts with /, e.g. /${dst.replace(/^\.?\/*/, '')}.`);
  const norm = path.posix.normalize(dst).replace(/(.)\/$/, '$1');
  if (norm === '/') throw new UserError(`${where} would mount over the container's root directory`, 125, 'Mount at a directory below /.');
  if (norm.includes(':')) throw new UserError(`the destination ${norm} of ${where} contains ':'`, 125, 'Use a path without colons.');
  return norm;
}

type SourceKind = { kind: 'path'; path: string } | { kind: 'name'; name: string };

function classifySource(src: string, where: string): SourceKind {
  if (src.startsWith('/') || src === '.' || src === '..' || src.startsWith('./') || src.startsWith('../')) return { kind: 'path', path: src };
  if (NAME_RE.test(src)) return { kind: 'name', name: src };
  throw new UserError(`the source '${src}' of ${where} is neither a path nor a volume name`, 125, `Write a relative path as ./${src}, an absolute one with a leading /. ${NAME_HINT}`);
}

function specFrom(src: SourceKind, dst: string, o: MountOptions, ctx: { cwd: string; store: VolumeStore }, where: string): VolumeSpec {
  const common = {
    destination: dst,
    readOnly: o.readOnly ?? false,
    relabel: o.relabel ?? ('' as const),
    chown: o.chown ?? false,
    ...(o.propagation ? { propagation: o.propagation } : {}),
  };
  if (src.kind === 'name') return { ...common, source: ctx.store.pathOf(src.name), type: 'volume', name: src.name };
  return { ...common, source: hostSource(src.path, ctx.cwd, where), type: 'bind' };
}

function parseVolume(text: string, ctx: { cwd: string; store: VolumeStore }): VolumeSpec {
  const where = `-v ${text}`;
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3)
    throw new UserError(`invalid volume '${text}'`, 125, 'Use -v SRC:DST[:OPTS], e.g. -v ./data:/data:ro or -v myvol:/data (paths cannot contain ":").');
  const [src, dst, opts] = parts;
  if (!src) throw new UserError(`${where} has no source`, 125, 'Give a host path or a volume name before the first ":".');
  const o = opts === undefined ? {} : parseVolumeOpts(opts, where);
  return specFrom(classifySource(src, where), destination(dst, where), o, ctx, where);
}

function boolValue(key: string, value: string | undefined, where: string): boolean {
  if (value === undefined || value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new UserError(`${key}=${value} in ${where} is not true or false`);
}

function parseMount(text: string, ctx: { cwd: string; store: VolumeStore }): VolumeSpec {
  const where = `--mount ${text}`;
  let type: string | undefined;
  let src: string | undefined;
  let dst: string | undefined;
  const o: MountOptions = {};
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? undefined : item.slice(eq + 1);
    switch (key) {
      case 'type':
        type = value;
        break;
      case 'source':
      case 'src':
        src = value;
        break;
      case 'destination':
      case 'dst':
      case 'target':
        dst = value;
        break;
      case 'ro':
      case 'readonly':
        setOnce(o, 'readOnly', boolValue(key, value, where), 'ro and rw', where);
        break;
      case 'rw':
        setOnce(o, 'readOnly', !boolValue(key, value, where), 'ro and rw', where);
        break;
      case 'relabel':
        if (value !== 'shared' && value !== 'private') throw new UserError(`relabel=${value ?? ''} in ${where}`, 125, 'Use relabel=shared (like :z) or relabel=private (like :Z).');
        setOnce(o, 'relabel', value === 'shared' ? 'z' : 'Z', 'z and Z', where);
        break;
      case 'z':
      case 'Z':
        if (value !== undefined) throw new UserError(`${key} in ${where} takes no value`);
        setOnce(o, 'relabel', key, 'z and Z', where);
        break;
      case 'U':
      case 'chown':
        o.chown = boolValue(key, value, where);
        break;
      case 'bind-propagation':
        setPropagation(o, value ?? '', where);
        break;
      default:
        throw new UserError(
          `unknown --mount option '${key}' in ${where}`,
          125,
          'Options are type, src, dst, ro, rw, relabel=shared|private, U, bind-propagation=private|rprivate.',
        );
    }
  }
  if (type === undefined) throw new UserError(`${where} has no type`, 125, 'Start with type=bind, type=volume or type=tmpfs.');
  const d = destination(dst, where);
  if (type === 'tmpfs') {
    if (src !== undefined) throw new UserError(`${where}: a tmpfs has no source`, 125, 'Drop src=.');
    if (o.readOnly || o.relabel || o.chown || o.propagation)
      throw new UserError(`${where}: a tmpfs takes no ro, relabel, U or propagation option`, 125, 'Give only type=tmpfs,dst=PATH.');
    return { source: '', destination: d, readOnly: false, relabel: '', chown: false, type: 'tmpfs' };
  }
  if (!src) throw new UserError(`${where} has no source`, 125, type === 'volume' ? 'Give src=NAME of a volume.' : 'Give src=PATH on the host.');
  // type=bind says src is a path, so a bare `data` is ./data here
  if (type === 'bind') return specFrom({ kind: 'path', path: src }, d, o, ctx, where);
  if (type === 'volume') {
    if (!NAME_RE.test(src)) throw new UserError(`'${src}' in ${where} is not a volume name`, 125, `${NAME_HINT} For a host path use type=bind.`);
    return specFrom({ kind: 'name', name: src }, d, o, ctx, where);
  }
  throw new UserError(`unknown mount type '${type}' in ${where}`, 125, 'Use type=bind, type=volume or type=tmpfs.');
}

/**
 * VolumeSpecs from -v and --mount. Host sources must exist (tsbox does not
 * create host directories); named volumes need not (the engine creates them
 * with VolumeStore.ensure at run).
 */
export function parseVolumeFlags(p: Parsed, ctx: { cwd: string; store: VolumeStore }): VolumeSpec[] {
  const vols = [...list(p, 'volume').map((v) => parseVolume(v, ctx)), ...list(p, 'mount').map((m) => parseMount(m, ctx))];
  const seen = new Map<string, VolumeSpec>();
  for (const v of vols) {
    const prev = seen.get(v.destination);
    if (prev) throw new UserError(`two mounts at ${v.destination}`, 125, 'Give each destination once.');
    seen.set(v.destination, v);
  }
  return vols;
}

/** The sources of a container's volumes (all but tmpfs), each opened once at start. */
export type VolumeSources = Map<VolumeSpec, OpenedPath>;

/**
 * The path a volume's source must still have at start. A bind's source was
 * resolved (realpath) at create. A named volume lives in tsbox's own
 * directory, which no container can reach: resolving that directory now is
 * safe, and only `_data`, which containers write below, is held to its name.
 */
function expectedSource(v: VolumeSpec): string {
  return v.type === 'volume' ? `${fs.realpathSync(path.dirname(v.source))}/_data` : v.source;
}

/**
 * Open the source of every volume once, checking that it is still the path
 * recorded at create (no component swapped for a symlink since, nothing
 * moved there). The U chown, the relabel and the bind all use these fds, so
 * what is changed and mounted is what was checked. Close them with
 * closeVolumeSources.
 */
export function openVolumeSources(vols: VolumeSpec[]): VolumeSources {
  const sources: VolumeSources = new Map();
  try {
    for (const v of vols) {
      if (v.type === 'tmpfs') continue;
      let r: ReturnType<typeof openExact>;
      try {
        r = openExact(v.source, expectedSource(v));
      } catch (e) {
        // EACCES and the like: nothing tsbox can check, or bind
        throw new UserError(`cannot open the source ${v.source} of the volume at ${v.destination}: ${(e as Error).message}`, 125, 'Check that it exists and that you may reach it.');
      }
      if ('changed' in r)
        throw new UserError(
          `the source ${v.source} of the volume at ${v.destination} changed since the container was created: ${r.changed}`,
          125,
          r.gone ? 'Create it again, or remove the container.' : 'Put it back as it was, or remove the container and create it again to mount what is there now.',
        );
      sources.set(v, r);
    }
  } catch (e) {
    closeVolumeSources(sources);
    throw e;
  }
  return sources;
}

export function closeVolumeSources(sources: VolumeSources): void {
  for (const s of sources.values()) fs.closeSync(s.fd);
  sources.clear();
}

/**
 * Helper argv for the volumes, parents before children (the helper mounts in
 * argv order, and /a must be in place before /a/b goes on it). A bind's
 * source is its fd, numbered for the helper by `fdFor`.
 */
export function helperMountArgs(vols: VolumeSpec[], fdFor: (v: VolumeSpec) => number): string[] {
  const depth = (v: VolumeSpec) => v.destination.split('/').filter(Boolean).length;
  const args: string[] = [];
  for (const v of [...vols].sort((a, b) => depth(a) - depth(b))) {
    if (v.type === 'tmpfs') {
      args.push('--tmpfs', v.destination);
      continue;
    }
    // parse refuses colons in destinations; records from disk are checked again here
    if (v.destination.includes(':')) throw new UserError(`cannot mount ${v.source} at ${v.destination}: the destination contains ':'`);
    args.push(v.readOnly ? '--bind-ro-fd' : '--bind-fd', `${fdFor(v)}:${v.destination}`);
  }
  return args;
}

export interface VolumeInfo {
  name: string;
  driver: 'local';
  /** host directory holding the data */
  mountpoint: string;
  created: string;
  labels: Record<string, string>;
}

interface VolumeMeta {
  name: string;
  created: string;
  labels: Record<string, string>;
}

function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw new UserError(`invalid volume name '${name}'`, 125, NAME_HINT);
}

/**
 * Named volumes: volumes/NAME/volume.json (metadata) and volumes/NAME/_data
 * (what containers see). Creating NAME/ with a plain mkdir is the atomic
 * claim on the name; removal first renames it to a dot-name that `list` skips.
 */
export class VolumeStore {
  constructor(private readonly paths: Paths) {}

  private dir(name: string): string {
    checkName(name);
    return path.join(this.paths.volumes, name);
  }

  pathOf(name: string): string {
    return path.join(this.dir(name), '_data');
  }

  create(name: string, opts: { labels?: Record<string, string> } = {}): VolumeInfo {
    const dir = this.dir(name);
    fs.mkdirSync(this.paths.volumes, { recursive: true, mode: 0o700 });
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(`volume ${name} already exists`, 125, 'Pick another name, or remove it with `tsbox volume rm`.');
      throw e;
    }
    fs.mkdirSync(path.join(dir, '_data'), { mode: 0o755 });
    const meta: VolumeMeta = { name, created: new Date().toISOString(), labels: opts.labels ?? {} };
    writeJsonAtomic(path.join(dir, 'volume.json'), meta);
    return this.info(meta);
  }

  /** The volume, created first when missing (what `run -v NAME:/dst` does). */
  ensure(name: string): VolumeInfo {
    if (this.exists(name)) return this.inspect(name);
    try {
      return this.create(name);
    } catch (e) {
      // another tsbox created it meanwhile
      if (this.exists(name)) return this.inspect(name);
      throw e;
    }
  }

  exists(name: string): boolean {
    return fs.existsSync(path.join(this.dir(name), 'volume.json'));
  }

  list(): VolumeInfo[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.paths.volumes);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: VolumeInfo[] = [];
    for (const name of names.sort()) {
      if (!NAME_RE.test(name)) continue;
      const meta = readJsonIfExists<VolumeMeta>(path.join(this.paths.volumes, name, 'volume.json'));
      if (meta) out.push(this.info(meta));
    }
    return out;
  }

  inspect(name: string): VolumeInfo {
    const meta = readJsonIfExists<VolumeMeta>(path.join(this.dir(name), 'volume.json'));
    if (!meta) throw new UserError(`no such volume: ${name}`, 125, 'See `tsbox volume ls` for the volumes there are.');
    return this.info(meta);
  }

  /** `inUseBy`: names of the containers that mount it; removing such a volume needs force. */
  async remove(name: string, opts: { force: boolean; inUseBy: string[] }): Promise<void> {
    this.inspect(name);
    if (opts.inUseBy.length > 0 && !opts.force)
      throw new UserError(`volume ${name} is in use by ${opts.inUseBy.join(', ')}`, 125, 'Remove those containers first, or use --force.');
    const dir = this.dir(name);
    const data = `${fs.realpathSync(dir)}/_data`; // as label records name it (the fd's path at relabel)
    const doomed = path.join(this.paths.volumes, `.${name}.removing.${process.pid}`);
    fs.renameSync(dir, doomed);
    fs.rmSync(doomed, { recursive: true, force: true });
    await forgetLabels(data, this.paths);
  }

  /** Removes every volume not in `inUse`; returns their names. */
  async prune(inUse: Set<string>): Promise<string[]> {
    const removed: string[] = [];
    for (const v of this.list()) {
      if (inUse.has(v.name)) continue;
      await this.remove(v.name, { force: true, inUseBy: [] });
      removed.push(v.name);
    }
    return removed;
  }

  private info(meta: VolumeMeta): VolumeInfo {
    return { name: meta.name, driver: 'local', mountpoint: this.pathOf(meta.name), created: meta.created, labels: meta.labels };
  }
}

/** Host id of container id `id` under `map`; no map means no user namespace (ids are the host's). */
function hostId(id: number, map: IdMapEntry[], kind: 'uid' | 'gid'): number {
  if (map.length === 0) return id;
  const e = map.find((m) => id >= m.container && id < m.container + m.size);
  if (!e) throw new UserError(`container ${kind} ${id} is not mapped to the host`, 125, `Add ${kind} ${id} to the container's ${kind} map, or drop the U volume option.`);
  return e.host + (id - e.container);
}

/**
 * The U option: chown every file of the source, recursively and without
 * following symlinks, to the host ids of the container's user (root unless
 * `user` says otherwise), so it can write there from its user namespace.
 * System trees are refused before anything changes. `tsbox-helper chown`
 * walks the opened sources (native/chown.c): nothing outside them is
 * reached, however a container sharing one changes it meanwhile.
 * Set-user-ID and set-group-ID bits that chown clears stay cleared (see
 * there why). Returns warnings for mount points it did not enter.
 */
export function chownVolumes(
  vols: VolumeSpec[],
  ids: { uidMap: IdMapEntry[]; gidMap: IdMapEntry[]; user?: { uid: number; gid: number } },
  ctx: { helper: string; sources: VolumeSources },
): { warnings: string[] } {
  const todo = vols.filter((v) => v.chown && v.type !== 'tmpfs');
  if (todo.length === 0) return { warnings: [] };
  const user = ids.user ?? { uid: 0, gid: 0 };
  const uid = hostId(user.uid, ids.uidMap, 'uid');
  const gid = hostId(user.gid, ids.gidMap, 'gid');
  const hint = 'Mount a directory made for the container, or drop the U option.';
  for (const v of todo) refuseProtectedPath(v.source, 'chown', hint);
  const roots = todo.map((v) => {
    const s = ctx.sources.get(v);
    if (!s) throw new Error(`chownVolumes: the source of ${v.destination} is not open`);
    return s;
  });
  const r = childProcess().spawnSync(ctx.helper, ['chown', String(uid), String(gid), ...roots.map((_, i) => String(3 + i))], {
    stdio: ['ignore', 'pipe', 'pipe', ...roots.map((s) => s.fd)],
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.error) throw new UserError(`cannot run ${ctx.helper}: ${r.error.message}`, 125, 'Build the helper with `npm run build`.');
  const fields = r.stdout.split('\0');
  const where = (fd: string, rel: string) => {
    const root = roots[Number(fd) - 3]?.path ?? '?';
    return rel === '.' ? root : `${root}/${rel}`;
  };
  const warnings: string[] = [];
  for (let i = 0; i + 2 < fields.length; ) {
    const [kind, fd, rel] = fields.slice(i, i + 3);
    if (kind === '#') {
      warnings.push(`did not chown ${where(fd, rel)}: another filesystem is mounted there`);
      i += 3;
      continue;
    }
    const [errno, msg] = fields.slice(i + 3, i + 5);
    // EPERM/EACCES rootless: only ids of our own may be given away from the host side
    if (errno === '1' || errno === '13')
      throw new UserError(
        `cannot chown ${where(fd, rel)} to ${uid}:${gid} for the U option: ${msg}`,
        125,
        'Rootless, U works for ids you own; otherwise chown the volume inside your namespace first: tsbox unshare chown -R UID:GID DIR.',
      );
    throw new UserError(`cannot chown ${where(fd, rel)} for the U option: ${msg}`);
  }
  if (r.status !== 0) throw new UserError(`tsbox-helper chown failed: ${r.stderr.trim() || `exit ${r.status}`}`);
  return { warnings };
}
