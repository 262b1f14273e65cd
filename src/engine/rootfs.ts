// Prepares what a container's root filesystem is made of, and the helper
// arguments that assemble it inside the container's own mount namespace
// (so nothing is ever mounted on the host).
//
//  - the built-in `host` image: a skeleton dir per container with a private
//    /etc, /tmp and /root, and read-only binds of the host's /usr and /lib*;
//    /bin, /sbin and /lib* are symlinks where the host has merged /usr.
//  - an imported or layered image: overlayfs (the image's layers, or its
//    one tree, as the lower dirs; a per-container upper), or a private copy
//    where the kernel has no overlayfs or the container needs one.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import { isRootless } from './paths.js';
import { runProgramSync } from './programs.js';
import type { ImageStore } from './images.js';
import { HOST_IMAGE } from './images.js';
import type { RootfsPlan } from './helper-argv.js';
import type { ContainerSpec } from './types.js';

/** overlayfs stacks at most this many lower dirs (OVL_MAX_STACK); more: a private copy */
const OVERLAY_MAX_LOWER = 500;

const HOST_TOP_DIRS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];
const ETC_COPIED = ['passwd', 'group', 'nsswitch.conf', 'ld.so.cache', 'localtime', 'os-release', 'profile', 'shells'];
const SKELETON_DIRS = ['proc', 'sys', 'dev', 'run', 'var', 'home', 'mnt', 'opt', 'etc', 'usr'];

function overlaySupported(): boolean {
  try {
    return /\toverlay$/m.test(fs.readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    return false;
  }
}

/** A file or symlink of the host's /etc, copied as it is (fs.cpSync cost ~5 ms a run to load and walk). */
function copyIfExists(src: string, dst: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(src);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), dst);
  else if (st.isFile()) fs.copyFileSync(src, dst); // with the source's mode
  // anything else (a directory where a file belongs) is the host's oddity: the container does without it
}

function hostsFile(hostname: string): string {
  return `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${hostname}\n`;
}

/** Files every container gets a private copy of, bind-mounted over /etc. */
function writeEtcFiles(dir: string, hostname: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'hostname'), `${hostname}\n`);
  fs.writeFileSync(path.join(dir, 'hosts'), hostsFile(hostname));
  let resolv = '';
  try {
    resolv = fs.readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    /* no resolver configured on the host */
  }
  fs.writeFileSync(path.join(dir, 'resolv.conf'), resolv);
}

/**
 * Build the container's filesystem pieces on disk (at create time).
 * `privateCopy`: copy the image instead of layering over it, for every
 * container of root's in a user namespace (--uidmap, --userns=auto,
 * --userns=container:NAME). Its root is an unprivileged host uid that must
 * never reach the image (images.ts keeps it closed: it may hold setuid-root
 * files), and whose namespace does not map the image's owners: the copy,
 * made here by root, gets its owners shifted through the maps (idmapped.ts),
 * as podman's storage does, so container root owns its /etc.
 */
export function prepareRootfs(containerDir: string, spec: Pick<ContainerSpec, 'image' | 'imageId'>, images: ImageStore, hostname: string, opts: { privateCopy?: boolean } = {}): void {
  const rootfs = path.join(containerDir, 'rootfs');
  fs.mkdirSync(rootfs, { recursive: true, mode: 0o755 });
  writeEtcFiles(path.join(containerDir, 'etc'), hostname);
  const image = spec.image;
  if (image !== HOST_IMAGE) {
    const lowers = images.lowerDirs(images.forContainer(spec));
    const overlay = overlaySupported();
    if (overlay && !opts.privateCopy && lowers.length <= OVERLAY_MAX_LOWER) {
      fs.mkdirSync(path.join(containerDir, 'upper'), { mode: 0o755 });
      fs.mkdirSync(path.join(containerDir, 'work'), { mode: 0o700 });
    } else if (lowers.length === 1) {
      runProgramSync('cp', ['-a', '--reflink=auto', `${lowers[0]}/.`, rootfs], { what: `copying image '${image}' for the container failed` });
    } else if (overlay) {
      copyLayers(lowers, rootfs, image);
    } else {
      throw new UserError(`image '${image}' has ${lowers.length} layers, and this kernel has no overlayfs to put them together`, 125, 'Load the overlay module (modprobe overlay), or use an image of one layer.');
    }
    return;
  }
  for (const d of SKELETON_DIRS) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.mkdirSync(path.join(rootfs, 'tmp'), { mode: 0o1777 });
  fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  fs.mkdirSync(path.join(rootfs, 'root'), { mode: 0o700 });
  for (const d of HOST_TOP_DIRS) {
    const host = `/${d}`;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(host);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(host), path.join(rootfs, d));
    else if (st.isDirectory()) fs.mkdirSync(path.join(rootfs, d));
  }
  // A private /etc: users and groups resolve as on the host and the loader
  // finds its libraries. /etc/alternatives (hundreds of symlinks that
  // /usr/bin's alternatives point through) is bound read-only instead of
  // copied: copying it was most of the cost of a `run`.
  const etc = path.join(rootfs, 'etc');
  for (const f of ETC_COPIED) copyIfExists(path.join('/etc', f), path.join(etc, f));
  if (fs.existsSync('/etc/alternatives')) fs.mkdirSync(path.join(etc, 'alternatives'));
}

/**
 * A private copy of a layered image: its layers stacked by a read-only
 * overlay in a mount namespace of its own (which dies with the command, so
 * no mount is left on the host), copied out with cp -a. The kernel applies
 * the whiteouts and opaque dirs; nothing here walks paths a layer chose.
 */
function copyLayers(lowers: string[], rootfs: string, image: string): void {
  const mnt = fs.mkdtempSync(path.join(path.dirname(rootfs), '.layers-'));
  try {
    const script = 'mount -t overlay overlay -o "ro,lowerdir=$1" "$2" && cp -a --reflink=auto "$2/." "$3"';
    runProgramSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', lowers.join(':'), mnt, rootfs], {
      what: `copying the layers of image '${image}' for the container failed`,
    });
  } finally {
    fs.rmdirSync(mnt);
  }
}

/**
 * The pieces that put the rootfs together in the new mount namespace
 * (helper-argv.ts turns them into argv). Its binds name their sources by
 * path (--bind), unlike volumes (--bind-fd, volumes.ts), because nothing but
 * root and tsbox can change those paths: the host image's /usr, /lib* and
 * /etc/alternatives are system directories, bound read-only, so no
 * container can plant a symlink in them; the /etc files are in the
 * container's own directory (mode 0700), and the container only ever sees
 * those files, never the directory that holds them. The helper opens each
 * path once, before anything else.
 */
export function rootfsPlan(containerDir: string, spec: Pick<ContainerSpec, 'image' | 'imageId'>, images: ImageStore): RootfsPlan {
  const image = spec.image;
  const plan: RootfsPlan = { rootfs: path.join(containerDir, 'rootfs'), binds: [] };
  const ro = (dir: string) => plan.binds.push({ source: dir, destination: dir, readOnly: true });
  if (image === HOST_IMAGE) {
    ro('/usr');
    for (const d of HOST_TOP_DIRS) {
      try {
        if (fs.lstatSync(`/${d}`).isDirectory()) ro(`/${d}`);
      } catch {
        /* not on this host */
      }
    }
    if (fs.existsSync(path.join(plan.rootfs, 'etc/alternatives'))) ro('/etc/alternatives');
  } else if (fs.existsSync(path.join(containerDir, 'upper'))) {
    const rec = images.forContainer(spec);
    plan.overlay = { lower: images.lowerDirs(rec).join('+'), upper: path.join(containerDir, 'upper'), work: path.join(containerDir, 'work'), userxattr: rec.kind === 'oci' && isRootless() };
  }
  const etc = path.join(containerDir, 'etc');
  for (const f of ['hostname', 'hosts', 'resolv.conf']) plan.binds.push({ source: path.join(etc, f), destination: `/etc/${f}`, readOnly: false });
  return plan;
}
