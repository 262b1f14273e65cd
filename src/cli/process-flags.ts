// Flags about the container's processes, podman's:
//   --ulimit NAME=SOFT[:HARD]   resource limits (src/engine/process-limits.ts)
//   --oom-score-adj N           the OOM killer's preference, -1000..1000
//   --init                      a small init as pid 1 that reaps and forwards signals
//   --group-add GROUP           supplementary groups of CMD (names from the image's /etc/group)
//   --sysctl KEY=VALUE          namespaced kernel parameters (src/engine/sysctl.ts)
import { bool, list, str, type FlagSpec, type Parsed } from './args.js';
import { UserError } from '../common/errors.js';
import { parseUlimit } from '../engine/process-limits.js';
import { parseSysctl } from '../engine/sysctl.js';
import type { Ulimit } from '../engine/types.js';

export const PROCESS_FLAGS: FlagSpec[] = [
  { name: 'ulimit', type: 'list', arg: 'NAME=SOFT[:HARD]', help: 'a resource limit (nofile, nproc, core, stack, memlock, ...; -1 unlimited)' },
  { name: 'oom-score-adj', type: 'string', arg: 'N', help: "the OOM killer's score adjustment of the container, -1000 to 1000" },
  { name: 'init', type: 'bool', help: 'run a small init as pid 1 that forwards signals to CMD and reaps zombies' },
  { name: 'group-add', type: 'list', arg: 'GROUP', help: 'an additional group of CMD (gid, or a name in the image\'s /etc/group)' },
  { name: 'sysctl', type: 'list', arg: 'KEY=VALUE', help: 'a namespaced kernel parameter (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)' },
];

export interface ProcessOptions {
  ulimits: Ulimit[];
  oomScoreAdj?: number;
  init: boolean;
  sysctls: Record<string, string>;
}

export function parseProcessFlags(p: Parsed): ProcessOptions {
  const adj = str(p, 'oom-score-adj');
  let oomScoreAdj: number | undefined;
  if (adj !== undefined) {
    if (!/^-?\d+$/.test(adj) || Number(adj) < -1000 || Number(adj) > 1000) throw new UserError(`invalid --oom-score-adj '${adj}'`, 125, 'Give a whole number from -1000 (never killed first) to 1000 (killed first).');
    oomScoreAdj = Number(adj);
  }
  const sysctls: Record<string, string> = {};
  for (const s of list(p, 'sysctl')) {
    const [k, v] = parseSysctl(s);
    sysctls[k] = v;
  }
  return { ulimits: list(p, 'ulimit').map(parseUlimit), oomScoreAdj, init: bool(p, 'init'), sysctls };
}

/**
 * --group-add values to gids: numbers as they are, names looked up in the
 * group file given (the image's, read inside it). podman's keep-groups is
 * for rootless crun only, and refused.
 */
export function resolveGroupAdd(values: string[], readGroup: () => string | undefined, whose: string): number[] {
  const gids: number[] = [];
  let text: string | undefined;
  for (const v of values.flatMap((x) => x.split(','))) {
    if (v === 'keep-groups') throw new UserError('--group-add keep-groups is not supported', 125, 'Name the groups to add, as gids or names.');
    if (/^\d+$/.test(v)) {
      if (Number(v) > 0xfffffffe) throw new UserError(`invalid --group-add '${v}'`, 125, 'Give a gid below 4294967295 or a group name.');
      gids.push(Number(v));
      continue;
    }
    text ??= readGroup() ?? '';
    const entry = text.split('\n').map((l) => l.split(':')).find((f) => f[0] === v && f.length >= 3);
    if (!entry) throw new UserError(`unknown group '${v}' in ${whose} /etc/group (--group-add)`, 125, 'Give a gid, or the name of a group listed there.');
    gids.push(Number(entry[2]));
  }
  return [...new Set(gids)];
}
