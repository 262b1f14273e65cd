// Which device nodes a container may open, as its cgroups say: the v1
// devices.list, read as the kernel keeps it. On cgroup v2 the answer is a BPF
// program on the cgroup, which only the bpf syscall reads back: the probe
// names the cgroup, and the audit has the helper read the programs there
// (src/engine/device-program.ts).
import fs from 'node:fs';
import path from 'node:path';
import { detectLayout, type CgroupLayout } from './cgroup-layout.js';

export type DeviceAccess =
  /** v1: the rules of devices.list ("a *:* rwm" is every device) */
  | { kind: 'list'; rules: string[] }
  /** v2 only: BPF programs on this v2 cgroup (and its ancestors) decide */
  | { kind: 'bpf'; cgroup: string }
  /** no devices cgroup and no cgroup v2 of its own (rootless on v1, say) */
  | { kind: 'none' };

/** `cgroupPaths` as recorded for the container (one per hierarchy); undefined when its devices cgroup is gone. */
export function readDeviceAccess(cgroupPaths: readonly string[], layout: CgroupLayout = detectLayout()): DeviceAccess | undefined {
  const under = (mount: string | undefined) => mount !== undefined && cgroupPaths.find((p) => p.startsWith(`${mount}/`));
  const v1 = under(layout.v1.devices);
  if (v1) {
    try {
      return { kind: 'list', rules: fs.readFileSync(path.join(v1, 'devices.list'), 'latin1').split('\n').filter(Boolean) };
    } catch {
      return undefined;
    }
  }
  const v2 = under(layout.v2Root);
  return v2 ? { kind: 'bpf', cgroup: v2 } : { kind: 'none' };
}

const KNOWN: Record<string, string> = {
  'c 1:3': 'null',
  'c 1:5': 'zero',
  'c 1:7': 'full',
  'c 1:8': 'random',
  'c 1:9': 'urandom',
  'c 5:0': 'tty',
  'c 5:1': 'console',
  'c 5:2': 'ptmx',
  'c 136:*': 'pts',
};

/** Rules in words: "null zero ... pts (rwm), mknod of any" — what a person checks at a glance. */
export function describeDeviceRules(rules: readonly string[]): { every: boolean; text: string } {
  if (rules.some((r) => r.startsWith('a *:* ') && r.endsWith('rwm'))) return { every: true, text: 'every device (a *:* rwm)' };
  const named: string[] = [];
  const other: string[] = [];
  let mknodAny = false;
  for (const r of rules) {
    const [type, nums, access] = r.split(' ');
    if (nums === '*:*' && access === 'm') mknodAny = true;
    else if (KNOWN[`${type} ${nums}`] && access === 'rwm') named.push(KNOWN[`${type} ${nums}`]);
    else other.push(r);
  }
  const parts = [named.join(' '), ...other, mknodAny ? 'mknod of any node' : ''].filter(Boolean);
  return { every: false, text: parts.length ? parts.join(', ') : 'no device' };
}
