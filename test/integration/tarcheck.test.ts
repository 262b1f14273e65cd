// The archive check on hand-made archives, driven through the path that
// `tsbox image import` takes (ImageStore.import: the one gunzip stream,
// TarScanner + TarChecker as the archive streams, `tsbox-helper extract`
// confined to the new rootfs): what it refuses, that a refused archive
// leaves no image, no staging dir and nothing outside, and, for each way an
// archive could be read two ways, that GNU tar really reads it the
// dangerous way: `tar -t` lists the entry the check must have seen.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ImageStore } from '../../src/engine/images.js';
import { resolvePaths } from '../../src/engine/paths.js';
import { UserError } from '../../src/common/errors.js';
import { attempt, run } from '../lib/programs.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbox-tarcheck-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Header {
  name: string;
  size?: number;
  type?: string;
  link?: string;
  /** 'ustar\0' + '00' (POSIX) by default; GNU tar writes 'ustar  \0' */
  magic?: string;
  prefix?: string;
  badChecksum?: boolean;
  /** byte offset -> value, for GNU sparse fields */
  bytes?: Record<number, number>;
}

function header(h: Header): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.name, 0, 100, 'utf8');
  b.write('0000644\0', 100);
  b.write('0000000\0', 108);
  b.write('0000000\0', 116);
  b.write(`${(h.size ?? 0).toString(8).padStart(11, '0')}\0`, 124);
  b.write('00000000000\0', 136);
  b.write(h.type ?? '0', 156);
  if (h.link) b.write(h.link, 157, 100, 'utf8');
  b.write(h.magic ?? 'ustar\x0000', 257, 'latin1');
  if (h.prefix) b.write(h.prefix, 345, 155, 'utf8');
  for (const [off, v] of Object.entries(h.bytes ?? {})) b[Number(off)] = v;
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${(sum + (h.badChecksum ? 1 : 0)).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);
const data = (s: string | Buffer) => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
  return Buffer.concat([b, pad(b.length)]);
};
const END = Buffer.alloc(1024);

/** A pax header (type x, or g) with these records; each record's length counts its own digits, in bytes. */
function pax(records: Array<[string, string]>, type = 'x'): Buffer {
  const body = Buffer.concat(
    records.map(([k, v]) => {
      const rest = Buffer.byteLength(` ${k}=${v}\n`);
      let len = rest + 1;
      while (String(len).length + rest !== len) len = String(len).length + rest;
      return Buffer.from(`${len} ${k}=${v}\n`);
    }),
  );
  return Buffer.concat([header({ name: 'PaxHeader', size: body.length, type }), data(body)]);
}

let n = 0;
function write(parts: Buffer[], gzip = false): string {
  const file = path.join(dir, `a${n++}.tar${gzip ? '.gz' : ''}`);
  const raw = Buffer.concat(parts);
  fs.writeFileSync(file, gzip ? zlib.gzipSync(raw) : raw);
  return file;
}

const store = new ImageStore(resolvePaths(path.join(dir, 'root')));
const imagesDir = path.join(dir, 'root', 'images');

/** What an import of FILE left in the store's images/ (nothing of a refused one). */
const storeNames = () => (fs.existsSync(imagesDir) ? fs.readdirSync(imagesDir).sort() : []);

/** Import FILE as a new image; resolves with the names of its rootfs's top entries. Imports that pass are removed again. */
async function check(file: string): Promise<string[]> {
  const name = `t${n++}`;
  await store.import(file, name);
  const top = fs.readdirSync(store.rootfs(name)).sort();
  store.remove(name, () => []);
  return top;
}

/** FILE is refused with RE, exit 125, and leaves no image or staging dir, and nothing beside the store (where `../` names would land). */
async function refused(file: string, re: RegExp): Promise<void> {
  const before = storeNames();
  const around = fs.readdirSync(dir).sort();
  await assert.rejects(check(file), (e: unknown) => e instanceof UserError && e.code === 125 && re.test(e.message), file);
  assert.deepEqual(storeNames(), before, `${file}: nothing left in images/`);
  assert.deepEqual(fs.readdirSync(dir).sort(), around, `${file}: nothing made beside the store`);
}

/** What GNU tar sees in FILE: the member names it lists. */
function tarSees(file: string): string[] {
  return attempt('tar', ['-tf', file]).stdout.split('\n').filter(Boolean);
}

test('an ordinary archive, plain and gzip, passes and is made', async () => {
  const parts = [
    header({ name: 'bin/', type: '5' }),
    header({ name: 'bin/sh', size: 5 }),
    data('hello'),
    header({ name: 'bin/ash', type: '2', link: 'sh' }),
    header({ name: 'etc/mtab', type: '2', link: '/proc/mounts' }),
    header({ name: 'bin/hard', type: '1', link: 'bin/sh' }),
    END,
  ];
  assert.deepEqual(await check(write(parts)), ['bin', 'etc']);
  const gz = write(parts, true);
  await store.import(gz, 'gz');
  const root = store.rootfs('gz');
  assert.equal(fs.readFileSync(path.join(root, 'bin/sh'), 'utf8'), 'hello');
  assert.equal(fs.readlinkSync(path.join(root, 'bin/ash')), 'sh');
  assert.equal(fs.readlinkSync(path.join(root, 'etc/mtab')), '/proc/mounts');
  assert.equal(fs.statSync(path.join(root, 'bin/hard')).ino, fs.statSync(path.join(root, 'bin/sh')).ino, 'the hard link is one inode');
  store.remove('gz', () => []);
  assert.deepEqual(await check(write([])), [], 'an empty file is an empty archive');
});

test('names that lead out: .., absolute, through symlinks, hard links, GNU long names', async () => {
  await refused(write([header({ name: '../x' }), END]), /'\.\.' leads outside/);
  await refused(write([header({ name: '/etc/x' }), END]), /absolute path/);
  assert.ok(!fs.existsSync('/etc/x'));
  await refused(write([header({ name: 'l', type: '2', link: '../..' }), header({ name: 'l/x' }), END], true), /through a symlink/);
  await refused(write([header({ name: 'h', type: '1', link: '../../etc/passwd' }), END]), /'\.\.' leads outside/);
  const long = Buffer.from(`${'d/'.repeat(60)}../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../x`);
  await refused(write([header({ name: '././@LongLink', size: long.length, type: 'L' }), data(long), header({ name: 'short' }), END]), /'\.\.' leads outside/);
  await refused(write([pax([['linkpath', '/etc']]), header({ name: 'p', type: '2', link: 'ok' }), header({ name: 'p/x' }), END]), /through a symlink/);
});

test('a header with a wrong checksum is refused: tar would skip to a header hidden in its data', async () => {
  const file = write([header({ name: 'ok' }), header({ name: 'hider', size: 1024, badChecksum: true }), header({ name: '../evil' }), Buffer.alloc(512), END]);
  assert.ok(tarSees(file).includes('../evil'), 'GNU tar finds the hidden entry');
  await refused(file, /a header with a wrong checksum at offset 512/);
});

test("a pax size is the entry's size, as tar has it", async () => {
  const file = write([pax([['size', '0']]), header({ name: 'f', size: 512 }), header({ name: '../evil' }), END]);
  assert.ok(tarSees(file).includes('../evil'));
  await refused(file, /'\.\.' leads outside/);
});

test('pax record lengths count bytes: a multi-byte name does not hide the record after it', async () => {
  const file = write([pax([['path', 'ééééééééé'], ['path', '../../evil']]), header({ name: 'f' }), END]);
  assert.deepEqual(tarSees(file), ['../../evil']);
  await refused(file, /'\.\.' leads outside/);
  await refused(write([pax([['path', 'x']]).fill(0x41, 512, 514), header({ name: 'f' }), END]), /malformed pax record/);
});

test('a GNU header has no name prefix: its bytes are not read as one', async () => {
  // in a GNU header those bytes are atime and ctime; an old reading made this symlink a/b, not b
  const file = write([header({ name: 'b', type: '2', link: '/etc', magic: 'ustar  \0', prefix: 'a' }), header({ name: 'b/x' }), END]);
  assert.deepEqual(tarSees(file), ['b', 'b/x']);
  await refused(file, /'b\/x': it passes through a symlink/);
  // and a POSIX one has it
  await refused(write([header({ name: 'b', prefix: '..' }), END]), /'\.\.\/b': '\.\.' leads outside/);
});

test('after a lone zero block the check reads on (tar stops there; refusing is the safe side)', async () => {
  await refused(write([header({ name: 'ok' }), Buffer.alloc(512), header({ name: '../evil' }), END]), /'\.\.' leads outside/);
  // two end the archive: what follows is not an entry
  assert.deepEqual(await check(write([header({ name: 'ok' }), END, Buffer.from('trailing garbage')])), ['ok']);
});

test('what tar reads differently or specially is refused: data on links, odd types, global names, two names', async () => {
  await refused(write([header({ name: 's', type: '2', link: 'x', size: 512 }), header({ name: '../evil' }), END]), /data on an entry of type '2'/);
  for (const type of ['V', 'M', 'D', 'N', 'Z']) await refused(write([header({ name: 'x', type }), END]), new RegExp(`an entry of type '${type}'`));
  await refused(write([pax([['path', 'everything']], 'g'), header({ name: 'f' }), END]), /pax global header that sets 'path'/);
  assert.deepEqual(await check(write([pax([['comment', 'git commit id']], 'g'), header({ name: 'f' }), END])), ['f']);
  await refused(write([pax([['path', 'a'], ['GNU.sparse.name', 'b']]), header({ name: 'f' }), END]), /two names/);
  await refused(write([header({ name: 'big', size: 0, bytes: { 124: 0x78 } }), END]), /unreadable size/);
});

test('an old GNU sparse file (with extension blocks) is refused by name: import makes no sparse files', async () => {
  // a file of 7 data runs: more than the header's 4 sparse slots, so GNU tar writes an extension block
  const src = path.join(dir, 'sparse-src');
  fs.mkdirSync(src);
  const fd = fs.openSync(path.join(src, 'holes'), 'w');
  for (let i = 0; i < 7; i++) fs.writeSync(fd, 'data', i * 1 << 20);
  fs.closeSync(fd);
  fs.symlinkSync('/etc', path.join(src, 'l'));
  const made = path.join(dir, 'sparse.tar');
  // l/x: tar reads through the host's /etc/hostname; in the archive it is an entry under the symlink l
  run('tar', ['--sparse', '--format=gnu', '-cf', made, '-C', src, 'holes', 'l', '-C', '/etc', 'hostname', '--transform', 's,^hostname$,l/x,']);
  const raw = fs.readFileSync(made);
  assert.equal(String.fromCharCode(raw[156]), 'S', 'the first entry is GNU sparse');
  assert.equal(raw[482], 1, 'with an extension block');
  assert.deepEqual(tarSees(made), ['holes', 'l', 'l/x']);
  await refused(made, /'holes' is a sparse file/);
});

test('truncated, not tar, not gzip', async () => {
  await refused(write([header({ name: 'f', size: 2048 }), Buffer.alloc(512)]), /ends in the middle of an entry/);
  await refused(write([Buffer.from('just some text\n')]), /is not a tar archive/);
  await refused(write([Buffer.alloc(1024, 0x41)]), /is not a tar archive/);
  const gz = path.join(dir, 'broken.tar.gz');
  fs.writeFileSync(gz, zlib.gzipSync(Buffer.concat([header({ name: 'f' }), END])).subarray(0, 20));
  await refused(gz, /is not valid gzip: unexpected end of file/);
});
