// The image store: images/<name>/rootfs plus image.json for imported trees,
// and layered images (pulled, loaded: oci-store.ts, over the layers of
// layers.ts). The built-in image `host` is not stored: it is a read-only
// view of the host's /usr, /bin, /sbin and /lib* (see rootfs.ts), so it
// needs no download.
//
// images/ and images/<name> are 0700, always: an image is someone else's
// tree, setuid-root files included, and a local user who could reach one
// could run it and be root. Only root (or, rootless, the store's owner) and
// the mounts it makes for a container use them; a container in a user
// namespace of root's runs on its own copy (prepareRootfs).
import fs from 'node:fs';
import path from 'node:path';
import { randomId } from './random.js';
import { NotFoundError, UserError } from '../common/errors.js';
import { readJsonIfExists, writeJsonAtomic } from './fsutil.js';
import { helperPath } from './helper.js';
import { extractTar } from './layer-extract.js';
import { archiveStream } from './layer-ingest.js';
import { runProgram } from './programs.js';
import { LayerStore } from './layers.js';
import { OciStore } from './oci-store.js';
import type { Paths } from './paths.js';
import { searchRegistries } from './registry/config.js';
import { formatRef, parseReference } from './registry/reference.js';
import type { ContainerRecord, ImageRecord } from './types.js';

export const HOST_IMAGE = 'host';
/** a name of an older tsbox's import: it is podman's localhost/NAME:latest */
const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** An imported image's full name; an older store's bare NAME is localhost/NAME:latest, as podman names an import. */
export const importedName = (name: string) => (NAME_RE.test(name) ? `localhost/${name}:latest` : name);

/**
 * The directory of the imported image FULL (images/DIR): localhost/NAME:latest
 * keeps the bare NAME an older store has; any other reference is
 * percent-encoded (`/` %2F, `:` %3A: a colon or a `+` would split the
 * helper's --overlay, a comma or a colon an overlay's lowerdir). No
 * reference holds a `%`, so no two names share a dir, and none is `.` or `..`.
 */
const dirName = (full: string) => /^localhost\/([a-z0-9][a-z0-9._-]{0,127}):latest$/.exec(full)?.[1] ?? encodeURIComponent(full);

export const hostImageRecord: ImageRecord = {
  name: HOST_IMAGE,
  id: 'host',
  created: '1970-01-01T00:00:00Z',
  kind: 'host',
  size: 0,
  source: 'built-in: read-only view of the host /usr, /bin, /sbin, /lib*',
};

function dirSize(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += fs.lstatSync(p).size;
    }
  };
  walk(dir);
  return total;
}

/** An import's --name as a full reference: a short one is localhost/NAME[:latest], as podman's import names it; no digest (an import has none yet). */
function importName(name: string): string {
  const [ref] = parseReference(name, ['localhost']);
  if (ref.digest) throw new UserError(`invalid image name '${name}': an imported image gets no digest to be named by`, 125, 'Give a tag instead (NAME:TAG).');
  return formatRef(ref);
}

/** Group and other bits: none on the store's image directories. */
const SHARED_BITS = 0o077;

export class ImageStore {
  readonly layers: LayerStore;
  readonly oci: OciStore;

  constructor(private readonly paths: Paths) {
    this.layers = new LayerStore(paths);
    this.oci = new OciStore(paths);
  }

  /** The full names REF may stand for: itself made full through the search registries, and localhost/REF (tagged and imported images). */
  fullNames(ref: string): string[] {
    try {
      return parseReference(ref, [...searchRegistries(), 'localhost']).map(formatRef);
    } catch {
      return [];
    }
  }

  /** A layered image by name or id, or undefined. */
  findOci(ref: string): ImageRecord | undefined {
    return this.oci.find(ref, this.fullNames(ref));
  }

  /** The directories an image's tree is made of, the topmost first (an overlay's lowerdir order). */
  lowerDirs(rec: ImageRecord): string[] {
    if (rec.kind === 'oci') return [...(rec.layers ?? [])].reverse().map((d) => this.layers.diff(d));
    return [this.rootfs(rec.name)];
  }

  /** What a container of SPEC is made from: the image by the id it was created with, or (older records, imports) by name. */
  forContainer(spec: Pick<ContainerRecord['spec'], 'image' | 'imageId'>): ImageRecord {
    if (spec.imageId) {
      const rec = this.oci.byId(spec.imageId);
      if (!rec) throw new UserError(`the image of this container (${spec.image}, id ${spec.imageId.slice(0, 12)}) is gone`, 125, 'Remove the container; pull its image again to make a new one.');
      return rec;
    }
    return this.get(spec.image);
  }

  /**
   * Close images/ and each images/<name> that an older tsbox opened to
   * others (it gave them o+x for user namespace containers). One stat when
   * there is nothing to do: called when the store is about to change, not
   * by read-only commands.
   */
  closeToOthers(): void {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.paths.images);
    } catch {
      return; // no images yet
    }
    if ((st.mode & SHARED_BITS) === 0) return;
    // the names first, images/ last: a run cut short is found and finished by the next
    for (const n of fs.readdirSync(this.paths.images)) {
      const d = path.join(this.paths.images, n);
      const m = fs.lstatSync(d);
      if (m.isDirectory() && m.mode & SHARED_BITS) fs.chmodSync(d, m.mode & 0o7700);
    }
    fs.chmodSync(this.paths.images, st.mode & 0o7700);
  }

  private dir(name: string): string {
    return path.join(this.paths.images, dirName(name));
  }

  /** The imported image of the full name FULL, if there is one. */
  private imported(full: string): ImageRecord | undefined {
    const rec = readJsonIfExists<ImageRecord>(path.join(this.dir(full), 'image.json'));
    return rec && { ...rec, name: importedName(rec.name) };
  }

  rootfs(name: string): string {
    return path.join(this.dir(name), 'rootfs');
  }

  list(): ImageRecord[] {
    const out = [hostImageRecord];
    out.push(...this.oci.list().sort((a, b) => b.created.localeCompare(a.created)));
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.paths.images);
    } catch {
      /* no images yet */
    }
    for (const n of names.sort()) {
      const rec = readJsonIfExists<ImageRecord>(path.join(this.paths.images, n, 'image.json'));
      if (rec) out.push({ ...rec, name: importedName(rec.name) });
    }
    return out;
  }

  get(name: string): ImageRecord {
    if (name === HOST_IMAGE) return hostImageRecord;
    // each full name in search order, imported or layered, then an id
    let rec: ImageRecord | undefined;
    for (const full of this.fullNames(name)) if ((rec = this.imported(full) ?? this.oci.find(full, [full]))) return rec;
    rec = this.findOci(name);
    if (!rec) throw new NotFoundError('image', name, `image '${name}' not found`, `Pull it (tsbox pull ${name}), or see \`tsbox images\` for what is here; \`tsbox image import PATH --name NAME\` adds a rootfs.`);
    return rec;
  }

  /**
   * Import a rootfs directory or a tar(.gz) archive, e.g. `docker export`
   * output. An archive is read once, as a stream: each entry is checked
   * (tarcheck.ts's TarChecker, as the scanner reads it) and made by `tsbox-helper extract` chrooted into the new
   * rootfs (layer-extract.ts), so that nothing it holds can land outside.
   */
  async import(source: string, nameArg: string): Promise<ImageRecord> {
    if (nameArg === HOST_IMAGE) throw new UserError(`'${HOST_IMAGE}' is the built-in image and cannot be replaced`);
    const name = importName(nameArg);
    if (this.imported(name) ?? this.oci.find(name, [name])) {
      throw new UserError(`image '${name}' already exists`, 125, `Remove it first with tsbox rmi ${name}, or give another --name.`);
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(source);
    } catch {
      throw new UserError(`cannot import '${source}': no such file or directory`);
    }
    if (!st.isFile() && !st.isDirectory()) throw new UserError(`cannot import '${source}': not a directory or a tar archive`);
    const archive = st.isFile() ? fs.openSync(source, 'r') : undefined;
    try {
      const what = `import of '${source}' failed`;
      return await this.store(name, source, async (rootfs) => {
        if (archive !== undefined) {
          await extractTar(archiveStream(archive, source), { helper: helperPath(), dir: rootfs, kind: 'rootfs', what: source });
          return;
        }
        // -a keeps symlinks as symlinks: nothing outside the source is read through them
        return runProgram('cp', ['-a', '--reflink=auto', `${source}/.`, rootfs], { what });
      });
    } finally {
      if (archive !== undefined) fs.closeSync(archive);
    }
  }

  /** Fill a new rootfs with FILL in a staging dir, record it, and move it into place as image NAME. */
  private async store(name: string, source: string, fill: (rootfs: string) => Promise<void>): Promise<ImageRecord> {
    fs.mkdirSync(this.paths.images, { recursive: true, mode: 0o700 });
    this.closeToOthers();
    const staging = fs.mkdtempSync(path.join(this.paths.images, `.import-${dirName(name)}-`)); // 0700, as the image dir stays
    try {
      const rootfs = path.join(staging, 'rootfs');
      fs.mkdirSync(rootfs, { mode: 0o755 });
      await fill(rootfs);
      const rec: ImageRecord = {
        name,
        id: randomId(),
        created: new Date().toISOString(),
        kind: 'rootfs',
        size: dirSize(rootfs),
        source: path.resolve(source),
      };
      writeJsonAtomic(path.join(staging, 'image.json'), rec);
      fs.renameSync(staging, this.dir(name));
      return rec;
    } catch (e) {
      fs.rmSync(staging, { recursive: true, force: true });
      if (e instanceof UserError) throw e;
      throw new UserError(`import of '${source}' failed: ${(e as Error).message}`);
    }
  }

  /**
   * rmi: an imported image goes; a layered one loses the name it was given
   * by (podman's way), and goes with its last name or when given by id,
   * with the layers no other image lists. USERS: the containers of each
   * image (by id for layered ones, by name for imported), which refuse it
   * unless FORCE (then they lose it: they are removed by the caller first).
   */
  remove(name: string, users: (rec: ImageRecord) => string[], force = false): string {
    if (name === HOST_IMAGE) throw new UserError(`'${HOST_IMAGE}' is the built-in image and cannot be removed`);
    const rec = this.get(name);
    // one name of several goes alone, used or not (containers keep the image by its id), as podman's
    const byName = rec.kind === 'oci' ? rec.names?.find((n) => this.fullNames(name).includes(n)) : undefined;
    if (byName && (rec.names?.length ?? 0) > 1 && !force) {
      this.oci.setNames(rec, rec.names!.filter((n) => n !== byName));
      return `Untagged: ${byName}`;
    }
    const usedBy = users(rec);
    if (usedBy.length > 0 && !force) {
      throw new UserError(`image '${name}' is in use by container(s) ${usedBy.join(', ')}`, 125, `Remove those containers first (tsbox rm), or use tsbox rmi -f ${name}, which removes them too.`);
    }
    if (rec.kind !== 'oci') {
      fs.rmSync(this.dir(rec.name), { recursive: true, force: true });
      return rec.id;
    }
    if (!byName && (rec.names?.length ?? 0) > 1 && !force) {
      throw new UserError(`image ${rec.id.slice(0, 12)} has several names (${rec.names!.join(', ')})`, 125, 'Remove them one by one, or use rmi -f.');
    }
    this.oci.remove(rec.id);
    this.pruneLayers();
    return rec.id;
  }

  /** Remove the layers no image lists; returns how many bytes they held. */
  pruneLayers(): number {
    const used = new Set(this.oci.list().flatMap((r) => r.layers ?? []));
    let freed = 0;
    for (const l of this.layers.list()) {
      if (used.has(l.digest)) continue;
      this.layers.remove(l.digest);
      freed += l.size;
    }
    return freed;
  }
}
