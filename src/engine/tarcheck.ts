// Reads a tar archive's headers (ustar, GNU long names and sparse files,
// pax) and refuses any entry that would be written outside the extraction
// root: absolute paths, `..` components, hard links to outside, and paths
// that pass through a symlink (defined earlier in the same archive) whose
// target leads out. The archive is only extracted after this check passes.
//
// Memory stays bounded whatever the archive's size: it is read as a stream,
// only headers and the small bodies that carry names (long names, pax
// records) are kept, file data is skipped (a plain archive is not even read
// there: the scan seeks past it), and the check keeps only the symlinks.
//
// GNU tar extracts what this passes, so where the two could read an
// archive differently, this refuses it: a header with a bad checksum (tar
// would skip to the next block that looks like a header, one hidden in a
// file's data), entry types tar treats specially (multi-volume, dumpdir,
// labels), data on entries that have none, pax global records that change
// names or sizes.
import fs from 'node:fs';
import { zlib } from './lazy.js';
import { UserError } from '../common/errors.js';

export interface TarEntry {
  name: string;
  type: string; // '0' file, '1' hardlink, '2' symlink, '5' dir, ...
  linkname: string;
  size: number;
  /** what an extraction needs besides (the check needs none of it) */
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  /** pax SCHILY.xattr.NAME records, raw values */
  xattrs?: Map<string, Buffer>;
}

const BLOCK = 512;
/** a GNU long name or link, or one entry's pax records */
const MAX_META_BODY = 1 << 20;
/** names and targets of the symlinks the check tracks (a real image has a few thousand, ~100 KiB) */
const MAX_SYMLINK_BYTES = 64 << 20;
/** entries without data of their own: tar would not skip any, so a size on them would shift every later header */
const NO_DATA = new Set(['1', '2', '3', '4', '5', '6']);
const DATA = new Set(['0', '7', 'S']);
/** keys of a pax global header that would change how later entries are read */
const GLOBAL_FORBIDDEN = /^(path|linkpath|size|GNU\.sparse\.)/;

const round = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

function cstr(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString('utf8', off, end < 0 || end > off + len ? off + len : end);
}

/** A numeric header field: octal, or GNU base-256; null when it is neither. */
function numeric(buf: Buffer, off: number, len: number): number | null {
  if (buf[off] === 0x80) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + buf[i];
    return Number.isSafeInteger(v) ? v : null;
  }
  const s = buf.toString('latin1', off, off + len).replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (s === '') return 0;
  return /^[0-7]+$/.test(s) ? parseInt(s, 8) : null;
}

/** The checksum as tar computes it: every byte, the checksum field counted as spaces (unsigned, or signed as old tars did). */
function checksumOk(h: Buffer): boolean {
  const want = numeric(h, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return want === unsigned || want === signed;
}

/** pax records "LEN KEY=VALUE\n"; LEN counts bytes, so they are cut from the Buffer, not from decoded text. */
function parsePax(body: Buffer, at: string): Record<string, string> {
  return Object.fromEntries(Object.entries(parsePaxRaw(body, at)).map(([k, v]) => [k, v.toString('utf8')]));
}

function parsePaxRaw(body: Buffer, at: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (let i = 0; i < body.length && body[i] !== 0; ) {
    const sp = body.indexOf(0x20, i);
    const len = sp < 0 ? NaN : Number(body.toString('latin1', i, sp));
    if (!Number.isSafeInteger(len) || len <= sp - i || i + len > body.length || body[i + len - 1] !== 0x0a) {
      throw new UserError(`${at}: a malformed pax record`, 125, 'The archive is damaged, or was not made by a tar that tsbox reads alike.');
    }
    const rec = body.subarray(sp + 1, i + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw new UserError(`${at}: a malformed pax record`, 125, 'The archive is damaged.');
    out[rec.toString('utf8', 0, eq)] = Buffer.from(rec.subarray(eq + 1));
    i += len;
  }
  return out;
}

type Want = { bytes: number; skip: boolean };

/**
 * The headers of an archive fed to it piece by piece: it says what it wants
 * next, to see (a header, a name-carrying body) or to skip (file data).
 * Each entry goes to onEntry as soon as its header is read.
 */
export class TarScanner {
  done = false;
  /** extraction: file data goes here instead of being skipped (set before the first push) */
  onData?: (chunk: Buffer) => void;
  /** what is left of the current entry's data, and of its padding to the block */
  private dataLeft = 0;
  private padLeft = 0;
  /** what comes next: a header, a body to keep, the sparse map of a GNU sparse file, or data to skip */
  private phase: 'header' | 'meta' | 'sparse' | 'data' = 'header';
  private want_: Want = { bytes: BLOCK, skip: false };
  private metaType = '';
  private metaSize = 0;
  private dataAfterSparse = 0;
  private longName: string | undefined;
  private longLink: string | undefined;
  private pax: Record<string, string> = {};
  /** the same records' values as bytes (xattr values are binary) */
  private paxRaw: Record<string, Buffer> = {};
  private zeroBlocks = 0;
  private offset = 0;
  private first = true;
  private collected: Buffer[] = [];
  private collectedBytes = 0;

  constructor(
    private readonly file: string,
    private readonly onEntry: (e: TarEntry) => void,
  ) {}

  want(): Want {
    return this.want_;
  }

  /** SKIP bytes of data passed (at most what want() asked to skip). */
  skip(n: number): void {
    this.offset += n;
    this.want_ = { bytes: this.want_.bytes - n, skip: true };
    if (this.want_.bytes === 0) this.next('header');
  }

  /** The bytes want() asked to see, all of them. */
  take(buf: Buffer): void {
    const at = this.offset;
    this.offset += buf.length;
    if (this.phase === 'header') this.header(buf, at);
    else if (this.phase === 'meta') this.meta(buf.subarray(0, this.metaSize), at);
    else this.sparse(buf);
  }

  /** Any chunk of the stream: the parts to see are gathered, the rest skipped (or, with onData, file data handed on). */
  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && !this.done) {
      if (this.phase === 'data' && this.onData) {
        const n = Math.min(this.dataLeft + this.padLeft, chunk.length - off);
        const data = Math.min(n, this.dataLeft);
        if (data > 0) this.onData(chunk.subarray(off, off + data));
        this.dataLeft -= data;
        this.padLeft -= n - data;
        this.offset += n;
        off += n;
        if (this.dataLeft === 0 && this.padLeft === 0) this.next('header');
        continue;
      }
      const w = this.want_;
      const n = Math.min(w.bytes - this.collectedBytes, chunk.length - off);
      if (w.skip) this.skip(n);
      else {
        this.collected.push(chunk.subarray(off, off + n));
        this.collectedBytes += n;
        if (this.collectedBytes === w.bytes) {
          const all = this.collected.length === 1 ? this.collected[0] : Buffer.concat(this.collected);
          this.collected = [];
          this.collectedBytes = 0;
          this.take(all);
        }
      }
      off += n;
    }
  }

  /** At the end of the input: an archive cut inside an entry is refused (tar would stop there with an error). */
  end(): void {
    if (this.done || (this.phase === 'header' && this.collectedBytes === 0)) return;
    if (this.first) throw new UserError(`${this.file} is not a tar archive (plain or gzip)`, 125, 'Give a tar archive, e.g. `docker export` output.');
    throw new UserError(`${this.file} ends in the middle of an entry (offset ${this.offset + this.collectedBytes})`, 125, 'The archive is truncated: copy or download it again.');
  }

  private next(phase: TarScanner['phase'], bytes = BLOCK, dataBytes = bytes): void {
    this.phase = phase;
    if (phase === 'data') {
      this.dataLeft = dataBytes;
      this.padLeft = bytes - dataBytes;
    }
    this.want_ = phase === 'data' ? { bytes, skip: true } : { bytes, skip: false };
    if (bytes === 0) this.next('header');
  }

  private damaged(at: number, what: string): UserError {
    return new UserError(`${this.file} is not an archive tsbox can check: ${what} at offset ${at}`, 125, 'Make it again with GNU tar or `docker export`.');
  }

  private header(h: Buffer, at: number): void {
    if (h.every((b) => b === 0)) {
      // two in a row end the archive; after a lone one tar may read on, so the scan does too
      if (++this.zeroBlocks === 2) this.done = true;
      return;
    }
    this.zeroBlocks = 0;
    const magic = h.toString('latin1', 257, 263);
    if (this.first && !magic.startsWith('ustar')) {
      throw new UserError(`${this.file} is not a tar archive (plain or gzip)`, 125, 'Decompress it first, e.g. xz -d or zstd -d.');
    }
    this.first = false;
    if (!checksumOk(h)) throw this.damaged(at, 'a header with a wrong checksum');
    const type = h[156] === 0 ? '0' : String.fromCharCode(h[156]);
    const sizeField = numeric(h, 124, 12);
    if (sizeField === null) throw this.damaged(at, 'a header with an unreadable size');
    if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
      if (sizeField > MAX_META_BODY) throw this.damaged(at, `a ${sizeField}-byte long name or pax header`);
      this.metaType = type;
      this.metaSize = sizeField;
      if (sizeField === 0) return this.meta(Buffer.alloc(0), at);
      return this.next('meta', round(sizeField));
    }
    if (!DATA.has(type) && !NO_DATA.has(type)) throw this.damaged(at, `an entry of type '${type}' (multi-volume, dumpdir, label or unknown)`);
    const paxSize = this.pax.size;
    if (paxSize !== undefined && !/^\d+$/.test(paxSize)) throw this.damaged(at, `a pax size '${paxSize}'`);
    const size = paxSize !== undefined ? Number(paxSize) : sizeField;
    if (!Number.isSafeInteger(size)) throw this.damaged(at, 'an entry too large');
    if (NO_DATA.has(type) && size !== 0) throw this.damaged(at, `data on an entry of type '${type}'`);
    // POSIX ustar ("ustar\0") has a name prefix; in GNU headers ("ustar  ") those bytes are other fields
    const prefix = magic === 'ustar\0' ? cstr(h, 345, 155) : '';
    const name = cstr(h, 0, 100);
    const { path: paxPath, 'GNU.sparse.name': sparseName } = this.pax;
    if (paxPath !== undefined && sparseName !== undefined && paxPath !== sparseName) throw this.damaged(at, 'an entry with two names (pax path and GNU.sparse.name)');
    const paxNum = (key: string, field: number | null) => {
      const v = this.pax[key];
      return v !== undefined && /^\d+(\.\d*)?$/.test(v) ? Math.floor(Number(v)) : (field ?? 0);
    };
    const xattrs = new Map<string, Buffer>();
    for (const [k, v] of Object.entries(this.paxRaw)) if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice(13), v);
    this.onEntry({
      name: sparseName ?? paxPath ?? this.longName ?? (prefix ? `${prefix}/${name}` : name),
      linkname: this.pax.linkpath ?? this.longLink ?? cstr(h, 157, 100),
      type,
      size,
      mode: (numeric(h, 100, 8) ?? 0) & 0o7777,
      uid: paxNum('uid', numeric(h, 108, 8)),
      gid: paxNum('gid', numeric(h, 116, 8)),
      mtime: paxNum('mtime', numeric(h, 136, 12)),
      devmajor: numeric(h, 329, 8) ?? 0,
      devminor: numeric(h, 337, 8) ?? 0,
      xattrs,
    });
    this.longName = this.longLink = undefined;
    this.pax = {};
    this.paxRaw = {};
    // an old GNU sparse file: more sparse map blocks follow the header when it says so
    if (type === 'S' && h[482] !== 0) {
      this.dataAfterSparse = size;
      return this.next('sparse');
    }
    this.next('data', round(size), size);
  }

  private meta(body: Buffer, at: number): void {
    if (this.metaType === 'L') this.longName = cstr(body, 0, body.length);
    else if (this.metaType === 'K') this.longLink = cstr(body, 0, body.length);
    else if (this.metaType === 'x') {
      const raw = parsePaxRaw(body, `${this.file} at offset ${at}`);
      this.paxRaw = { ...this.paxRaw, ...raw };
      this.pax = { ...this.pax, ...Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.toString('utf8')])) };
    }
    else {
      const bad = Object.keys(parsePax(body, `${this.file} at offset ${at}`)).find((k) => GLOBAL_FORBIDDEN.test(k));
      if (bad) throw this.damaged(at, `a pax global header that sets '${bad}' for every entry`);
    }
    this.next('header');
  }

  private sparse(block: Buffer): void {
    // byte 504 of a sparse map block: another one follows
    if (block[504] !== 0) return this.next('sparse');
    this.next('data', round(this.dataAfterSparse), this.dataAfterSparse);
  }
}

/** Normalise an entry name to components, refusing absolute and `..` paths. */
function components(name: string, what: string): string[] {
  if (name.startsWith('/')) throw new UserError(`refusing archive entry '${what}': absolute path`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UserError(`refusing archive entry '${what}': '..' leads outside the rootfs`);
  return parts;
}

/**
 * Entries in archive order; add() throws a UserError naming the first that
 * would land outside the root. Symlinks are tracked as the archive defines
 * them, in order, and a path through one is resolved lexically: it must
 * stay inside the root.
 */
export class TarChecker {
  private readonly symlinks = new Map<string, string>(); // path -> target
  private symlinkBytes = 0;

  add(e: TarEntry): void {
    const parts = components(e.name, e.name);
    if (parts.length === 0) return;
    const parent = this.resolveParent(parts.slice(0, -1));
    if (parent === null) throw new UserError(`refusing archive entry '${e.name}': it passes through a symlink that leads outside the rootfs`);
    const key = parts.join('/');
    if (e.type === '1') {
      const lp = components(e.linkname, `${e.name} (hard link to ${e.linkname})`);
      if (this.resolveParent(lp) === null) throw new UserError(`refusing archive entry '${e.name}': hard link through a symlink out of the rootfs`);
    }
    const old = this.symlinks.get(key);
    if (old !== undefined) this.symlinkBytes -= key.length + old.length;
    if (e.type === '2') {
      this.symlinks.set(key, e.linkname);
      this.symlinkBytes += key.length + e.linkname.length;
      if (this.symlinkBytes > MAX_SYMLINK_BYTES) throw new UserError(`refusing the archive: its symlinks' names and targets pass ${MAX_SYMLINK_BYTES >> 20} MiB`, 125, 'No root filesystem has that many; this archive is not one.');
    } else this.symlinks.delete(key);
  }

  // Resolve parts (all but the last, which is what gets created) through
  // symlinks; returns null if it escapes the root.
  private resolveParent(parts: string[], depth = 0): string[] | null {
    if (depth > 40) return null;
    const out: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (p === '..') {
        if (out.length === 0) return null;
        out.pop();
        continue;
      }
      out.push(p);
      const target = this.symlinks.get(out.join('/'));
      if (target !== undefined) {
        // An absolute target is resolved against the host's / while tar extracts.
        if (target.startsWith('/')) return null;
        const rest = [...target.split('/').filter((x) => x && x !== '.'), ...parts.slice(i + 1)];
        return this.resolveParent([...out.slice(0, -1), ...rest], depth + 1);
      }
    }
    return out;
  }
}

/** How much of a gzip stream is inflated at a time. */
const CHUNK = 256 * 1024;

/**
 * Scan the archive open at FD (plain or gzip tar; FILE names it in
 * messages) and check every entry, without moving FD's offset: the
 * extraction that follows reads FD from its start. Resolves with whether it
 * is gzip; rejects with a UserError for the first entry refused.
 */
export async function checkTarArchive(fd: number, file: string): Promise<{ gzip: boolean }> {
  const checker = new TarChecker();
  const scanner = new TarScanner(file, (e) => checker.add(e));
  const magic = Buffer.alloc(2);
  const gzip = fs.readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  if (gzip) await scanGzip(fd, file, scanner);
  else scanPlain(fd, scanner);
  scanner.end();
  return { gzip };
}

/** Headers by pread, data skipped by moving the read position: a 2 GiB file costs one read. */
function scanPlain(fd: number, scanner: TarScanner): void {
  let pos = 0;
  const size = fs.fstatSync(fd).size;
  while (!scanner.done && pos < size) {
    const w = scanner.want();
    if (w.skip) {
      const n = Math.min(w.bytes, size - pos);
      scanner.skip(n);
      pos += n;
      continue;
    }
    const buf = Buffer.alloc(w.bytes);
    const n = fs.readSync(fd, buf, 0, w.bytes, pos);
    pos += n;
    scanner.push(buf.subarray(0, n));
    if (n < w.bytes) break;
  }
}

async function scanGzip(fd: number, file: string, scanner: TarScanner): Promise<void> {
  // the same file opened again, for the stream to own (and close): FD stays the caller's
  const input = fs.createReadStream('', { fd: fs.openSync(`/proc/self/fd/${fd}`, 'r'), start: 0, highWaterMark: CHUNK });
  const gunzip = zlib().createGunzip({ chunkSize: CHUNK });
  input.on('error', (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip) {
      scanner.push(chunk as Buffer);
      if (scanner.done) break;
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file} is not a valid gzip file: ${(e as Error).message}`, 125, 'Copy or download it again, or decompress it yourself to see where it breaks.');
  } finally {
    input.unpipe(gunzip);
    input.destroy();
    gunzip.destroy();
  }
}
