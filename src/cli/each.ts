// Commands that act on several containers (start, stop, rm, pause...) report
// per container, like podman: each success prints its name, each failure an
// error, and the first failure sets the exit code.
import type { Engine } from '../engine/engine.js';
import { UserError, errorText, isUserError } from '../common/errors.js';
import type { ContainerRecord } from '../engine/types.js';
import { bool, type FlagSpec, type Parsed } from './args.js';
import { print } from './output.js';

export async function forEachContainer(
  refs: string[],
  what: string,
  /** what to print for the container (default: the ref as given; null: nothing) */
  fn: (ref: string) => Promise<string | void | null>,
  opts: { allFlag?: boolean } = {},
): Promise<number> {
  if (refs.length === 0 && !opts.allFlag) throw new UserError(`${what} needs at least one container name or id${opts.allFlag === false ? ' (or --all)' : ''}`);
  let code = 0;
  for (const ref of refs) {
    try {
      const out = await fn(ref);
      if (out !== null) print(`${out ?? ref}\n`);
    } catch (e) {
      if (!isUserError(e)) throw e;
      process.stderr.write(`Error: ${errorText(e)}\n`);
      code = code || e.code;
    }
  }
  return code;
}

export const isRunning = (r: ContainerRecord) => r.state === 'running' || r.state === 'paused';

/** The --all flag of a command that takes containers (-a too where podman has it). */
export const allFlag = (help: string, short: boolean): FlagSpec => ({ name: 'all', ...(short ? { short: 'a' } : {}), type: 'bool', help });

/**
 * The containers a command acts on: those named, or with --all those `which`
 * selects. Containers that share another's namespaces are stopped and
 * removed before the ones they share with (`sharersFirst`), and started
 * after them.
 */
export function targets(p: Parsed, e: Engine, which: (r: ContainerRecord) => boolean, sharersFirst: boolean): string[] {
  if (!bool(p, 'all')) return p.positionals;
  if (p.positionals.length) throw new UserError('--all and container names cannot be used together', 125, 'Give either --all or the containers.');
  const shares = (r: ContainerRecord) => Object.values(r.spec.namespaces).some((m) => m.kind === 'container');
  return e
    .list({ all: true })
    .filter(which)
    .sort((a, b) => (Number(shares(b)) - Number(shares(a))) * (sharersFirst ? 1 : -1))
    .map((r) => r.name);
}
