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
import { zlib } from './lazy.js';
import { runProgram } from './programs.js';
import { LayerStore } from './layers.js';
import { OciStore } from './oci-store.js';
import type { Paths } from './paths.js';
import { searchRegistries } from './registry/config.js';
import { formatRef, parseReference } from './registry/reference.js';
import type { ContainerRecord, ImageRecord } from './types.js';

export const HOST_IMAGE = 'host';
const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,127}$/;

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

/** The tar bytes of the archive open at FD: gunzipped when it is gzip. */
async function* archiveStream(fd: number, file: string): AsyncGenerator<Buffer> {
  const magic = Buffer.alloc(2);
  const gzip = fs.readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  // the same file opened again, for the stream to own (and close): FD stays the caller's
  const input = fs.createReadStream('', { fd: fs.openSync(`/proc/self/fd/${fd}`, 'r'), start: 0, highWaterMark: 256 * 1024 });
  if (!gzip) {
    yield* input as AsyncIterable<Buffer>;
    return;
  }
  const gunzip = zlib().createGunzip({ chunkSize: 256 * 1024 });
  input.on('error', (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  try {
    yield* gunzip as AsyncIterable<Buffer>;
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file} is not a valid gzip file: ${(e as Error).message}`, 125, 'Copy or download it again, or decompress it yourself to see where it breaks.');
  } finally {
    input.unpipe(gunzip);
    input.destroy();
    gunzip.destroy();
  }
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
    return path.join(this.paths.images, name);
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
      const rec = readJsonIfExists<ImageRecord>(path.join(this.dir(n), 'image.json'));
      if (rec) out.push(rec);
    }
    return out;
  }

  get(name: string): ImageRecord {
    if (name === HOST_IMAGE) return hostImageRecord;
    const rec = (NAME_RE.test(name) ? readJsonIfExists<ImageRecord>(path.join(this.dir(name), 'image.json')) : undefined) ?? this.findOci(name);
    if (!rec) throw new NotFoundError('image', name, `image '${name}' not found`, `Pull it (tsbox pull ${name}), or see \`tsbox images\` for what is here; \`tsbox image import PATH --name NAME\` adds a rootfs.`);
    return rec;
  }

  /**
   * Import a rootfs directory or a tar(.gz) archive, e.g. `docker export`
   * output. An archive is read once, as a stream: each entry is checked
   * (tarcheck.ts) and made by `tsbox-helper extract` chrooted into the new
   * rootfs (layer-extract.ts), so that nothing it holds can land outside.
   */
  async import(source: string, name: string): Promise<ImageRecord> {
    if (!NAME_RE.test(name)) throw new UserError(`invalid image name '${name}'`, 125, 'Use lower-case letters, digits, ".", "_" and "-".');
    if (name === HOST_IMAGE) throw new UserError(`'${HOST_IMAGE}' is the built-in image and cannot be replaced`);
    let st: fs.Stats;
    try {
      st = fs.statSync(source);
    } catch {
      throw new UserError(`cannot import '${source}': no such file or directory`);
    }
    if (!st.isFile() && !st.isDirectory()) throw new UserError(`cannot import '${source}': not a directory or a tar archive`);
    const dir = this.dir(name);
    if (fs.existsSync(dir)) throw new UserError(`image '${name}' already exists`, 125, `Remove it first with tsbox rmi ${name}.`);
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
    const staging = fs.mkdtempSync(path.join(this.paths.images, `.import-${name}-`)); // 0700, as the image dir stays
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
      fs.rmSync(this.dir(name), { recursive: true, force: true });
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
