// Container names -> ids: one symlink per name in <data>/names, whose target
// is the container's id. Without it, claiming a name at create and finding
// a container by name read every container's state.json: with 200
// containers, ~15 ms of each `tsbox run`.
//
// Links are made and removed under the engine's lock, and a link is made
// before the record that names it is saved: a crash in between leaves a
// link whose container has no record, or a record of another name, which
// counts as free (stale) and is replaced. The record stays the truth: a
// lookup is checked against it.
import fs from 'node:fs';
import path from 'node:path';
import { unlinkIfExists } from './fsutil.js';

/** What a container name may be: also a safe file name (no /, never . or ..). */
export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const ID_RE = /^[0-9a-f]{64}$/;

export class NameIndex {
  /**
   * `nameOf(id)` is the name in the record of container `id`, undefined
   * when there is no record.
   */
  constructor(
    private readonly dir: string,
    private readonly nameOf: (id: string) => string | undefined,
  ) {}

  /** Whether the index exists (state made before it has none until the first create). */
  exists(): boolean {
    return fs.existsSync(this.dir);
  }

  /** The id of the container called `name`, if the index knows it. */
  lookup(name: string): string | undefined {
    if (!NAME_RE.test(name)) return undefined; // not a name: never a path to read
    let id: string;
    try {
      id = fs.readlinkSync(path.join(this.dir, name));
    } catch {
      return undefined;
    }
    return ID_RE.test(id) && this.nameOf(id) === name ? id : undefined;
  }

  /** Under the lock: build the index from every record, when there is none yet. */
  build(records: ReadonlyArray<{ id: string; name: string }>): void {
    if (this.exists()) return;
    const tmp = `${this.dir}.${process.pid}.tmp`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { mode: 0o700 });
    for (const r of records) {
      try {
        fs.symlinkSync(r.id, path.join(tmp, r.name));
      } catch (e) {
        // two records of one name (state from before names were unique): the first keeps it
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    fs.renameSync(tmp, this.dir);
  }

  /** Under the lock, and only after `lookup(name)` found no container: `name` is now `id`'s. */
  claim(name: string, id: string): void {
    const link = path.join(this.dir, name);
    try {
      fs.symlinkSync(id, link);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      unlinkIfExists(link); // a stale link (see the top of this file)
      fs.symlinkSync(id, link);
    }
  }

  /** Under the lock: `name` is free again, if it still names `id`. */
  release(name: string, id: string): void {
    const link = path.join(this.dir, name);
    try {
      if (fs.readlinkSync(link) === id) fs.unlinkSync(link);
    } catch {
      /* no link: nothing to free */
    }
  }
}
