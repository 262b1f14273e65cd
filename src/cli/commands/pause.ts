// tsbox pause / unpause: freeze and thaw every process of a container
// (v1 freezer.state, v2 cgroup.freeze); ps then shows "paused".
import type { Command } from '../command.js';
import { openEngine } from '../open-engine.js';
import { bool } from '../args.js';
import { allFlag, forEachContainer, targets } from '../each.js';

export const pause: Command = {
  name: 'pause',
  summary: 'Pause all processes of containers',
  usage: 'tsbox pause [--all] CONTAINER...',
  flags: [allFlag('pause every running container', true)],
  run: (p, g) => {
    const e = openEngine(g);
    return forEachContainer(targets(p, e, (r) => r.state === 'running', true), 'pause', (r) => e.pause(r), { allFlag: bool(p, 'all') });
  },
};

export const unpause: Command = {
  name: 'unpause',
  summary: 'Resume the processes of paused containers',
  usage: 'tsbox unpause [--all] CONTAINER...',
  flags: [allFlag('unpause every paused container', true)],
  run: (p, g) => {
    const e = openEngine(g);
    return forEachContainer(targets(p, e, (r) => r.state === 'paused', false), 'unpause', (r) => e.unpause(r), { allFlag: bool(p, 'all') });
  },
};
