// Small file helpers shared by the engine: atomic writes and tolerant reads.
import fs from 'node:fs';

/**
 * Remove a file (or symlink) if it is there. fs.rmSync, even for one file,
 * loads Node's rimraf into every command that uses it.
 */
export function unlinkIfExists(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

export interface WriteOptions {
  mode?: number;
  /**
   * fsync before the rename (default), so that after a crash the file is
   * the old version or the new one, never empty. Files that can be made
   * again from others (derived) can skip it: each fsync here is 0.3-1 ms.
   */
  durable?: boolean;
}

/** Write via temp file + rename, so a reader never sees half a file. */
export function writeFileAtomic(file: string, data: string | Buffer, opts: WriteOptions = {}): void {
  const slash = file.lastIndexOf('/');
  const tmp = `${file.slice(0, slash + 1)}.${file.slice(slash + 1)}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', opts.mode ?? 0o644);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (opts.durable !== false) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export function writeJsonAtomic(file: string, value: unknown, opts: WriteOptions = {}): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', opts);
}

/** Parsed JSON, or undefined when the file does not exist (any other error throws). */
export function readJsonIfExists<T>(file: string): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return JSON.parse(text) as T;
}

/**
 * Remove a directory tree (rm -rf). fs.rmSync's recursive walk stats every
 * entry and loads its own module: this one takes the types readdir gives,
 * about half the time for a container's directory. A missing tree is fine;
 * any other error (EACCES for files of another user) is thrown.
 */
export function removeTree(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const e of entries) {
    const p = `${dir}/${e.name}`; // one name from readdir: no path.join needed
    if (e.isDirectory()) removeTree(p);
    else unlinkIfExists(p);
  }
  fs.rmdirSync(dir);
}

/** Wait `ms`. (node:timers/promises would load AbortController's modules into every `tsbox run`.) */
export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
