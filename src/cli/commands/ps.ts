// tsbox ps: containers, reconciled with the kernel.
import type { Command } from '../command.js';
import { openEngine } from '../open-engine.js';
import { bool, list, str } from '../args.js';
import { UserError } from '../../common/errors.js';
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

const FILTER_KEYS = ['name', 'id', 'status', 'image', 'exited'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

type Test = (r: ContainerRecord) => boolean;

/**
 * --filter KEY=VALUE, as podman: name (a regular expression), id (a
 * prefix), status (created, running, paused, exited), image (any name it
 * stands for), exited (an exit code). Values of one key are alternatives; different keys must all match.
 */
export function parseFilters(specs: string[], fullNames: (image: string) => string[] = () => []): Map<FilterKey, Test[]> {
  const out = new Map<FilterKey, Test[]>();
  for (const f of specs) {
    const eq = f.indexOf('=');
    const key = f.slice(0, eq) as FilterKey;
    if (eq < 1 || !FILTER_KEYS.includes(key)) {
      throw new UserError(`invalid filter '${f}'`, 125, `Use KEY=VALUE with KEY one of ${FILTER_KEYS.join(', ')}.`);
    }
    const v = f.slice(eq + 1);
    let test: Test;
    if (key === 'name') {
      let re: RegExp;
      try {
        re = new RegExp(v);
      } catch {
        throw new UserError(`invalid filter '${f}': not a regular expression`, 125);
      }
      test = (r) => re.test(r.name);
    } else if (key === 'status') {
      if (!['created', 'running', 'paused', 'exited'].includes(v)) {
        throw new UserError(`invalid filter '${f}'`, 125, 'status is one of created, running, paused, exited.');
      }
      test = (r) => r.state === v;
    } else if (key === 'id') test = (r) => r.id.startsWith(v);
    else if (key === 'image') {
      // containers record the image's full name: image=alpine matches docker.io/library/alpine:latest
      const names = new Set([v, ...fullNames(v)]);
      test = (r) => names.has(r.spec.image);
    }
    else test = (r) => r.state === 'exited' && String(r.exitCode) === v;
    out.set(key, [...(out.get(key) ?? []), test]);
  }
  return out;
}

export function matchesFilters(r: ContainerRecord, filters: Map<FilterKey, Test[]>): boolean {
  return [...filters.values()].every((tests) => tests.some((t) => t(r)));
}

export const ps: Command = {
  name: 'ps',
  aliases: ['list', 'ls'],
  summary: 'List containers',
  usage: 'tsbox ps [-a] [-q] [-f KEY=VALUE]... [--format json]',
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'show all containers, not only running ones' },
    { name: 'filter', short: 'f', type: 'list', arg: 'KEY=VALUE', help: 'only containers that match: name (regex), id (prefix), status, image, exited (code)' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'print only ids' },
    { name: 'format', type: 'string', arg: 'FORMAT', help: 'json, or table (default)' },
  ],
  async run(p, g) {
    const format = formatFlag(str(p, 'format'));
    const engine = openEngine(g);
    const filters = parseFilters(list(p, 'filter'), (v) => engine.images.fullNames(v));
    // asking for a state (exited, created) looks at every container, as podman
    const recs = engine
      .list({ all: bool(p, 'all') || filters.has('status') || filters.has('exited') })
      .filter((r) => matchesFilters(r, filters));
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
