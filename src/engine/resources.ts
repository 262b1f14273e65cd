// Resource limits: the defaults the engine applies, and the limits in words.
// Flags become ResourceLimits in src/cli/resource-flags.ts; whether the host
// can enforce them is cgroups/validate.ts's job.
import type { ResourceLimits } from './types.js';
import { formatSize } from '../common/size.js';

/**
 * The pids limit of a container run without --pids-limit, as podman's
 * (containers.conf pids_limit): a fork bomb fills its own container, not the
 * host's process table. Where the host cannot enforce it (no pids
 * controller, or rootless) there is none, as with podman.
 */
export const DEFAULT_PIDS_LIMIT = 2048;
/** the CFS period of --cpus, podman's and the kernel's default (100 ms) */
export const DEFAULT_PERIOD = 100000;

/** The limits in words, for inspect and the dashboard; fields not set are left out. */
export function formatLimits(l: ResourceLimits): Record<string, string> {
  const out: Record<string, string> = {};
  if (l.memory !== undefined) out['Memory'] = formatSize(l.memory);
  if (l.memorySwap !== undefined) out['Memory+swap'] = l.memorySwap === -1 ? 'unlimited' : formatSize(l.memorySwap);
  else if (l.memory !== undefined) out['Memory+swap'] = `${formatSize(2 * l.memory)} (default: twice the memory)`;
  if (l.memoryReservation !== undefined) out['Memory reservation'] = formatSize(l.memoryReservation);
  if (l.cpuQuota !== undefined) {
    const period = l.cpuPeriod ?? DEFAULT_PERIOD;
    out['CPUs'] = l.cpuQuota === -1 ? 'unlimited' : `${+(l.cpuQuota / period).toFixed(3)} (quota ${l.cpuQuota}us per ${period}us)`;
  }
  if (l.cpuShares !== undefined) out['CPU shares'] = String(l.cpuShares);
  if (l.cpuWeight !== undefined) out['CPU weight'] = String(l.cpuWeight);
  if (l.cpusetCpus !== undefined) out['CPU set'] = l.cpusetCpus;
  if (l.pidsLimit !== undefined) out['PIDs'] = l.pidsLimit <= 0 ? 'unlimited' : String(l.pidsLimit);
  if (l.blkioWeight !== undefined) out['Block IO weight'] = String(l.blkioWeight);
  return out;
}
