// The two layers the image tests build on (registry, image archives, rootless
// pulls): a busybox tree, and a layer over it that deletes a file, makes a
// directory opaque and adds its own data/ entries (each test's own).
import fs from 'node:fs';
import path from 'node:path';
import { makeBusyboxRootfs } from './busybox.js';
import { run } from './programs.js';
import { writeTar, type TarItem } from './tar.js';

/** WORK/l1.tar: busybox, /etc/motd and /opt/old/file, which layer 2 removes. */
export function busyboxLayer(work: string): string {
  const base = path.join(work, 'base');
  makeBusyboxRootfs(base);
  fs.writeFileSync(path.join(base, 'etc/motd'), 'motd of layer 1\n');
  fs.mkdirSync(path.join(base, 'opt/old'), { recursive: true });
  fs.writeFileSync(path.join(base, 'opt/old/file'), 'old\n');
  const tar = path.join(work, 'l1.tar');
  run('tar', ['-C', base, '--numeric-owner', '-cf', tar, '.']);
  return tar;
}

/** WORK/l2.tar: /etc/motd whited out, /opt opaque with only opt/new in it, and DATA under /data. */
export function whiteoutLayer(work: string, data: TarItem[]): string {
  const tar = path.join(work, 'l2.tar');
  writeTar(tar, [
    { name: 'etc/.wh.motd' },
    { name: 'opt/', type: 'dir' },
    { name: 'opt/.wh..wh..opq' },
    { name: 'opt/new', body: 'new\n' },
    { name: 'data/', type: 'dir' },
    ...data,
  ]);
  return tar;
}
