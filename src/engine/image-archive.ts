// `image load` and `image save`.
//
// Load reads `docker save` / `podman save` archives (manifest.json, a config
// and a tar per layer; Docker 25's are OCI layouts too) and OCI image
// layouts (oci-layout, index.json, blobs/), as a directory or a tar (gzip
// too). A tar is unpacked first into a private dir of the store, by this
// process and only as plain files and dirs under names made of [A-Za-z0-9._:@+-]
// components (its symlinks and hard links become aliases, resolved inside
// the archive), so no entry can land outside; then every layer is stored as
// a pull stores it (layer-ingest.ts): its blob checked against its digest
// (OCI) or its tar against the config's diff id (both), extracted confined.
// The image records are written last, under the lock: nothing of a load that
// failed is an image.
//
// Save writes an OCI layout (a dir, or a tar of one: podman's oci-archive):
// each layer written back as a plain tar (layer-tar.ts), so its digest is
// that of the tar, and the config's diff ids are the new tars' (an image
// whose layers came compressed gets a new config, and so a new id, as with
// any tool that cannot keep the original blobs).
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import { removeTree } from './fsutil.js';
import { archiveStream, ingestLayer } from './layer-ingest.js';
import { writeLayerTar } from './layer-tar.js';
import { crypto } from './lazy.js';
import { hasTar, type LayerRecord, type LayerStore } from './layers.js';
import type { OciStore } from './oci-store.js';
import { isRootless } from './paths.js';
import { runProgram } from './programs.js';
import { choosePlatform, hostPlatform, layerCompression, OCI_CONFIG, OCI_MANIFEST, parseManifest, type Compression, type Descriptor, type Manifest } from './registry/manifest.js';
import { formatRef, parseReference } from './registry/reference.js';
import { TarScanner } from './tarcheck.js';
import type { ImageRecord, OciImageConfig } from './types.js';

export interface ArchiveContext {
  helper: string;
  layers: LayerStore;
  oci: OciStore;
  /** where a tar is unpacked (the store's data dir: same disk as the layers) */
  scratch: string;
  locked<T>(fn: () => T): Promise<T>;
}

const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
const MAX_DOC = 4 << 20;
const PART = /^[A-Za-z0-9._:@+-]+$/;
const sha256 = (b: Buffer) => `sha256:${crypto().createHash('sha256').update(b).digest('hex')}`;

function bad(input: string, why: string): UserError {
  return new UserError(`${input}: ${why}`, 125, 'Give a `docker save` / `podman save` archive or an OCI image layout (a directory, or a tar of one).');
}

/** An archive's names, normalised; undefined for the archive's root. Throws on a name that leads out or is not plain. */
function archiveName(input: string, name: string): string | undefined {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) return undefined;
  for (const p of parts) if (p === '..' || !PART.test(p)) throw bad(input, `it holds an entry named '${name.slice(0, 200)}', which no image archive has`);
  if (parts.length > 8) throw bad(input, `it holds an entry nested too deep ('${name.slice(0, 200)}')`);
  return parts.join('/');
}

/** The files of a layout or archive: real files under ROOT, and the aliases (links) a tar had. */
class ArchiveFiles {
  readonly aliases = new Map<string, string>();
  constructor(
    readonly input: string,
    readonly root: string,
  ) {}

  /** NAME as a path under root, its aliases followed (at most 16 deep). */
  path(name: string): string {
    let n = name;
    for (let i = 0; i < 16; i++) {
      const next = this.aliases.get(n);
      if (next === undefined) return path.join(this.root, n);
      n = next;
    }
    throw bad(this.input, `its links around '${name}' go in a circle`);
  }

  exists(name: string): boolean {
    return fs.existsSync(this.path(name));
  }

  read(name: string): Buffer {
    const p = this.path(name);
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw bad(this.input, `it has no '${name}'`);
    }
    if (!st.isFile()) throw bad(this.input, `'${name}' is not a file`);
    if (st.size > MAX_DOC) throw bad(this.input, `'${name}' is ${st.size} bytes, more than a manifest or config has`);
    return fs.readFileSync(p);
  }

  json<T>(name: string): T {
    try {
      return JSON.parse(this.read(name).toString('utf8')) as T;
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw bad(this.input, `'${name}' is not JSON (${(e as Error).message})`);
    }
  }
}

/** Unpack the tar INPUT (gzip too) into DIR, as plain files: see the top of this file. */
async function unpack(input: string, dir: string): Promise<ArchiveFiles> {
  const files = new ArchiveFiles(input, dir);
  const fd = fs.openSync(input, 'r');
  let out: number | undefined;
  const close = () => {
    if (out !== undefined) fs.closeSync(out);
    out = undefined;
  };
  const scanner = new TarScanner(input, (e) => {
    close();
    const name = archiveName(input, e.name);
    if (name === undefined) return;
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 });
    if (e.type === '5') fs.mkdirSync(p, { recursive: true, mode: 0o700 });
    else if (e.type === '0' || e.type === '7') out = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    else if (e.type === '2') {
      // a link's target, taken as a name inside the archive (Docker 25's legacy layer.tar -> ../blobs/...)
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(name), e.linkname));
      const t = e.linkname.startsWith('/') || target === '..' || target.startsWith('../') ? undefined : archiveName(input, target);
      if (!t) throw bad(input, `its link '${name}' points outside it ('${e.linkname.slice(0, 200)}')`);
      files.aliases.set(name, t);
    } else if (e.type === '1') {
      const t = archiveName(input, e.linkname);
      if (!t) throw bad(input, `its hard link '${name}' names no file`);
      files.aliases.set(name, t);
    } else throw bad(input, `'${name}' is a device or a FIFO, which no image archive has`);
  });
  scanner.onData = (chunk) => {
    if (out !== undefined) fs.writeSync(out, chunk);
  };
  try {
    for await (const c of archiveStream(fd, input)) scanner.push(c);
    scanner.end();
  } catch (e) {
    if (e instanceof UserError || (e as NodeJS.ErrnoException).code === 'ENOSPC') throw e;
    throw bad(input, `it is not a tar archive tsbox can read (${(e as Error).message})`);
  } finally {
    close();
    fs.closeSync(fd);
  }
  return files;
}

/** FILE's bytes, hashed as they stream: the end throws when they are not DIGEST. */
async function* verifiedFile(file: string, digest: string, what: string): AsyncGenerator<Buffer> {
  const h = crypto().createHash('sha256');
  for await (const c of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    h.update(c);
    yield c;
  }
  const d = `sha256:${h.digest('hex')}`;
  if (d !== digest) throw new UserError(`${what} does not match its digest: it should be ${digest} and is ${d}`, 125, 'The archive is damaged or was changed: nothing of it was loaded.');
}

async function hashFile(file: string): Promise<string> {
  const h = crypto().createHash('sha256');
  for await (const c of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) h.update(c);
  return `sha256:${h.digest('hex')}`;
}

function sniff(file: string): Compression {
  const b = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  try {
    const n = fs.readSync(fd, b, 0, 4, 0);
    if (n >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
    if (n === 4 && b.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    fs.closeSync(fd);
  }
}

/** One image of an archive, ready to be stored: its layers as files. */
interface Loadable {
  names: string[];
  manifest: Buffer;
  config: Buffer;
  layers: Array<{ file: string; desc: Descriptor; compression: Compression; verify: boolean }>;
}

function fullName(n: string, defaultRegistry: string): string {
  try {
    const [ref] = parseReference(n, [defaultRegistry]);
    return ref.digest && !ref.tag ? '' : formatRef(ref);
  } catch {
    return '';
  }
}

function parseConfig(bytes: Buffer, input: string): OciImageConfig {
  try {
    return JSON.parse(bytes.toString('utf8')) as OciImageConfig;
  } catch (e) {
    throw bad(input, `an image config that is not JSON (${(e as Error).message})`);
  }
}

/** docker save / podman save (docker-archive): manifest.json lists each image's config, tags and layer tars. */
async function dockerImages(files: ArchiveFiles): Promise<Loadable[]> {
  const list = files.json<Array<{ Config?: string; RepoTags?: string[] | null; Layers?: string[] }>>('manifest.json');
  if (!Array.isArray(list) || list.length === 0) throw bad(files.input, 'its manifest.json lists no image');
  const out: Loadable[] = [];
  for (const [i, m] of list.entries()) {
    if (typeof m.Config !== 'string' || !Array.isArray(m.Layers)) throw bad(files.input, `image ${i} of its manifest.json has no Config or Layers`);
    const config = files.read(m.Config);
    const diffIds = parseConfig(config, files.input).rootfs?.diff_ids ?? [];
    if (diffIds.length !== m.Layers.length) throw bad(files.input, `image ${i} has ${m.Layers.length} layers and its config ${diffIds.length} diff ids`);
    const layers: Loadable['layers'] = [];
    for (const [j, l] of m.Layers.entries()) {
      const name = archiveName(files.input, String(l));
      if (!name) throw bad(files.input, `layer ${j} of image ${i} has no name`);
      const file = files.path(name);
      if (!fs.existsSync(file)) throw bad(files.input, `it has no '${name}' (layer ${j} of image ${i})`);
      const compression = sniff(file);
      // a plain tar's digest is its diff id, which the extraction checks; a compressed one's is read first
      const digest = compression === 'none' ? diffIds[j] : await hashFile(file);
      const mediaType = compression === 'none' ? OCI_LAYER_TAR : `${OCI_LAYER_TAR}+${compression}`;
      layers.push({ file, compression, verify: compression !== 'none', desc: { mediaType, digest, size: fs.statSync(file).size } });
    }
    const manifest: Manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length }, layers: layers.map((l) => l.desc) };
    const names = (m.RepoTags ?? []).map((t) => fullName(t, 'docker.io')).filter(Boolean);
    out.push({ names, manifest: Buffer.from(JSON.stringify(manifest)), config, layers });
  }
  return out;
}

/** An OCI layout: index.json's manifests (an index in it: this host's platform). */
function ociImages(files: ArchiveFiles): Loadable[] {
  const blob = (d: Descriptor) => {
    const [alg, hex] = d.digest.split(':');
    return `blobs/${alg}/${hex}`;
  };
  const doc = (d: Descriptor) => {
    const b = files.read(blob(d));
    if (sha256(b) !== d.digest) throw new UserError(`${files.input}: the blob ${d.digest} does not match its digest`, 125, 'The archive is damaged or was changed: nothing of it was loaded.');
    return b;
  };
  const top = parseManifest(files.read('index.json'), undefined, `${files.input}: index.json`);
  if (!top.index) throw bad(files.input, 'its index.json is not an index');
  const host = hostPlatform();
  const entries = top.index.manifests.filter((d) => !d.platform || top.index!.manifests.length === 1 || (d.platform.os === host.os && d.platform.architecture === host.architecture));
  if (entries.length === 0) throw bad(files.input, `it has no image for ${host.os}/${host.architecture}`);
  return entries.map((d) => {
    const ann = d.annotations ?? {};
    const refName = ann['io.containerd.image.name'] ?? ann['org.opencontainers.image.ref.name'];
    let bytes = doc(d);
    let parsed = parseManifest(bytes, d.mediaType, `${files.input}: ${d.digest}`);
    if (parsed.index) {
      const pick = choosePlatform(parsed.index, host, `${files.input}: ${refName ?? d.digest}`);
      bytes = doc(pick);
      parsed = parseManifest(bytes, pick.mediaType, `${files.input}: ${pick.digest}`);
    }
    const m = parsed.manifest;
    if (!m) throw bad(files.input, `${d.digest} is neither an image manifest nor an index`);
    return {
      names: refName ? [fullName(refName, 'localhost')].filter(Boolean) : [],
      manifest: bytes,
      config: doc(m.config),
      layers: m.layers.map((l) => {
        const file = files.path(blob(l));
        if (!fs.existsSync(file)) throw bad(files.input, `it has no blob for layer ${l.digest}`);
        return { file, desc: l, compression: layerCompression(l.mediaType), verify: true };
      }),
    };
  });
}

async function storeLayer(ctx: ArchiveContext, l: Loadable['layers'][number], diffId: string, input: string): Promise<LayerRecord> {
  const stored = ctx.layers.get(l.desc.digest) ?? ctx.layers.byDiffId(diffId);
  if (stored) {
    if (!hasTar(stored, diffId)) throw new UserError(`${input}: layer ${l.desc.digest} is stored with diff id ${stored.diffId}, but the image's config says ${diffId}`, 125, 'The archive is inconsistent: nothing of it was loaded.');
    return stored;
  }
  const what = `layer ${l.desc.digest.slice(7, 19)} of ${input}`;
  const src = l.verify ? verifiedFile(l.file, l.desc.digest, what) : (fs.createReadStream(l.file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>);
  return ingestLayer(ctx, src, { digest: l.desc.digest, mediaType: l.desc.mediaType, size: l.desc.size, compression: l.compression, diffId }, what);
}

/** image load -i INPUT: every image of it, stored; resolves with their records. */
export async function loadImages(ctx: ArchiveContext, input: string): Promise<ImageRecord[]> {
  let st: fs.Stats;
  try {
    st = fs.statSync(input);
  } catch {
    throw new UserError(`cannot load '${input}': no such file or directory`);
  }
  let scratch: string | undefined;
  try {
    let files: ArchiveFiles;
    if (st.isDirectory()) files = new ArchiveFiles(input, input);
    else {
      fs.mkdirSync(ctx.scratch, { recursive: true, mode: 0o700 });
      scratch = fs.mkdtempSync(path.join(ctx.scratch, '.load-'));
      files = await unpack(input, scratch);
    }
    let images: Loadable[];
    if (files.exists('manifest.json')) images = await dockerImages(files);
    else if (files.exists('index.json')) images = ociImages(files);
    else throw bad(input, 'it has neither a manifest.json (docker save) nor an index.json (OCI layout)');

    const records: Array<{ rec: ImageRecord; img: Loadable }> = [];
    for (const img of images) {
      const config = parseConfig(img.config, input);
      const diffIds = config.rootfs?.diff_ids ?? [];
      if (diffIds.length !== img.layers.length) throw bad(input, `an image with ${img.layers.length} layers and ${diffIds.length} diff ids`);
      const layers: LayerRecord[] = [];
      for (const [i, l] of img.layers.entries()) layers.push(await storeLayer(ctx, l, diffIds[i], input));
      const id = sha256(img.config).slice(7);
      records.push({ img, rec: {
        name: img.names[0] ?? '<none>',
        id,
        created: config.created ?? new Date(0).toISOString(),
        kind: 'oci',
        size: layers.reduce((n, l) => n + l.size, 0),
        source: `loaded from ${path.resolve(input)}`,
        names: img.names,
        repoDigests: [],
        digest: sha256(img.manifest),
        layers: layers.map((l) => l.digest),
        config,
      } });
    }
    return await ctx.locked(() => records.map(({ rec, img }) => ctx.oci.save(rec, img.manifest, img.config)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC') {
      throw new UserError(`load of ${input} failed: the disk that holds tsbox's store is full`, 125, 'Free space there (tsbox image prune removes unused images and layers) and load again.');
    }
    throw e;
  } finally {
    if (scratch) removeTree(scratch);
  }
}

export type SaveFormat = 'oci-archive' | 'oci-dir';

/** A sink that writes to FD and hashes what it wrote. */
function hashingSink(fd: number) {
  const h = crypto().createHash('sha256');
  let size = 0;
  return {
    write(b: Buffer) {
      h.update(b);
      let off = 0;
      while (off < b.length) off += fs.writeSync(fd, b, off);
      size += b.length;
    },
    done: () => ({ digest: `sha256:${h.digest('hex')}`, size }),
  };
}

/** Write blob B into LAYOUT; its descriptor. */
function writeBlob(layout: string, mediaType: string, b: Buffer): Descriptor {
  const digest = sha256(b);
  fs.writeFileSync(path.join(layout, 'blobs/sha256', digest.slice(7)), b);
  return { mediaType, digest, size: b.length };
}

/** The OCI layout of REC in the empty dir LAYOUT, named NAME in its index. */
function writeLayout(ctx: ArchiveContext, rec: ImageRecord, name: string | undefined, layout: string): void {
  fs.mkdirSync(path.join(layout, 'blobs/sha256'), { recursive: true });
  const descs: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const digest of rec.layers ?? []) {
    const layer = ctx.layers.get(digest);
    if (!layer) throw new UserError(`layer ${digest} of ${rec.name} is not stored`, 125, 'Pull the image again.');
    const tmp = path.join(layout, 'blobs/sha256', '.layer');
    const fd = fs.openSync(tmp, 'w', 0o644);
    let d: { digest: string; size: number };
    try {
      const sink = hashingSink(fd);
      writeLayerTar(ctx.layers.diff(digest), layer.opaque, sink, layer.xattrs);
      d = sink.done();
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(layout, 'blobs/sha256', d.digest.slice(7)));
    ctx.layers.noteSavedTar(layer, d.digest);
    descs.push({ mediaType: OCI_LAYER_TAR, digest: d.digest, size: d.size });
    diffIds.push(d.digest);
  }
  // the config as stored, unless the layers' tars are new (then its diff ids are theirs)
  let configBytes = ctx.oci.configBytes(rec.id);
  const config = JSON.parse(configBytes.toString('utf8')) as OciImageConfig;
  if (JSON.stringify(config.rootfs?.diff_ids ?? []) !== JSON.stringify(diffIds)) configBytes = Buffer.from(JSON.stringify({ ...config, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const configDesc = writeBlob(layout, OCI_CONFIG, configBytes);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers: descs }));
  const mdesc = writeBlob(layout, OCI_MANIFEST, manifest);
  const entry = { ...mdesc, ...(name ? { annotations: { 'org.opencontainers.image.ref.name': name } } : {}) };
  fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [entry] }));
  fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
}

/** image save -o OUT REF: REC (found by REF) as an OCI layout, a tar of one (oci-archive) or a dir (oci-dir). */
export async function saveImage(ctx: ArchiveContext, rec: ImageRecord, ref: string, out: string, format: SaveFormat): Promise<void> {
  if (rec.kind !== 'oci') throw new UserError(`'${ref}' is ${rec.kind === 'host' ? 'the built-in image (a view of the host)' : 'an imported rootfs tree'}, not a layered image`, 125, 'Save pulled or loaded images; an imported tree can be saved with tar.');
  if (isRootless()) throw new UserError('image save needs root for now: a rootless store\'s layers belong to subordinate ids, which this user cannot read', 125, 'Run it as root, or copy the image with skopeo.');
  const name = rec.names?.find((n) => n === ref || n.endsWith(`/${ref}`) || n.endsWith(`/library/${ref}`)) ?? rec.names?.[0];
  const dir = path.resolve(out);
  if (format === 'oci-dir') {
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new UserError(`'${out}' exists and is not empty`, 125, 'Give a new or empty directory.');
    try {
      writeLayout(ctx, rec, name, dir);
    } catch (e) {
      removeTree(dir);
      throw saveError(e, out);
    }
    return;
  }
  if (fs.existsSync(dir) && fs.statSync(dir).isDirectory()) throw new UserError(`'${out}' is a directory`, 125, 'Give a file name, or --format oci-dir to write a layout into a directory.');
  const work = fs.mkdtempSync(path.join(path.dirname(dir), '.tsbox-save-'));
  const tmp = `${dir}.tsbox-tmp`;
  try {
    writeLayout(ctx, rec, name, path.join(work, 'layout'));
    await runProgram('tar', ['-C', path.join(work, 'layout'), '--numeric-owner', '--owner=0', '--group=0', '-cf', tmp, 'oci-layout', 'index.json', 'blobs'], { what: `save of ${ref} failed` });
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw saveError(e, out);
  } finally {
    removeTree(work);
  }
}

function saveError(e: unknown, out: string): unknown {
  if ((e as NodeJS.ErrnoException).code === 'ENOSPC' || /No space left/.test(String((e as Error).message))) {
    return new UserError(`save to ${out} failed: the disk is full`, 125, 'Free space there, or save somewhere else.');
  }
  if ((e as NodeJS.ErrnoException).code === 'EACCES' || (e as NodeJS.ErrnoException).code === 'ENOENT') return new UserError(`save to ${out} failed: ${(e as Error).message}`);
  return e;
}
