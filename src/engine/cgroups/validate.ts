// Refuse limits the host cannot enforce, before anything is created. podman
// warns and drops such limits; tsbox says which limit and why instead.
import fs from 'node:fs';
import type { ResourceLimits } from '../types.js';
import { UserError } from '../../common/errors.js';
import { formatCpuList, parseCpuList } from '../../probe/cgroupfiles.js';
import type { CgroupLayout } from '../../probe/cgroup-layout.js';
import { LIMIT_FIELDS, setFields, v2ControllerName, type LimitController } from './limits.js';
import { DELEGATION_HINT, ownDelegation, type DelegationResult } from './delegation.js';
import { os } from '../lazy.js';

/** What the checks need to know about the machine (read by hostFacts()). */
export interface HostFacts {
  /** CPUs this process may run on */
  usableCpus: number;
  online: number[];
  /** block devices whose active I/O scheduler is bfq */
  bfqDevices: string[];
  /** rootless on v2: controllers of the cgroup delegated to the user (cgroups/delegation.ts) */
  delegated?: string[];
  /** rootless on v2: why no cgroup is delegated to the user */
  notDelegated?: string;
}

/** `delegation`: rootless, the caller's delegated cgroup, when already known (default: found from /proc/self/cgroup). */
export function validateLimits(limits: ResourceLimits, layout: CgroupLayout, opts: { rootless: boolean; delegation?: DelegationResult }): void {
  if (setFields(limits).length === 0) return;
  const problems = limitProblems(limits, layout, opts, hostFacts(layout, opts.rootless, opts.delegation));
  if (problems.length > 0) {
    throw new UserError(problems.map((p) => p.text).join('\n'), 125, [...new Set(problems.flatMap((p) => p.hint ?? []))].join('\n') || undefined);
  }
}

export interface Problem {
  text: string;
  hint?: string;
}

/** Every limit in `limits` this host cannot enforce, each as `refused: FLAG because ...`. */
export function limitProblems(limits: ResourceLimits, layout: CgroupLayout, opts: { rootless: boolean }, host: HostFacts): Problem[] {
  const problems: Problem[] = [];
  const refuse = (flag: string, because: string, hint?: string) => problems.push({ text: `refused: ${flag} because ${because}`, hint });
  const fields = setFields(limits).filter((f) => !liftsLimit(f, limits));

  if (opts.rootless && layout.kind !== 'v2') {
    for (const f of fields) {
      refuse(
        LIMIT_FIELDS[f].flag,
        `rootless containers cannot have cgroup limits on a cgroup v1 host (this one is ${layout.kind}): v1 hierarchies cannot be delegated to an unprivileged user`,
        'Run as root, or boot with systemd.unified_cgroup_hierarchy=1 to use cgroup v2.',
      );
    }
    return problems;
  }

  if (opts.rootless && host.notDelegated) {
    for (const f of fields) refuse(LIMIT_FIELDS[f].flag, `rootless containers get cgroup limits only below a cgroup delegated to the user, and ${host.notDelegated}`, DELEGATION_HINT);
    return problems;
  }

  for (const f of fields) {
    const { flag, controller } = LIMIT_FIELDS[f];
    const missing = missingController(controller, layout, opts.rootless ? (host.delegated ?? []) : undefined);
    if (missing) refuse(flag, missing);
  }
  if (problems.length > 0) return problems;

  const { cpuQuota, cpuPeriod } = limits;
  if (cpuQuota !== undefined && cpuQuota > 0) {
    const cpus = cpuQuota / (cpuPeriod ?? 100000);
    if (cpus > host.usableCpus) {
      refuse(LIMIT_FIELDS.cpuQuota.flag, `it asks for ${+cpus.toFixed(2)} CPUs and only ${host.usableCpus} are available`);
    }
  }
  if (limits.cpusetCpus !== undefined) {
    const wanted = parseCpuList(limits.cpusetCpus) ?? [];
    const absent = wanted.filter((c) => !host.online.includes(c));
    if (absent.length > 0) {
      refuse('--cpuset-cpus', `CPUs ${formatCpuList(absent)} do not exist here (online: ${formatCpuList(host.online)})`);
    }
  }
  if (limits.blkioWeight !== undefined && host.bfqDevices.length === 0) {
    refuse(
      '--blkio-weight',
      'no block device uses the bfq I/O scheduler (see /sys/block/*/queue/scheduler), the only one that enforces I/O weights on this kernel, so the weight would have no effect',
      'Switch the container\'s disk to bfq (echo bfq > /sys/block/DEV/queue/scheduler), or leave --blkio-weight out.',
    );
  }
  return problems;
}

/** Values that remove a limit (`update --pids-limit -1`) need no controller to enforce anything. */
function liftsLimit(f: keyof ResourceLimits, l: ResourceLimits): boolean {
  return (f === 'pidsLimit' && l.pidsLimit! <= 0) || (f === 'cpuQuota' && l.cpuQuota === -1);
}

function missingController(c: LimitController, layout: CgroupLayout, delegated: string[] | undefined): string | undefined {
  if (layout.v1[c]) return undefined;
  const v2 = v2ControllerName(c);
  if (layout.v2Controllers.includes(v2)) {
    if (delegated && !delegated.includes(v2)) return `the ${v2} controller is not delegated to this user (it is not in the cgroup.controllers of the user's delegated cgroup)`;
    return undefined;
  }
  switch (layout.kind) {
    case 'v1':
      return `the ${c} controller is not mounted (no cgroup v1 mount carries it)`;
    case 'v2':
      return `the ${v2} controller is not available (not in ${layout.v2Root}/cgroup.controllers)`;
    case 'hybrid':
      return `the ${c} controller is neither mounted as cgroup v1 nor offered by the cgroup v2 hierarchy at ${layout.v2Root}`;
  }
}

/**
 * Each fact is read when a check first asks for it, once: every container
 * has a pids limit to check, and reading /sys/block for bfq (a file per
 * disk) and the online CPUs for it was most of the time `create` spent here.
 */
export function hostFacts(layout: CgroupLayout, rootless: boolean, delegation?: DelegationResult): HostFacts {
  const online = once(() => parseCpuList(readOr('/sys/devices/system/cpu/online', '')) ?? []);
  const bfq = once(() => bfqDevices());
  const deleg = once(() => (rootless && layout.v2Root ? (delegation ?? ownDelegation(layout.v2Root)) : undefined));
  return {
    get usableCpus() {
      return os().availableParallelism();
    },
    get online() {
      return online();
    },
    get bfqDevices() {
      return bfq();
    },
    get delegated() {
      const d = deleg();
      return d && 'delegation' in d ? d.delegation.controllers : undefined;
    },
    get notDelegated() {
      const d = deleg();
      return d && 'why' in d ? d.why : undefined;
    },
  };
}

function once<T>(read: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: read() }).v;
}

/** Block devices whose active scheduler (the one in brackets) is bfq. */
export function bfqDevices(sysBlock = '/sys/block'): string[] {
  let devices: string[];
  try {
    devices = fs.readdirSync(sysBlock);
  } catch {
    return [];
  }
  return devices.filter((d) => readOr(`${sysBlock}/${d}/queue/scheduler`, '').includes('[bfq]'));
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}
