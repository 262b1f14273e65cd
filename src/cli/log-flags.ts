// --log-opt (podman's flag; tsbox's log driver is always k8s-file, so only
// max-size) -> the cap the monitor keeps the log under (src/engine/logfile.ts).
import type { FlagSpec } from './args.js';
import { UserError } from '../common/errors.js';
import { formatSize, parseSize } from '../common/size.js';
import { DEFAULT_LOG_MAX, MIN_LOG_MAX } from '../engine/logfile.js';

export const LOG_FLAGS: FlagSpec[] = [
  {
    name: 'log-opt',
    type: 'list',
    arg: 'max-size=SIZE',
    help: `cap of the container's log file (default ${formatSize(DEFAULT_LOG_MAX)}; at least 4k): when it would pass it, it becomes ctr.log.1, replacing the one before, and \`logs\` shows both`,
  },
];

/** --log-opt values (podman's name; only max-size here) to the cap in bytes. */
export function parseLogOpts(values: string[]): number {
  let max = DEFAULT_LOG_MAX;
  for (const v of values) {
    const eq = v.indexOf('=');
    const [key, value] = eq < 0 ? [v, ''] : [v.slice(0, eq), v.slice(eq + 1)];
    if (key !== 'max-size') throw new UserError(`unsupported --log-opt '${v}'`, 125, 'tsbox knows max-size=SIZE only (its log driver is always the k8s-file one).');
    const n = parseSize(value);
    if (n === null || n < MIN_LOG_MAX) {
      throw new UserError(`invalid --log-opt max-size '${value}'`, 125, 'Give a size of at least 4k, e.g. max-size=10m (units b, k, m, g of 1024). A log is always capped; there is no unlimited size.');
    }
    max = n;
  }
  return max;
}
