// tsbox run / tsbox create
import fs from 'node:fs';
import type { Command } from '../command.js';
import { isNotFound, UserError } from '../../common/errors.js';
import { openEngine } from '../open-engine.js';
import { RUN_FLAGS, buildRunRequest } from '../run-flags.js';
import type { Parsed } from '../args.js';
import type { GlobalOptions } from '../command.js';
import { print } from '../output.js';
import { PODMAN_RUN_FLAGS, PODMAN_RUN_SHORTS } from '../compat-flags.js';
import { proxySignals } from '../sig-proxy.js';
import { pullPolicy, pullRequest } from '../pull-flags.js';
import type { Engine } from '../../engine/engine.js';
import { HOST_IMAGE } from '../../engine/images.js';

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
  if (req.replace && req.name) {
    // podman's --replace: the container of that name goes first, stopped as rm -f stops it
    await engine.remove(req.name, { force: true }).catch((e) => {
      if (!isNotFound(e, 'container')) throw e;
    });
  }
  const rec = await engine.create({ name: req.name, spec: req.spec });
  if (req.cidfile) {
    try {
      fs.writeFileSync(req.cidfile, rec.id, { flag: 'wx' });
    } catch (e) {
      await engine.remove(rec.id, { force: true });
      throw new UserError(`cannot write --cidfile ${req.cidfile}: ${(e as Error).message}`, 125, 'Give a path in a directory you can write, that does not exist yet.');
    }
  }
  return { engine, req, rec };
}

export const run: Command = {
  name: 'run',
  summary: 'Create and start a container',
  usage: 'tsbox run [FLAGS] IMAGE [CMD [ARG...]]',
  flags: RUN_FLAGS,
  podman: { long: PODMAN_RUN_FLAGS, short: PODMAN_RUN_SHORTS },
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
    // Attached: the helper shares our terminal; the signals we get go on to
    // the container (sig-proxy.ts), and we exit with its code.
    const signals = proxySignals(p.flags['sig-proxy'] !== false);
    try {
      // the monitor (the helper we waited for) exits with the container's
      // code; with --rm, start() has removed the container by then
      const started = await engine.start(rec.id, { attach: true, onRelay: signals.onRelay });
      return started.attachedExit ?? 0;
    } catch (e) {
      if (req.spec.autoRemove) await engine.remove(rec.id, { force: true }).catch(() => {});
      throw e;
    } finally {
      signals.dispose();
    }
  },
};

export const createCmd: Command = {
  name: 'create',
  summary: 'Create a container without starting it',
  usage: 'tsbox create [FLAGS] IMAGE [CMD [ARG...]]',
  flags: RUN_FLAGS.filter((f) => f.name !== 'detach' && f.name !== 'sig-proxy'),
  podman: { long: PODMAN_RUN_FLAGS.filter((f) => f !== 'detach' && f !== 'sig-proxy'), short: PODMAN_RUN_SHORTS },
  stopAtPositional: true,
  async run(p, g) {
    const { rec } = await create(p, g);
    print(`${rec.id}\n`);
    return 0;
  },
};

