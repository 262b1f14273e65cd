// start, stop, restart, kill, rm, wait: each takes one or more containers
// (see each.ts for how they report).
import type { Command } from '../command.js';
import { Engine } from '../../engine/engine.js';
import { bool, intFlag, str, type FlagSpec } from '../args.js';
import { forEachContainer } from '../each.js';

const timeFlag: FlagSpec = { name: 'time', short: 't', type: 'string', arg: 'SECONDS', help: 'seconds to wait after SIGTERM before SIGKILL (default 10)' };

export const start: Command = {
  name: 'start',
  summary: 'Start one or more containers',
  usage: 'tsbox start CONTAINER...',
  flags: [],
  run: (p, g) => {
    const e = Engine.open(g);
    return forEachContainer(p.positionals, 'start', async (r) => void (await e.start(r)));
  },
};

export const stop: Command = {
  name: 'stop',
  summary: 'Stop containers: SIGTERM, then SIGKILL after --time seconds',
  usage: 'tsbox stop [-t SECONDS] CONTAINER...',
  flags: [timeFlag],
  run: (p, g) => {
    const e = Engine.open(g);
    const t = intFlag(p, 'time') ?? 10;
    return forEachContainer(p.positionals, 'stop', async (r) => void (await e.stop(r, t)));
  },
};

export const restart: Command = {
  name: 'restart',
  summary: 'Stop and start containers again',
  usage: 'tsbox restart [-t SECONDS] CONTAINER...',
  flags: [timeFlag],
  run: (p, g) => {
    const e = Engine.open(g);
    const t = intFlag(p, 'time') ?? 10;
    return forEachContainer(p.positionals, 'restart', async (r) => void (await e.restart(r, t)));
  },
};

export const kill: Command = {
  name: 'kill',
  summary: 'Send a signal to containers (default SIGKILL)',
  usage: 'tsbox kill [-s SIGNAL] CONTAINER...',
  flags: [{ name: 'signal', short: 's', type: 'string', arg: 'SIGNAL', help: 'signal to send (name or number, default KILL)' }],
  run: (p, g) => {
    const e = Engine.open(g);
    return forEachContainer(p.positionals, 'kill', (r) => e.kill(r, str(p, 'signal') ?? 'SIGKILL'));
  },
};

export const rm: Command = {
  name: 'rm',
  summary: 'Remove containers',
  usage: 'tsbox rm [-f] CONTAINER...',
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'stop running containers first' }],
  run: (p, g) => {
    const e = Engine.open(g);
    return forEachContainer(p.positionals, 'rm', (r) => e.remove(r, { force: bool(p, 'force') }));
  },
};

export const wait: Command = {
  name: 'wait',
  summary: 'Wait for containers to exit and print their exit codes',
  usage: 'tsbox wait CONTAINER...',
  flags: [],
  run: (p, g) => {
    const e = Engine.open(g);
    return forEachContainer(p.positionals, 'wait', async (r) => String(await e.wait(r)));
  },
};
