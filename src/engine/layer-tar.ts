// A stored layer written back as an OCI layer tar (for `image save`): the
// tree under layers/<hex>/diff walked in name order, overlayfs's whiteouts
// (0/0 character devices) written as `.wh.NAME` and the dirs the layer made
// opaque (its layer.json) as `DIR/.wh..wh..opq`, hard links as links to the
// first name of their inode, owners numeric. ustar headers, with a pax
// record for what ustar cannot hold (long names, big ids or sizes).
// Deterministic: the same tree gives the same bytes, so a layer saved twice
// has one digest. Nothing is followed: entries are lstat'ed and files
// opened O_NOFOLLOW, inside the store's own 0700 directory.
//
// Other xattrs than overlay's (security.capability and the like) are not
// written: Node has no xattr calls, and a getfattr per file would be slow.
import fs from 'node:fs';
import path from 'node:path';

const BLOCK = 512;

export interface TarSink {
  write(buf: Buffer): void;
}

function octal(buf: Buffer, off: number, len: number, n: number): boolean {
  const s = n.toString(8);
  if (s.length > len - 1) return false;
  buf.write(s.padStart(len - 1, '0'), off, 'ascii');
  return true;
}

interface Header {
  name: string;
  type: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  link?: string;
  devmajor?: number;
  devminor?: number;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let n = Buffer.byteLength(body) + 1;
  while (String(n).length + Buffer.byteLength(body) !== n) n = String(n).length + Buffer.byteLength(body);
  return `${n}${body}`;
}

function block(h: Header): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, 100, 'utf8');
  octal(b, 100, 8, h.mode & 0o7777);
  octal(b, 108, 8, h.uid);
  octal(b, 116, 8, h.gid);
  octal(b, 124, 12, h.size);
  octal(b, 136, 12, Math.max(0, Math.floor(h.mtime)));
  b.write(h.type, 156, 'ascii');
  if (h.link) b.write(h.link, 157, 100, 'utf8');
  b.write('ustar\0', 257, 'ascii');
  b.write('00', 263, 'ascii');
  octal(b, 329, 8, h.devmajor ?? 0);
  octal(b, 337, 8, h.devminor ?? 0);
  b.fill(' ', 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return b;
}

function writeHeader(out: TarSink, h: Header): void {
  let pax = '';
  if (Buffer.byteLength(h.name) > 99) pax += paxRecord('path', h.name);
  if (h.link && Buffer.byteLength(h.link) > 99) pax += paxRecord('linkpath', h.link);
  if (h.uid > 0o7777777) pax += paxRecord('uid', String(h.uid));
  if (h.gid > 0o7777777) pax += paxRecord('gid', String(h.gid));
  if (h.size > 0o77777777777) pax += paxRecord('size', String(h.size));
  if (pax) {
    const body = Buffer.from(pax);
    out.write(block({ name: 'PaxHeader', type: 'x' as Header['type'], mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: 0 }));
    out.write(pad(body));
  }
  const fit = (s: string) => (Buffer.byteLength(s) > 99 ? Buffer.from(s).subarray(0, 99).toString('latin1') : s);
  out.write(block({ ...h, name: fit(h.name), link: h.link && fit(h.link), uid: Math.min(h.uid, 0o7777777), gid: Math.min(h.gid, 0o7777777), size: Math.min(h.size, 0o77777777777) }));
}

function pad(body: Buffer): Buffer {
  const rest = body.length % BLOCK;
  return rest ? Buffer.concat([body, Buffer.alloc(BLOCK - rest)]) : body;
}

/** Write the layer tree DIR to OUT; OPAQUE are its opaque dirs ('.' for its root), as layer.json lists them. */
export function writeLayerTar(dir: string, opaque: string[], out: TarSink): void {
  const opaqueSet = new Set(opaque);
  const links = new Map<string, string>();
  const buf = Buffer.alloc(1 << 20);
  const walk = (rel: string) => {
    const abs = rel ? path.join(dir, rel) : dir;
    for (const name of fs.readdirSync(abs).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const p = path.join(dir, r);
      const st = fs.lstatSync(p, { bigint: false });
      const common = { mode: st.mode, uid: st.uid, gid: st.gid, mtime: st.mtimeMs / 1000, size: 0 };
      if (st.isCharacterDevice() && st.rdev === 0) {
        const slash = r.lastIndexOf('/');
        writeHeader(out, { ...common, name: `${r.slice(0, slash + 1)}.wh.${r.slice(slash + 1)}`, type: '0', mode: 0o644 });
      } else if (st.isDirectory()) {
        writeHeader(out, { ...common, name: `${r}/`, type: '5' });
        if (opaqueSet.has(r)) writeHeader(out, { ...common, name: `${r}/.wh..wh..opq`, type: '0', mode: 0o644 });
        walk(r);
      } else if (st.isSymbolicLink()) {
        writeHeader(out, { ...common, name: r, type: '2', link: fs.readlinkSync(p) });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? links.get(key) : undefined;
        if (first) {
          writeHeader(out, { ...common, name: r, type: '1', link: first });
          continue;
        }
        if (st.nlink > 1) links.set(key, r);
        const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
        try {
          writeHeader(out, { ...common, name: r, type: '0', size: st.size });
          let left = st.size;
          while (left > 0) {
            const n = fs.readSync(fd, buf, 0, Math.min(buf.length, left), null);
            if (n === 0) throw new Error(`${p} shrank while it was saved`);
            out.write(Buffer.from(buf.subarray(0, n)));
            left -= n;
          }
          const rest = st.size % BLOCK;
          if (rest) out.write(Buffer.alloc(BLOCK - rest));
        } finally {
          fs.closeSync(fd);
        }
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn) | Number((BigInt(st.rdev) >> 32n) & ~0xfffn);
        const minor = Number(BigInt(st.rdev) & 0xffn) | Number((BigInt(st.rdev) >> 12n) & ~0xffn);
        writeHeader(out, { ...common, name: r, type: st.isCharacterDevice() ? '3' : '4', devmajor: major, devminor: minor });
      } else if (st.isFIFO()) {
        writeHeader(out, { ...common, name: r, type: '6' });
      }
      // sockets: a tar has no type for them (GNU tar skips them too)
    }
  };
  if (opaqueSet.has('.')) writeHeader(out, { name: '.wh..wh..opq', type: '0', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0 });
  walk('');
  out.write(Buffer.alloc(BLOCK * 2));
}
