// tsbox events: the engine's events journal (src/engine/journal.ts), as
// podman's `events`: what is in it, then (unless --stream=false) each new
// event as it is written, until --until or a signal.
import type { Command } from '../command.js';
import { list, str } from '../args.js';
import { UserError } from '../../common/errors.js';
import { openEngine } from '../open-engine.js';
import { EVENT_FILTER_KEYS, EVENT_STATUSES, matchesEvent, watchEvents, type EventFilters, type JournalEvent } from '../../engine/journal.js';
import { formatOrTemplate } from '../format.js';
import { goMap, parseTemplate, render } from '../go-template.js';
import { print } from '../output.js';
import { parseTimeFlag } from '../time-flags.js';

/** --filter KEY=VALUE, checked: the same key matches any of its values, different keys all (podman's). */
export function parseEventFilters(values: string[]): EventFilters {
  const filters: EventFilters = new Map();
  for (const f of values) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    const value = eq < 0 ? '' : f.slice(eq + 1);
    if (eq < 0 || !value || !(EVENT_FILTER_KEYS as readonly string[]).includes(key)) {
      throw new UserError(`invalid filter '${f}'`, 125, `Use KEY=VALUE with KEY one of ${EVENT_FILTER_KEYS.join(', ')}.`);
    }
    if (key === 'event' && value !== 'die' && !(EVENT_STATUSES as readonly string[]).includes(value)) {
      throw new UserError(`invalid filter '${f}': tsbox records no '${value}' events`, 125, `The events are ${EVENT_STATUSES.join(', ')}.`);
    }
    if (key === 'type' && !['container', 'image', 'volume', 'pod', 'system', 'network'].includes(value)) {
      throw new UserError(`invalid filter '${f}'`, 125, 'type is one of container, image, volume, pod, system, network (tsbox records container events).');
    }
    filters.set(key, [...(filters.get(key) ?? []), value]);
  }
  return filters;
}

/** Go's time.Time String() in UTC, as podman prints an event's time: nanoseconds, trailing zeros dropped. */
export function goTimeString(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso);
  const utc = m ? m : /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(new Date(iso).toISOString());
  const frac = (utc?.[3] ?? '').replace(/0+$/, '');
  return `${utc?.[1]} ${utc?.[2]}${frac ? `.${frac}` : ''} +0000 UTC`;
}

/** podman's human line: TIME container STATUS ID (image=IMAGE, name=NAME, LABEL=VALUE...). */
export function eventLine(ev: JournalEvent, noTrunc: boolean): string {
  const attrs = [`image=${ev.Image}`, `name=${ev.Name}`, ...Object.keys(ev.Attributes).sort().map((k) => `${k}=${ev.Attributes[k]}`)];
  return `${goTimeString(ev.Time)} ${ev.Type} ${ev.Status} ${noTrunc ? ev.ID : ev.ID.slice(0, 12)} (${attrs.join(', ')})\n`;
}

/** podman's keys in podman's order (its Event struct's), whatever order the line had in the journal. */
export function eventJson(ev: JournalEvent): string {
  const { ContainerExitCode, ID, Image, Name, Status, Time, Type, Attributes } = ev;
  return JSON.stringify({ ...(ContainerExitCode ? { ContainerExitCode } : {}), ID, Image, Name, Status, Time, Type, Attributes });
}

/** The fields a template sees: podman's, Time as Go prints it, ContainerExitCode 0 when left out. */
function templateItem(ev: JournalEvent): Record<string, unknown> {
  return { ...ev, ContainerExitCode: ev.ContainerExitCode ?? 0, Time: goTimeString(ev.Time), Attributes: goMap(ev.Attributes) };
}

export const events: Command = {
  name: 'events',
  summary: 'Show events of containers',
  usage: 'tsbox events [--filter KEY=VALUE]... [--since TIME] [--until TIME] [--format json|TEMPLATE] [--stream=false]',
  flags: [
    {
      name: 'filter',
      short: 'f',
      type: 'list',
      arg: 'KEY=VALUE',
      help: `only events that match: container (name or id), event (${EVENT_STATUSES.join(', ')}), type (container), image, label (KEY or KEY=VALUE); one key's values are alternatives, different keys must all match`,
    },
    { name: 'format', type: 'string', arg: 'FORMAT', help: 'json (one object a line), or a Go template ({{.Status}} {{.Name}})' },
    { name: 'since', type: 'string', arg: 'TIME', help: 'events from TIME on: a Unix time, an RFC 3339 time, a date, or a duration back from now (10m)' },
    { name: 'until', type: 'string', arg: 'TIME', help: 'events up to TIME (as --since); following ends there' },
    { name: 'stream', type: 'bool', help: 'keep printing new events as they come (the default; --stream=false prints those there are and exits)' },
    { name: 'no-trunc', type: 'bool', help: 'whole container ids (the default; --no-trunc=false shows 12 digits)' },
  ],
  podman: { long: ['filter', 'format', 'since', 'until', 'stream', 'no-trunc'], short: {} },
  async run(p, g) {
    if (p.positionals.length) throw new UserError(`events takes no arguments, got '${p.positionals[0]}'`, 125, 'Select events with --filter.');
    const filters = parseEventFilters(list(p, 'filter'));
    const now = Date.now();
    const since = str(p, 'since') === undefined ? undefined : parseTimeFlag('since', str(p, 'since')!, now);
    const until = str(p, 'until') === undefined ? undefined : parseTimeFlag('until', str(p, 'until')!, now);
    const format = formatOrTemplate(str(p, 'format'));
    const template = typeof format === 'object' ? parseTemplate(format.template) : undefined;
    const noTrunc = p.flags['no-trunc'] !== false;
    const stream = p.flags.stream !== false;
    const show = (ev: JournalEvent) => {
      const t = Date.parse(ev.Time);
      if ((since !== undefined && t < since) || (until !== undefined && t > until) || !matchesEvent(ev, filters)) return;
      if (format === 'json') print(`${eventJson(ev)}\n`);
      else if (template) print(`${render(template, templateItem(ev), 'events')}\n`);
      else print(eventLine(ev, noTrunc));
    };
    const engine = openEngine(g);
    const watch = watchEvents(engine.paths, show, { replay: true });
    if (!stream || (until !== undefined && until <= Date.now())) {
      watch.close();
      return 0;
    }
    return new Promise<number>((resolve) => {
      const end = () => {
        watch.close();
        resolve(0);
      };
      // podman ends a stream with --until when that time comes
      if (until !== undefined) setTimeout(end, until - Date.now() + 50);
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, end);
    });
  },
};
