// Volumes: opening their sources once at start (helper-argv.ts mounts them
// from those fds), named volumes kept under tsbox's root, and the :U chown.
// -v and --mount become VolumeSpecs in src/cli/volume-flags.ts.
import fs from 'node:fs';
import path from 'node:path';
import { NotFoundError, UserError } from '../common/errors.js';
import { writeJsonAtomic, readJsonIfExists } from './fsutil.js';
import { openExact, refuseProtectedPath, type OpenedPath } from './host-paths.js';
import { forgetLabels } from './labels.js';
import { childProcess } from './lazy.js';
import type { Paths } from './paths.js';
import type { IdMapEntry, VolumeSpec } from './types.js';

/** A named volume's name: what -v tells from a path, and what the store accepts. */
export const VOLUME_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const VOLUME_NAME_HINT = 'A volume name starts with a letter or digit and has only letters, digits, _ . and -.';

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
  if (!VOLUME_NAME_RE.test(name)) throw new UserError(`invalid volume name '${name}'`, 125, VOLUME_NAME_HINT);
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
      if (!VOLUME_NAME_RE.test(name)) continue;
      const meta = readJsonIfExists<VolumeMeta>(path.join(this.paths.volumes, name, 'volume.json'));
      if (meta) out.push(this.info(meta));
    }
    return out;
  }

  inspect(name: string): VolumeInfo {
    const meta = readJsonIfExists<VolumeMeta>(path.join(this.dir(name), 'volume.json'));
    if (!meta) throw new NotFoundError('volume', name, `no volume with name "${name}" found: no such volume`, 'See `tsbox volume ls` for the volumes there are.');
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
