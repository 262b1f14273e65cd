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

async function create(p: Parsed, g: GlobalOptions) {
  const engine = openEngine(g);
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

