// --sysctl KEY=VALUE: kernel parameters of a namespace the container has of
// its own. runc's and podman's rule: net.* belong to a network namespace,
// kernel.msg*, kernel.shm*, kernel.sem and fs.mqueue.* to an IPC namespace,
// kernel.hostname and kernel.domainname to a UTS namespace; the container
// must have that namespace apart from the host (private, or another
// container's, which it then changes for both). Every other sysctl is the
// host's (vm.*, kernel.*, fs.*), whatever /proc it is written through, and
// is refused. The helper writes them into the container's /proc before it
// makes /proc/sys read-only (native/sysctl.c), and checks the same rule.
import fs from 'node:fs';
import { UserError } from '../common/errors.js';
import type { NamespaceMode, NamespaceType } from './types.js';

const NS_NAME: Record<'net' | 'ipc' | 'uts', { flag: string; what: string }> = {
  net: { flag: '--network', what: 'network' },
  ipc: { flag: '--ipc', what: 'IPC' },
  uts: { flag: '--uts', what: 'UTS' },
};

/** The namespace KEY (dotted) belongs to, or undefined: the host's. */
export function sysctlNamespace(key: string): 'net' | 'ipc' | 'uts' | undefined {
  if (key.startsWith('net.')) return 'net';
  if (key.startsWith('kernel.msg') || key.startsWith('kernel.shm') || key === 'kernel.sem' || key.startsWith('fs.mqueue.')) return 'ipc';
  if (key === 'kernel.hostname' || key === 'kernel.domainname') return 'uts';
  return undefined;
}

const HINT = 'Namespaced sysctls are net.*, kernel.msg*, kernel.shm*, kernel.sem, fs.mqueue.*, kernel.hostname and kernel.domainname.';

/** KEY=VALUE (sysctl's `/` form too) to [dotted key, value], or a UserError. */
export function parseSysctl(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UserError(`invalid --sysctl '${text}'`, 125, 'Use --sysctl KEY=VALUE, e.g. --sysctl net.ipv4.ip_unprivileged_port_start=80.');
  const key = text.slice(0, eq).replaceAll('/', '.');
  const value = text.slice(eq + 1);
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(key)) throw new UserError(`invalid --sysctl key '${text.slice(0, eq)}'`, 125, 'A key is a dotted name like net.ipv4.ping_group_range.');
  if (/[\n\0]/.test(value)) throw new UserError(`the value of --sysctl ${key} holds a newline or NUL`);
  return [key, value];
}

/**
 * Refuse, before anything is created, a sysctl that is not namespaced, that
 * belongs to a namespace the container shares with the host, or that this
 * kernel does not have.
 */
export function checkSysctls(sysctls: Record<string, string>, namespaces: Record<NamespaceType, NamespaceMode>, hostname: string, procSys = '/proc/sys'): void {
  for (const key of Object.keys(sysctls)) {
    const ns = sysctlNamespace(key);
    if (!ns) throw new UserError(`--sysctl ${key} is not namespaced: it would change the host`, 125, HINT);
    if (namespaces[ns].kind === 'host') {
      const n = NS_NAME[ns];
      throw new UserError(`--sysctl ${key} needs a ${n.what} namespace of the container's own, but it shares the host's (${n.flag} host)`, 125, `Drop ${n.flag} host, or the sysctl.`);
    }
    if (key === 'kernel.hostname' && hostname) throw new UserError('--sysctl kernel.hostname and --hostname both set the hostname', 125, 'Give only --hostname.');
    // the container's /proc/sys has the entries of this kernel (per-namespace
    // ones too: net.ipv4.conf.all/default, not those of interfaces it lacks)
    if (!fs.existsSync(`${procSys}/${key.replaceAll('.', '/')}`)) throw new UserError(`--sysctl ${key}: this kernel has no such sysctl`, 125, `There is no ${procSys}/${key.replaceAll('.', '/')}.`);
  }
}
