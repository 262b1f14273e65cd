// tsbox images / image import|ls|inspect|rm / rmi
import type { Command } from '../command.js';
import { openEngine } from '../open-engine.js';
import { UserError } from '../../common/errors.js';
import { str } from '../args.js';
import { ago, formatFlag, humanSize, json, table } from '../format.js';
import type { Parsed } from '../args.js';
import type { GlobalOptions } from '../command.js';
import { print } from '../output.js';

function listImages(p: Parsed, g: GlobalOptions): number {
  const images = openEngine(g).images.list();
  if (formatFlag(str(p, 'format')) === 'json') {
    print(json(images));
    return 0;
  }
  print(
    table(
      ['NAME', 'ID', 'CREATED', 'SIZE', 'SOURCE'],
      images.map((i) => [i.name, i.id.slice(0, 12), i.kind === 'host' ? 'built-in' : ago(i.created), i.kind === 'host' ? '-' : humanSize(i.size), i.source]),
    ),
  );
  return 0;
}

async function removeImages(names: string[], g: GlobalOptions): Promise<number> {
  if (names.length === 0) throw new UserError('rmi needs at least one image name');
  const engine = openEngine(g);
  const all = engine.list({ all: true });
  for (const n of names) {
    engine.images.remove(n, all.filter((c) => c.spec.image === n).map((c) => c.name));
    print(`${n}\n`);
  }
  return 0;
}

const formatFlagSpec = { name: 'format', type: 'string' as const, arg: 'FORMAT', help: 'json, or table (default)' };

export const images: Command = {
  name: 'images',
  summary: 'List images',
  usage: 'tsbox images [--format json]',
  flags: [formatFlagSpec],
  run: async (p, g) => listImages(p, g),
};

export const rmi: Command = {
  name: 'rmi',
  summary: 'Remove images',
  usage: 'tsbox rmi IMAGE...',
  flags: [],
  run: (p, g) => removeImages(p.positionals, g),
};

export const image: Command = {
  name: 'image',
  summary: 'Manage images: import, ls, inspect, rm',
  usage: 'tsbox image import PATH --name NAME | image ls | image inspect NAME | image rm NAME',
  flags: [{ name: 'name', type: 'string', arg: 'NAME', help: 'name for the imported image (import)' }, formatFlagSpec],
  async run(p, g) {
    const [sub, ...rest] = p.positionals;
    switch (sub) {
      case 'import': {
        const name = str(p, 'name');
        if (rest.length !== 1 || !name) throw new UserError('usage: tsbox image import PATH --name NAME', 125, 'PATH is a rootfs directory or a tar(.gz) archive such as `docker export` output.');
        const rec = await openEngine(g).images.import(rest[0], name);
        print(`${rec.name} ${rec.id}\n`);
        return 0;
      }
      case 'ls':
      case 'list':
        return listImages(p, g);
      case 'inspect': {
        if (rest.length === 0) throw new UserError('usage: tsbox image inspect NAME...');
        const engine = openEngine(g);
        print(json(rest.map((n) => engine.images.get(n))));
        return 0;
      }
      case 'rm':
        return removeImages(rest, g);
      default:
        throw new UserError(sub ? `unknown image command '${sub}'` : 'image needs a subcommand', 125, 'Use: import, ls, inspect, rm.');
    }
  },
};
