// The layer store: each layer once, by the digest of its blob, shared by
// every image that lists it; a layer that comes again in another blob (the
// same tar, compressed otherwise) is found by its diff id and not stored
// again (byDiffId), nor one that comes back as the tar `image save` wrote
// for it (savedDiffId).
//
//   layers/<hex>/diff         the layer's tree, whiteouts as overlayfs's own
//   layers/<hex>/layer.json   LayerRecord
//   layers/.tmp-<pid>-<rand>  a layer being extracted (never used; removed
//                             when its process is gone)
//
// A layer is only moved into place once its blob matched its digest and its
// tar its diff id: a layer that is there is whole. layers/ is 0700, as
// images/ is (a layer may hold setuid-root files).
import fs from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic, readJsonIfExists, removeTree } from './fsutil.js';
import { randomId } from './random.js';
import type { Paths } from './paths.js';

export interface LayerRecord {
  /** sha256:... of the blob as the registry or archive had it */
  digest: string;
  /** sha256:... of the uncompressed tar (the config's rootfs.diff_ids) */
  diffId: string;
  mediaType: string;
  /** bytes of the blob */
  compressedSize: number;
  /** bytes of file data in the tree */
  size: number;
  /** paths the layer deletes and makes opaque (for a flattened copy) */
  whiteouts: string[];
  opaque: string[];
  /**
   * the diff id of the tar `image save` writes for this layer (layer-tar.ts,
   * deterministic), when that is not diffId: a save loaded back into this
   * store is then found here and not stored again
   */
  savedDiffId?: string;
  /** the xattrs its tar gave its entries (path -> name -> base64), which image save writes back; absent when none */
  xattrs?: Record<string, Record<string, string>>;
  created: string;
}

const hex = (digest: string) => digest.replace(/^sha256:/, '');

/** REC's tree is what the tar DIFFID holds: the tar it was stored from, or the one image save writes for it. */
export const hasTar = (rec: LayerRecord, diffId: string): boolean => rec.diffId === diffId || rec.savedDiffId === diffId;

export class LayerStore {
  readonly dir: string;

  constructor(paths: Paths) {
    this.dir = path.join(paths.data, 'layers');
  }

  diff(digest: string): string {
    return path.join(this.dir, hex(digest), 'diff');
  }

  get(digest: string): LayerRecord | undefined {
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) return undefined;
    return readJsonIfExists<LayerRecord>(path.join(this.dir, hex(digest), 'layer.json'));
  }

  /**
   * The stored layer whose tar is DIFFID, whatever blob it came from: a
   * layer pulled as gzip and the same layer loaded as a plain tar (image
   * save writes plain tars) are one tree, stored once. The diff id was
   * checked against the tar when the layer was stored.
   */
  byDiffId(diffId: string): LayerRecord | undefined {
    return this.list().find((l) => hasTar(l, diffId));
  }

  /** Note that `image save` writes REC's layer as the tar DIFFID (see savedDiffId); a layer removed meanwhile is left alone. */
  noteSavedTar(rec: LayerRecord, diffId: string): void {
    if (hasTar(rec, diffId)) return;
    try {
      writeJsonAtomic(path.join(this.dir, hex(rec.digest), 'layer.json'), { ...rec, savedDiffId: diffId });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  list(): LayerRecord[] {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => this.get(`sha256:${n}`)).filter((r): r is LayerRecord => !!r);
  }

  /** A new staging directory (with an empty diff/ in it) for a layer being extracted. */
  staging(): string {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.removeAbandoned();
    const d = path.join(this.dir, `.tmp-${process.pid}-${randomId().slice(0, 12)}`);
    fs.mkdirSync(d, { mode: 0o700 });
    fs.mkdirSync(path.join(d, 'diff'), { mode: 0o755 });
    return d;
  }

  /** Move a verified STAGING dir into place as REC. Another pull may have stored the same layer meanwhile: then that one stays. */
  commit(staging: string, rec: LayerRecord): LayerRecord {
    writeJsonAtomic(path.join(staging, 'layer.json'), rec);
    try {
      fs.renameSync(staging, path.join(this.dir, hex(rec.digest)));
      return rec;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      removeTree(staging);
      return this.get(rec.digest) ?? rec;
    }
  }

  remove(digest: string): void {
    const d = path.join(this.dir, hex(digest));
    const trash = path.join(this.dir, `.tmp-${process.pid}-rm-${hex(digest).slice(0, 12)}`);
    fs.renameSync(d, trash); // gone for readers at once; the tree after
    removeTree(trash);
  }

  /** Staging dirs of processes that are gone (a pull killed halfway). */
  private removeAbandoned(): void {
    for (const n of fs.readdirSync(this.dir)) {
      const m = /^\.tmp-(\d+)-/.exec(n);
      if (!m || Number(m[1]) === process.pid) continue;
      try {
        process.kill(Number(m[1]), 0);
        continue; // its pull is still running
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EPERM') continue;
      }
      removeTree(path.join(this.dir, n));
    }
  }
}
