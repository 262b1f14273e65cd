// tsbox cp: files between a container and the host (engine/copy.ts), in
// podman's syntax: `tsbox cp CTR:SRC DEST`, `tsbox cp SRC CTR:DEST`, and `-`
// for a tar stream on stdout or stdin. A container path resolves inside
// the container's root: no symlink of the container's leads out of it.
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { Copier } from '../../engine/copy.js';
import { openEngine } from '../open-engine.js';

const USAGE = 'tsbox cp [--archive=false] CONTAINER:SRC_PATH DEST_PATH|-\n       tsbox cp [--archive=false] SRC_PATH|- CONTAINER:DEST_PATH';

/** CTR:PATH, as podman reads it: a host path starts with / or . (so ./a:b is a host file). */
function split(arg: string): { container: string; path: string } | undefined {
  if (arg.startsWith('/') || arg.startsWith('.')) return undefined;
  const i = arg.indexOf(':');
  if (i <= 0) return undefined;
  return { container: arg.slice(0, i), path: arg.slice(i + 1) || '/' };
}

export const cp: Command = {
  name: 'cp',
  summary: 'Copy files between a container and the host',
  usage: USAGE,
  flags: [{ name: 'archive', short: 'a', type: 'bool', help: "the copied files belong to the container's user (default true); --archive=false keeps the archive's owners (shifted into the container's user namespace)" }],
  podman: { long: ['overwrite', 'pause'], short: {} },
  async run(p, g) {
    if (p.positionals.length !== 2) throw new UserError(`cp takes a source and a destination (got ${p.positionals.length} arguments)`, 125, `Usage: ${USAGE}`);
    const [srcArg, dstArg] = p.positionals;
    const src = split(srcArg);
    const dst = split(dstArg);
    if (src && dst) throw new UserError('copying between two containers is not supported yet', 125, 'Copy to the host first: tsbox cp A:PATH /tmp/x && tsbox cp /tmp/x B:PATH');
    if (!src && !dst) throw new UserError(`neither ${srcArg} nor ${dstArg} names a container (CONTAINER:PATH)`, 125, `Usage: ${USAGE}`);
    const engine = openEngine(g);
    const copier = new Copier(engine);
    if (src) {
      const notes = await copier.copyOut(src.container, src.path, dstArg === '-' ? { fd: 1 } : dstArg);
      for (const n of notes) process.stderr.write(`warning: ${n}\n`);
      return 0;
    }
    await copier.copyIn(dst!.container, srcArg === '-' ? process.stdin : srcArg, dst!.path, { archive: p.flags.archive !== false });
    return 0;
  },
};
