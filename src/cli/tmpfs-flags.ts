// --tmpfs PATH[:OPTS], podman's: a tmpfs at PATH with its mount options.
// Without OPTS, podman's defaults: rw, noexec, nosuid, nodev (mode 1777,
// the kernel's size: half of RAM). Options given are added to those
// defaults and override them (exec, suid, dev, ro). The helper checks every
// option again (native/tmpfs.c), since they end in mount(2)'s data string.
import path from 'node:path';
import { list, type FlagSpec, type Parsed } from './args.js';
import { UserError } from '../common/errors.js';
import { parseSize } from '../common/size.js';
import type { VolumeSpec } from '../engine/types.js';

export const TMPFS_FLAGS: FlagSpec[] = [
  { name: 'tmpfs', type: 'list', arg: 'PATH[:OPTS]', help: 'mount a tmpfs at PATH; OPTS: rw ro exec noexec suid nosuid dev nodev size=64m mode=1777 uid=N gid=N nr_inodes=N' },
];

const FLAGS: Record<string, string> = { ro: 'rw', rw: 'ro', exec: 'noexec', noexec: 'exec', suid: 'nosuid', nosuid: 'suid', dev: 'nodev', nodev: 'dev' };
const DEFAULTS = ['rw', 'noexec', 'nosuid', 'nodev'];
const HINT = 'Options are rw, ro, exec, noexec, suid, nosuid, dev, nodev, size=SIZE (64m, 10%), mode=OCTAL, uid=N, gid=N, nr_inodes=N, separated by commas: --tmpfs /run:size=64m,mode=755.';

function option(opt: string, where: string): [string, string | undefined] {
  const eq = opt.indexOf('=');
  const key = eq < 0 ? opt : opt.slice(0, eq);
  const value = eq < 0 ? undefined : opt.slice(eq + 1);
  const bad = (why: string) => new UserError(`${where}: ${why}`, 125, HINT);
  if (value === undefined) {
    if (key in FLAGS) return [key, undefined];
    if (key === 'notmpcopyup' || key === 'private' || key === 'rprivate') return [key, undefined];
    if (key === 'tmpcopyup') throw new UserError(`${where}: tmpcopyup (copying the image's files at PATH into the tmpfs) is not supported`, 125, 'Drop it: the tmpfs starts empty.');
    throw bad(`unknown option '${opt}'`);
  }
  switch (key) {
    case 'size': {
      if (/^\d{1,3}%$/.test(value) && Number(value.slice(0, -1)) <= 100) return [key, value];
      const n = parseSize(value);
      if (n === null || n <= 0) throw bad(`size=${value} is not a size`);
      return [key, String(n)];
    }
    case 'mode':
      if (!/^[0-7]{1,4}$/.test(value)) throw bad(`mode=${value} is not an octal mode`);
      return [key, value];
    case 'uid':
    case 'gid':
      if (!/^\d+$/.test(value) || Number(value) > 0xfffffffe) throw bad(`${key}=${value} is not an id`);
      return [key, value];
    case 'nr_inodes':
    case 'nr_blocks':
      if (!/^\d+[kmg]?$/i.test(value)) throw bad(`${key}=${value} is not a number`);
      return [key, value];
    default:
      throw bad(`unknown option '${key}'`);
  }
}

/** One --tmpfs value to a tmpfs VolumeSpec with its normalized options. */
export function parseTmpfs(text: string): VolumeSpec {
  const where = `--tmpfs ${text}`;
  const colon = text.indexOf(':');
  const dst = colon < 0 ? text : text.slice(0, colon);
  if (!dst.startsWith('/')) throw new UserError(`${where}: '${dst}' is not an absolute path`, 125, 'Give a path inside the container, e.g. --tmpfs /run.');
  const norm = path.posix.normalize(dst).replace(/(.)\/$/, '$1');
  if (norm === '/') throw new UserError(`${where} would mount over the container's root directory`, 125, 'Mount at a directory below /.');
  const flags = new Map<string, true>(DEFAULTS.map((f) => [f, true]));
  const data = new Map<string, string>();
  for (const opt of colon < 0 ? [] : text.slice(colon + 1).split(',').filter(Boolean)) {
    const [key, value] = option(opt, where);
    if (value !== undefined) data.set(key, value);
    else if (key in FLAGS) {
      flags.delete(FLAGS[key]);
      flags.set(key, true);
    }
  }
  return { source: '', destination: norm, readOnly: flags.has('ro'), relabel: '', chown: false, type: 'tmpfs', tmpfsOptions: [...flags.keys(), ...[...data].map(([k, v]) => `${k}=${v}`)] };
}

export function parseTmpfsFlags(p: Parsed): VolumeSpec[] {
  return list(p, 'tmpfs').map(parseTmpfs);
}
