// --ulimit and --oom-score-adj, with podman's meanings, and what this host
// lets tsbox give: raising a hard limit above tsbox's own, or an
// oom_score_adj below its own, needs CAP_SYS_RESOURCE in the host's user
// namespace. Where tsbox lacks it (some VMs and nested containers drop it
// even for root), such a value is refused here, before anything is
// created, instead of failing in the helper at start. The helper sets them
// (native/limits.c); they are inherited by every process of the container
// and by what `tsbox exec` runs.
import fs from 'node:fs';
import { UserError } from '../common/errors.js';
import { CAP_NUMBER } from '../common/capabilities.js';
import type { Ulimit } from './types.js';

/** podman's names (Docker's) and the line of /proc/PID/limits each is */
export const ULIMITS: Readonly<Record<string, string>> = Object.freeze({
  as: 'Max address space',
  core: 'Max core file size',
  cpu: 'Max cpu time',
  data: 'Max data size',
  fsize: 'Max file size',
  locks: 'Max file locks',
  memlock: 'Max locked memory',
  msgqueue: 'Max msgqueue size',
  nice: 'Max nice priority',
  nofile: 'Max open files',
  nproc: 'Max processes',
  rss: 'Max resident set',
  rtprio: 'Max realtime priority',
  rttime: 'Max realtime timeout',
  sigpending: 'Max pending signals',
  stack: 'Max stack size',
});

const UNLIMITED = -1;

function limitValue(v: string, text: string): number {
  if (v === '-1' || v === 'unlimited') return UNLIMITED;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UserError(`invalid --ulimit '${text}': '${v}' is not a number`, 125, 'Use NAME=SOFT[:HARD] with whole numbers or -1 (unlimited), e.g. --ulimit nofile=1024:2048.');
  return Number(v);
}

/** Is A above B, -1 being unlimited */
function above(a: number, b: number): boolean {
  if (a === UNLIMITED) return b !== UNLIMITED;
  return b !== UNLIMITED && a > b;
}

/** NAME=SOFT[:HARD] (a soft limit alone is both, as in Docker and podman). */
export function parseUlimit(text: string): Ulimit {
  const m = /^([a-z]+)=([^:]*)(?::(.*))?$/.exec(text);
  if (!m) throw new UserError(`invalid --ulimit '${text}'`, 125, 'Use NAME=SOFT[:HARD], e.g. --ulimit nofile=1024:2048 or --ulimit core=0.');
  const name = m[1];
  if (!(name in ULIMITS)) throw new UserError(`invalid --ulimit '${text}': unknown limit '${name}'`, 125, `Limits are ${Object.keys(ULIMITS).join(', ')}.`);
  const soft = limitValue(m[2], text);
  const hard = m[3] === undefined ? soft : limitValue(m[3], text);
  if (above(soft, hard)) throw new UserError(`invalid --ulimit '${text}': the soft limit is above the hard one`, 125, 'Give SOFT <= HARD.');
  return { name, soft, hard };
}

/** tsbox's own hard limits, as /proc/self/limits shows them (-1: unlimited). */
export function ownHardLimits(text = fs.readFileSync('/proc/self/limits', 'utf8')): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, label] of Object.entries(ULIMITS)) {
    const line = text.split('\n').find((l) => l.startsWith(label));
    if (!line) continue;
    const fields = line.slice(label.length).trim().split(/\s+/);
    out[name] = fields[1] === 'unlimited' ? UNLIMITED : Number(fields[1]);
  }
  return out;
}

/** Does tsbox hold CAP_SYS_RESOURCE in its effective set (the helper runs with the same)? */
export function holdsSysResource(status = fs.readFileSync('/proc/self/status', 'utf8')): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return !!m && ((BigInt(`0x${m[1]}`) >> BigInt(CAP_NUMBER.get('CAP_SYS_RESOURCE')!)) & 1n) === 1n;
}

export interface LimitFacts {
  hard: Record<string, number>;
  oomScoreAdj: number;
  sysResource: boolean;
}

function ownFacts(): LimitFacts {
  return { hard: ownHardLimits(), oomScoreAdj: Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8').trim()), sysResource: holdsSysResource() };
}

/** Refuse what the kernel would refuse at start: a raise tsbox has no CAP_SYS_RESOURCE for. */
export function checkProcessLimits(opts: { ulimits?: Ulimit[]; oomScoreAdj?: number }, facts: LimitFacts | (() => LimitFacts) = ownFacts): void {
  if (!opts.ulimits?.length && opts.oomScoreAdj === undefined) return;
  const f = typeof facts === 'function' ? facts() : facts;
  const seen = new Set<string>();
  for (const u of opts.ulimits ?? []) {
    if (seen.has(u.name)) throw new UserError(`--ulimit ${u.name} is given twice`, 125, 'Give each limit once.');
    seen.add(u.name);
    const own = f.hard[u.name];
    if (!f.sysResource && own !== undefined && above(u.hard, own)) {
      const show = (n: number) => (n === UNLIMITED ? 'unlimited' : String(n));
      throw new UserError(
        `--ulimit ${u.name}=${show(u.soft)}:${show(u.hard)}: the hard limit is above tsbox's own (${show(own)}), and raising it needs CAP_SYS_RESOURCE, which tsbox does not hold here`,
        125,
        `Give a hard limit of at most ${show(own)} (ulimit -H shows it), or run tsbox where it has CAP_SYS_RESOURCE.`,
      );
    }
  }
  const adj = opts.oomScoreAdj;
  if (adj !== undefined) {
    if (!Number.isInteger(adj) || adj < -1000 || adj > 1000) throw new UserError(`invalid --oom-score-adj ${adj}`, 125, 'Give a whole number from -1000 to 1000.');
    if (!f.sysResource && adj < f.oomScoreAdj) {
      throw new UserError(
        `--oom-score-adj ${adj} is below tsbox's own (${f.oomScoreAdj}), and lowering it needs CAP_SYS_RESOURCE, which tsbox does not hold here`,
        125,
        `Give a value of ${f.oomScoreAdj} or more (more likely to be killed first), or run tsbox where it has CAP_SYS_RESOURCE.`,
      );
    }
  }
}
