// -v and --mount (podman's syntax) -> VolumeSpecs, checked before anything
// is created: a host source must exist (tsbox makes no host directories) and
// is resolved, so the engine can hold it to that path at start; a named
// volume is the store's (src/engine/volumes.ts), made at start if need be.
import fs from 'node:fs';
import path from 'node:path';
import { list, type FlagSpec, type Parsed } from './args.js';
import { UserError } from '../common/errors.js';
import type { NamespaceMode, VolumeSpec } from '../engine/types.js';
import { VOLUME_NAME_HINT, VOLUME_NAME_RE, type VolumeStore } from '../engine/volumes.js';

export const VOLUME_FLAGS: FlagSpec[] = [
  {
    name: 'volume',
    short: 'v',
    type: 'list',
    arg: 'SRC:DST[:OPTS]',
    help: 'bind a host path (absolute or ./relative) or a named volume at DST; OPTS: ro rw z Z U idmap private rprivate',
  },
  {
    name: 'mount',
    type: 'list',
    arg: 'type=bind|volume|tmpfs,...',
    help: 'mount with key=value options: src, dst, ro, relabel=shared|private, U, idmap, bind-propagation',
  },
];


const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
/** The helper makes every mount of the container private (recursively); other modes cannot be honoured yet. */
const SUPPORTED_PROPAGATIONS = ['private', 'rprivate'];

const VOLUME_OPTS_HINT = 'Options are ro, rw, z, Z, U, idmap, private, rprivate, separated by commas: -v /src:/dst:ro,Z';

interface MountOptions {
  readOnly?: boolean;
  relabel?: 'z' | 'Z';
  chown?: boolean;
  idmap?: boolean;
  propagation?: string;
}

/** podman's idmap=uids=...;gids=... names maps of its own; tsbox shows the container's, and only those */
function idmapOption(value: string | undefined, where: string): true {
  if (value !== undefined)
    throw new UserError(`idmap=${value} in ${where}: tsbox idmaps a volume with the container's own maps only`, 125, 'Give plain idmap (host uid N is container uid N there).');
  return true;
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
    else if (opt === 'idmap' || opt.startsWith('idmap=')) o.idmap = idmapOption(opt.startsWith('idmap=') ? opt.slice(6) : undefined, where);
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
  if (VOLUME_NAME_RE.test(src)) return { kind: 'name', name: src };
  throw new UserError(`the source '${src}' of ${where} is neither a path nor a volume name`, 125, `Write a relative path as ./${src}, an absolute one with a leading /. ${VOLUME_NAME_HINT}`);
}

function specFrom(src: SourceKind, dst: string, o: MountOptions, ctx: { cwd: string; store: VolumeStore }, where: string): VolumeSpec {
  const common = {
    destination: dst,
    readOnly: o.readOnly ?? false,
    relabel: o.relabel ?? ('' as const),
    chown: o.chown ?? false,
    ...(o.idmap ? { idmap: true } : {}),
    ...(o.propagation ? { propagation: o.propagation } : {}),
  };
  if (src.kind === 'name') return { ...common, source: ctx.store.pathOf(src.name), type: 'volume', name: src.name };
  return { ...common, source: hostSource(src.path, ctx.cwd, where), type: 'bind' };
}

function parseVolume(text: string, ctx: { cwd: string; store: VolumeStore }): VolumeSpec {
  const where = `-v ${text}`;
  const parts = text.split(':');
  if (parts.length === 1 && text.startsWith('/'))
    throw new UserError(`${where}: anonymous volumes are a podman feature tsbox does not support yet`, 125, `Name the volume: -v NAME:${text} (tsbox volume rm NAME removes it), or bind a host directory: -v /host/dir:${text}.`);
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
      case 'idmap':
        o.idmap = idmapOption(value, where);
        break;
      default:
        throw new UserError(
          `unknown --mount option '${key}' in ${where}`,
          125,
          'Options are type, src, dst, ro, rw, relabel=shared|private, U, idmap, bind-propagation=private|rprivate.',
        );
    }
  }
  if (type === undefined) throw new UserError(`${where} has no type`, 125, 'Start with type=bind, type=volume or type=tmpfs.');
  const d = destination(dst, where);
  if (type === 'tmpfs') {
    if (src !== undefined) throw new UserError(`${where}: a tmpfs has no source`, 125, 'Drop src=.');
    if (o.readOnly || o.relabel || o.chown || o.idmap || o.propagation)
      throw new UserError(`${where}: a tmpfs takes no ro, relabel, U, idmap or propagation option`, 125, 'Give only type=tmpfs,dst=PATH.');
    return { source: '', destination: d, readOnly: false, relabel: '', chown: false, type: 'tmpfs' };
  }
  if (!src) throw new UserError(`${where} has no source`, 125, type === 'volume' ? 'Give src=NAME of a volume.' : 'Give src=PATH on the host.');
  // type=bind says src is a path, so a bare `data` is ./data here
  if (type === 'bind') return specFrom({ kind: 'path', path: src }, d, o, ctx, where);
  if (type === 'volume') {
    if (!VOLUME_NAME_RE.test(src)) throw new UserError(`'${src}' in ${where} is not a volume name`, 125, `${VOLUME_NAME_HINT} For a host path use type=bind.`);
    return specFrom({ kind: 'name', name: src }, d, o, ctx, where);
  }
  throw new UserError(`unknown mount type '${type}' in ${where}`, 125, 'Use type=bind, type=volume or type=tmpfs.');
}

/**
 * VolumeSpecs from -v and --mount. Host sources must exist (tsbox does not
 * create host directories); named volumes need not (the engine creates them
 * with VolumeStore.ensure at run).
 */
/**
 * :idmap shows a volume through the container's own user namespace: there
 * must be one, and only root on the host may idmap a mount (the helper
 * checks again). With :U the chown would give the files owners the idmap
 * then shows as nobody.
 */
export function checkIdmapVolumes(vols: readonly VolumeSpec[], user: NamespaceMode, rootless: boolean): void {
  const v = vols.find((x) => x.idmap);
  if (!v) return;
  const where = `the volume at ${v.destination}`;
  if (rootless)
    throw new UserError(`:idmap (${where}) needs root: only a holder of CAP_SYS_ADMIN over the host's filesystem may idmap a mount`, 125, 'Drop :idmap; rootless, --userns=keep-id shows your files as yours.');
  if (user.kind !== 'private')
    throw new UserError(
      `:idmap (${where}) needs a user namespace of the container's own, whose maps it shows; this one ${user.kind === 'host' ? "is the host's" : "is another container's"}`,
      125,
      'Add --userns=auto (or --uidmap/--gidmap), or drop :idmap.',
    );
  if (v.chown) throw new UserError(`${where}: U and idmap contradict each other (U chowns to the container's host ids, idmap keeps the host's)`, 125, 'Give one of them.');
}

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
