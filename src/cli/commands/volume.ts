// tsbox volume create|ls|inspect|rm|prune: named volumes under tsbox's root.
import crypto from 'node:crypto';
import type { Command, GlobalOptions } from '../command.js';
import { bool, list, str, type Parsed } from '../args.js';
import { ago, formatFlag, formatOrTemplate, json, table } from '../format.js';
import { formatRows, goMap } from '../go-template.js';
import { openEngine } from '../open-engine.js';
import { errorText, EXIT_NO_SUCH, isNotFound, isUserError, UserError } from '../../common/errors.js';
import { VolumeStore, type VolumeInfo } from '../../engine/volumes.js';
import type { ContainerRecord } from '../../engine/types.js';
import { print } from '../output.js';
import { parseLabels } from '../compat-flags.js';

const SUBCOMMANDS = 'create, ls, inspect, rm, prune';

/** Each flag belongs to some subcommands; given to another it is an error rather than ignored. */
const FLAG_USE: Record<string, string[]> = { label: ['create'], format: ['ls', 'list', 'inspect'], quiet: ['ls', 'list'], force: ['rm', 'remove', 'prune'] };

function checkFlags(p: Parsed, sub: string): void {
  for (const [flag, subs] of Object.entries(FLAG_USE)) {
    if (p.flags[flag] !== undefined && !subs.includes(sub)) throw new UserError(`--${flag} does not apply to volume ${sub}`, 125, `It is a flag of volume ${subs[0]}.`);
  }
}


function usersOf(name: string, containers: ContainerRecord[]): ContainerRecord[] {
  return containers.filter((c) => c.spec.volumes.some((v) => v.type === 'volume' && v.name === name));
}

const isLive = (c: ContainerRecord) => c.state === 'running' || c.state === 'paused';

function open(g: GlobalOptions): { store: VolumeStore; containers: ContainerRecord[] } {
  const engine = openEngine(g);
  return { store: new VolumeStore(engine.paths), containers: engine.list({ all: true }) };
}

function create(p: Parsed, args: string[], g: GlobalOptions): number {
  if (args.length > 1) throw new UserError('volume create takes one name', 125, 'Usage: tsbox volume create [--label K=V] [NAME]');
  // like podman, a volume without a name gets a random one
  const name = args[0] ?? crypto.randomBytes(16).toString('hex');
  const v = new VolumeStore(openEngine(g).paths).create(name, { labels: parseLabels(list(p, 'label')) });
  print(`${v.name}\n`);
  return 0;
}

function ls(p: Parsed, args: string[], g: GlobalOptions): number {
  if (args.length > 0) throw new UserError('volume ls takes no arguments', 125, 'Usage: tsbox volume ls [--format json] [-q]');
  const fmt = formatOrTemplate(str(p, 'format'));
  const { store, containers } = open(g);
  const vols = store.list().map((v) => podmanVolume(v, usersOf(v.name, containers).map((c) => c.name)));
  if (bool(p, 'quiet')) print(vols.map((v) => `${v.name}\n`).join(''));
  else if (fmt === 'json') print(json(vols));
  else if (typeof fmt === 'object') print(formatRows(fmt.template, vols.map((v) => ({ ...v, Labels: goMap({ ...v.Labels }) })), { name: 'volume ls', titles: { Name: 'VOLUME NAME' } }));
  else print(table(['DRIVER', 'VOLUME NAME', 'CREATED', 'USED BY'], vols.map((v) => [v.driver, v.name, ago(v.created), v.usedBy.join(',')])));
  return 0;
}

/** podman's: what was found is printed, then an error for each name that was not (125). */
function inspect(p: Parsed, args: string[], g: GlobalOptions): number {
  if (args.length === 0) throw new UserError('volume inspect needs a volume name', 125, 'Usage: tsbox volume inspect NAME...');
  formatFlag(str(p, 'format')); // inspect always prints JSON; the flag is checked for typos only
  const { store, containers } = open(g);
  const found: unknown[] = [];
  const missing: string[] = [];
  for (const n of args) {
    try {
      found.push(podmanVolume(store.inspect(n), usersOf(n, containers).map((c) => c.name)));
    } catch (e) {
      if (!isNotFound(e, 'volume')) throw e;
      missing.push(e.message);
    }
  }
  print(json(found));
  for (const m of missing) process.stderr.write(`Error: ${m}\n`);
  return missing.length ? 125 : 0;
}

/** podman's codes: 1 for a volume that is not there (none with -f), and every other name is still removed. */
async function rm(p: Parsed, args: string[], g: GlobalOptions): Promise<number> {
  if (args.length === 0) throw new UserError('volume rm needs a volume name', 125, 'Usage: tsbox volume rm [-f] NAME...');
  const { store, containers } = open(g);
  const force = bool(p, 'force');
  let code = 0;
  for (const name of args) {
    try {
      const users = usersOf(name, containers);
      // Deleting the data under a running container is never what --force means.
      const live = users.filter(isLive);
      if (live.length > 0) throw new UserError(`volume ${name} is mounted by running container ${live.map((c) => c.name).join(', ')}`, 125, 'Stop it first: tsbox stop NAME.');
      await store.remove(name, { force, inUseBy: users.map((c) => c.name) });
      print(`${name}\n`);
    } catch (e) {
      if (isNotFound(e, 'volume') && force) continue;
      if (!isUserError(e)) throw e;
      process.stderr.write(`Error: ${errorText(e)}\n`);
      code ||= isNotFound(e, 'volume') ? EXIT_NO_SUCH : e.code;
    }
  }
  return code;
}

async function prune(args: string[], g: GlobalOptions): Promise<number> {
  if (args.length > 0) throw new UserError('volume prune takes no arguments', 125, 'It removes every volume no container uses.');
  const { store, containers } = open(g);
  const inUse = new Set(containers.flatMap((c) => c.spec.volumes.filter((v) => v.type === 'volume' && v.name).map((v) => v.name!)));
  for (const name of await store.prune(inUse)) print(`${name}\n`);
  return 0;
}

export const volume: Command = {
  name: 'volume',
  summary: 'Manage named volumes: create, ls, inspect, rm, prune',
  usage: 'tsbox volume create [--label K=V] [NAME] | volume ls [--format json] [-q] | volume inspect NAME... | volume rm [-f] NAME... | volume prune',
  flags: [
    { name: 'label', type: 'list', arg: 'KEY=VALUE', help: 'metadata for the new volume (create)' },
    { name: 'format', type: 'string', arg: 'FORMAT', help: 'ls: json, a Go template ({{.Name}}), or table (default)' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'print only the names (ls)' },
    { name: 'force', short: 'f', type: 'bool', help: 'remove even when stopped containers use it (rm); prune never asks, so -f changes nothing there' },
  ],
  async run(p, g) {
    const [sub, ...args] = p.positionals;
    if (!sub) throw new UserError('volume needs a subcommand', 125, `Use one of: ${SUBCOMMANDS}.`);
    checkFlags(p, sub);
    switch (sub) {
      case 'create':
        return create(p, args, g);
      case 'ls':
      case 'list':
        return ls(p, args, g);
      case 'inspect':
        return inspect(p, args, g);
      case 'rm':
      case 'remove':
        return rm(p, args, g);
      case 'prune':
        return prune(args, g);
      default:
        throw new UserError(`unknown volume command '${sub}'`, 125, `Use one of: ${SUBCOMMANDS}.`);
    }
  },
};

/** A volume in podman's layout (Name, Driver, Mountpoint, CreatedAt, Labels...), then tsbox's own keys (lower case) as before. */
function podmanVolume(v: VolumeInfo, usedBy: string[]) {
  return {
    Name: v.name,
    Driver: v.driver,
    Mountpoint: v.mountpoint,
    CreatedAt: v.created,
    Labels: v.labels,
    Scope: 'local',
    Options: {},
    ...v,
    usedBy,
  };
}
