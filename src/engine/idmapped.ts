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
//  - the store's own directories on the way (the data dir, containers/)
//    get o+x: traverse only, no listing. Never images/: an image may hold
//    setuid-root files, which any local user could run if they could reach
//    them, so images/ and images/NAME stay 0700 (images.ts). The container
//    runs on a private copy (prepareRootfs), made by root on the host, and
//    never opens the image.
//  - directories above the store (/var/lib, a --root DIR) are the admin's:
//    they are checked, and an untraversable one is refused with the fix.
//
// Bind sources (the /etc files, volumes, the host image's /usr) need none of
// this: the helper's monitor opens and clones them as root on the host.
//
// Rootless callers own their store, and their container's root is usually
// themselves (the default) or maps them (keep-id), which lets it reach
// their files. A rootless map without the caller's own ids (--userns=auto,
// --uidmap 0:1:N) makes the container's root one of their subordinate ids
// instead, which has no access to the caller's files and cannot be chowned
// to by the caller on the host. For those (rootlessReach, shiftRootless):
//  - at create: the same checks and o+x on the store's directories as for
//    root, without a chown;
//  - at first start: the chowns, made inside the caller's own namespace
//    (`tsbox unshare`), where they are root and their subordinate ids exist.
//    An imported image becomes a private copy, piped by tar from the
//    caller's namespace into one with the container's maps, so that each
//    file lands on the container's id for it, as root's copy does.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import { isRootless } from './paths.js';
import { HOST_IMAGE, type ImageStore } from './images.js';
import { toContainer, toHost } from '../probe/idmap.js';
import { callerNamespace, usernsHost } from './rootless.js';
import { spawnInUserNamespace } from './userns.js';
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

/** Refuse directories above the store that the container's root cannot pass through, naming them all and the fix. */
function checkAncestors(from: string, uid: number, gid: number): void {
  const closed: Array<{ dir: string; st: fs.Stats }> = [];
  for (let d = path.dirname(from); ; d = path.dirname(d)) {
    const st = fs.statSync(d);
    if (!traversable(st, uid, gid)) closed.unshift({ dir: d, st });
    if (d === path.dirname(d)) break;
  }
  if (!closed.length) return;
  const dirs = closed.map((c) => c.dir).join(' ');
  throw new UserError(
    `the container's root (host uid ${uid}) cannot reach its files: ${closed.map(({ dir, st }) => `${dir} is mode ${(st.mode & 0o777).toString(8).padStart(4, '0')} (owner uid ${st.uid})`).join(', ')}`,
    125,
    `Let others pass through ${closed.length > 1 ? 'them' : 'it'} (chmod o+x ${dirs}, e.g. mode 0711, which does not let them list it), or keep tsbox's state (--root) under a directory that does.`,
  );
}

/**
 * Make CONTAINERDIR (just made by prepareRootfs) usable by the root of the
 * user namespace its container runs in, when that is not the host's. Root
 * only; a no-op for rootless callers and for containers without one.
 */
export function prepareForUserns(containerDir: string, spec: ContainerSpec, specOf: (id: string) => ContainerSpec | undefined): void {
  if (isRootless()) return rootlessReach(containerDir, spec, specOf);
  const maps = namespaceMaps(spec, specOf);
  if (!maps) return;
  const { uid, gid } = rootIds(maps);

  // the store: <data>/containers/<id>, and in it the container's own copy of its image
  const containers = path.dirname(containerDir);
  const data = path.dirname(containers);
  checkAncestors(data, uid, gid); // before changing anything
  for (const d of [containers, data]) allowTraverse(d);

  // An overlay's lower dir would be the image itself, which this root must not reach.
  if (fs.existsSync(path.join(containerDir, 'upper'))) throw new Error('a user namespace container of root without a private copy of its image');
  for (const name of ['rootfs', 'etc']) shiftOwners(path.join(containerDir, name), maps);
  fs.chownSync(containerDir, 0, gid);
  fs.chmodSync(containerDir, 0o710);
}

/** Host uid and gid of the namespace's root. */
function rootIds(maps: Maps): { uid: number; gid: number } {
  const uid = toHost(maps.uidMap, 0);
  const gid = toHost(maps.gidMap, 0);
  // checkMap (rootless.ts) refuses maps without container id 0 at create
  if (uid === null || gid === null) throw new Error('user namespace map without container id 0');
  return { uid, gid };
}

/**
 * Rootless: the maps of a container whose root cannot reach the caller's
 * files, or undefined. Its root can when the namespace maps the caller's uid
 * and gid (its capabilities then cover the caller's files) or is the caller.
 */
function subordinateMaps(spec: ContainerSpec, specOf: (id: string) => ContainerSpec | undefined): Maps | undefined {
  const maps = namespaceMaps(spec, specOf);
  if (!maps) return undefined;
  const [uid, gid] = [process.getuid!(), process.getgid!()];
  const mapsCaller = toContainer(maps.uidMap, uid) !== null && toContainer(maps.gidMap, gid) !== null;
  return mapsCaller || toHost(maps.uidMap, 0) === uid ? undefined : maps;
}

/** At create, rootless: what can be checked and done without the caller's namespace. */
function rootlessReach(containerDir: string, spec: ContainerSpec, specOf: (id: string) => ContainerSpec | undefined): void {
  const maps = subordinateMaps(spec, specOf);
  if (!maps) return;
  const { uid, gid } = rootIds(maps);
  const containers = path.dirname(containerDir);
  const data = path.dirname(containers);
  checkAncestors(data, uid, gid);
  // An imported image is copied in the caller's namespace (shiftRootless):
  // the container's root never opens the image's own directories.
  for (const d of [containers, data]) allowTraverse(d);
}

/** Written in the container's directory once its files belong to its namespace. */
const SHIFTED = 'userns-shifted';

/**
 * At a rootless container's first start, when its root is a subordinate id
 * (see the top of this file): give tsbox's files for it to that root, and
 * replace an imported image's overlay by a private copy with the container's
 * ids. Idempotent: done once, then marked.
 */
export async function shiftRootless(
  containerDir: string,
  spec: ContainerSpec,
  images: ImageStore,
  helper: string,
  specOf: (id: string) => ContainerSpec | undefined,
): Promise<void> {
  if (!isRootless() || fs.existsSync(path.join(containerDir, SHIFTED))) return;
  const maps = subordinateMaps(spec, specOf);
  if (!maps) return;
  const own = callerNamespace(true, process.getuid!(), process.getgid!(), usernsHost());
  const root = rootIds(maps);
  // the container's root as seen in the caller's namespace (planUserNamespace made its maps from there)
  const uid = toContainer(own.uidMap, root.uid);
  const gid = toContainer(own.gidMap, root.gid);
  if (uid === null || gid === null) {
    throw new UserError(
      `the container's root (host uid ${root.uid}, gid ${root.gid}) is not one of your ids`,
      125,
      `Its range must come from yours in /etc/subuid and /etc/subgid (tsbox uidmap shows them); recreate the container.`,
    );
  }
  const lowers = spec.image === HOST_IMAGE ? [] : images.lowerDirs(images.forContainer(spec));
  if (lowers.length > 1) {
    throw new UserError(
      `image '${spec.image}' has ${lowers.length} layers: a rootless container whose root is one of your subordinate ids (--userns=auto, --uidmap) needs a copy of it with its ids, which tsbox makes only of single-layer images so far`,
      125,
      'Run it with the default --userns (your own ids), or as root.',
    );
  }
  const image = lowers[0];
  // Everything tsbox made here is the caller's (0 in their namespace): one
  // owner to give to the container's root. The directory itself stays the
  // caller's, passable by the container's root group only, as root's are.
  const script = [
    'set -e',
    'cd -- "$1"',
    'if [ "$4" = image ]; then rm -rf rootfs upper work; mkdir -m 0755 rootfs; fi',
    'chown -R -h -- "$2:$3" rootfs etc',
    'chown -- "0:$3" .',
    'chmod 0710 .',
  ].join('\n');
  await inNamespace(helper, ['/bin/sh', '-c', script, 'sh', containerDir, String(uid), String(gid), image ? 'image' : 'host'], own, 'give its files to its root');
  if (image) await copyThroughMaps(helper, image, path.join(containerDir, 'rootfs'), own, maps, spec.image);
  fs.writeFileSync(path.join(containerDir, SHIFTED), '');
}

/** Run CMD in a user namespace with MAPS, its stderr kept for the error. */
async function inNamespace(helper: string, cmd: string[], maps: Maps, what: string): Promise<void> {
  const { child, done } = spawnInUserNamespace(helper, cmd, maps.uidMap, maps.gidMap, { stdio: ['ignore', 'ignore', 'pipe'] });
  const err = collect(child.stderr!);
  const code = await done;
  if (code !== 0) throw new UserError(`could not ${what} in your own user namespace (exit ${code}): ${(await err).trim()}`);
}

function collect(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return new Promise((resolve) => stream.on('end', () => resolve(text)));
}

/**
 * tar from SRC, read in the caller's namespace (file owners as its ids),
 * extracted into DST in a namespace with the container's maps: owner N of
 * the image becomes the container's N, on the host its id for N.
 */
async function copyThroughMaps(helper: string, src: string, dst: string, own: Maps, maps: Maps, image: string): Promise<void> {
  const reader = spawnInUserNamespace(helper, ['tar', '-C', src, '--numeric-owner', '-cf', '-', '.'], own.uidMap, own.gidMap, { stdio: ['ignore', 'pipe', 'pipe'] });
  const writer = spawnInUserNamespace(helper, ['tar', '-C', dst, '--numeric-owner', '--same-owner', '-xpf', '-'], maps.uidMap, maps.gidMap, {
    stdio: ['pipe', 'ignore', 'pipe'],
    clearGroups: true, // the path to DST passes directories of the caller's group (see native/userns.c)
  });
  const errors = [collect(reader.child.stderr!), collect(writer.child.stderr!)];
  reader.child.stdout!.pipe(writer.child.stdin!);
  // One side failing must not leave the other blocked on the pipe forever.
  writer.child.stdin!.on('error', () => reader.child.kill('SIGKILL'));
  const both = [reader, writer];
  const settled = await Promise.allSettled(
    both.map((side, i) =>
      side.done.catch((e: unknown) => {
        both[1 - i].child.kill('SIGKILL');
        throw e;
      }),
    ),
  );
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  const codes = settled.map((r) => (r as PromiseFulfilledResult<number>).value);
  if (codes.some((c) => c !== 0)) {
    const why = (await Promise.all(errors)).join('').trim();
    throw new UserError(`could not copy image '${image}' into the container's user namespace (tar exit ${codes.join(', ')}): ${why}`);
  }
}
