// tsbox inspect: container (or image) details as JSON.
import type { Command } from '../command.js';
import { openEngine } from '../open-engine.js';
import { UserError, isUserError } from '../../common/errors.js';
import { formatOrTemplate, json } from '../format.js';
import { formatRows, goMap } from '../go-template.js';
import { str } from '../args.js';
import { print } from '../output.js';

export const inspect: Command = {
  name: 'inspect',
  summary: 'Show details of containers (or images) as JSON',
  usage: 'tsbox inspect [--type container|image] [--format json|TEMPLATE] NAME...',
  flags: [
    { name: 'type', type: 'string', arg: 'TYPE', help: 'container or image (default: whichever matches)' },
    { name: 'format', short: 'f', type: 'string', arg: 'FORMAT', help: 'json (default), or a Go template ({{.State.Pid}}, {{json .Config}})' },
  ],
  async run(p, g) {
    if (p.positionals.length === 0) throw new UserError('inspect needs at least one name');
    const engine = openEngine(g);
    const type = str(p, 'type');
    if (type && type !== 'container' && type !== 'image') throw new UserError(`invalid --type '${type}'`, 125, 'Use container or image.');
    const format = formatOrTemplate(str(p, 'format') ?? 'json');
    // as podman: what was found is printed, then the error for what was not (125)
    let missing: UserError | undefined;
    const out = p.positionals.flatMap<unknown>((ref) => {
      if (type !== 'image') {
        try {
          return [engine.inspect(ref)];
        } catch (e) {
          if (!isUserError(e)) throw e;
          if (type === 'container') {
            missing ??= e;
            return [];
          }
        }
      }
      try {
        return [engine.images.get(ref)];
      } catch (e) {
        if (!isUserError(e)) throw e;
        missing ??= new UserError(`inspecting object: no such object: "${ref}"`, 125, 'See tsbox ps -a and tsbox images.');
        return [];
      }
    });
    if (typeof format === 'object') print(formatRows(format.template, out.map(asGoMaps), { name: 'inspect' }));
    else print(json(out));
    if (missing) throw missing;
    return 0;
  },
};

/** The maps of podman's inspect (labels, annotations, sysctls) print as Go maps print them in a template. */
function asGoMaps(item: unknown): unknown {
  const o = item as { Config?: Record<string, unknown>; HostConfig?: Record<string, unknown>; Labels?: unknown };
  for (const [parent, key] of [[o.Config, 'Labels'], [o.Config, 'Annotations'], [o.HostConfig, 'Sysctls'], [o, 'Labels']] as const) {
    const v = parent?.[key as keyof typeof parent];
    if (v && typeof v === 'object' && !Array.isArray(v)) goMap(v as object);
  }
  return item;
}
