// tsbox ps: containers, reconciled with the kernel.
import type { Command } from '../command.js';
import { openEngine } from '../open-engine.js';
import { bool, list, str } from '../args.js';
import { UserError } from '../../common/errors.js';
import { ago, formatOrTemplate, humanDuration, json, table } from '../format.js';
import { formatRows, goMap } from '../go-template.js';
import type { ContainerRecord } from '../../engine/types.js';
import { print } from '../output.js';

export function statusText(r: ContainerRecord, now = Date.now()): string {
  switch (r.state) {
    case 'running':
      // podman's words: "Up 12 minutes ago"
      return `Up ${humanDuration(now - Date.parse(r.startedAt ?? r.created))} ago`;
    case 'paused':
      return 'Paused';
    case 'exited':
      return `Exited (${r.exitCode ?? '?'})${r.oomKilled ? ' OOMKilled' : ''} ${ago(r.finishedAt, now)}`;
    default:
      return r.state === 'created' ? 'Created' : r.state;
  }
}

const FILTER_KEYS = ['name', 'id', 'status', 'image', 'exited', 'label'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

type Test = (r: ContainerRecord) => boolean;

/**
 * --filter KEY=VALUE, as podman: name (a regular expression), id (a
 * prefix), status (created, running, paused, exited), image (any name it
 * stands for), exited (an exit
 * code), label (KEY or KEY=VALUE of --label). Values of one key are
 * alternatives, but every label filter must match (podman's); different keys
 * must all match.
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
    else if (key === 'label') {
      const [lk, ...rest] = v.split('=');
      if (!lk) throw new UserError(`invalid filter '${f}'`, 125, 'Use label=KEY or label=KEY=VALUE.');
      const lv = rest.length ? rest.join('=') : undefined;
      test = (r) => {
        const labels = { ...(r.spec.imageLabels ?? {}), ...(r.spec.userLabels ?? {}) };
        return lk in labels && (lv === undefined || labels[lk] === lv);
      };
    }
    else test = (r) => r.state === 'exited' && String(r.exitCode) === v;
    out.set(key, [...(out.get(key) ?? []), test]);
  }
  return out;
}

export function matchesFilters(r: ContainerRecord, filters: Map<FilterKey, Test[]>): boolean {
  return [...filters].every(([key, tests]) => (key === 'label' ? tests.every((t) => t(r)) : tests.some((t) => t(r))));
}

export const ps: Command = {
  name: 'ps',
  aliases: ['list', 'ls'],
  summary: 'List containers',
  usage: 'tsbox ps [-a] [-q] [-f KEY=VALUE]... [--format json|TEMPLATE]',
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'show all containers, not only running ones' },
    { name: 'filter', short: 'f', type: 'list', arg: 'KEY=VALUE', help: 'only containers that match: name (regex), id (prefix), status, image, exited (code), label (KEY or KEY=VALUE)' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'print only ids' },
    { name: 'format', type: 'string', arg: 'FORMAT', help: 'json, a Go template ({{.Names}}, table {{.ID}}\\t{{.Status}}), or table (default)' },
  ],
  async run(p, g) {
    const format = formatOrTemplate(str(p, 'format'));
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
      print(json(recs.map((r) => psJson(r))));
      return 0;
    }
    if (typeof format === 'object') {
      const now = Date.now();
      // the fields as podman's ps templates see them: ID short, Names and Command as text
      const items = recs.map((r) => ({
        ...psJson(r, now),
        ID: r.id.slice(0, 12),
        Names: r.name,
        Command: r.spec.command.join(' '),
        Labels: goMap({ ...(r.spec.imageLabels ?? {}), ...(r.spec.userLabels ?? {}) }),
        Mounts: r.spec.volumes.map((v) => v.destination).join(','),
        RunningFor: ago(r.created, now).replace(/ ago$/, ''),
        Created: ago(r.created, now),
      }));
      print(formatRows(format.template, items, { name: 'ps', titles: { ID: 'CONTAINER ID', Names: 'NAMES', RunningFor: 'CREATED', CreatedAt: 'CREATED' } }));
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

/** A Unix time in seconds; Go's zero time (-62135596800) for one that has not come, as podman. */
const unixTime = (iso: string | null | undefined): number => (iso ? Math.floor(Date.parse(iso) / 1000) : -62135596800);

/** One container as podman's `ps --format json` shows it. */
export function psJson(r: ContainerRecord, now = Date.now()): Record<string, unknown> {
  const labels = { ...(r.spec.imageLabels ?? {}), ...(r.spec.userLabels ?? {}) };
  const running = r.state === 'running' || r.state === 'paused';
  return {
    AutoRemove: r.spec.autoRemove,
    Command: r.spec.command,
    CreatedAt: ago(r.created, now),
    Exited: r.state === 'exited',
    ExitedAt: r.state === 'exited' ? unixTime(r.finishedAt) : unixTime(null),
    ExitCode: r.exitCode ?? 0,
    Id: r.id,
    Image: r.spec.image,
    ImageID: r.spec.imageId ?? '',
    IsInfra: false,
    Labels: Object.keys(labels).length ? labels : null,
    Mounts: r.spec.volumes.map((v) => v.destination),
    Names: [r.name],
    // tsbox's own: the kernel's namespace inodes of the init while it runs
    Namespaces: running ? (r.nsInodes ?? {}) : {},
    Networks: [],
    Pid: running ? r.pid : 0,
    Pod: '',
    PodName: '',
    Ports: null,
    Size: null,
    StartedAt: unixTime(r.startedAt),
    State: r.state,
    Status: statusText(r, now),
    Created: unixTime(r.created),
  };
}
