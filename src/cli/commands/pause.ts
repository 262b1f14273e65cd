// tsbox pause / unpause: freeze and thaw every process of a container
// (v1 freezer.state, v2 cgroup.freeze); ps then shows "paused".
import type { Command } from '../command.js';
import { Engine } from '../../engine/engine.js';
import { UserError, errorText, isUserError } from '../../engine/errors.js';
import { bool, type Parsed } from '../args.js';

/** Each container in turn; errors are reported and the first one sets the exit code, as podman does. */
async function each(p: Parsed, refs: string[], what: string, fn: (ref: string) => Promise<void>): Promise<number> {
  if (refs.length === 0 && !bool(p, 'all')) throw new UserError(`${what} needs at least one container name or id (or --all)`);
  let code = 0;
  for (const ref of refs) {
    try {
      await fn(ref);
      process.stdout.write(`${ref}\n`);
    } catch (e) {
      if (!isUserError(e)) throw e;
      process.stderr.write(`Error: ${errorText(e)}\n`);
      code = code || e.code;
    }
  }
  return code;
}

export const pause: Command = {
  name: 'pause',
  summary: 'Pause all processes of containers',
  usage: 'tsbox pause [--all] CONTAINER...',
  flags: [{ name: 'all', short: 'a', type: 'bool', help: 'pause every running container' }],
  run: (p, g) => {
    const e = Engine.open(g);
    const refs = bool(p, 'all') ? e.list().filter((r) => r.state === 'running').map((r) => r.name) : p.positionals;
    return each(p, refs, 'pause', (r) => e.pause(r));
  },
};

export const unpause: Command = {
  name: 'unpause',
  summary: 'Resume the processes of paused containers',
  usage: 'tsbox unpause [--all] CONTAINER...',
  flags: [{ name: 'all', short: 'a', type: 'bool', help: 'unpause every paused container' }],
  run: (p, g) => {
    const e = Engine.open(g);
    const refs = bool(p, 'all') ? e.list().filter((r) => r.state === 'paused').map((r) => r.name) : p.positionals;
    return each(p, refs, 'unpause', (r) => e.unpause(r));
  },
};
