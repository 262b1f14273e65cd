// `tsbox cp`: files between a container and the host, either way, for
// running and stopped containers, with podman's rules for where a copy
// lands (docs/podman-differences.md, "cp").
//
// The container's side is its owner's: any path in it may be a symlink to
// the host's /etc, a `..` or /proc/self/root. Nothing here ever names a
// container path to the kernel; the helper resolves each one beneath the
// container's root with RESOLVE_IN_ROOT (native/copy.c for stat and the way
// out, native/extract.c's --pid for the way in), so a symlink can only lead
// to another of the container's own files, even when the container swaps
// it while we copy. The host's side is the caller's own: GNU tar reads and
// writes it as the caller would.
//
// The container's root is, for a running (or paused) one, its init's
// /proc/PID/root, pinned by the start time (its volumes and tmpfs mounts
// included, as in podman); for a stopped one, its overlay (the writable
// layer over the image's layers) mounted in a mount namespace of its own
// that dies with the copy, or its private copy. A stopped container's copy
// holds the state lock, so it cannot start while we write its upper dir.
//
// Owners: the way out gives them as the container sees them (through its
// user namespace's maps); the way in gives files to the container's user
// (podman's --archive, the default), or keeps the archive's owners
// (--archive=false), each shifted onto the host ids the container's maps
// name.
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { UserError } from '../common/errors.js';
import type { IdMapEntry } from '../common/namespaces.js';
import type { Engine } from './engine.js';
import { namespaceMaps } from './idmapped.js';
import { extractTar } from './layer-extract.js';
import { childProcess } from './lazy.js';
import { isRootless } from './paths.js';
import type { ContainerRecord } from './types.js';

export interface CopyInOptions {
  /** podman's --archive (default true): the copied files belong to the container's user; false: the archive's owners */
  archive?: boolean;
}

/** what copy-stat says a container path is */
type Kind = 'dir' | 'file' | 'symlink' | 'other';

/** How the helper reaches a container's root: its argv for it, and how it is started (directly, or in a namespace with the overlay mounted). */
interface Root {
  args: string[];
  spawn(helperArgs: string[], stdio: Array<'pipe' | 'ignore' | number>): ChildProcess;
}

const NOT_FOUND = 1;

function hostOf(map: IdMapEntry[], id: number, what: string, ctr: string): number {
  for (const m of map) if (id >= m.container && id - m.container < m.size) return m.host + (id - m.container);
  throw new UserError(`${what} ${id} is not mapped in the user namespace of container ${ctr}`, 125, 'Copy with --archive (the default), which gives the files to the container\'s user, or change the owners of the source.');
}

function mapArgs(flag: string, map: IdMapEntry[]): string[] {
  return map.flatMap((m) => [flag, `${m.container}:${m.host}:${m.size}`]);
}

/** The container path as the helper takes it: relative to the root, which is where `/` and `..` stop anyway. */
function inRoot(p: string): string {
  const rel = p.replace(/^\/+/, '');
  return rel === '' ? '.' : rel;
}

/** podman's "SRC/.": a directory's contents, not the directory */
function isContents(p: string): boolean {
  return p === '.' || p.endsWith('/.');
}

function collect(child: ChildProcess): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.on('error', (e) => resolve({ code: 127, stdout, stderr: stderr + e.message }));
    child.on('close', (code, signal) => resolve({ code: code ?? 128 + (signal ? 9 : 0), stdout, stderr }));
  });
}

function helperWhy(stderr: string): string {
  return stderr
    .trim()
    .split('\n')
    .filter((l) => !/left out$/.test(l))
    .join('; ')
    .replace(/tsbox-helper: (copy-stat|copy-out|extract): /g, '');
}

export class Copier {
  constructor(private readonly engine: Engine) {}

  /** Container path CPATH of REF to the host path DEST, or as a tar stream on fd DEST.fd (podman's `-`). The notes: mounts left out. */
  async copyOut(ref: string, cpath: string, dest: string | { fd: number }): Promise<string[]> {
    return this.withRoot(ref, false, async (rec, root) => {
      const src = inRoot(cpath);
      const kind = await this.stat(rec, root, src, false);
      if (kind === undefined) throw new UserError(`${cpath}: no such file or directory in container ${rec.name}`, 125);
      const maps = namespaceMaps(rec.spec, (id) => this.engine.current(id)?.spec);
      const args = ['copy-out', ...root.args, ...(maps ? [...mapArgs('--uid-map', maps.uidMap), ...mapArgs('--gid-map', maps.gidMap)] : [])];
      if (typeof dest !== 'string') return this.stream(root, [...args, src], dest);
      const { dir, name } = hostPlace(dest, kind, isContents(src));
      // --no-setid: the copy belongs to the caller; a container's set-uid file must not become root's on the host
      return this.stream(root, [...args, '--no-setid', ...(name ? ['--name', name] : []), src], undefined, dir);
    });
  }

  /** The host path SRC, or a tar stream SRC (podman's `-`), to container path CPATH of REF. */
  async copyIn(ref: string, src: string | Readable, cpath: string, opts: CopyInOptions = {}): Promise<void> {
    const hostSrc = typeof src === 'string' ? hostSource(src) : undefined;
    await this.withRoot(ref, true, async (rec, root) => {
      const dst = inRoot(cpath);
      const kind = await this.stat(rec, root, dst, true);
      // where the top entry goes: DST itself (a new name, or a file replaced), or a directory DST's entry of the same name
      let target: string;
      if (hostSrc === undefined) {
        if (kind !== 'dir') throw new UserError(`${cpath}: ${kind === undefined ? 'no such directory' : 'not a directory'} in container ${rec.name}`, 125, 'A tar stream (-) is extracted into a directory that exists.');
        target = dst;
      } else if (kind === 'dir') {
        target = hostSrc.contents || hostSrc.top === '.' ? dst : path.posix.join(dst, hostSrc.top);
      } else if (kind !== undefined) {
        if (hostSrc.isDir) throw new UserError(`cannot copy directory ${hostSrc.path} onto ${cpath}, which is not a directory in container ${rec.name}`, 125);
        target = dst;
      } else {
        if (cpath.endsWith('/')) throw new UserError(`${cpath}: no such directory in container ${rec.name}`, 125, 'Make the directory first, or name the new file without a trailing /.');
        const parent = path.posix.dirname(dst);
        if ((await this.stat(rec, root, parent, true)) !== 'dir') throw new UserError(`${path.posix.dirname(cpath.replace(/\/+$/, '')) || '/'}: no such directory in container ${rec.name}`, 125, 'The parent of a new file or directory must exist.');
        target = dst;
      }
      const maps = namespaceMaps(rec.spec, (id) => this.engine.current(id)?.spec);
      const user = rec.spec.user;
      const owner = (uid: number, gid: number) => {
        const [u, g] = opts.archive === false ? [uid, gid] : [user.uid, user.gid];
        return maps ? { uid: hostOf(maps.uidMap, u, 'uid', rec.name), gid: hostOf(maps.gidMap, g, 'gid', rec.name) } : { uid: u, gid: g };
      };
      const top = hostSrc?.top ?? '.';
      const place = (p: string, uid: number, gid: number) => {
        const rest = top === '.' ? `/${p}` : p.slice(top.length);
        return { path: target === '.' ? rest.replace(/^\//, '') : target + rest, ...owner(uid, gid) };
      };
      let input: AsyncIterable<Buffer>;
      let tar: ChildProcess | undefined;
      let tarDone: Promise<{ code: number; stdout: string; stderr: string }> | undefined;
      if (hostSrc) {
        tar = childProcess().spawn('tar', ['-c', '-f', '-', '--numeric-owner', '-C', hostSrc.parent, '--', hostSrc.top], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        tar.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        tarDone = new Promise((resolve) => tar!.on('close', (code) => resolve({ code: code ?? 128, stdout: '', stderr })));
        input = tar.stdout!;
      } else {
        input = src as Readable;
      }
      try {
        await extractTar(input, { helper: this.engine.helperPath, dir: '', kind: 'copy', what: typeof src === 'string' ? src : 'the tar stream', spawn: () => root.spawn(['extract', ...root.args], ['pipe', 'pipe', 'pipe']), place });
      } finally {
        tar?.kill('SIGKILL');
      }
      const t = await tarDone;
      if (t && t.code !== 0 && t.code !== 137 && t.code !== 128) throw new UserError(`reading ${hostSrc!.path} failed: ${t.stderr.trim()}`, 125);
    });
  }

  private async stat(rec: ContainerRecord, root: Root, p: string, follow: boolean): Promise<Kind | undefined> {
    const r = await collect(root.spawn(['copy-stat', ...root.args, ...(follow ? ['--follow'] : []), p], ['ignore', 'pipe', 'pipe']));
    if (r.code === NOT_FOUND) return undefined;
    if (r.code !== 0) throw new UserError(`cannot copy in container ${rec.name}: ${helperWhy(r.stderr) || `tsbox-helper copy-stat ended with ${r.code}`}`, 125);
    return r.stdout.trim() as Kind;
  }

  /** copy-out's tar to OUT, or extracted by GNU tar into host directory DIR; the notes the helper gave (mounts left out). */
  private async stream(root: Root, args: string[], out?: { fd: number }, dir?: string): Promise<string[]> {
    const child = root.spawn(args, ['ignore', out ? out.fd : 'pipe', 'pipe']);
    const helper = collectErr(child);
    let untar: Promise<{ code: number; stdout: string; stderr: string }> | undefined;
    if (!out) {
      // --no-same-owner: the copy belongs to the caller, as podman's does
      const tar = childProcess().spawn('tar', ['-x', '-f', '-', '--no-same-owner', '-C', dir!], { stdio: ['pipe', 'ignore', 'pipe'] });
      child.stdout!.pipe(tar.stdin!);
      tar.stdin!.on('error', () => child.kill('SIGKILL'));
      untar = collect(tar);
    }
    const h = await helper;
    const t = await untar;
    if (h.code === NOT_FOUND) throw new UserError(`${args[args.length - 1]}: no such file or directory in the container`, 125);
    if (h.code !== 0) throw new UserError(`copy out of the container failed: ${helperWhy(h.stderr) || `tsbox-helper copy-out ended with ${h.code}`}`, 125);
    if (t && t.code !== 0) throw new UserError(`writing into ${dir} failed: ${t.stderr.trim()}`, 125);
    return h.stderr
      .split('\n')
      .filter((l) => /left out$/.test(l))
      .map((l) => l.replace(/^tsbox-helper: copy-out: /, ''));
  }

  /** FN with the helper's way into REF's root; a stopped container's under the state lock. */
  private async withRoot<T>(ref: string, write: boolean, fn: (rec: ContainerRecord, root: Root) => Promise<T>): Promise<T> {
    if (isRootless()) throw new UserError('tsbox cp is not supported for rootless tsbox yet', 125, 'Run it as root, or use tsbox exec NAME cat FILE / tar.');
    const rec = this.engine.get(ref);
    const helper = this.engine.helperPath;
    const direct = (args: string[]): Root => ({ args, spawn: (a, stdio) => childProcess().spawn(helper, a, { stdio }) });
    if ((rec.state === 'running' || rec.state === 'paused') && rec.pid > 0) return fn(rec, direct(['--pid', String(rec.pid), '--pid-start', String(rec.pidStart)]));
    return this.engine.records.locked(async () => {
      const now = this.engine.get(rec.id);
      if (now.state === 'running' || now.state === 'paused') throw new UserError(`container ${rec.name} started during the copy`, 125, 'Run tsbox cp again.');
      const dir = this.engine.records.dir(rec.id);
      const upper = path.join(dir, 'upper');
      if (!fs.existsSync(upper)) return fn(now, direct(['--root', path.join(dir, 'rootfs')]));
      const lowers = this.engine.images.lowerDirs(this.engine.images.forContainer(now.spec));
      const work = path.join(dir, 'work');
      for (const d of [upper, work, ...lowers]) {
        if (/[:,\\]/.test(d)) throw new UserError(`cannot mount the layers of container ${rec.name}: the path ${d} has a ':', ',' or '\\'`, 125, 'Use a --root without those characters.');
      }
      // read: the upper dir as the top lower layer, read-only; write: the container's own overlay
      const opts = write ? `lowerdir=${lowers.join(':')},upperdir=${upper},workdir=${work}` : `ro,lowerdir=${[upper, ...lowers].join(':')}`;
      const mnt = fs.mkdtempSync(path.join(dir, '.cp-'));
      const script = 'mount -t overlay overlay -o "$1" "$2" && shift 2 && exec "$@"';
      const root: Root = {
        args: ['--root', mnt],
        spawn: (a, stdio) => childProcess().spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', opts, mnt, helper, ...a], { stdio }),
      };
      try {
        return await fn(now, root);
      } finally {
        fs.rmdirSync(mnt);
      }
    });
  }
}

function collectErr(child: ChildProcess): Promise<{ code: number; stdout: string; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.on('error', (e) => resolve({ code: 127, stdout: '', stderr: stderr + e.message }));
    child.on('close', (code, signal) => resolve({ code: code ?? 128 + (signal ? 9 : 0), stdout: '', stderr }));
  });
}

/** A host source: the directory tar runs in, the name it archives, and podman's "SRC/." */
function hostSource(src: string): { path: string; parent: string; top: string; isDir: boolean; contents: boolean } {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(src);
  } catch {
    throw new UserError(`${src}: no such file or directory`, 125);
  }
  const contents = isContents(src);
  const abs = path.resolve(src);
  if (abs === '/') return { path: src, parent: '/', top: '.', isDir: true, contents: true };
  return { path: src, parent: path.dirname(abs), top: path.basename(abs), isDir: st.isDirectory(), contents };
}

/** Where a container entry of KIND lands for host path DEST: the directory tar extracts into, and the name of the top entry there (undefined: its own). */
function hostPlace(dest: string, kind: Kind, contents: boolean): { dir: string; name?: string } {
  const st = fs.statSync(dest, { throwIfNoEntry: false });
  if (st?.isDirectory()) return { dir: dest, name: contents ? '.' : undefined };
  if (st) {
    if (kind === 'dir') throw new UserError(`cannot copy a directory onto ${dest}, which is not a directory`, 125);
    return { dir: path.dirname(path.resolve(dest)), name: path.basename(dest) };
  }
  if (dest.endsWith('/')) throw new UserError(`${dest}: no such directory`, 125, 'Make the directory first, or name the new file without a trailing /.');
  const parent = path.dirname(path.resolve(dest));
  if (!fs.statSync(parent, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`${parent}: no such directory`, 125, 'The parent of a new file or directory must exist.');
  return { dir: parent, name: path.basename(dest) };
}
