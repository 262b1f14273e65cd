// tsbox info: what this host supports, read from the kernel.
import fs from 'node:fs';
import os from 'node:os';
import type { Command } from '../command.js';
import { Engine } from '../../engine/engine.js';
import { detectLayout } from '../../probe/cgroup-layout.js';
import { selinuxSetting, selinuxState } from '../../engine/selinux.js';
import { readSubIds } from '../../engine/subid.js';
import { NAMESPACE_TYPES } from '../../engine/types.js';
import { isRootless } from '../../engine/paths.js';
import { nativeDir } from '../../engine/helper.js';
import { KERNEL_FLOOR, meetsKernelFloor } from '../../engine/kernel.js';
import { lockMethod, spawnMethod } from '../../engine/spawn.js';
import { readConfig } from '../../engine/config.js';
import { formatFlag, json } from '../format.js';
import { str } from '../args.js';
import { print } from '../output.js';

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function mapTool(name: string): { path: string | null; setuid: boolean } {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    try {
      const st = fs.statSync(`${dir}/${name}`);
      return { path: `${dir}/${name}`, setuid: (st.mode & 0o4000) !== 0 || (st.mode & 0o111) !== 0 };
    } catch {
      /* try the next dir */
    }
  }
  return { path: null, setuid: false };
}

/** How a container's device allowlist is enforced here (src/engine/devices.ts). */
function deviceControl(layout: ReturnType<typeof detectLayout>): string {
  if (isRootless()) return 'none needed: a user namespace refuses device nodes';
  if (layout.v1.devices) return `v1 devices cgroup (${layout.v1.devices})${layout.v2Root ? ', and a BPF program on cgroup v2' : ''}`;
  if (layout.v2Root) return 'a BPF program on cgroup v2';
  return 'none: no devices cgroup and no cgroup v2';
}

/** Which user namespace root's containers get by default, where that is set, and what to do when it is the host's. */
function usernsDefault(engineRoot: string | undefined): Record<string, unknown> {
  if (isRootless()) return { default: 'your own (rootless): container root is your uid' };
  const conf = readConfig(engineRoot);
  if (conf.userns === 'auto') return { default: 'auto (a uid range of its own per container)', config: conf.file };
  return {
    default: 'host: container root is host root',
    config: conf.file,
    advice:
      `set userns = "auto" under [containers] in ${conf.file}, as podman's containers.conf, or run with --userns=auto: each container then gets a ` +
      "range of its own (from /etc/subuid's \"containers\" entry, else 2147483648 and up), and `tsbox audit` stops reporting root-is-host-root. " +
      'Host directories mounted with -v show as nobody to it unless their owners are in its range: add :idmap (-v /dir:/dir:idmap) and it sees and writes them with their host owners.',
  };
}

export function hostInfo(engineRoot?: string): Record<string, unknown> {
  const engine = Engine.open({ root: engineRoot });
  const layout = detectLayout();
  const status = readOr('/proc/self/status', '');
  const seccompAvail = /^Seccomp:/m.test(status);
  const sel = selinuxState(selinuxSetting(engine.options.selinux));
  return {
    host: {
      hostname: os.hostname(),
      kernel: os.release(),
      kernelFloor: { required: `${KERNEL_FLOOR.major}.${KERNEL_FLOOR.minor}`, met: meetsKernelFloor(os.release()) },
      arch: process.arch,
      rootless: isRootless(),
      cgroups: { layout: layout.kind, v1: layout.v1, v2Root: layout.v2Root ?? null, v2Controllers: layout.v2Controllers },
      namespaces: Object.fromEntries(NAMESPACE_TYPES.map((t) => [t, fs.existsSync(`/proc/self/ns/${t}`)])),
      userNamespaces: {
        maxUserNamespaces: Number(readOr('/proc/sys/user/max_user_namespaces', '0')),
        unprivilegedClone: readOr('/proc/sys/kernel/unprivileged_userns_clone', 'n/a'),
        containers: usernsDefault(engineRoot),
      },
      seccomp: seccompAvail,
      selinux: { kernel: fs.existsSync('/sys/fs/selinux/enforce'), enforcing: sel.enforcing, labeling: sel.labeling, note: sel.note },
      newuidmap: mapTool('newuidmap'),
      newgidmap: mapTool('newgidmap'),
      subIds: readSubIds(),
      overlay: /\toverlay$/m.test(readOr('/proc/filesystems', '')),
      devices: deviceControl(layout),
    },
    store: { data: engine.paths.data, run: engine.paths.run, containers: engine.list({ all: true }).length, images: engine.images.list().length },
    tsbox: { helper: engine.helperPath, helperStart: spawnMethod(nativeDir()), stateLock: lockMethod(nativeDir()) },
  };
}

export const info: Command = {
  name: 'info',
  summary: 'Show what this host supports (cgroups, namespaces, seccomp, SELinux, id maps)',
  usage: 'tsbox info [--format json]',
  flags: [{ name: 'format', type: 'string', arg: 'FORMAT', help: 'json, or YAML-like text (default)' }],
  async run(p, g) {
    const data = hostInfo(g.root);
    if (formatFlag(str(p, 'format')) === 'json') {
      print(json(data));
      return 0;
    }
    const lines: string[] = [];
    const walk = (v: unknown, indent: string) => {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x && typeof x === 'object' && !Array.isArray(x)) {
          lines.push(`${indent}${k}:`);
          walk(x, indent + '  ');
        } else lines.push(`${indent}${k}: ${Array.isArray(x) ? JSON.stringify(x) : String(x)}`);
      }
    };
    walk(data, '');
    print(lines.join('\n') + '\n');
    return 0;
  },
};
