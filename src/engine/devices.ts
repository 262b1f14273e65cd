// The device nodes a container may create and open: those tsbox makes in
// its /dev (null, zero, full, random, urandom, tty: native/mounts.c) and its
// own devpts (ptmx, pts/*), and nothing else. Like podman's list, it has no
// /dev/console (5:1): tsbox makes none, so such a node could only come from
// the image, and opening it would reach the host's console. Without a list,
// a container given CAP_MKNOD (--cap-add MKNOD) could make a node for the
// host's disk and read it; the kernel checks every mknod and open of a
// device node against the container's cgroup. The rules are in the syntax
// of a v1 devices.allow file. On v1 the engine writes them
// (cgroups/create.ts); on v2, where the kernel asks a BPF program instead,
// the helper builds and attaches one from the same rules (--device-rule,
// native/devices.c).
//
// `--device HOST[:CONTAINER[:rwm]]` adds a host node: the helper makes a
// node of the same type, number, mode and owner in the container
// (--device-fd; in a user namespace, where mknod is refused, it binds the
// host's node) and the list gets a rule for exactly that number with the
// access asked for (default rwm). `--device-cgroup-rule 'c 1:11 rwm'` adds a
// rule alone, for nodes the container makes itself (with CAP_MKNOD).
//
// Privileged containers get every device, as with podman; rootless ones
// need none: the kernel refuses device nodes made in a user namespace, and
// only root may load the BPF program.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import { openExact } from './host-paths.js';
import type { DeviceSpec } from './types.js';

export const DEFAULT_DEVICE_RULES: readonly string[] = Object.freeze([
  'c *:* m', // mknod of any node (opening one is another matter)
  'b *:* m',
  'c 1:3 rwm', // /dev/null
  'c 1:5 rwm', // /dev/zero
  'c 1:7 rwm', // /dev/full
  'c 1:8 rwm', // /dev/random
  'c 1:9 rwm', // /dev/urandom
  'c 5:0 rwm', // /dev/tty
  'c 5:2 rwm', // /dev/ptmx
  'c 136:* rwm', // /dev/pts/*
]);

/** The allowlist for a container, or undefined for none (every device): the defaults, then --device's, then --device-cgroup-rule's. */
export function deviceRules(opts: { privileged: boolean; rootless: boolean; devices?: readonly DeviceSpec[]; rules?: readonly string[] }): readonly string[] | undefined {
  if (opts.privileged || opts.rootless) return undefined;
  if (!opts.devices?.length && !opts.rules?.length) return DEFAULT_DEVICE_RULES;
  return [...DEFAULT_DEVICE_RULES, ...(opts.devices ?? []).map((d) => `${d.type} ${d.major}:${d.minor} ${d.access}`), ...(opts.rules ?? [])];
}

const RULE_RE = /^([abc]) (\d+|\*):(\d+|\*) ([rwm]{1,3})$/;

/** A --device-cgroup-rule value, checked: `TYPE MAJOR:MINOR ACCESS` as in a v1 devices.allow file. */
export function checkDeviceRule(rule: string): string {
  const m = RULE_RE.exec(rule.trim().replace(/\s+/g, ' '));
  const numbers = m ? [m[2], m[3]].filter((n) => n !== '*').map(Number) : [];
  if (!m || new Set(m[4]).size !== m[4].length || numbers.some((n) => n > 0x7fffffff)) {
    throw new UserError(`invalid --device-cgroup-rule '${rule}'`, 125, "Use 'TYPE MAJOR:MINOR ACCESS': TYPE a, b or c, numbers or *, ACCESS of r, w, m (e.g. 'c 1:11 rw', 'b 7:* rwm').");
  }
  return `${m[1]} ${m[2]}:${m[3]} ${m[4]}`;
}

/** major/minor of a dev_t as the kernel encodes it (new_encode_dev) */
function devNumbers(rdev: number): { major: number; minor: number } {
  const r = BigInt(rdev);
  return { major: Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn)), minor: Number((r & 0xffn) | ((r >> 12n) & ~0xffn)) };
}

const ACCESS_RE = /^[rwm]{1,3}$/;

/**
 * --device HOST[:CONTAINER][:PERMS] (podman's; HOST:PERMS too) to the nodes
 * it adds: one for a device node, every node under a directory (as podman:
 * `--device /dev/dri`). HOST's symlinks are followed, as podman does.
 */
export function resolveDevice(text: string): DeviceSpec[] {
  const parts = text.split(':');
  let [host, dst, access] = parts;
  if (parts.length === 2 && ACCESS_RE.test(dst) && !dst.startsWith('/')) [dst, access] = [host, dst];
  dst ||= host;
  access ||= 'rwm';
  const hint = 'Use --device HOST[:CONTAINER[:PERMS]] with absolute paths and PERMS of r, w, m, e.g. --device /dev/fuse or --device /dev/sdc:/dev/xvdc:r.';
  if (parts.length > 3 || !host || !host.startsWith('/') || !dst.startsWith('/')) throw new UserError(`invalid --device '${text}'`, 125, hint);
  if (!ACCESS_RE.test(access) || new Set(access).size !== access.length) throw new UserError(`invalid --device '${text}': permissions '${access}'`, 125, hint);
  const norm = path.posix.normalize(dst);
  if (norm === '/' || dst.split('/').includes('..')) throw new UserError(`invalid --device '${text}': the container path ${dst}`, 125, hint);
  let real: string;
  let st: fs.Stats;
  try {
    real = fs.realpathSync(host);
    st = fs.statSync(real);
  } catch (e) {
    throw new UserError(`--device ${host}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, 125, 'Give the path of a device node on this host, e.g. /dev/fuse.');
  }
  if (st.isDirectory()) {
    const out: DeviceSpec[] = [];
    for (const name of fs.readdirSync(real, { recursive: true }) as string[]) {
      const f = path.join(real, name);
      const s = fs.lstatSync(f);
      if (s.isCharacterDevice() || s.isBlockDevice()) out.push({ hostPath: f, path: path.posix.join(norm, name), type: s.isBlockDevice() ? 'b' : 'c', ...devNumbers(s.rdev), access });
    }
    if (out.length === 0) throw new UserError(`--device ${host}: the directory holds no device node`, 125, 'Give a device node, or a directory with some.');
    return out;
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) throw new UserError(`--device ${host}: ${real} is not a device node`, 125, 'Give a character or block device, e.g. /dev/fuse; for files use -v.');
  return [{ hostPath: real, path: norm, type: st.isBlockDevice() ? 'b' : 'c', ...devNumbers(st.rdev), access }];
}

/**
 * At start: an O_PATH fd on each device's host node, checked to be the node
 * recorded at create (the same path, type and number), for the helper's
 * --device-fd. The caller closes them.
 */
export function openDevices(devices: readonly DeviceSpec[]): number[] {
  const fds: number[] = [];
  try {
    for (const d of devices) {
      const r = openExact(d.hostPath);
      if ('changed' in r) throw new UserError(`the device ${d.hostPath} changed since the container was created: ${r.changed}`, 125, 'Put it back, or create the container again.');
      fds.push(r.fd);
      const st = fs.fstatSync(r.fd);
      const n = devNumbers(st.rdev);
      if (!(d.type === 'b' ? st.isBlockDevice() : st.isCharacterDevice()) || n.major !== d.major || n.minor !== d.minor) {
        throw new UserError(`the device ${d.hostPath} is not ${d.type} ${d.major}:${d.minor} any more`, 125, 'Create the container again to use what is there now.');
      }
    }
  } catch (e) {
    for (const fd of fds) fs.closeSync(fd);
    throw e;
  }
  return fds;
}

/** The rules as OCI config.json has them (linux.resources.devices). */
export function ociDeviceRules(rules: readonly string[] | undefined): Array<Record<string, unknown>> {
  if (!rules) return [{ allow: true, access: 'rwm' }];
  return [
    { allow: false, access: 'rwm' },
    ...rules.map((r) => {
      const [type, nums, access] = r.split(' ');
      const [major, minor] = nums.split(':').map((n) => (n === '*' ? undefined : Number(n)));
      return { allow: true, type, ...(major === undefined ? {} : { major }), ...(minor === undefined ? {} : { minor }), access };
    }),
  ];
}
