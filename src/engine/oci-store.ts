// Layered images (pulled, loaded): oci/<id>/ with image.json (the
// ImageRecord: names, layers, config), manifest.json and config.json as the
// registry sent them (their digests are the image's). The id is the config's
// digest, as podman's. Names are full references; one name belongs to one
// image at a time (a pull of a newer alpine:latest takes it from the older,
// which keeps its id and its other names, or none: `<none>`).
//
// Changes happen under the engine's state lock (the caller takes it): two
// pulls that tag at once cannot both hold the name.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import { readJsonIfExists, removeTree, writeFileAtomic, writeJsonAtomic } from './fsutil.js';
import type { Paths } from './paths.js';
import type { ImageRecord } from './types.js';

export class OciStore {
  readonly dir: string;

  constructor(paths: Paths) {
    this.dir = path.join(paths.data, 'oci');
  }

  private file(id: string, name: string): string {
    return path.join(this.dir, id, name);
  }

  list(): ImageRecord[] {
    let ids: string[] = [];
    try {
      ids = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return ids
      .filter((i) => /^[a-f0-9]{64}$/.test(i))
      .map((i) => readJsonIfExists<ImageRecord>(this.file(i, 'image.json')))
      .filter((r): r is ImageRecord => !!r);
  }

  byId(id: string): ImageRecord | undefined {
    return /^[a-f0-9]{64}$/.test(id) ? readJsonIfExists<ImageRecord>(this.file(id, 'image.json')) : undefined;
  }

  /** By a full name, the id, or a unique id prefix (3+ hex digits, as podman's). */
  find(ref: string, fullNames: string[]): ImageRecord | undefined {
    const all = this.list();
    for (const n of fullNames) {
      const hit = all.find((r) => r.names?.includes(n) || r.repoDigests?.includes(n));
      if (hit) return hit;
    }
    const id = ref.replace(/^sha256:/, '');
    if (/^[a-f0-9]{3,64}$/.test(id)) {
      const hits = all.filter((r) => r.id.startsWith(id));
      if (hits.length > 1) throw new UserError(`image id prefix '${ref}' is ambiguous (${hits.length} images)`, 125, 'Give more of the id.');
      return hits[0];
    }
    return undefined;
  }

  manifest(id: string): Buffer {
    return fs.readFileSync(this.file(id, 'manifest.json'));
  }

  /** The media type of the image's manifest (OCI or Docker schema2). */
  manifestType(id: string): string {
    try {
      const m = JSON.parse(this.manifest(id).toString('utf8')) as { mediaType?: string };
      return m.mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
    } catch {
      return '';
    }
  }

  configBytes(id: string): Buffer {
    return fs.readFileSync(this.file(id, 'config.json'));
  }

  /** Store REC (under the lock), taking its names from any image that had them. */
  save(rec: ImageRecord, manifest: Buffer, config: Buffer): ImageRecord {
    const names = rec.names ?? [];
    for (const other of this.list()) if (other.id !== rec.id && other.names?.some((n) => names.includes(n))) this.setNames(other, other.names!.filter((n) => !names.includes(n)));
    const old = this.byId(rec.id);
    const merged: ImageRecord = old
      ? { ...rec, names: [...new Set([...names, ...(old.names ?? [])])], repoDigests: [...new Set([...(rec.repoDigests ?? []), ...(old.repoDigests ?? [])])] }
      : rec;
    merged.name = merged.names?.[0] ?? '<none>';
    fs.mkdirSync(path.join(this.dir, rec.id), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.file(rec.id, 'manifest.json'), manifest);
    writeFileAtomic(this.file(rec.id, 'config.json'), config);
    writeJsonAtomic(this.file(rec.id, 'image.json'), merged);
    return merged;
  }

  setNames(rec: ImageRecord, names: string[]): ImageRecord {
    const next = { ...rec, names, name: names[0] ?? '<none>' };
    writeJsonAtomic(this.file(rec.id, 'image.json'), next);
    return next;
  }

  /** Give NAME to REC (under the lock), from whichever image had it. */
  tag(rec: ImageRecord, name: string): ImageRecord {
    for (const other of this.list()) if (other.id !== rec.id && other.names?.includes(name)) this.setNames(other, other.names.filter((n) => n !== name));
    return rec.names?.includes(name) ? rec : this.setNames(rec, [...(rec.names ?? []), name]);
  }

  remove(id: string): void {
    removeTree(path.join(this.dir, id));
  }
}
