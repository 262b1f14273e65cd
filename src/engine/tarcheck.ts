// Reads a tar archive's headers (ustar, GNU long names, pax) and refuses any
// entry that would be written outside the extraction root: absolute paths,
// `..` components, hard links to outside, and paths that pass through a
// symlink (defined earlier in the same archive) whose target leads out.
// The archive is only extracted after this check passes.
import fs from 'node:fs';
import { zlib } from './lazy.js';
import { UserError } from './errors.js';

export interface TarEntry {
  name: string;
  type: string; // '0' file, '1' hardlink, '2' symlink, '5' dir, ...
  linkname: string;
  size: number;
}

function cstr(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString('utf8', off, end < 0 || end > off + len ? off + len : end);
}

function octal(buf: Buffer, off: number, len: number): number {
  if (buf[off] & 0x80) {
    // GNU base-256 for large sizes
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + buf[i];
    return v;
  }
  const s = cstr(buf, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function parsePax(data: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(' ', i);
    if (sp < 0) break;
    const len = Number(data.slice(i, sp));
    if (!len) break;
    const rec = data.slice(sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

export function readTarEntries(file: string): TarEntry[] {
  let buf: Buffer = fs.readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = zlib().gunzipSync(buf);
  else if (buf.length >= 262 && buf.toString('ascii', 257, 262) !== 'ustar') {
    throw new UserError(`${file} is not a tar archive (plain or gzip)`, 125, 'Decompress it first, e.g. xz -d or zstd -d.');
  }
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  for (let off = 0; off + 512 <= buf.length; ) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] || 0x30);
    const body = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = cstr(body, 0, body.length);
      continue;
    }
    if (type === 'K') {
      longLink = cstr(body, 0, body.length);
      continue;
    }
    if (type === 'x') {
      pax = parsePax(body.toString('utf8'));
      continue;
    }
    if (type === 'g') continue;
    const prefix = cstr(h, 345, 155);
    let name = cstr(h, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    entries.push({
      name: pax.path ?? longName ?? name,
      linkname: pax.linkpath ?? longLink ?? cstr(h, 157, 100),
      type,
      size,
    });
    longName = longLink = undefined;
    pax = {};
  }
  return entries;
}

/** Normalise an entry name to components, refusing absolute and `..` paths. */
function components(name: string, what: string): string[] {
  if (name.startsWith('/')) throw new UserError(`refusing archive entry '${what}': absolute path`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UserError(`refusing archive entry '${what}': '..' leads outside the rootfs`);
  return parts;
}

/**
 * Throws a UserError naming the first entry that would land outside the root.
 * Symlinks are tracked as the archive defines them, in order, and a path
 * through one is resolved lexically: it must stay inside the root.
 */
export function checkTarEntries(entries: TarEntry[]): void {
  const symlinks = new Map<string, string>(); // path -> target
  // Resolve parts (all but the last, which is what gets created) through
  // symlinks; returns null if it escapes the root.
  const resolveParent = (parts: string[], depth = 0): string[] | null => {
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
      const target = symlinks.get(out.join('/'));
      if (target !== undefined) {
        // An absolute target is resolved against the host's / while tar extracts.
        if (target.startsWith('/')) return null;
        const rest = [...target.split('/').filter((x) => x && x !== '.'), ...parts.slice(i + 1)];
        return resolveParent([...out.slice(0, -1), ...rest], depth + 1);
      }
    }
    return out;
  };
  for (const e of entries) {
    const parts = components(e.name, e.name);
    if (parts.length === 0) continue;
    const parent = resolveParent(parts.slice(0, -1));
    if (parent === null) throw new UserError(`refusing archive entry '${e.name}': it passes through a symlink that leads outside the rootfs`);
    const key = parts.join('/');
    if (e.type === '1') {
      const lp = components(e.linkname, `${e.name} (hard link to ${e.linkname})`);
      if (resolveParent(lp) === null) throw new UserError(`refusing archive entry '${e.name}': hard link through a symlink out of the rootfs`);
    }
    if (e.type === '2') symlinks.set(key, e.linkname);
    else symlinks.delete(key);
  }
}
