// Resource limit flags (podman's names and meanings) -> ResourceLimits.
// Only the values are checked here; whether the host can enforce them is
// the engine's job (src/engine/cgroups/validate.ts).
import type { FlagSpec, Parsed } from './args.js';
import { UserError } from '../common/errors.js';
import { formatSize, parseSize } from '../common/size.js';
import { DEFAULT_PERIOD } from '../engine/resources.js';
import type { ResourceLimits } from '../engine/types.js';
import { formatCpuList, parseCpuList } from '../probe/cgroupfiles.js';

const SIZE_FORMAT = 'a number with an optional unit b, k, m or g (KiB, MiB, GiB), e.g. 64m or 1.5g';

export const RESOURCE_FLAGS: FlagSpec[] = [
  { name: 'memory', short: 'm', type: 'string', arg: 'SIZE', help: 'memory limit (format: <number>[<unit>], unit = b, k, m or g)' },
  { name: 'memory-swap', type: 'string', arg: 'SIZE', help: 'memory plus swap limit; -1 for unlimited swap (default: twice --memory)' },
  { name: 'memory-reservation', type: 'string', arg: 'SIZE', help: 'memory soft limit, reclaimed down to under memory pressure' },
  { name: 'cpus', type: 'string', arg: 'N', help: 'number of CPUs, e.g. 1.5 (0 = no limit)' },
  { name: 'cpu-period', type: 'string', arg: 'USEC', help: 'limit the CPU CFS (Completely Fair Scheduler) period, 1000-1000000 microseconds' },
  { name: 'cpu-quota', type: 'string', arg: 'USEC', help: 'limit the CPU CFS (Completely Fair Scheduler) quota per period; -1 for none' },
  { name: 'cpu-shares', short: 'c', type: 'string', arg: 'N', help: 'CPU shares (relative weight, 2-262144, default 1024)' },
  { name: 'cpu-weight', type: 'string', arg: 'N', help: 'CPU weight (relative, 1-10000, default 100; cgroup v2 name of --cpu-shares)' },
  { name: 'cpuset-cpus', type: 'string', arg: 'LIST', help: 'CPUs in which to allow execution (0-3, 0,1)' },
  { name: 'pids-limit', type: 'string', arg: 'N', help: 'tune container pids limit (set -1 for unlimited)' },
  { name: 'blkio-weight', type: 'string', arg: 'N', help: 'block IO relative weight, 10-1000 (needs the bfq I/O scheduler)' },
];

/** podman and docker refuse smaller memory limits: a process cannot start in less. */
const MIN_MEMORY = 6 * 1024 * 1024;

function flagValue(p: Parsed, name: string): string | undefined {
  const v = p.flags[name];
  return typeof v === 'string' ? v : undefined;
}

function bad(flag: string, value: string, expected: string): UserError {
  return new UserError(`invalid value for --${flag}: '${value}'`, 125, `Expected ${expected}.`);
}

function sizeFlag(p: Parsed, flag: string): number | undefined {
  const v = flagValue(p, flag);
  if (v === undefined) return undefined;
  const n = parseSize(v);
  if (n === null) throw bad(flag, v, SIZE_FORMAT);
  return n;
}

function intFlag(p: Parsed, flag: string, min: number, max: number, extra?: number): number | undefined {
  const v = flagValue(p, flag);
  if (v === undefined) return undefined;
  const n = /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (n === extra) return n;
  if (!(n >= min && n <= max)) throw bad(flag, v, `a whole number from ${min} to ${max}${extra !== undefined ? ` (or ${extra})` : ''}`);
  return n;
}

/** The limits given on the command line; fields not given stay undefined. */
export function parseResourceFlags(p: Parsed): ResourceLimits {
  const out: ResourceLimits = {};

  const memory = sizeFlag(p, 'memory');
  if (memory !== undefined) {
    if (memory < MIN_MEMORY) throw new UserError(`invalid value for --memory: ${formatSize(memory)} is below the minimum of 6MiB`, 125, 'A process cannot start with less memory than that.');
    out.memory = memory;
  }
  const swapText = flagValue(p, 'memory-swap');
  if (swapText !== undefined) {
    const swap = swapText.trim() === '-1' ? -1 : parseSize(swapText);
    if (swap === null) throw bad('memory-swap', swapText, `${SIZE_FORMAT}, or -1 for unlimited swap`);
    if (memory === undefined) throw new UserError('--memory-swap needs --memory too', 125, '--memory-swap is the limit of memory plus swap, so it only makes sense with a memory limit.');
    if (swap !== -1 && swap < memory) {
      throw new UserError(`--memory-swap (${formatSize(swap)}) is smaller than --memory (${formatSize(memory)})`, 125, '--memory-swap is memory plus swap: give at least the --memory value (equal = no swap), or -1 for unlimited swap.');
    }
    out.memorySwap = swap;
  }
  const reservation = sizeFlag(p, 'memory-reservation');
  if (reservation !== undefined) {
    if (memory !== undefined && reservation > memory) {
      throw new UserError(`--memory-reservation (${formatSize(reservation)}) is larger than --memory (${formatSize(memory)})`, 125, 'The soft limit must not exceed the hard limit.');
    }
    out.memoryReservation = reservation;
  }

  const cpusText = flagValue(p, 'cpus');
  const period = intFlag(p, 'cpu-period', 1000, 1000000);
  const quota = intFlag(p, 'cpu-quota', 1000, Number.MAX_SAFE_INTEGER, -1);
  if (cpusText !== undefined) {
    if (period !== undefined || quota !== undefined) {
      throw new UserError('--cpus cannot be combined with --cpu-period or --cpu-quota', 125, '--cpus N sets the quota to N periods of 100ms; use one or the other.');
    }
    const cpus = /^(\d+(\.\d*)?|\.\d+)$/.test(cpusText.trim()) ? Number(cpusText) : NaN;
    if (!(cpus === 0 || cpus >= 0.01)) throw bad('cpus', cpusText, 'a number of CPUs such as 0.5, 1 or 1.5 (at least 0.01; 0 = no limit)');
    out.cpuPeriod = DEFAULT_PERIOD;
    out.cpuQuota = cpus === 0 ? -1 : Math.round(cpus * DEFAULT_PERIOD);
  } else if (quota !== undefined) {
    out.cpuQuota = quota;
    out.cpuPeriod = period ?? DEFAULT_PERIOD;
  } else if (period !== undefined) {
    throw new UserError('--cpu-period needs --cpu-quota', 125, 'A period alone limits nothing; give --cpu-quota too, or use --cpus.');
  }

  const shares = intFlag(p, 'cpu-shares', 2, 262144);
  const weight = intFlag(p, 'cpu-weight', 1, 10000);
  if (shares !== undefined && weight !== undefined) {
    throw new UserError('--cpu-shares and --cpu-weight set the same thing', 125, 'Give one of them: shares (2-262144) is the cgroup v1 scale, weight (1-10000) the v2 one.');
  }
  if (shares !== undefined) out.cpuShares = shares;
  if (weight !== undefined) out.cpuWeight = weight;

  const cpuset = flagValue(p, 'cpuset-cpus');
  if (cpuset !== undefined) {
    const cpus = parseCpuList(cpuset);
    if (!cpus || cpus.length === 0) throw bad('cpuset-cpus', cpuset, 'a list of CPU numbers and ranges such as 0-3 or 0,2');
    out.cpusetCpus = formatCpuList(cpus);
  }

  const pidsText = flagValue(p, 'pids-limit');
  if (pidsText !== undefined) {
    const n = /^-?\d+$/.test(pidsText.trim()) ? Number(pidsText) : NaN;
    if (!(n >= -1)) throw bad('pids-limit', pidsText, 'a whole number of processes, or -1 (or 0) for unlimited');
    out.pidsLimit = n <= 0 ? -1 : n; // podman: 0 and -1 both mean unlimited
  }

  const blkio = intFlag(p, 'blkio-weight', 10, 1000);
  if (blkio !== undefined) out.blkioWeight = blkio;
  return out;
}
