// The layer store: each layer once, by the digest of its blob, shared by
// every image that lists it.
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
  created: string;
}

const hex = (digest: string) => digest.replace(/^sha256:/, '');

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
