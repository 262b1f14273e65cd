// Confined extraction of a tar stream (an image layer, or an imported
// rootfs archive) into a directory: this side reads the tar (tarcheck.ts's
// TarScanner) and turns each entry into a fixed record; `tsbox-helper
// extract`, chrooted into the directory, makes it there with every name
// resolved beneath it (native/extract.c). So no bug in this parser, nor any
// entry an archive holds, can write outside the directory.
//
// Layers (OCI image-spec layer changesets) have whiteouts: `.wh.NAME`
// deletes NAME of the layers below, `.wh..wh..opq` hides everything below
// in its directory. They become overlayfs's own (a 0/0 character device,
// an opaque xattr), and their paths are returned, so that a flattened copy
// (rootfs.ts, where overlay cannot be used) can apply them.
//
// Rootless, the helper runs as root of the caller's own user namespace
// (its uid and /etc/subuid ranges): the image's owners land on the ids
// that the caller's containers see as those owners.
import type { ChildProcess } from 'node:child_process';
import { UserError } from '../common/errors.js';
import { childProcess } from './lazy.js';
import { isRootless } from './paths.js';
import { callerNamespace, usernsHost } from './rootless.js';
import { TarChecker, TarScanner, type TarEntry } from './tarcheck.js';
import { spawnInUserNamespace } from './userns.js';

export interface ExtractOptions {
  helper: string;
  /** an empty directory of ours (staging) */
  dir: string;
  /** 'layer': whiteouts are kept as overlayfs's; 'rootfs': names are taken as they are, and checked (image import); 'copy': as they are (tsbox cp, copy.ts) */
  kind: 'layer' | 'rootfs' | 'copy';
  /** copy: starts `tsbox-helper extract ROOT_ARGS` itself (a container's root, not opts.dir) */
  spawn?: () => ChildProcess;
  /** copy: each entry's path (and a hard link's target) where it goes, and its owner there */
  place?: (path: string, uid: number, gid: number) => { path: string; uid: number; gid: number };
  /** names the archive in messages */
  what: string;
  /** told each regular file's size (for the layer's size) */
  onFile?: (bytes: number) => void;
}

export interface ExtractResult {
  files: number;
  /** device nodes the kernel would not let us make (rootless) */
  skippedDevices: number;
  /** xattrs the filesystem or our privilege did not take */
  skippedXattrs: number;
  /** layer paths deleted (whiteouts) and made opaque, for a flattened copy */
  whiteouts: string[];
  opaque: string[];
  /** each entry's xattrs as the tar gave them (path -> name -> base64 value), for image save: Node cannot read xattrs back */
  xattrs: Record<string, Record<string, string>>;
}

/** what the xattrs kept for image save may add up to (a real layer has a few setcap'd files) */
const MAX_XATTR_BYTES = 16 << 20;

const RECORD = 56;
/** bytes the helper may have still to read before the feed waits for it */
const FEED_AHEAD = 1 << 20;
const TYPES: Record<string, string> = { '0': 'f', '7': 'f', '1': 'h', '2': 'l', '3': 'c', '4': 'b', '5': 'd', '6': 'p' };

/** A tar name as the helper takes it: relative, without `./` or empty components (the helper confines whatever is left). */
function clean(name: string): string {
  return name
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/');
}

function record(type: string, e: TarEntry, path: string, link: string, size: number, owner = { uid: e.uid ?? 0, gid: e.gid ?? 0 }): Buffer {
  const p = Buffer.from(path);
  const l = Buffer.from(link);
  const xs: Buffer[] = [];
  for (const [k, v] of e.xattrs ?? []) {
    const n = Buffer.from(k);
    const h = Buffer.alloc(8);
    h.writeUInt32LE(n.length, 0);
    h.writeUInt32LE(v.length, 4);
    xs.push(h, n, v);
  }
  const x = Buffer.concat(xs);
  const b = Buffer.alloc(RECORD);
  b.writeUInt8(type.charCodeAt(0), 0);
  b.writeUInt32LE(e.mode ?? 0o644, 4);
  b.writeUInt32LE(owner.uid, 8);
  b.writeUInt32LE(owner.gid, 12);
  b.writeBigUInt64LE(BigInt(size), 16);
  b.writeBigInt64LE(BigInt(e.mtime ?? 0), 24);
  b.writeUInt32LE(e.devmajor ?? 0, 32);
  b.writeUInt32LE(e.devminor ?? 0, 36);
  b.writeUInt32LE(p.length, 40);
  b.writeUInt32LE(l.length, 44);
  b.writeUInt32LE(x.length, 48);
  return Buffer.concat([b, p, l, x]);
}

function spawnExtractor(opts: ExtractOptions): ChildProcess {
  const args = ['extract', '--root', opts.dir];
  if (!isRootless()) return childProcess().spawn(opts.helper, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const own = callerNamespace(true, process.getuid!(), process.getgid!(), usernsHost());
  return spawnInUserNamespace(opts.helper, [opts.helper, ...args, '--userxattr'], own.uidMap, own.gidMap, { stdio: ['pipe', 'pipe', 'pipe'] }).child;
}

/** Extract the tar bytes of INPUT (already decompressed) into opts.dir. */
export async function extractTar(input: AsyncIterable<Buffer>, opts: ExtractOptions): Promise<ExtractResult> {
  const child = opts.spawn ? opts.spawn() : spawnExtractor(opts);
  const stdin = child.stdin!;
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? 9 : 0))));
  let broken = false;
  stdin.on('error', () => (broken = true)); // the helper stopped reading: its stderr says why

  const whiteouts: string[] = [];
  const opaque: string[] = [];
  const checker = opts.kind === 'rootfs' ? new TarChecker() : undefined;
  const xattrs = new Map<string, Record<string, string>>();
  let xattrBytes = 0;
  /** the xattrs of PATH are those of its last entry (a hard link shares its target's, and says nothing) */
  const keepXattrs = (path: string, e: TarEntry) => {
    xattrs.delete(path);
    if (!e.xattrs?.size) return;
    const rec: Record<string, string> = {};
    for (const [k, v] of e.xattrs) {
      rec[k] = v.toString('base64');
      xattrBytes += k.length + rec[k].length;
    }
    if (xattrBytes > MAX_XATTR_BYTES) throw new UserError(`${opts.what}: its xattrs pass ${MAX_XATTR_BYTES >> 20} MiB`, 125, 'No image layer has that many; this archive is not one.');
    xattrs.set(path, rec);
  };
  let pending: Buffer[] = [];
  const scanner = new TarScanner(opts.what, (e) => {
    checker?.add(e);
    const type = TYPES[e.type];
    if (!type) throw new UserError(`${opts.what}: '${e.name}' is a sparse file, which tsbox does not extract`, 125, 'Make the archive without --sparse.');
    let path = clean(e.name);
    if (path === '') return; // the root itself
    const link = type === 'h' ? clean(e.linkname) : type === 'l' ? e.linkname : '';
    if (opts.kind === 'layer') {
      const slash = path.lastIndexOf('/');
      const dir = path.slice(0, slash + 1);
      const base = path.slice(slash + 1);
      if (base === '.wh..wh..opq') {
        opaque.push(dir.replace(/\/$/, '') || '.');
        if (dir === '') return; // the layer's root: nothing below it to hide in a layer of its own
        pending.push(record('o', e, dir.slice(0, -1), '', 0));
        return;
      }
      if (base.startsWith('.wh.')) {
        path = dir + base.slice(4);
        whiteouts.push(path);
        pending.push(record('w', e, path, '', 0));
        return;
      }
    }
    if (type === 'f') opts.onFile?.(e.size);
    if (type !== 'h') keepXattrs(path, e);
    if (opts.place) {
      const to = opts.place(path, e.uid ?? 0, e.gid ?? 0);
      const target = type === 'h' ? opts.place(link, 0, 0).path : link;
      pending.push(record(type, e, to.path, target, type === 'f' ? e.size : 0, to));
      return;
    }
    pending.push(record(type, e, path, link, type === 'f' ? e.size : 0));
  });
  // file data goes on as the views of the input it is: no stream this reads
  // from (zlib, a socket, a file, a child's stdout) writes into a chunk again
  scanner.onData = (chunk) => pending.push(chunk);

  const flush = async () => {
    if (pending.length === 0 || broken) return;
    const bufs = pending;
    pending = [];
    // one writev for the records and data of a chunk, not a copy into one buffer
    stdin.cork();
    for (const b of bufs) stdin.write(b);
    stdin.uncork();
    // wait only when the helper is more than FEED_AHEAD behind, so that the
    // next chunk is downloaded and decompressed while it writes this one
    if (stdin.writableLength > FEED_AHEAD) await new Promise<void>((resolve) => {
      const done = () => {
        stdin.off('drain', done);
        stdin.off('error', done);
        stdin.off('close', done);
        resolve();
      };
      stdin.on('drain', done);
      stdin.on('error', done);
      stdin.on('close', done);
    });
  };

  const helperError = (code: number) => {
    const why = err.trim().replace(/^tsbox-helper: (extract: )?/, '');
    const full = /No space left on device|ENOSPC/.test(why);
    return new UserError(
      `${opts.what}: extraction failed: ${why || `tsbox-helper extract ended with ${code}`}`,
      125,
      full ? "The disk that holds tsbox's store is full: free space there (tsbox image prune removes unused images and layers) and try again." : undefined,
    );
  };
  try {
    for await (const chunk of input) {
      scanner.push(chunk);
      await flush();
      // read on after the archive's end: a caller hashing the stream needs all of it
      if (broken) break;
    }
    // a helper that stopped reading failed: its reason, not the cut stream's
    if (!broken) scanner.end();
    await flush();
  } catch (e) {
    if (!broken) child.kill('SIGKILL');
    const code = await exited;
    throw broken && code !== 0 && err.trim() ? helperError(code) : e;
  } finally {
    stdin.end();
  }
  const code = await exited;
  if (code !== 0) throw helperError(code);
  const m = /^ok (\d+) (\d+) (\d+)/.exec(out);
  if (!m) throw new UserError(`${opts.what}: tsbox-helper extract said '${out.trim()}'`);
  return { files: Number(m[1]), skippedDevices: Number(m[2]), skippedXattrs: Number(m[3]), whiteouts, opaque, xattrs: Object.fromEntries(xattrs) };
}
