// Giving a container's own files to its user namespace, when root puts it in
// one (--uidmap, --gidmap, --userns=auto, --userns=container:NAME).
//
// The container's root is then an unprivileged host uid (say 100000), and
// tsbox-helper's child acts as that uid from its first mount on: it opens
// the rootfs by path, mounts the overlay (whose upper and work dirs must be
// its own: the kernel writes them with the mounter's credentials), and the
// container writes its /etc, /root and /tmp. Root-owned files show as the
// overflow uid (nobody) there, and the capabilities of a namespace's root do
// not reach files whose owner the namespace does not map.
//
// So, at create time:
//  - everything tsbox made for this container (the rootfs skeleton or
//    private copy, upper/, work/, the /etc files) is shifted through the
//    maps: host id N becomes the host id of container id N, as if it had
//    been written inside the namespace. Ids the maps lack stay as they are.
//  - the container's directory becomes root:<container gid 0>, mode 0710:
//    its root group may pass through, nobody else may (state.json, the log
//    and the seccomp program stay private).
//  - the store's own directories on the way (the data dir, containers/,
//    the image's directories) get o+x: traverse only, no listing.
//  - directories above the store (/var/lib, a --root DIR) are the admin's:
//    they are checked, and an untraversable one is refused with the fix.
//
// Bind sources (the /etc files, volumes, the host image's /usr) need none of
// this: the helper's monitor opens and clones them as root on the host.
//
// Rootless callers own their store already, and their container's root is
// either themselves (the default) or maps them (keep-id); nothing here
// applies to them (a rootless map without your own uid: see docs/rootless.md).
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from './errors.js';
import { isRootless } from './paths.js';
import { HOST_IMAGE, type ImageStore } from './images.js';
import { toHost } from '../probe/idmap.js';
import type { ContainerSpec, IdMapEntry } from './types.js';

/** What chown clears and we must restore: setuid, setgid (the kernel drops them even for root). */
const ID_BITS = 0o6000;
/** nested `--userns=container:` chains followed at most this far */
const MAX_JOIN_DEPTH = 16;

interface Maps {
  uidMap: IdMapEntry[];
  gidMap: IdMapEntry[];
}

/**
 * The maps of the user namespace SPEC's container will live in: its own, or
 * (container:ID) the one it joins. undefined: no user namespace of its own
 * (host), or the joined container is gone.
 */
export function namespaceMaps(spec: ContainerSpec, specOf: (id: string) => ContainerSpec | undefined): Maps | undefined {
  let cur: ContainerSpec | undefined = spec;
  for (let depth = 0; cur && depth < MAX_JOIN_DEPTH; depth++) {
    const mode = cur.namespaces.user;
    if (mode.kind === 'private') return { uidMap: cur.uidMap, gidMap: cur.gidMap };
    if (mode.kind !== 'container') return undefined;
    cur = specOf(mode.container);
  }
  return undefined;
}

/** Host ids of everything under DIR (DIR included) moved through the maps; symlinks themselves, never their targets. */
export function shiftOwners(dir: string, maps: Maps): void {
  const stack = [dir];
  while (stack.length) {
    const p = stack.pop()!;
    const st = fs.lstatSync(p);
    const uid = toHost(maps.uidMap, st.uid) ?? st.uid;
    const gid = toHost(maps.gidMap, st.gid) ?? st.gid;
    if (uid !== st.uid || gid !== st.gid) {
      fs.lchownSync(p, uid, gid);
      if (!st.isSymbolicLink() && st.mode & ID_BITS) fs.chmodSync(p, st.mode & 0o7777);
    }
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) stack.push(path.join(p, n));
  }
}

/** Add search permission for group and others (no read: names stay unlisted). */
function allowTraverse(dir: string): void {
  const mode = fs.statSync(dir).mode & 0o7777;
  if ((mode & 0o011) !== 0o011) fs.chmodSync(dir, mode | 0o011);
}

/** Can host uid/gid pass through DIR, by its mode bits alone (no capability reaches an unmapped owner)? */
function traversable(st: fs.Stats, uid: number, gid: number): boolean {
  if (st.uid === uid) return (st.mode & 0o100) !== 0;
  if (st.gid === gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

/** Refuse a directory above the store that the container's root cannot pass through, naming it and the fix. */
function checkAncestors(from: string, uid: number, gid: number): void {
  for (let d = path.dirname(from); ; d = path.dirname(d)) {
    const st = fs.statSync(d);
    if (!traversable(st, uid, gid)) {
      throw new UserError(
        `the container's root (host uid ${uid}) cannot reach its files: ${d} is mode ${(st.mode & 0o777).toString(8).padStart(4, '0')} (owner uid ${st.uid})`,
        125,
        `Let others pass through it (chmod o+x ${d}, e.g. mode 0711, which does not let them list it), or keep tsbox's state (--root) under a directory that does.`,
      );
    }
    if (d === path.dirname(d)) return;
  }
}

/**
 * Make CONTAINERDIR (just made by prepareRootfs) usable by the root of the
 * user namespace its container runs in, when that is not the host's. Root
 * only; a no-op for rootless callers and for containers without one.
 */
export function prepareForUserns(containerDir: string, spec: ContainerSpec, images: ImageStore, specOf: (id: string) => ContainerSpec | undefined): void {
  if (isRootless()) return;
  const maps = namespaceMaps(spec, specOf);
  if (!maps) return;
  const uid = toHost(maps.uidMap, 0);
  const gid = toHost(maps.gidMap, 0);
  // checkMap (rootless.ts) refuses maps without container id 0 at create
  if (uid === null || gid === null) throw new Error('user namespace map without container id 0');

  // the store: <data>/containers/<id> and, for an imported image, <data>/images/<name>/rootfs
  const containers = path.dirname(containerDir);
  const data = path.dirname(containers);
  checkAncestors(data, uid, gid); // before changing anything
  const storeDirs = [containers, data];
  if (spec.image !== HOST_IMAGE) {
    const imageDir = path.dirname(images.rootfs(spec.image));
    storeDirs.push(imageDir, path.dirname(imageDir));
  }
  for (const d of storeDirs) allowTraverse(d);

  for (const name of ['rootfs', 'upper', 'work', 'etc']) {
    const p = path.join(containerDir, name);
    if (fs.existsSync(p)) shiftOwners(p, maps);
  }
  fs.chownSync(containerDir, 0, gid);
  fs.chmodSync(containerDir, 0o710);
}
