// The containers on disk: one directory each under <data>/containers, named
// by the id, whose state.json is the record; the names index beside them
// (names.ts); and the state lock every change is made under (lock.ts).
// Readers take no lock: state.json is only ever replaced by rename.
import fs from 'node:fs';
import { NotFoundError, UserError } from '../common/errors.js';
import { readJsonIfExists, writeJsonAtomic } from './fsutil.js';
import { tryWithLock, withLock } from './lock.js';
import { LOG_FILE } from './logfile.js';
import { NAME_RE, NameIndex } from './names.js';
import type { Paths } from './paths.js';
import type { ContainerRecord } from './types.js';

/** a whole container id */
const ID_RE = /^[0-9a-f]{64}$/;

export class RecordStore {
  readonly names: NameIndex;

  /**
   * Parsed state.json by container id, with the stat that identifies the
   * version parsed. The dashboard lists every container every second; a stat
   * is much cheaper than reading and parsing, and state.json is only ever
   * replaced by rename, so a changed file always has a new inode or mtime.
   */
  private readonly cache = new Map<string, { ino: number; mtimeMs: number; size: number; rec: ContainerRecord }>();

  constructor(readonly paths: Paths) {
    this.names = new NameIndex(paths.names, (id) => this.read(id)?.name);
  }

  // A container's paths are made by concatenation, not path.join: the
  // directories are absolute and normalized (paths.ts) and an id is 64 hex
  // digits. path.join normalizes character by character, and a `run` made
  // ~100 joins of such long paths: V8 then optimized path's normalizeString
  // on a second thread, 2-3 ms of CPU that the container was waiting for.
  dir(id: string): string {
    return `${this.paths.containers}/${id}`;
  }

  /** Where the monitor keeps what lasts only this boot (its exit file). */
  runDir(id: string): string {
    return `${this.paths.run}/${id}`;
  }

  exitFile(id: string): string {
    return `${this.runDir(id)}/exit.json`;
  }

  /** The container's log; logfile.ts reads it with the one rotated before it. */
  logFile(id: string): string {
    return `${this.dir(id)}/${LOG_FILE}`;
  }

  private stateFile(id: string): string {
    return `${this.dir(id)}/state.json`;
  }

  /** Read-only view: callers must not change it (use readFresh to change a record). */
  read(id: string): ContainerRecord | undefined {
    const file = this.stateFile(id);
    const hit = this.cache.get(id);
    if (hit) {
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch {
        this.cache.delete(id);
        return undefined;
      }
      if (hit.ino === st.ino && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.rec;
    }
    // Not cached (every record, in a CLI that lists once): the stat that
    // keys the cache comes from the opened file, not from a lookup of its
    // path before it, and the bytes are read into one buffer of its size.
    const read = readWithStat(file);
    if (!read) {
      this.cache.delete(id);
      return undefined;
    }
    let rec: ContainerRecord;
    try {
      rec = JSON.parse(read.text) as ContainerRecord;
    } catch {
      return undefined; // a record being written by an older, crashed tsbox
    }
    const { st } = read;
    this.cache.set(id, { ino: st.ino, mtimeMs: st.mtimeMs, size: st.size, rec: Object.freeze(rec) });
    return rec;
  }

  /** A private copy from disk, to change and save. */
  readFresh(id: string): ContainerRecord | undefined {
    try {
      return readJsonIfExists<ContainerRecord>(this.stateFile(id));
    } catch {
      return undefined; // a record being written by an older, crashed tsbox
    }
  }

  /** Under the lock. */
  save(rec: ContainerRecord): void {
    writeJsonAtomic(this.stateFile(rec.id), rec);
  }

  /** A container gone: its cached record with it. */
  forget(id: string): void {
    this.cache.delete(id);
  }

  /** fn under the state lock, waited for without blocking the event loop. */
  locked<T>(fn: () => T): Promise<T> {
    return withLock(this.paths.lock, fn);
  }

  /** fn under the state lock if it is free right now (reads must never wait: see liveness.ts). */
  lockedIfFree<T>(fn: () => T): { value: T } | undefined {
    return tryWithLock(this.paths.lock, fn);
  }

  /** Apply a change to a record under the lock, re-reading it first. */
  mutate(id: string, change: (rec: ContainerRecord) => void): Promise<ContainerRecord> {
    return this.locked(() => {
      const rec = this.readFresh(id);
      if (!rec) throw new UserError(`no such container: ${id}`);
      change(rec);
      this.save(rec);
      return rec;
    });
  }

  /** Under the lock: whether a container answers to `name` (the index is built from the records the first time). */
  nameTaken(name: string): boolean {
    if (!this.names.exists()) this.names.build(this.all());
    return this.names.lookup(name) !== undefined;
  }

  all(): ContainerRecord[] {
    let ids: string[];
    try {
      ids = fs.readdirSync(this.paths.containers);
    } catch {
      return [];
    }
    const out: ContainerRecord[] = [];
    for (const id of ids) {
      if (id.includes('.')) continue; // <id>.removing: being deleted, no longer a container
      const rec = this.read(id);
      if (rec) out.push(rec);
    }
    return out;
  }

  /** The record `ref` names: an exact name, an exact id, or a unique id prefix (>= 3 chars). */
  find(ref: string): ContainerRecord {
    // a whole id (first, as podman looks) or a name (through the index): one record read
    const byId = ID_RE.test(ref) ? this.read(ref) : undefined;
    const id = byId ? undefined : this.names.lookup(ref);
    const direct = byId ?? (id ? this.read(id) : undefined);
    if (direct) return direct;
    // an id prefix, or a name in state made before the index
    const all = this.all();
    const hit =
      all.find((r) => r.name === ref) ??
      all.find((r) => r.id === ref) ??
      (() => {
        if (ref.length < 3 || !/^[0-9a-f]+$/.test(ref)) return undefined;
        const m = all.filter((r) => r.id.startsWith(ref));
        if (m.length > 1) throw new UserError(`container id prefix '${ref}' is ambiguous`, 125, 'Give more characters of the id, or the name.');
        return m[0];
      })();
    if (!hit) throw new NotFoundError('container', ref, `no container with name or ID "${ref}" found: no such container`, 'See `tsbox ps -a` for the containers there are.');
    return hit;
  }
}

export function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw new UserError(`invalid container name '${name}'`, 125, 'Names start with a letter or digit and use [a-zA-Z0-9_.-].');
}

/** A file's text and the stat of the very file read; undefined when it is not there. */
function readWithStat(file: string): { text: string; st: fs.Stats } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    while (n < st.size) {
      const got = fs.readSync(fd, buf, n, st.size - n, n);
      if (got === 0) break;
      n += got;
    }
    return { text: buf.toString('utf8', 0, n), st };
  } catch {
    return undefined; // as an unreadable record always was: not listed
  } finally {
    fs.closeSync(fd);
  }
}
