// tsbox ps: containers, reconciled with the kernel.
import type { Command } from '../command.js';
import { Engine } from '../../engine/engine.js';
import { bool, str } from '../args.js';
import { ago, formatFlag, humanDuration, json, table } from '../format.js';
import type { ContainerRecord } from '../../engine/types.js';
import { print } from '../output.js';

export function statusText(r: ContainerRecord, now = Date.now()): string {
  switch (r.state) {
    case 'running':
      return `Up ${humanDuration(now - Date.parse(r.startedAt ?? r.created))}`;
    case 'paused':
      return 'Paused';
    case 'exited':
      return `Exited (${r.exitCode ?? '?'})${r.oomKilled ? ' OOMKilled' : ''} ${ago(r.finishedAt, now)}`;
    default:
      return r.state === 'created' ? 'Created' : r.state;
  }
}

export const ps: Command = {
  name: 'ps',
  aliases: ['list', 'ls'],
  summary: 'List containers',
  usage: 'tsbox ps [-a] [-q] [--format json]',
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'show all containers, not only running ones' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'print only ids' },
    { name: 'format', type: 'string', arg: 'FORMAT', help: 'json, or table (default)' },
  ],
  async run(p, g) {
    const format = formatFlag(str(p, 'format'));
    const recs = Engine.open(g).list({ all: bool(p, 'all') });
    if (bool(p, 'quiet')) {
      print(recs.map((r) => `${r.id.slice(0, 12)}\n`).join(''));
      return 0;
    }
    if (format === 'json') {
      const out = recs.map((r) => ({
        Id: r.id,
        Names: [r.name],
        Image: r.spec.image,
        Command: r.spec.command,
        Created: r.created,
        State: r.state,
        Status: statusText(r),
        Pid: r.pid,
        ExitCode: r.exitCode,
        Exited: r.state === 'exited',
        OOMKilled: r.oomKilled,
        StartedAt: r.startedAt,
        ExitedAt: r.finishedAt,
      }));
      print(json(out));
      return 0;
    }
    const now = Date.now();
    print(
      table(
        ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'NAMES'],
        recs.map((r) => [r.id.slice(0, 12), r.spec.image, r.spec.command.join(' ').slice(0, 20), ago(r.created, now), statusText(r, now), r.name]),
      ),
    );
    return 0;
  },
};
