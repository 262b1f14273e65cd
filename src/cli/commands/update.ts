// tsbox update: change a container's resource limits; a running container
// gets them at once, a stopped one at its next start.
import type { Command } from '../command.js';
import { openEngine } from '../open-engine.js';
import { UserError } from '../../common/errors.js';
import { RESOURCE_FLAGS, parseResourceFlags } from '../resource-flags.js';
import { print } from '../output.js';

export const update: Command = {
  name: 'update',
  summary: 'Change the resource limits of a container',
  usage: 'tsbox update [--memory SIZE] [--cpus N] [--pids-limit N] [...] CONTAINER',
  flags: RESOURCE_FLAGS,
  async run(p, g) {
    if (p.positionals.length !== 1) {
      throw new UserError('update takes exactly one container name or id', 125, 'Usage: tsbox update [FLAGS] CONTAINER');
    }
    const limits = parseResourceFlags(p);
    if (Object.keys(limits).length === 0) {
      throw new UserError('nothing to update', 125, `Give at least one of ${RESOURCE_FLAGS.map((f) => `--${f.name}`).join(', ')}.`);
    }
    const rec = await openEngine(g).update(p.positionals[0], limits);
    print(`${rec.id}\n`);
    return 0;
  },
};
