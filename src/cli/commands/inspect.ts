// tsbox inspect: container (or image) details as JSON.
import type { Command } from '../command.js';
import { openEngine } from '../open-engine.js';
import { UserError, isUserError } from '../../common/errors.js';
import { json } from '../format.js';
import { str } from '../args.js';
import { print } from '../output.js';

export const inspect: Command = {
  name: 'inspect',
  summary: 'Show details of containers (or images) as JSON',
  usage: 'tsbox inspect [--type container|image] NAME...',
  flags: [{ name: 'type', type: 'string', arg: 'TYPE', help: 'container or image (default: whichever matches)' }],
  async run(p, g) {
    if (p.positionals.length === 0) throw new UserError('inspect needs at least one name');
    const engine = openEngine(g);
    const type = str(p, 'type');
    if (type && type !== 'container' && type !== 'image') throw new UserError(`invalid --type '${type}'`, 125, 'Use container or image.');
    const out = p.positionals.map((ref) => {
      if (type !== 'image') {
        try {
          return engine.inspect(ref);
        } catch (e) {
          if (!isUserError(e) || type === 'container') throw e;
        }
      }
      try {
        return engine.images.get(ref);
      } catch {
        throw new UserError(`no such container or image: ${ref}`, 125, 'See tsbox ps -a and tsbox images.');
      }
    });
    print(json(out));
    return 0;
  },
};
