// A minimal ustar writer for building hostile archives in tests.
import fs from 'node:fs';

export interface TarItem {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'char';
  body?: string | Buffer;
  link?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  devmajor?: number;
  devminor?: number;
}

function header(item: TarItem, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(item.name, 0, 100, 'utf8');
  const oct = (n: number, len: number) => n.toString(8).padStart(len - 1, '0') + '\0';
  h.write(oct(item.mode ?? (item.type === 'dir' ? 0o755 : 0o644), 8), 100);
  h.write(oct(item.uid ?? 0, 8), 108);
  h.write(oct(item.gid ?? 0, 8), 116);
  h.write(oct(size, 12), 124);
  h.write(oct(0, 12), 136);
  h.write('        ', 148);
  const types = { file: '0', hardlink: '1', symlink: '2', char: '3', dir: '5' };
  h.write(types[item.type ?? 'file'], 156);
  if (item.link) h.write(item.link, 157, 100, 'utf8');
  h.write('ustar\0', 257);
  h.write('00', 263);
  if (item.type === 'char') {
    h.write(oct(item.devmajor ?? 0, 8), 329);
    h.write(oct(item.devminor ?? 0, 8), 337);
  }
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

export function writeTar(file: string, items: TarItem[]): void {
  const parts: Buffer[] = [];
  for (const it of items) {
    const body = it.type === undefined || it.type === 'file' ? Buffer.from(it.body ?? '') : Buffer.alloc(0);
    parts.push(header(it, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  fs.writeFileSync(file, Buffer.concat(parts));
}
