// tsbox run / tsbox create
import type { Command } from '../command.js';
import { openEngine } from '../open-engine.js';
import { RUN_FLAGS, buildRunRequest } from '../run-flags.js';
import type { Parsed } from '../args.js';
import type { GlobalOptions } from '../command.js';
import { print } from '../output.js';
import { pullPolicy, pullRequest } from '../pull-flags.js';
import type { Engine } from '../../engine/engine.js';
import { HOST_IMAGE } from '../../engine/images.js';
import { UserError } from '../../common/errors.js';

/**
 * --pull: missing (the default) pulls an image that is not here, always
 * pulls (the registry's newest, its layers reused), newer pulls when the
 * registry's manifest differs from the stored one's (a pull that finds it
 * the same downloads nothing but the manifest and config; one that fails
 * is a warning while the image is here, as podman's), never refuses a
 * missing one.
 */
async function pullIfAsked(engine: Engine, p: Parsed): Promise<void> {
  const image = p.positionals[0];
  if (!image || image === HOST_IMAGE) return;
  const policy = pullPolicy(p);
  let here = true;
  try {
    engine.images.get(image);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    here = false;
  }
  if (here && policy === 'missing') return;
  if (!here && policy === 'never') throw new UserError(`image '${image}' is not here, and --pull=never`, 125, `Pull it first (tsbox pull ${image}), or drop --pull=never.`);
  if (here && policy === 'never') return;
  if (here && engine.images.findOci(image) === undefined) return; // an imported image: no registry to ask
  try {
    await engine.pull(image, pullRequest(p, false));
  } catch (e) {
    // newer, as podman: a pull that fails is no error while the image is here
    if (!(here && policy === 'newer' && e instanceof UserError)) throw e;
    process.stderr.write(`warning: could not check ${image} for a newer version (${e.message.split('\n')[0]}); running the one here\n`);
  }
}

async function create(p: Parsed, g: GlobalOptions) {
  const engine = openEngine(g);
  await pullIfAsked(engine, p);
  const req = buildRunRequest(p, engine);
  return { engine, req, rec: await engine.create({ name: req.name, spec: req.spec }) };
}

export const run: Command = {
  name: 'run',
  summary: 'Create and start a container',
  usage: 'tsbox run [FLAGS] IMAGE [CMD [ARG...]]',
  flags: RUN_FLAGS,
  stopAtPositional: true,
  async run(p, g) {
    const { engine, req, rec } = await create(p, g);
    if (req.detach) {
      try {
        await engine.start(rec.id);
      } catch (e) {
        if (req.spec.autoRemove) await engine.remove(rec.id, { force: true });
        throw e;
      }
      print(`${rec.id}\n`);
      return 0;
    }
    // Attached: the helper shares our terminal and forwards signals to the
    // container; we only wait for it, so Ctrl-C must not end us first.
    const ignore = () => {};
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) process.on(s, ignore);
    try {
      // the monitor (the helper we waited for) exits with the container's
      // code; with --rm, start() has removed the container by then
      const started = await engine.start(rec.id, { attach: true });
      return started.attachedExit ?? 0;
    } catch (e) {
      if (req.spec.autoRemove) await engine.remove(rec.id, { force: true }).catch(() => {});
      throw e;
    }
  },
};

export const createCmd: Command = {
  name: 'create',
  summary: 'Create a container without starting it',
  usage: 'tsbox create [FLAGS] IMAGE [CMD [ARG...]]',
  flags: RUN_FLAGS.filter((f) => f.name !== 'detach'),
  stopAtPositional: true,
  async run(p, g) {
    const { rec } = await create(p, g);
    print(`${rec.id}\n`);
    return 0;
  },
};

