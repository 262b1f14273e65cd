// ResourceLimits -> the cgroup files to write, for v1 and v2. A pure plan
// (paths and values), so the mapping is unit-tested without a kernel; the
// callers decide where each controller lives and apply the writes in order.
import path from 'node:path';
import type { ResourceLimits } from '../types.js';
import { UserError } from '../../common/errors.js';
import { parseLimit } from '../../probe/cgroupfiles.js';

/** Controllers that enforce limits, by their v1 names (v2 calls blkio "io"). */
export type LimitController = 'memory' | 'cpu' | 'cpuset' | 'pids' | 'blkio';

/** The flag a user gave for each limit, and the controller that enforces it. */
export const LIMIT_FIELDS: Record<keyof ResourceLimits, { flag: string; controller: LimitController }> = {
  memory: { flag: '--memory', controller: 'memory' },
  memorySwap: { flag: '--memory-swap', controller: 'memory' },
  memoryReservation: { flag: '--memory-reservation', controller: 'memory' },
  cpuQuota: { flag: '--cpus/--cpu-quota', controller: 'cpu' },
  cpuPeriod: { flag: '--cpu-period', controller: 'cpu' },
  cpuShares: { flag: '--cpu-shares', controller: 'cpu' },
  cpuWeight: { flag: '--cpu-weight', controller: 'cpu' },
  cpusetCpus: { flag: '--cpuset-cpus', controller: 'cpuset' },
  pidsLimit: { flag: '--pids-limit', controller: 'pids' },
  blkioWeight: { flag: '--blkio-weight', controller: 'blkio' },
};

export function v2ControllerName(c: LimitController): string {
  return c === 'blkio' ? 'io' : c;
}

/** The limit fields that are set, in a stable order. */
export function setFields(limits: ResourceLimits): Array<keyof ResourceLimits> {
  return (Object.keys(LIMIT_FIELDS) as Array<keyof ResourceLimits>).filter((k) => limits[k] !== undefined);
}

/** Where a container's cgroup for each controller is, and which version it is. */
export type Placement = Partial<Record<LimitController, { dir: string; version: 1 | 2 }>>;

export interface CgroupWrite {
  file: string;
  value: string;
  /** the flag this write carries out, for error messages */
  flag: string;
}

const DEFAULT_CFS_PERIOD = 100000;

/** cpu.shares (2..262144, default 1024) <-> cpu.weight (1..10000, default 100):
 *  the linear map between the two ranges, rounded down as crun does, so a
 *  value means the same relative share under podman, crun and tsbox. */
export function sharesToWeight(shares: number): number {
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}
export function weightToShares(weight: number): number {
  return Math.floor(2 + ((weight - 1) * 262142) / 9999);
}

/** What the plan may ask about a container's cgroup files. */
export interface CgroupFiles {
  /** whether an optional file (swap accounting, bfq weights) exists for a cgroup like `dir` */
  has(dir: string, file: string): boolean;
  /** a control file's current value; undefined for a cgroup being created */
  current(dir: string, file: string): string | undefined;
}

/**
 * The writes that apply `limits`, in the order they must happen. Limits that
 * need a missing optional file are refused rather than skipped.
 */
export function planLimitWrites(limits: ResourceLimits, placement: Placement, files: CgroupFiles): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  const where = (c: LimitController, flag: string) => {
    const p = placement[c];
    if (!p) throw refusal(flag, `this container has no ${c} cgroup (the ${c} controller is not available on this host)`);
    return p;
  };
  const put = (dir: string, file: string, value: string | number, flag: string) =>
    out.push({ file: path.join(dir, file), value: String(value), flag });

  // memory: --memory-swap is memory+swap, as in docker and podman; unset, the
  // container may use as much swap as memory (swap total = 2 x memory).
  const { memory, memorySwap, memoryReservation } = limits;
  if (memory !== undefined || memorySwap !== undefined || memoryReservation !== undefined) {
    const { dir, version } = where('memory', memory !== undefined ? '--memory' : memorySwap !== undefined ? '--memory-swap' : '--memory-reservation');
    const swapTotal = memorySwap ?? (memory !== undefined ? 2 * memory : undefined);
    const swapFile = version === 1 ? 'memory.memsw.limit_in_bytes' : 'memory.swap.max';
    const swapAccounted = files.has(dir, swapFile);
    if (memorySwap !== undefined && !swapAccounted) {
      throw refusal('--memory-swap', `swap accounting is off on this host (${swapFile} does not exist)`, 'Boot the kernel with swapaccount=1, or leave --memory-swap out.');
    }
    if (version === 1) {
      // v1 keeps memsw >= limit at every moment: a limit raised above the
      // current memsw needs the new memsw first, any other change the limit first.
      const writeSwap = swapTotal !== undefined && swapAccounted;
      const currentSwap = parseLimit(files.current(dir, swapFile) ?? 'max');
      const swapFirst = writeSwap && memory !== undefined && currentSwap !== null && memory > currentSwap;
      if (swapFirst) put(dir, swapFile, swapTotal!, '--memory-swap');
      if (memory !== undefined) put(dir, 'memory.limit_in_bytes', memory, '--memory');
      if (writeSwap && !swapFirst) put(dir, swapFile, swapTotal!, '--memory-swap');
      if (memoryReservation !== undefined) put(dir, 'memory.soft_limit_in_bytes', memoryReservation, '--memory-reservation');
    } else {
      if (memory !== undefined) put(dir, 'memory.max', memory, '--memory');
      if (swapTotal !== undefined && swapAccounted) {
        // v2 limits swap alone
        const swapOnly = swapTotal === -1 ? 'max' : Math.max(0, swapTotal - (memory ?? 0));
        put(dir, swapFile, swapOnly, '--memory-swap');
      }
      if (memoryReservation !== undefined) put(dir, 'memory.low', memoryReservation, '--memory-reservation');
    }
  }

  const { cpuQuota, cpuPeriod, cpuShares, cpuWeight } = limits;
  if (cpuQuota !== undefined || cpuPeriod !== undefined) {
    const { dir, version } = where('cpu', LIMIT_FIELDS.cpuQuota.flag);
    if (version === 1) {
      if (cpuPeriod !== undefined) put(dir, 'cpu.cfs_period_us', cpuPeriod, '--cpu-period');
      if (cpuQuota !== undefined) put(dir, 'cpu.cfs_quota_us', cpuQuota, LIMIT_FIELDS.cpuQuota.flag);
    } else {
      const max = cpuQuota === undefined || cpuQuota === -1 ? 'max' : String(cpuQuota);
      put(dir, 'cpu.max', `${max} ${cpuPeriod ?? DEFAULT_CFS_PERIOD}`, LIMIT_FIELDS.cpuQuota.flag);
    }
  }
  if (cpuShares !== undefined || cpuWeight !== undefined) {
    const flag = cpuShares !== undefined ? '--cpu-shares' : '--cpu-weight';
    const { dir, version } = where('cpu', flag);
    if (version === 1) put(dir, 'cpu.shares', cpuShares ?? weightToShares(cpuWeight!), flag);
    else put(dir, 'cpu.weight', cpuWeight ?? sharesToWeight(cpuShares!), flag);
  }

  if (limits.cpusetCpus !== undefined) {
    put(where('cpuset', '--cpuset-cpus').dir, 'cpuset.cpus', limits.cpusetCpus, '--cpuset-cpus');
  }

  if (limits.pidsLimit !== undefined) {
    put(where('pids', '--pids-limit').dir, 'pids.max', limits.pidsLimit <= 0 ? 'max' : limits.pidsLimit, '--pids-limit');
  }

  if (limits.blkioWeight !== undefined) {
    const { dir, version } = where('blkio', '--blkio-weight');
    // Only bfq enforces proportional weights on current kernels (CFQ, which
    // blkio.weight belonged to, is gone); io.weight needs iocost set up per device.
    const candidates = version === 1 ? ['blkio.bfq.weight', 'blkio.weight'] : ['io.bfq.weight'];
    const file = candidates.find((f) => files.has(dir, f));
    if (!file) throw refusal('--blkio-weight', `the kernel offers no I/O weight file here (none of ${candidates.join(', ')})`);
    put(dir, file, limits.blkioWeight, '--blkio-weight');
  }
  return out;
}

export function refusal(flag: string, because: string, hint?: string): UserError {
  return new UserError(`refused: ${flag} because ${because}`, 125, hint);
}
