// start, stop, restart, kill, rm, wait: each takes one or more containers
// (see each.ts for how they report).
import { readSync } from 'node:fs';
import type { Command } from '../command.js';
import { openEngine } from '../open-engine.js';
import { bool, intFlag, str, type FlagSpec } from '../args.js';
import { allFlag, forEachContainer, isRunning, targets } from '../each.js';
import { EXIT_NO_SUCH, isNotFound, UserError } from '../../common/errors.js';

const timeFlag: FlagSpec = { name: 'time', short: 't', type: 'string', arg: 'SECONDS', help: "seconds to wait after the stop signal before SIGKILL (default: the container's --stop-timeout, 10)" };

export const start: Command = {
  name: 'start',
  summary: 'Start one or more containers',
  usage: 'tsbox start [--all] CONTAINER...',
  flags: [allFlag('start every container that is not running', false)],
  run: (p, g) => {
    const e = openEngine(g);
    return forEachContainer(targets(p, e, (r) => !isRunning(r), false), 'start', async (r) => void (await e.start(r)), { allFlag: bool(p, 'all') });
  },
};

export const stop: Command = {
  name: 'stop',
  summary: 'Stop containers: SIGTERM, then SIGKILL after --time seconds',
  usage: 'tsbox stop [-a] [-t SECONDS] CONTAINER...',
  flags: [timeFlag, allFlag('stop every running container', true)],
  run: (p, g) => {
    const e = openEngine(g);
    const t = intFlag(p, 'time');
    return forEachContainer(targets(p, e, isRunning, true), 'stop', async (r) => void (await e.stop(r, t)), { allFlag: bool(p, 'all') });
  },
};

export const restart: Command = {
  name: 'restart',
  summary: 'Stop and start containers again',
  usage: 'tsbox restart [-a] [-t SECONDS] CONTAINER...',
  flags: [timeFlag, allFlag('restart every container', true)],
  run: (p, g) => {
    const e = openEngine(g);
    const t = intFlag(p, 'time');
    return forEachContainer(targets(p, e, () => true, false), 'restart', async (r) => void (await e.restart(r, t)), { allFlag: bool(p, 'all') });
  },
};

export const kill: Command = {
  name: 'kill',
  summary: 'Send a signal to containers (default SIGKILL)',
  usage: 'tsbox kill [-a] [-s SIGNAL] CONTAINER...',
  flags: [{ name: 'signal', short: 's', type: 'string', arg: 'SIGNAL', help: 'signal to send (name or number, default KILL)' }, allFlag('signal every running container', true)],
  run: (p, g) => {
    const e = openEngine(g);
    return forEachContainer(targets(p, e, isRunning, true), 'kill', (r) => e.kill(r, str(p, 'signal') ?? 'SIGKILL'), { allFlag: bool(p, 'all') });
  },
};

export const rm: Command = {
  name: 'rm',
  summary: 'Remove containers',
  usage: 'tsbox rm [-afi] [-t SECONDS] CONTAINER...',
  flags: [
    { name: 'force', short: 'f', type: 'bool', help: 'stop running containers first (the stop signal, then SIGKILL after --time); a container that is not there is no error' },
    allFlag('remove every container (running ones need -f)', true),
    { name: 'ignore', short: 'i', type: 'bool', help: 'a container that is not there is no error' },
    { ...timeFlag, help: "with -f: seconds between the stop signal and SIGKILL (default: the container's --stop-timeout, 10)" },
  ],
  // podman's codes: 1 for a container that is not there, 2 for one that runs (without -f)
  run: (p, g) => {
    const e = openEngine(g);
    const force = bool(p, 'force');
    const timeoutSec = intFlag(p, 'time');
    const remove = async (r: string) => {
      try {
        await e.remove(r, { force, timeoutSec });
      } catch (err) {
        if (!isNotFound(err, 'container')) throw err;
        if (force || bool(p, 'ignore')) return null;
        throw new UserError(err.message, EXIT_NO_SUCH, err.hint);
      }
    };
    return forEachContainer(targets(p, e, () => true, true), 'rm', remove, { allFlag: bool(p, 'all') });
  },
};

export const wait: Command = {
  name: 'wait',
  summary: 'Wait for containers to exit and print their exit codes',
  usage: 'tsbox wait CONTAINER...',
  flags: [],
  run: (p, g) => {
    const e = openEngine(g);
    return forEachContainer(p.positionals, 'wait', async (r) => String(await e.wait(r)));
  },
};

export const cleanup: Command = {
  name: 'cleanup',
  summary: 'Clean up after exited containers: remove --rm ones',
  usage: 'tsbox container cleanup CONTAINER...   (a container monitor runs it when its container exits)',
  flags: [],
  run: (p, g) => {
    const e = openEngine(g);
    return forEachContainer(p.positionals, 'cleanup', (r) => e.cleanup(r));
  },
};

export const prune: Command = {
  name: 'prune',
  summary: 'Remove every container that is not running',
  usage: 'tsbox container prune [-f]   (also: tsbox prune)',
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'do not ask first' }],
  run: (p, g) => {
    const e = openEngine(g);
    if (!bool(p, 'force') && !confirm('This removes every container that is not running. Go on? [y/N] ')) return Promise.resolve(0);
    const refs = e
      .list({ all: true })
      .filter((r) => !isRunning(r))
      .map((r) => r.id);
    return forEachContainer(refs, 'prune', (r) => e.remove(r), { allFlag: true });
  },
};

/** Ask, and read the answer from stdin; anything but y/yes, or no answer at all, is no (as podman). */
function confirm(question: string): boolean {
  process.stderr.write(question);
  const buf = Buffer.alloc(64);
  let n = 0;
  try {
    n = readSync(0, buf, 0, buf.length, null);
  } catch {
    return false;
  }
  return /^y(es)?$/i.test(buf.subarray(0, n).toString().trim());
}

export const rename: Command = {
  name: 'rename',
  summary: 'Rename a container',
  usage: 'tsbox rename CONTAINER NEWNAME',
  flags: [],
  run: async (p, g) => {
    if (p.positionals.length !== 2) throw new UserError('rename takes a container and its new name', 125, 'Usage: tsbox rename CONTAINER NEWNAME');
    await openEngine(g).rename(p.positionals[0], p.positionals[1]);
    return 0;
  },
};
