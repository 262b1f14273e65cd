// The image store: images/<name>/rootfs plus image.json. The built-in image
// `host` is not stored: it is a read-only view of the host's /usr, /bin,
// /sbin and /lib* (see rootfs.ts), so it needs no download.
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
import { runProgram } from './programs.js';
import { checkTarArchive } from './tarcheck.js';
import type { Paths } from './paths.js';
import type { ImageRecord } from './types.js';

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

/** Group and other bits: none on the store's image directories. */
const SHARED_BITS = 0o077;

export class ImageStore {
  constructor(private readonly paths: Paths) {}

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
    const rec = NAME_RE.test(name) ? readJsonIfExists<ImageRecord>(path.join(this.dir(name), 'image.json')) : undefined;
    if (!rec) throw new NotFoundError('image', name, `image '${name}' not found`, 'See `tsbox images` for what is here, and `tsbox image import PATH --name NAME` to add one.');
    return rec;
  }

  /**
   * Import a rootfs directory or a tar(.gz) archive, e.g. `docker export`
   * output. An archive is checked as a stream first (tarcheck.ts: memory
   * bounded whatever its size) and only then extracted, by tar, from the
   * same open file.
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
      // refuse before anything is written; tar then reads what was checked, not whatever the path holds by then
      const gzip = archive === undefined ? false : (await checkTarArchive(archive, source)).gzip;
      const what = `import of '${source}' failed`;
      return await this.store(name, source, (rootfs) => {
        if (archive !== undefined) {
          // GNU tar also refuses `..` and strips `/`; the check above is ours.
          const args = ['-x', ...(gzip ? ['-z'] : []), '-f', '-', '-C', rootfs, '--numeric-owner', '--no-overwrite-dir'];
          return runProgram('tar', args, { stdin: archive, what });
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

  remove(name: string, usedBy: string[]): void {
    if (name === HOST_IMAGE) throw new UserError(`'${HOST_IMAGE}' is the built-in image and cannot be removed`);
    this.get(name);
    if (usedBy.length > 0) {
      throw new UserError(`image '${name}' is in use by container(s) ${usedBy.join(', ')}`, 125, 'Remove those containers first (tsbox rm).');
    }
    fs.rmSync(this.dir(name), { recursive: true, force: true });
  }
}
